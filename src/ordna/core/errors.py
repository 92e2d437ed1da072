"""What the services raise when the rules refuse a request.

A `ServiceError` carries two things: `field`, the input it is about under the name the API and the forms use
(stable, machine-readable, "" for the request as a whole), and a message that names that input in words and
says what is wrong. The message is a lazy translation with its values kept apart, so it reads in the
language active where it is shown: the web page of a Swedish user, the API answer to a Dutch one, the
English of the command line.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _


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


# Unknown references, as every API and form says them.
def no_person(field: str, employee_id: str) -> ServiceError:
    return ServiceError(_("No person has the employee id %(value)s."), field=field, value=repr(employee_id))


def no_application(field: str, slug: str) -> ServiceError:
    return ServiceError(_("No application has the short name %(value)s."), field=field, value=repr(slug))


def no_supplier(field: str, name: str) -> ServiceError:
    return ServiceError(_("No supplier is named %(value)s."), field=field, value=repr(name))


def not_one_of(field: str, value: str, choices: list[str] | tuple[str, ...]) -> ServiceError:
    """A filter or choice outside its list."""
    return ServiceError(
        _("%(value)s is not one of %(choices)s."), field=field, value=repr(value), choices=", ".join(choices)
    )


def lazy_text(message: str | Promise, **params: Any) -> str:
    """`message % params`, translated only when shown: for messages kept before a page or a command shows them
    (an import's row errors, in a Swedish page or in the English of the command line)."""
    return _lazy_percent(message, params)


def _percent(message: str | Promise, params: dict[str, Any]) -> str:
    return str(message) % params if params else str(message)


_lazy_percent = lazy(_percent, str)
