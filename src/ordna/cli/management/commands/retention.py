"""`ordna retention run [--dry-run]`: erase the personal data of leavers past ORDNA_RETENTION_MONTHS
(docs/privacy.md). The dry run lists who would be erased and why, and who is kept and why."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.management.base import OrdnaCommand
from ordna.home.retention import retention_run


class Command(OrdnaCommand):
    help = "Retention: erase the personal data of leavers past the period (ORDNA_RETENTION_MONTHS)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{run}")
        run = sub.add_parser("run", help="erase leavers past the period; one person at a time, all or nothing")
        run.add_argument("--dry-run", action="store_true", help="list who would be erased and why; change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        result = retention_run(today=today(), actor=Actor.command_line(), dry_run=dry_run)
        verb = "would erase" if dry_run else "erased"
        self.stdout.write(f"retention: data before {result.cutoff.isoformat()} is past the period")
        for decision in result.to_erase:
            self.stdout.write(f"{verb}\t{decision.employee_id}\t{decision.name}\t{decision.why}")
        for decision in result.kept:
            self.stdout.write(f"kept\t{decision.employee_id}\t{decision.name}\t{decision.why}")
        self.stdout.write(
            f"{len(result.to_erase)} {verb}, {len(result.kept)} kept"
            + ("" if dry_run else "; `ordna audit verify` checks the chain")
        )
