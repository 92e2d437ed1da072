"""`ordna export people [--format json|csv|xlsx] [-o FILE]`."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from ordna.core.clock import today
from ordna.core.management.base import OrdnaCommand
from ordna.core.tabular import EXPORT_FORMATS, write_table
from ordna.people.models import Person
from ordna.people.selectors import EXPORT_COLUMNS, people_export_rows


class Command(OrdnaCommand):
    help = "Export data: people."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("what", choices=["people"])
        parser.add_argument("--format", choices=EXPORT_FORMATS, default="json")
        parser.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = people_export_rows(Person.objects.all(), today=today())
        columns = EXPORT_COLUMNS
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
