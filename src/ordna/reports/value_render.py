"""The value section (issue 23) in words and charts: `value_rows` gives the labelled figures every format shows
(the page, the PDF and the XLSX take them from here), `value_charts` the server-rendered SVG charts."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ordna.core.money import amounts_text
from ordna.reports import figures as f
from ordna.reports.charts import bar_chart
from ordna.reports.value import Value, ValueFigures

CHART_MONTHS = 12


def hours(value: Decimal) -> str:
    return _("%(hours)s h") % {"hours": number_format(value, decimal_pos=1, use_l10n=True, force_grouping=True)}


def _on_time(x: ValueFigures) -> str:
    if not x.leaver_accounts_due:
        return "—"
    share = number_format(round(100 * x.leaver_accounts_on_time / x.leaver_accounts_due), use_l10n=True)
    return _("%(on_time)s of %(due)s (%(share)s %%)") % {
        "on_time": x.leaver_accounts_on_time,
        "due": x.leaver_accounts_due,
        "share": share,
    }


def _hours_of_budget(x: ValueFigures) -> str:
    return _("%(logged)s of %(budget)s") % {"logged": hours(x.key_user_hours), "budget": hours(x.key_user_budget)}


def value_rows(value: Value) -> list[tuple[str, str, str]]:
    """(figure, this month, since Ordna started), in the order every format shows them."""
    rows: list[tuple[str, str, str]] = []
    for label, figure in (
        (_("Licence money no longer paid, per month"), lambda x: amounts_text(x.saved_per_month)),
        (_("Licence money no longer paid, per year"), lambda x: amounts_text(x.saved_per_year)),
        (_("Licence-waste findings resolved"), lambda x: str(x.waste_resolved)),
        (_("Leavers' accounts closed on time"), _on_time),
        (_("Devices collected from leavers"), lambda x: str(x.devices_collected)),
        (_("Key users' hours against their budget"), _hours_of_budget),
    ):
        rows.append((label, figure(value.month), figure(value.since_start)))
    return rows


def value_charts(value: Value) -> dict[str, SafeString]:
    """The value per month over the last months since Ordna started: money no longer paid (one chart per
    currency, never summed across them), leavers' accounts and devices, key users' hours against budget."""
    shown = value.by_month[-CHART_MONTHS:]
    labels = [f.month_label(x.start) for x in shown]
    currencies = sorted({code for x in shown for code in x.saved_per_month})
    charts = {
        f"money_{code}": bar_chart(
            title=_("Licence money no longer paid, per month (%(currency)s)") % {"currency": code},
            desc=_("Per month, the money per month of the licence-waste findings resolved in it."),
            labels=labels,
            series=[(code, [float(x.saved_per_month.get(code, 0)) for x in shown])],
        )
        for code in currencies
    }
    charts["leavers"] = bar_chart(
        title=_("Leavers' accounts closed on time, and devices collected"),
        desc=_("Per month, the leavers' accounts due, those closed by their due date, and the devices checked in."),
        labels=labels,
        series=[
            (_("Accounts due"), [x.leaver_accounts_due for x in shown]),
            (_("Closed on time"), [x.leaver_accounts_on_time for x in shown]),
            (_("Devices collected"), [x.devices_collected for x in shown]),
        ],
    )
    charts["hours"] = bar_chart(
        title=_("Key users' hours against their budget"),
        desc=_("Per month, the hours key users logged and the hours their appointments budget."),
        labels=labels,
        series=[
            (_("Logged"), [float(x.key_user_hours) for x in shown]),
            (_("Budget"), [float(x.key_user_budget) for x in shown]),
        ],
    )
    return charts
