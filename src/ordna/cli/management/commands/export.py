"""`ordna export {people,accounts,findings,cases,lines,contracts} [--format F] [-o FILE]` (docs/api.md)."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ordna.accounts.models import Account, Finding
from ordna.accounts.selectors import (
    ACCOUNT_EXPORT_COLUMNS,
    FINDING_EXPORT_COLUMNS,
    accounts_export_rows,
    findings_export_rows,
)
from ordna.core.clock import today
from ordna.core.management.base import OrdnaCommand
from ordna.core.tabular import EXPORT_FORMATS, write_table
from ordna.lifecycle.models import Case, Line
from ordna.lifecycle.selectors import (
    CASE_EXPORT_COLUMNS,
    LINE_EXPORT_COLUMNS,
    cases_export_rows,
    lines_export_rows,
)
from ordna.people.models import Person
from ordna.people.selectors import EXPORT_COLUMNS, people_export_rows
from ordna.suppliers.models import Contract
from ordna.suppliers.selectors import CONTRACT_EXPORT_COLUMNS, contracts_export_rows


def _source(what: str) -> tuple[Iterator[dict[str, Any]], tuple[str, ...]]:
    if what == "people":
        return people_export_rows(Person.objects.all(), today=today()), EXPORT_COLUMNS
    if what == "accounts":
        return accounts_export_rows(Account.objects.all()), ACCOUNT_EXPORT_COLUMNS
    if what == "cases":
        return cases_export_rows(Case.objects.all()), CASE_EXPORT_COLUMNS
    if what == "lines":
        return lines_export_rows(Line.objects.all()), LINE_EXPORT_COLUMNS
    if what == "contracts":
        return contracts_export_rows(Contract.objects.all(), today=today()), CONTRACT_EXPORT_COLUMNS
    return findings_export_rows(Finding.objects.exclude(state="resolved")), (*FINDING_EXPORT_COLUMNS, "license")


class Command(OrdnaCommand):
    help = "Export data: people, accounts, findings (open and accepted), leaver cases, their lines, or contracts."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("what", choices=["people", "accounts", "findings", "cases", "lines", "contracts"])
        parser.add_argument("--format", choices=EXPORT_FORMATS, default="json")
        parser.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        rows, columns = _source(options["what"])
        output: Path | None = options["output"]
        if output is None:
            write_table(rows, columns=columns, fmt=options["format"], out=sys.stdout.buffer)
            sys.stdout.buffer.flush()
            return
        temporary = output.with_name(output.name + ".partial")
        with temporary.open("wb") as handle:
            count = write_table(rows, columns=columns, fmt=options["format"], out=handle)
        temporary.replace(output)
        self.stderr.write(f"{count} rows written to {output}")
