"""The group report's figures (issue 19, docs/companies.md): every company of the group side by side, each
counted by the monthly follow-up's own selectors with a company filter, so the companies add up to the group.
`group.py` writes them as a page, HTML, PDF and XLSX."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ordna.core.companies import NO_COMPANY, CompanyFilter, company_name
from ordna.core.data_version import cached
from ordna.core.models import Company
from ordna.reports import figures as f
from ordna.reports.selectors import FiguresAt, figures_at, leaver_cases, leaver_lines


@dataclass(frozen=True)
class CompanyRow:
    """One company's figures of a month, as the monthly follow-up counts them (the last row: the group's)."""

    code: str
    name: str
    figures: f.MonthFigures
    at: FiguresAt


@dataclass(frozen=True)
class GroupReport:
    month: date
    as_of: date
    generated_at: datetime
    companies: list[CompanyRow]  # every company, and the rest (unlinked accounts of shared apps) when it has any
    group: CompanyRow
    currency: str

    @property
    def label(self) -> str:
        return f.month_label(self.month)


def _company_row(code: str, name: str, *, month: date, as_of: date, today: date, company: CompanyFilter) -> CompanyRow:
    cases = leaver_cases(month, f.month_end(month), company=company)
    grouped = f.lines_by_case(leaver_lines(month, f.month_end(month), company=company))
    figures = f.month_figures(month, cases, grouped, today=today)
    return CompanyRow(code, name, figures, figures_at([as_of], company=company)[as_of])


def group_report(*, month: date, today: date) -> GroupReport:
    """The month's figures of every company of the group side by side, with the group's: the same selectors as
    the monthly follow-up, one company at a time, so the companies add up to the group. An unlinked account in
    an application the group shares belongs to no company: its licence waste is a row of its own. Worked out
    once per data version (ordna.core.data_version), as the monthly follow-up."""
    report = cached(("group_report", month, today, get_language()), lambda: _group_report(month=month, today=today))
    return replace(report, generated_at=timezone.now())


def _group_report(*, month: date, today: date) -> GroupReport:
    as_of = min(f.month_end(month), today)
    rows = [
        _company_row(code, name, month=month, as_of=as_of, today=today, company=pk)
        for pk, code, name in Company.objects.order_by("name").values_list("id", "code", "name")
    ]
    rest = _company_row("", company_name(NO_COMPANY), month=month, as_of=as_of, today=today, company=NO_COMPANY)
    if rest.at.licence_waste or rest.at.leaver_accounts_active:
        rows.append(rest)
    group = _company_row("", str(_("The group")), month=month, as_of=as_of, today=today, company=None)
    return GroupReport(
        month=month,
        as_of=as_of,
        generated_at=timezone.now(),
        companies=rows,
        group=group,
        currency=f.main_currency([group.at.licence_waste]),
    )
