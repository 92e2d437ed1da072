"""`ordna person export EMPLOYEE_ID [--format json|pdf] [-o FILE]`, `ordna person hold|release EMPLOYEE_ID
--reason R`, and the four-eyes erasure: `ordna person erase EMPLOYEE_ID --reason R --by ADMIN` asks,
`ordna person approve REQUEST --by OTHER_ADMIN` erases, `ordna person reject REQUEST --by ADMIN` turns it down,
`ordna person requests` lists them (docs/privacy.md)."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from ordna.core.actor import Actor
from ordna.core.errors import ServiceError
from ordna.core.management.base import InvalidInput, OrdnaCommand
from ordna.core.models import User
from ordna.home.person_data import person_data_json, person_data_pdf
from ordna.home.privacy import (
    erasure_request_approve,
    erasure_request_make,
    erasure_request_reject,
    hold_place,
    hold_release,
)
from ordna.home.retention import person_by_employee_id
from ordna.people.models import ErasureRequest

OPTION_OF = {"employee_id": "EMPLOYEE_ID", "reason": "--reason", "by": "--by", "request": "REQUEST"}


class Command(OrdnaCommand):
    help = "One person's data: export it, hold it, or erase it (asked by one admin, approved by another)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{export,hold,release,erase,approve,reject,requests}"
        )
        export = sub.add_parser("export", help="everything Ordna holds about one person")
        export.add_argument("employee_id", metavar="EMPLOYEE_ID")
        export.add_argument("--format", choices=["json", "pdf"], default="json")
        export.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
        for action, what in (
            ("hold", "put a legal hold on a person: retention and erasure leave them alone"),
            ("release", "release the legal hold in force on a person"),
        ):
            held = sub.add_parser(action, help=what)
            held.add_argument("employee_id", metavar="EMPLOYEE_ID")
            held.add_argument("--reason", required=True)
        erase = sub.add_parser("erase", help="ask to erase a person ahead of the period (a second admin approves)")
        erase.add_argument("employee_id", metavar="EMPLOYEE_ID")
        erase.add_argument("--reason", required=True)
        erase.add_argument("--by", required=True, metavar="ADMIN", help="the administrator who asks (user name)")
        for action, what in (
            ("approve", "approve a waiting erasure request: the person is erased now"),
            ("reject", "turn a waiting erasure request down"),
        ):
            decide = sub.add_parser(action, help=what)
            decide.add_argument("request", type=int, metavar="REQUEST")
            decide.add_argument("--by", required=True, metavar="ADMIN", help="the administrator who decides")
        sub.add_parser("requests", help="the erasure requests, newest first")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            getattr(self, f"_{action}")(options)
        except ServiceError as exc:
            option = OPTION_OF.get(exc.field, exc.field)
            raise InvalidInput(f"{option}: {exc}" if option else str(exc)) from None

    def _admin(self, username: str) -> Actor:
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise InvalidInput(f"--by: no user named {username!r} (`ordna user list` shows the users)")
        return Actor.for_user(user)

    def _export(self, options: dict[str, Any]) -> None:
        person = person_by_employee_id(options["employee_id"])
        data = person_data_pdf(person) if options["format"] == "pdf" else person_data_json(person)
        if options["output"]:
            options["output"].write_bytes(data)
            self.stdout.write(f"wrote {options['output']} ({len(data)} bytes)")
        elif options["format"] == "pdf":
            sys.stdout.buffer.write(data)
        else:
            self.stdout.write(data.decode(), ending="")

    def _hold(self, options: dict[str, Any]) -> None:
        person = person_by_employee_id(options["employee_id"])
        hold_place(person=person, reason=options["reason"], actor=Actor.command_line())
        self.stdout.write(f"legal hold on {person.employee_id}: retention and erasure leave them alone")

    def _release(self, options: dict[str, Any]) -> None:
        person = person_by_employee_id(options["employee_id"])
        hold_release(person=person, reason=options["reason"], actor=Actor.command_line())
        self.stdout.write(f"legal hold on {person.employee_id} released")

    def _erase(self, options: dict[str, Any]) -> None:
        person = person_by_employee_id(options["employee_id"])
        request = erasure_request_make(person=person, reason=options["reason"], actor=self._admin(options["by"]))
        self.stdout.write(
            f"erasure request {request.pk} for {person.employee_id} waits for a second administrator: "
            f"ordna person approve {request.pk} --by OTHER_ADMIN"
        )

    def _approve(self, options: dict[str, Any]) -> None:
        pseudonym = erasure_request_approve(request_id=options["request"], actor=self._admin(options["by"]))
        self.stdout.write(f"erased; the person is now {pseudonym}")

    def _reject(self, options: dict[str, Any]) -> None:
        erasure_request_reject(request_id=options["request"], actor=self._admin(options["by"]))
        self.stdout.write(f"erasure request {options['request']} rejected; nothing was erased")

    def _requests(self, options: dict[str, Any]) -> None:
        self.stdout.write("request\tperson\tstate\tasked by\tasked at\tdecided by\treason")
        for request in ErasureRequest.objects.select_related("person"):
            self.stdout.write(
                "\t".join(
                    [
                        str(request.pk),
                        request.person.employee_id,
                        request.state,
                        request.requested_by_label,
                        request.requested_at.isoformat(timespec="minutes"),
                        request.decided_by_label or "-",
                        request.reason,
                    ]
                )
            )
