"""`ordna import people|accounts|licenses ...`: every import of the command line (README.md), all or nothing."""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ordna.accounts.importing import accounts_import
from ordna.accounts.services import licenses_import
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.management.base import InvalidInput, OrdnaCommand
from ordna.core.tabular import RowError
from ordna.people.services import people_import
from ordna.suppliers.processors_import import processors_import
from ordna.suppliers.services import contracts_import

MASS_CHANGE_HELP = "apply even when the safety breaker would stop the import (a mass change you have checked)"


class Command(OrdnaCommand):
    help = (
        "Import a file: people (HR), accounts of one application, licences (a price list), contracts or processors "
        "(data-processing agreements)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(
            dest="what", required=True, metavar="{people,accounts,licenses,contracts,processors}"
        )
        people = sub.add_parser("people", help="people from an HR export (CSV or XLSX)")
        people.add_argument("file", type=Path)
        people.add_argument("--preset", default="ordna", help="column preset of the HR system (default: ordna)")
        people.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
        people.add_argument("--allow-mass-change", action="store_true", help=MASS_CHANGE_HELP)

        accounts = sub.add_parser("accounts", help="one application's user list (CSV or XLSX)")
        accounts.add_argument("app", help="the application's short name")
        accounts.add_argument(
            "--create-application",
            action="store_true",
            help="create the application when no application has this short name (without it, an unknown name "
            "is refused with the nearest known ones)",
        )
        accounts.add_argument("file", type=Path)
        accounts.add_argument(
            "--preset",
            help="generic, m365, entra, google, slack or mapping "
            "(default: the application's own, else detected from the header)",
        )
        scope = accounts.add_mutually_exclusive_group()
        scope.add_argument(
            "--full",
            dest="full",
            action="store_true",
            default=True,
            help="the file lists every account: missing ones become gone (default)",
        )
        scope.add_argument("--delta", dest="full", action="store_false", help="the file lists some accounts only")
        accounts.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
        accounts.add_argument("--allow-mass-change", action="store_true", help=MASS_CHANGE_HELP)
        accounts.add_argument(
            "--save-format",
            action="store_true",
            help="make this file's format (--preset) the application's saved format, replacing the one it has "
            "(without it, a format other than the saved one is used for this import only)",
        )

        licenses = sub.add_parser("licenses", help="a price list: application, license, monthly_cost, currency, seats")
        licenses.add_argument("file", type=Path)
        licenses.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")

        contracts = sub.add_parser(
            "contracts",
            help="supplier contracts: supplier, title, start_date, initial_term_months, renewal, renewal_term_months, "
            "notice, decision_buffer_days, annual_value, currency",
        )
        contracts.add_argument("file", type=Path)

        processors = sub.add_parser(
            "processors",
            help="data-processing agreements: supplier, title, signed_on, purpose, data_subjects, data_categories "
            "(and optional columns, docs/processors.md)",
        )
        processors.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise InvalidInput(f"{path}: no such file")
        getattr(self, f"_{options['what']}")(path, options)

    def _fail_on_errors(self, path: Path, errors: list[RowError]) -> None:
        if len(errors) == 1 and errors[0].row <= 1 and not errors[0].column:
            raise InvalidInput(f"{path.name}: {errors[0]}; nothing was imported")
        if errors:
            count = self.print_errors(errors)
            raise InvalidInput(f"{path.name}: {count} error(s); nothing was imported")

    def _notices(self, notices: Sequence[object]) -> None:
        for notice in notices:
            self.stderr.write(f"note: {notice}")

    def _people(self, path: Path, options: dict[str, Any]) -> None:
        result = people_import(
            path=path,
            actor=Actor.command_line(),
            preset=options["preset"],
            dry_run=options["dry_run"],
            allow_mass_change=options["allow_mass_change"],
            today=today(),
        )
        self._notices(result.notices)
        self._fail_on_errors(path, result.errors)
        counts = result.counts()
        summary = (
            f"{counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged, "
            f"{counts['newly_leaving']} newly leaving"
        )
        if counts["not_in_file"]:
            summary += f" ({counts['not_in_file']} known people are not in this file and were left as they are)"
        if result.outcome == "stopped":
            raise InvalidInput(
                f"stopped by the safety breaker: {len(result.plan.newly_ended)} current people would get an end date, "
                "more than the limit (ORDNA_MASS_CHANGE_PEOPLE_PERCENT). Nothing was applied. If the file is "
                f"complete and right, run again with --allow-mass-change.\nWould have been: {summary}"
            )
        self.stdout.write(("dry run, nothing applied: " if result.outcome == "dry_run" else "") + summary)

    def _accounts(self, path: Path, options: dict[str, Any]) -> None:
        result = accounts_import(
            application_slug=options["app"],
            path=path,
            actor=Actor.command_line(),
            today=today(),
            preset=options["preset"],
            full=options["full"],
            dry_run=options["dry_run"],
            allow_mass_change=options["allow_mass_change"],
            save_format=options["save_format"],
            create_application=options["create_application"],
        )
        self._notices(result.notices)
        self._fail_on_errors(path, result.errors)
        c = result.counts
        summary = (
            f"{options['app']} ({result.preset}, {'full' if result.full else 'delta'}): {c['rows']} rows, "
            f"{c['new']} new, {c['changed']} changed, {c['unchanged']} unchanged, {c['gone']} gone; "
            f"{c['links_made']} links made, {c['needs_review']} need review; findings "
            f"{c['findings_opened']} opened, {c['findings_resolved']} resolved"
        )
        # What the file can prove, and what happens to the application's saved format (issue 28).
        facts = [*result.proof_notes(), *filter(None, [result.format_note()])]
        if result.outcome == "stopped":
            raise InvalidInput(
                "stopped by the safety breaker (ORDNA_MASS_CHANGE_ACCOUNTS_PERCENT): "
                + " ".join(result.breaker_notes())
                + " Nothing was applied. If it is right, run again with --allow-mass-change."
                + f"\nWould have been: {summary}"
                + "".join(f"\n{fact}" for fact in facts)
            )
        self.stdout.write(("dry run, nothing applied: " if result.outcome == "dry_run" else "") + summary)
        for fact in facts:
            self.stdout.write(fact)

    def _licenses(self, path: Path, options: dict[str, Any]) -> None:
        result = licenses_import(path=path, actor=Actor.command_line(), today=today(), dry_run=options["dry_run"])
        self._notices(result.notices)
        self._fail_on_errors(path, result.errors)
        c = result.counts
        self.stdout.write(
            ("dry run, nothing applied: " if result.outcome == "dry_run" else "")
            + f"{c['created']} licences created, {c['changed']} changed, {c['unchanged']} unchanged, "
            f"{c['applications_created']} applications created"
        )

    def _contracts(self, path: Path, options: dict[str, Any]) -> None:
        result = contracts_import(path=path, actor=Actor.command_line())
        self._notices(result.notices)
        self._fail_on_errors(path, result.errors)
        self.stdout.write(
            f"contracts: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        )

    def _processors(self, path: Path, options: dict[str, Any]) -> None:
        result = processors_import(path=path, actor=Actor.command_line(), today=today())
        self._notices(result.notices)
        self._fail_on_errors(path, result.errors)
        self.stdout.write(
            f"processors: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        )
