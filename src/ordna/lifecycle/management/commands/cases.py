"""`ordna cases open [--dry-run]`: apply the leaver-case opening rules now, as the daily job does."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.management.base import OrdnaCommand
from ordna.lifecycle.services import cases_open_due


class Command(OrdnaCommand):
    help = "Leaver cases: `open` opens, re-plans and cancels cases by the rules of docs/offboarding.md."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["open"])
        parser.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        result = cases_open_due(actor=Actor.command_line(), today=today(), dry_run=options["dry_run"])
        prefix = "would open" if options["dry_run"] else "opened"
        self.stdout.write(
            f"{prefix} {len(result.opened)} case(s), re-planned {len(result.replanned)}, "
            f"cancelled {len(result.cancelled)}, {result.lines_added} line(s) added"
        )
        for employee_id in result.opened:
            self.stdout.write(f"  {employee_id}")
