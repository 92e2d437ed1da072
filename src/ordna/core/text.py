"""Messages of the pure modules (the readers of files, the import plans), translated only when shown.

Those modules stay plain Python, importable and testable without Django, yet their messages (an import's row
errors) read in the language of the page or command that shows them. A `Text` keeps the English message and
its values; `str()` translates it through the translator the core app installs when Django starts
(`CoreConfig.ready`), or leaves it English without one.

Import `later` as `_` in such a module, `_("%(value)s is not a date", value=...)`: the message catalogs are
extracted by the name `_`, so the message lands in them like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _english(message: str) -> str:
    return message


translate: Callable[[str], str] = _english  # replaced by Django's gettext once the core app is ready


class Text:
    """An English message with its `%(name)s` values, in the active language whenever it is made a string."""

    __slots__ = ("message", "params")

    def __init__(self, message: str, params: dict[str, Any]) -> None:
        self.message = message
        self.params = params

    def __str__(self) -> str:
        text = translate(self.message)
        return text % self.params if self.params else text

    def __repr__(self) -> str:
        return f"Text({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return str(self) == (str(other) if isinstance(other, str | Text) else other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __contains__(self, part: str) -> bool:
        return part in str(self)


def later(message: str, **params: Any) -> Text:
    """`message % params`, translated when shown."""
    return Text(message, params)
