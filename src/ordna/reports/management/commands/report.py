"""`ordna report monthly|licenses|evidence` (README.md, docs/reports.md): the reports as files."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.management.base import InvalidInput, OrdnaCommand
from ordna.reports import documents, figures, render, selectors
from ordna.reports.services import ReportError, evidence_pack_make


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(OrdnaCommand):
    help = "Reports: the monthly follow-up, the licence report, or the auditor's evidence pack."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, metavar="{monthly,licenses,evidence}")
        monthly = sub.add_parser("monthly", help="the monthly follow-up (default: last month)")
        monthly.add_argument("--month", help="YYYY-MM (default: the month before this one)")
        monthly.add_argument("--format", choices=render.FORMATS, default="html")
        monthly.add_argument("-o", "--output", type=Path, required=True, help="file to write")
        licenses = sub.add_parser("licenses", help="seats bought, assigned and wasted per application and licence")
        licenses.add_argument("--format", choices=render.FORMATS, default="html")
        licenses.add_argument("-o", "--output", type=Path, required=True, help="file to write")
        evidence = sub.add_parser("evidence", help="a ZIP for the auditor: leaver list and a seeded sample")
        evidence.add_argument("--from", dest="start", required=True, help="first last day, YYYY-MM-DD")
        evidence.add_argument("--to", dest="end", required=True, help="last last day, YYYY-MM-DD")
        evidence.add_argument("--sample", type=int, required=True, help="how many leavers to sample")
        evidence.add_argument("--seed", type=int, help="the random seed (default: a new one, printed)")
        evidence.add_argument("-o", "--output", type=Path, required=True, help="the ZIP file to write")

    def _write(self, output: Path, content: bytes) -> None:
        if not output.parent.is_dir():
            raise InvalidInput(f"{output}: the folder {output.parent} does not exist")
        temporary = output.with_name(output.name + ".partial")
        temporary.write_bytes(content)
        temporary.replace(output)

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        if options["what"] == "monthly":
            try:
                month = figures.parse_month(options["month"]) if options["month"] else figures.previous_month(today())
            except ValueError as exc:
                raise InvalidInput(f"--month: {exc}") from None
            report = selectors.monthly_report(month=month, today=today())
            self._write(output, documents.monthly_file(report, options["format"]))
            self.stdout.write(
                f"monthly follow-up {report.label}: {report.figures.leavers} leavers, "
                f"{report.figures.on_time} closed on time, written to {output}"
            )
        elif options["what"] == "licenses":
            lines = selectors.licence_report(today=today())
            self._write(output, documents.licences_file(lines, options["format"], today=today()))
            self.stdout.write(f"{len(lines)} licences written to {output}")
        else:
            try:
                pack = evidence_pack_make(
                    start=_date(options["start"]),
                    end=_date(options["end"]),
                    sample=options["sample"],
                    seed=options["seed"],
                    actor=Actor.command_line(),
                    today=today(),
                )
            except ReportError as exc:
                raise InvalidInput(str(exc)) from None
            self._write(output, pack.content)
            self.stdout.write(f"seed {pack.seed}")
            self.stdout.write(
                f"{len(pack.sampled)} of {pack.leavers} leavers sampled, written to {output} "
                f"(the same seed gives the same sample: --seed {pack.seed})"
            )
