"""The reports as pages: the figures in words (`summary_rows`, which every format takes its figures from), the
charts, and the contexts of the HTML pages (the monthly follow-up, the licences, the dashboard). The PDF and XLSX
files are written in `documents.py`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ordna.accounts.models import FindingKind
from ordna.accounts.selectors import licence_waste
from ordna.core import formats
from ordna.core.money import amounts_text
from ordna.core.tabular import CONTENT_TYPES
from ordna.lifecycle.selectors import ClosingShares
from ordna.reports import figures as f
from ordna.reports.charts import bar_chart, hbar_chart
from ordna.reports.selectors import Dashboard, MonthlyReport
from ordna.reports.value import Value
from ordna.reports.value_render import value_charts, value_rows

FORMATS = ("html", "pdf", "xlsx")
CONTENT_TYPES = {**CONTENT_TYPES, "html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def money(amounts: dict[str, Decimal]) -> str:
    """Money per currency as every report writes it (ordna.core.money): never one sum across currencies."""
    return amounts_text(amounts)


def percent(share: float | None) -> str:
    return formats.percent(None if share is None else share * 100)


def finding_label(kind: str) -> str:
    return str(dict(FindingKind.choices).get(kind, kind))


# The monthly follow-up -------------------------------------------------------------------------------------


def shares(closing: ClosingShares) -> str:
    """How the lines that closed closed, as shares: "12 closed: 75 % by proof, 17 % attested, 8 % waived"."""
    if not closing.total:
        return _("none closed")
    return _("%(total)s closed: %(proof)s by proof, %(attested)s attested, %(waived)s waived") % {
        "total": closing.total,
        "proof": percent(closing.share("verified")),
        "attested": percent(closing.share("attested")),
        "waived": percent(closing.share("waived")),
    }


def on_time(figures: f.MonthFigures) -> str:
    """ "3 (75 %)", and how many are not settled yet ("3 (75 %), 2 not due yet")."""
    shown = f"{figures.on_time} ({percent(figures.share_on_time)})"
    if figures.not_due:
        shown += ", " + _("%(count)s not due yet") % {"count": figures.not_due}
    return shown


def summary_rows(report: MonthlyReport) -> list[tuple[str, str]]:
    """The key figures, labelled, in the order every format shows them. The four figures every surface shows
    (accounts of leavers still active, licence waste, overdue lines, devices not returned) are the state at
    `report.as_of`, from the same selectors as the dashboard, the findings page and the API."""
    figures = report.figures
    return [
        (_("Leavers (last day in the month)"), str(figures.leavers)),
        (_("Closed on time (every line by its due date)"), on_time(figures)),
        (_("Cases with lines still open"), str(figures.still_open)),
        (_("Accounts of leavers still active"), str(report.at.leaver_accounts_active)),
        (_("Licence waste per month"), money(report.waste_month)),
        (_("Licence waste per year"), money(report.waste_year)),
        (_("Seats bought but unused, per month (apart from the licence waste)"), money(report.at.unused_seats)),
        (_("Overdue lines"), str(report.at.overdue_lines)),
        (_("Devices not returned"), str(report.at.devices_not_returned)),
        (_("Stale sources"), str(len(report.stale_sources))),
        (_("Gaps about processors of personal data"), str(len(report.processor_gaps))),
        (_("Lines closed in the month"), shares(report.closing)),
        (_("Closed by override in the month"), str(len(report.overrides))),
        (_("Orphan accounts"), str(report.remaining.get(FindingKind.ORPHAN, 0))),
        (_("Dormant accounts"), str(report.remaining.get(FindingKind.DORMANT, 0))),
        (_("Findings opened in the month"), str(sum(report.findings_opened.values()))),
        (_("Findings closed in the month"), str(sum(report.findings_closed.values()))),
    ]


def trend_charts(trend: Sequence[Any], currency: str) -> dict[str, SafeString]:
    labels = [f.month_label(row.month) for row in trend]
    return {
        "leavers": bar_chart(
            title=_("Leavers per month"),
            desc=_("Leavers whose last day fell in each of the last 12 months; the table below lists the figures."),
            labels=labels,
            series=[(_("Leavers"), [row.leavers for row in trend])],
        ),
        "on_time": bar_chart(
            title=_("Share of cases closed on time"),
            desc=_("Per month, the share of leavers whose every line closed by its due date."),
            labels=labels,
            series=[(_("Closed on time"), [row.share_on_time or 0 for row in trend])],
            percent=True,
        ),
        "waste": bar_chart(
            title=_("Licence waste per month (%(currency)s)") % {"currency": currency},
            desc=_("Money per month for licences on accounts of people who left, disabled or orphaned accounts."),
            labels=labels,
            series=[(currency, [float(row.waste.get(currency, 0)) for row in trend])],
        ),
    }


def monthly_charts(report: MonthlyReport) -> dict[str, SafeString]:
    charts = trend_charts(report.trend, report.currency)
    if report.by_party:
        charts["by_party"] = hbar_chart(
            title=_("Median business days to close, per responsible party"),
            desc=_("From the last day to the day each line closed, for this month's leavers."),
            rows=[(name, [median]) for name, median, _count in report.by_party[:15]],
            series=[_("Median business days")],
        )
    return charts


def value_context(value: Value | None) -> dict[str, Any]:
    """The value section's figures and charts (issue 23), for the monthly follow-up and the dashboard."""
    if value is None:
        return {}
    return {"value": value, "value_rows": value_rows(value), "value_charts": value_charts(value)}


def _context(report: MonthlyReport) -> dict[str, Any]:
    return {
        **value_context(report.value),
        "report": report,
        "summary": summary_rows(report),
        "charts": monthly_charts(report),
        "opened": [(finding_label(k), n) for k, n in report.findings_opened.items()],
        "closing_shares": shares(report.closing),
        "closed": [(finding_label(k), n) for k, n in report.findings_closed.items()],
        "base": settings.BASE_URL,
    }


def monthly_html(report: MonthlyReport) -> str:
    """A standalone, printable HTML document (for files and mail: links are absolute)."""
    return render_to_string("reports/monthly_document.html", _context(report))


def monthly_context(report: MonthlyReport) -> dict[str, Any]:
    """For the web page, whose links stay relative."""
    return {**_context(report), "base": ""}


# Licences -----------------------------------------------------------------------------------------------

LICENCE_HEADINGS = (
    "application",
    "license",
    "seats",
    "assigned",
    "unused_seats",
    "to_leavers",
    "to_disabled",
    "to_orphans",
    "monthly_cost",
    "currency",
    "cost_per_month",
    "waste_per_month",
)


def licence_rows(lines: Sequence[f.LicenceLine]) -> list[tuple[object, ...]]:
    return [
        (
            x.application,
            x.license,
            x.seats,
            x.assigned,
            x.unused_seats,
            x.to_leavers,
            x.to_disabled,
            x.to_orphans,
            x.monthly_cost,
            x.currency,
            x.cost_per_month,
            x.waste_per_month,
        )
        for x in lines
    ]


def licence_chart(lines: Sequence[f.LicenceLine]) -> SafeString:
    currency = f.main_currency({x.currency: x.waste_per_month} for x in lines)
    top = [x for x in lines if x.currency == currency and x.waste_per_month > 0][:12]
    return hbar_chart(
        title=_("Licence waste per month (%(currency)s), the largest") % {"currency": currency},
        desc=_("Money per month for seats assigned to people who left, disabled or orphaned accounts."),
        rows=[(f"{x.application}: {x.license}", [float(x.waste_per_month)]) for x in top],
        series=[currency],
    )


def licences_context(lines: Sequence[f.LicenceLine], *, today: date) -> dict[str, Any]:
    return {"lines": lines, "totals": licence_totals(lines, today=today), "chart": licence_chart(lines), "today": today}


def licence_totals(lines: Sequence[f.LicenceLine], *, today: date) -> dict[str, dict[str, Decimal]]:
    """What the licences cost per month per currency (from the rows), and the waste: the accounts selector's
    figure that every surface shows, which the rows add up to."""
    cost: dict[str, Decimal] = {}
    for x in lines:
        cost[x.currency] = cost.get(x.currency, Decimal(0)) + x.cost_per_month
    return {"cost": dict(sorted(cost.items())), "waste": licence_waste([today])[today]}


def dashboard_context(data: Dashboard) -> dict[str, Any]:
    charts = trend_charts(data.trend, data.currency)
    if data.open_by_party:
        charts["by_party"] = hbar_chart(
            title=_("Open and overdue lines by responsible party"),
            desc=_(
                "Open lines of open leaver cases per responsible party, suppliers by name, and how many are overdue."
            ),
            rows=[(name, [n, late]) for name, n, late in data.open_by_party],
            series=[_("Open"), _("Overdue")],
        )
    if data.devices_outstanding:
        charts["devices"] = hbar_chart(
            title=_("Devices outstanding"),
            desc=_("Devices of leavers not yet checked in, per kind, and how many are overdue."),
            rows=[(name, [n, late]) for name, n, late in data.devices_outstanding],
            series=[_("Outstanding"), _("Overdue")],
        )
    if data.findings_by_kind:
        charts["findings"] = hbar_chart(
            title=_("Findings by kind"),
            desc=_("Open and accepted findings per kind."),
            rows=[(label, [n]) for _kind, label, n, _money in data.findings_by_kind],
            series=[_("Findings")],
        )
    return {"data": data, "charts": charts, "money": money, **value_context(data.value)}
