"""Typed, synchronous events: how a lower app tells the apps above it what changed (docs/architecture.md).

A lower app declares an `Event` next to the dataclass it sends (`ordna/people/events.py`: `people_changed`);
a higher app subscribes a handler in its `AppConfig.ready`. `send` calls every handler at once, in the order
they subscribed, inside the sender's transaction: an exception in a handler propagates and rolls the whole
change back, exactly as the direct call it replaces did, and the audit chain sees one transaction. Each
handler returns a summary (counts, say) that the sender may report to its caller.

Why not Django's signals: they pass untyped keyword arguments that mypy cannot check, hold weak references
by default (a handler defined inside a function silently disappears), and offer `send_robust`, which
swallows errors that must roll an import back. An `Event` is a list of plain functions with a typed payload
and a typed result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from django.db import transaction

P = TypeVar("P")
R = TypeVar("R")


class EventError(RuntimeError):
    """An event sent outside a transaction: its handlers' writes could not roll back with the sender's."""


class Event(Generic[P, R]):
    """One kind of change, announced with a payload of type P; each handler answers with an R."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: list[Callable[[P], R]] = []

    def __repr__(self) -> str:
        return f"Event({self.name!r}, {len(self._handlers)} handler(s))"

    def subscribe(self, handler: Callable[[P], R]) -> Callable[[P], R]:
        """Call `handler` on every `send`; subscribing the same function twice is harmless. Usable as a
        decorator."""
        if handler not in self._handlers:
            self._handlers.append(handler)
        return handler

    def unsubscribe(self, handler: Callable[[P], R]) -> None:
        if handler in self._handlers:
            self._handlers.remove(handler)

    @property
    def handlers(self) -> tuple[Callable[[P], R], ...]:
        return tuple(self._handlers)

    def send(self, payload: P) -> list[R]:
        """Call every handler with `payload`, in subscription order, and return their answers.

        Must run inside `transaction.atomic()`, so that what the handlers write commits or rolls back
        with what the sender wrote. An exception in a handler is not caught.
        """
        if not transaction.get_connection().in_atomic_block:
            raise EventError(f"the event {self.name!r} must be sent inside transaction.atomic()")
        return [handler(payload) for handler in list(self._handlers)]

    @contextmanager
    def replaced(self, *handlers: Callable[[P], R]) -> Iterator[None]:
        """For tests: only `handlers` listen while the block runs; the subscribers come back afterwards."""
        saved = self._handlers
        self._handlers = list(handlers)
        try:
            yield
        finally:
            self._handlers = saved
