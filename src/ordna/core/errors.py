"""What the services raise when the rules refuse a request.

A `ServiceError` carries two things: `field`, the input it is about under the name the API and the forms use
(stable, machine-readable, "" for the request as a whole), and a message that names that input in words and
says what is wrong. The message is a lazy translation with its values kept apart, so it reads in the
language active where it is shown: the web page of a Swedish user, the API answer to a Dutch one, the
English of the command line.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class ServiceError(ValueError):
    """A request the rules refuse; nothing was written. `str()` gives the message in the active language."""

    def __init__(self, message: str | Promise, *, field: str = "", **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.params = params

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text
