"""`ordna cases open [--dry-run]`: apply the leaver-case opening rules now, as the daily job does.
`ordna cases service-desk [--dry-run]`: make and send the suppliers' service-desk mails due today."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.db import transaction

from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.management.base import OrdnaCommand
from ordna.lifecycle.service_desk import supplier_requests_open, supplier_requests_send_due
from ordna.lifecycle.services import cases_open_due


class Command(OrdnaCommand):
    help = (
        "Leaver cases: `open` opens, re-plans and cancels cases by the rules of docs/offboarding.md; "
        "`service-desk` mails the suppliers' service desks the accounts to take back."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["open", "service-desk"])
        parser.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "service-desk":
            self._service_desk(dry_run=options["dry_run"])
            return
        result = cases_open_due(actor=Actor.command_line(), today=today(), dry_run=options["dry_run"])
        prefix = "would open" if options["dry_run"] else "opened"
        self.stdout.write(
            f"{prefix} {len(result.opened)} case(s), re-planned {len(result.replanned)}, "
            f"cancelled {len(result.cancelled)}, {result.lines_added} line(s) added"
        )
        for employee_id in result.opened:
            self.stdout.write(f"  {employee_id}")

    def _service_desk(self, *, dry_run: bool) -> None:
        with transaction.atomic():
            requests = supplier_requests_open(today=today(), actor=Actor.command_line())
            for request in requests:
                self.stdout.write(
                    f"  {request.reference} to {request.address}: {len(request.lines)} line(s), due {request.due}"
                )
            if dry_run:
                transaction.set_rollback(True)
        if dry_run:
            self.stdout.write(f"would send {len(requests)} service-desk mail(s); dry run: nothing made or sent")
            return
        outcome = supplier_requests_send_due()
        self.stdout.write(f"{len(requests)} new or updated; sent {outcome['sent']}, to retry {outcome['retry']}")
