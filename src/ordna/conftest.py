"""Fixtures shared by every app's tests: data is made through the same services the product uses."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import logging
import os
import shutil
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from email.message import Message
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ordna.core.actor import Actor

TODAY = date(2026, 11, 16)  # a Monday
HR_HEADER = [
    "employee_id",
    "first_name",
    "last_name",
    "email",
    "department",
    "manager_employee_id",
    "employment_type",
    "start_date",
    "end_date",
    "cost_center",
]


def hr_row(employee_id: str, first: str = "Test", last: str = "Person", **fields: str) -> dict[str, str]:
    row = {
        "employee_id": employee_id,
        "first_name": first,
        "last_name": last,
        "email": f"{first}.{last}.{employee_id}@example.org".lower().replace(" ", ""),
        "department": "IT",
        "manager_employee_id": "",
        "employment_type": "employee",
        "start_date": "2020-01-01",
        "end_date": "",
        "cost_center": "CC1",
    }
    row.update(fields)
    return row


def hr_csv(rows: Iterable[dict[str, str]], *, header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or HR_HEADER, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[None]:
    """Every test runs on TODAY, 09:00 in Stockholm, with the clock ticking from there."""
    with time_machine.travel(datetime(2026, 11, 16, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm")), tick=True):
        yield


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """A request answered in Dutch or Swedish leaves its language active in the thread; the next test starts in
    the default one, whatever ran before it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_people_index() -> Iterator[None]:
    """Each test's database is rolled back afterwards, so no test may see the people index of another."""
    from ordna.accounts.reading import forget_people_snapshot

    forget_people_snapshot()
    yield
    forget_people_snapshot()


@pytest.fixture
def actor() -> Actor:
    return Actor.system("test")


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    def write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding=encoding)
        return path

    return write


@pytest.fixture
def load_people(write_file: Callable[..., Path], actor: Actor) -> Callable[..., Any]:
    """Import people through the HR import service; fails the test if the import is not applied."""
    from ordna.people.services import people_import

    def load(rows: Iterable[dict[str, str]], *, today: date = TODAY, **options: Any) -> Any:
        path = write_file("hr.csv", hr_csv(rows))
        result = people_import(path=path, actor=actor, today=today, **options)
        assert result.outcome == "applied", [str(e) for e in result.errors]  # noqa: S101
        return result

    return load


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    """A user with the given roles, made through the user service."""
    from ordna.core.services import user_add

    counter = iter(range(1, 10_000))

    def make(*roles: str, person: Any = None, supplier: Any = None, password: str | None = None) -> Any:
        return user_add(
            username=f"{roles[0]}{next(counter)}",
            roles=roles,
            actor=Actor.system("test"),
            person_id=person.pk if person else None,
            supplier_id=supplier.pk if supplier else None,
            password=password,
            locale=person.locale if person else "",
        )

    return make


@pytest.fixture
def make_contract(db: None, actor: Actor) -> Callable[..., Any]:
    """A contract made through the contract service: "Office IT" with Example IT Services AB from 2026-01-01,
    twelve months renewing tacitly, three months' notice; keyword arguments change any field of ContractInput."""
    from ordna.suppliers.services import ContractInput, contract_save

    def make(**fields: Any) -> Any:
        data: dict[str, Any] = {
            "supplier": "Example IT Services AB",
            "title": "Office IT",
            "start_date": date(2026, 1, 1),
            "initial_term_months": 12,
            "renewal": "tacit",
            "renewal_term_months": 12,
            "notice": "3 months",
            "decision_buffer_days": 0,
        }
        data.update(fields)
        contract, _changed = contract_save(data=ContractInput(**data), actor=actor)
        return contract

    return make


def unavailable(message: str) -> NoReturn:
    """Skip the test with one line saying what is missing and how to get it.

    Under ORDNA_REQUIRE_SERVERS=1 (CI) a missing server fails instead of skipping.
    """
    if os.environ.get("ORDNA_REQUIRE_SERVERS") == "1":
        pytest.fail(message)
    pytest.skip(message)


def require_server(key: str, executable: str = "", install: str = "") -> str:
    """The path of a server or tool of ordna.core.tests.servers (on PATH under any of its names, or where
    Debian or Homebrew put it), or skip with one line saying how to install it.

    The older form `require_server(name, executable, install)` is read by the executable's name.
    """
    from ordna.core.tests.servers import SERVERS, find, missing_line

    if executable:
        key = Path(executable).name
        if key not in SERVERS:  # not one of the table's: only PATH and the path given
            found = shutil.which(executable) or (executable if os.path.exists(executable) else None)
            if found is None:
                unavailable(f"{executable} not found: install it with `sudo {install}`")
            return str(found)
    found_path = find(key)
    if found_path is None:
        unavailable(missing_line(key))
    return str(found_path)


# A real SMTP server on loopback (aiosmtpd), for every app whose tests send mail. -------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """What the SMTP server received: parsed messages, with their envelope recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(
                (list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=email.policy.default))
            )
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [message for rcpts, message in self.messages if address in rcpts]

    def recipients(self) -> list[str]:
        return sorted(r for rcpts, _ in self.messages for r in rcpts)


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Inbox]:
    """An aiosmtpd server on a free loopback port, and Django's mail settings pointing at it."""
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield inbox
    finally:
        controller.stop()
