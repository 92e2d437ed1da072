"""`ordna report monthly|licenses|evidence|group` (README.md, docs/reports.md, docs/companies.md): the reports as
files, of the whole group or of one company (`--company CODE`); `ordna report rebuild --from YYYY-MM` writes the
month-end figures of a range of months again (ordna.reports.month_end)."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.companies import CompanyFilter
from ordna.core.management.base import InvalidInput, OrdnaCommand
from ordna.core.models import Company
from ordna.reports import documents, figures, month_end, render, selectors
from ordna.reports.by_company import group_report
from ordna.reports.group import group_file
from ordna.reports.services import ReportError, evidence_pack_make


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(OrdnaCommand):
    help = "Reports: the monthly follow-up, the licence report, the auditor's evidence pack, or the group report."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, metavar="{monthly,licenses,evidence,group,rebuild}")
        monthly = sub.add_parser("monthly", help="the monthly follow-up (default: last month)")
        monthly.add_argument("--month", help="YYYY-MM (default: the month before this one)")
        monthly.add_argument("--format", choices=render.FORMATS, default="html")
        monthly.add_argument("-o", "--output", type=Path, required=True, help="file to write")
        group = sub.add_parser("group", help="every company of the group side by side (default: last month)")
        group.add_argument("--month", help="YYYY-MM (default: the month before this one)")
        group.add_argument("--format", choices=render.FORMATS, default="html")
        group.add_argument("-o", "--output", type=Path, required=True, help="file to write")
        licenses = sub.add_parser("licenses", help="seats bought, assigned and wasted per application and licence")
        licenses.add_argument("--format", choices=render.FORMATS, default="html")
        licenses.add_argument("-o", "--output", type=Path, required=True, help="file to write")
        for command in (monthly, licenses):
            command.add_argument("--company", default="", help="one company of the group, by its code")
        evidence = sub.add_parser("evidence", help="a ZIP for the auditor: leaver list and a seeded sample")
        evidence.add_argument("--from", dest="start", required=True, help="first last day, YYYY-MM-DD")
        evidence.add_argument("--to", dest="end", required=True, help="last last day, YYYY-MM-DD")
        evidence.add_argument("--sample", type=int, required=True, help="how many leavers to sample")
        evidence.add_argument("--seed", type=int, help="the random seed (default: a new one, printed)")
        evidence.add_argument("-o", "--output", type=Path, required=True, help="the ZIP file to write")
        evidence.add_argument("--company", default="", help="one company of the group, by its code")
        rebuild = sub.add_parser("rebuild", help="write the month-end figures of months that are over again")
        rebuild.add_argument("--from", dest="start", required=True, help="the first month, YYYY-MM")
        rebuild.add_argument("--to", dest="end", help="the last month, YYYY-MM (default: the month before this one)")

    def _company(self, code: str) -> CompanyFilter:
        if not code:
            return None
        found = Company.objects.filter(code=code.strip().lower()).values_list("pk", flat=True).first()
        if found is None:
            known = ", ".join(Company.objects.values_list("code", flat=True))
            raise InvalidInput(f"--company: no company has the code {code!r}; known codes: {known}")
        return found

    def _write(self, output: Path, content: bytes) -> None:
        if not output.parent.is_dir():
            raise InvalidInput(f"{output}: the folder {output.parent} does not exist")
        temporary = output.with_name(output.name + ".partial")
        temporary.write_bytes(content)
        temporary.replace(output)

    def _rebuild(self, start: str, end: str | None) -> None:
        try:
            first = figures.parse_month(start)
        except ValueError as exc:
            raise CommandError(f"--from: {exc}", returncode=2) from None
        try:
            last = figures.parse_month(end) if end else figures.previous_month(today())
        except ValueError as exc:
            raise CommandError(f"--to: {exc}", returncode=2) from None
        if last < first:
            raise InvalidInput(f"--to {figures.month_label(last)} is before --from {figures.month_label(first)}")
        this_month = today().replace(day=1)
        if last >= this_month:
            raise InvalidInput(
                f"--to {figures.month_label(last)}: only months that are over are written "
                f"(the last is {figures.month_label(figures.add_months(this_month, -1))}); this month is counted live"
            )
        months = []
        month = first
        while month <= last:
            months.append(month)
            month = figures.add_months(month, 1)
        written = month_end.write(months, today=today())
        self.stdout.write(
            f"month-end figures of {len(months)} months ({figures.month_label(first)} to "
            f"{figures.month_label(last)}) written: {written} month and scope sets"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "rebuild":
            self._rebuild(options["start"], options["end"])
            return
        output: Path = options["output"]
        company = self._company(options.get("company", ""))
        if options["what"] in ("monthly", "group"):
            try:
                month = figures.parse_month(options["month"]) if options["month"] else figures.previous_month(today())
            except ValueError as exc:
                raise CommandError(f"--month: {exc}", returncode=2) from None
        if options["what"] == "group":
            group = group_report(month=month, today=today())
            self._write(output, group_file(group, options["format"]))
            self.stdout.write(
                f"group report {group.label}: {len(group.companies)} companies, "
                f"{group.group.figures.leavers} leavers, written to {output}"
            )
        elif options["what"] == "monthly":
            report = selectors.monthly_report(month=month, today=today(), company=company)
            self._write(output, documents.monthly_file(report, options["format"]))
            self.stdout.write(
                f"monthly follow-up {report.label}: {report.figures.leavers} leavers, "
                f"{report.figures.on_time} closed on time, written to {output}"
            )
        elif options["what"] == "licenses":
            lines = selectors.licence_report(today=today(), company=company)
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
                    company=company,
                )
            except ReportError as exc:
                raise InvalidInput(str(exc)) from None
            self._write(output, pack.content)
            self.stdout.write(f"seed {pack.seed}")
            self.stdout.write(
                f"{len(pack.sampled)} of {pack.leavers} leavers sampled, written to {output} "
                f"(the same seed gives the same sample: --seed {pack.seed})"
            )
