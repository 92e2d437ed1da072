"""`ordna import people FILE [--preset ordna] [--dry-run] [--allow-mass-change]`."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.management.base import InvalidInput, OrdnaCommand
from ordna.people.services import people_import


class Command(OrdnaCommand):
    help = "Import a file: people (the HR source)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, metavar="{people}")
        people = sub.add_parser("people", help="people from an HR export (CSV or XLSX)")
        people.add_argument("file", type=Path)
        people.add_argument("--preset", default="ordna", help="column preset of the HR system (default: ordna)")
        people.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
        people.add_argument("--allow-mass-change", action="store_true",
                            help="apply even when more people would be ended than the safety breaker allows")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "people":
            self._people(options)

    def _people(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise InvalidInput(f"{path}: no such file")
        result = people_import(path=path, actor=Actor.command_line(), preset=options["preset"],
                               dry_run=options["dry_run"], allow_mass_change=options["allow_mass_change"],
                               today=today())
        for notice in result.notices:
            self.stderr.write(f"note: {notice}")
        if len(result.errors) == 1 and not result.errors[0].row:
            raise InvalidInput(f"{path.name}: {result.errors[0]}; nothing was imported")
        if result.errors:
            count = self.print_errors(result.errors)
            raise InvalidInput(f"{path.name}: {count} error(s); nothing was imported")
        counts = result.counts()
        summary = (f"{counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged, "
                   f"{counts['newly_leaving']} newly leaving")
        if counts["not_in_file"]:
            summary += f" ({counts['not_in_file']} known people are not in this file and were left as they are)"
        if result.outcome == "stopped":
            raise InvalidInput(
                f"stopped by the safety breaker: {counts['newly_ended']} current people would get an end date, "
                "more than the limit (ORDNA_MASS_CHANGE_PEOPLE_PERCENT). Nothing was applied. If the file is "
                f"complete and right, run again with --allow-mass-change.\nWould have been: {summary}")
        prefix = "dry run, nothing applied: " if result.outcome == "dry_run" else ""
        self.stdout.write(prefix + summary)
