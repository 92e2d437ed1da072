"""Events: handlers run in order, inside the sender's transaction, and their errors are not swallowed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction

from ordna.core.events import Event, EventError
from ordna.core.models import User

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass(frozen=True)
class Renamed:
    username: str


def test_send_calls_every_handler_in_subscription_order_and_returns_their_answers() -> None:
    event: Event[Renamed, str] = Event("test.renamed")
    event.subscribe(lambda p: f"first {p.username}")
    event.subscribe(lambda p: f"second {p.username}")
    with transaction.atomic():
        answers = event.send(Renamed("anna"))
    assert answers == ["first anna", "second anna"]


def test_subscribing_the_same_handler_twice_calls_it_once() -> None:
    event: Event[Renamed, int] = Event("test.renamed")

    def handler(payload: Renamed) -> int:
        return 1

    event.subscribe(handler)
    event.subscribe(handler)
    with transaction.atomic():
        assert event.send(Renamed("anna")) == [1]


def test_an_exception_in_a_handler_rolls_back_what_the_sender_wrote() -> None:
    event: Event[Renamed, None] = Event("test.renamed")

    def refuse(payload: Renamed) -> None:
        raise ValueError("the subscriber refuses")

    event.subscribe(refuse)
    with pytest.raises(ValueError, match="refuses"), transaction.atomic():
        User.objects.create(username="written-before-the-event")
        event.send(Renamed("written-before-the-event"))
    assert not User.objects.filter(username="written-before-the-event").exists()


def test_sending_outside_a_transaction_is_refused() -> None:
    event: Event[Renamed, None] = Event("test.renamed")
    with pytest.raises(EventError, match=r"test\.renamed"):
        event.send(Renamed("anna"))


def test_replaced_handlers_listen_only_inside_the_block() -> None:
    event: Event[Renamed, str] = Event("test.renamed")
    event.subscribe(lambda p: "subscriber")
    with event.replaced(lambda p: "stand-in"), transaction.atomic():
        assert event.send(Renamed("anna")) == ["stand-in"]
    with transaction.atomic():
        assert event.send(Renamed("anna")) == ["subscriber"]
