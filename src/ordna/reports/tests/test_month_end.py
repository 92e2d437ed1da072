"""Month-end figures written once (issue 24): the trend read from them equals the trend counted live, for the group,
each company and several companies; the counts equal the lists they count; the daily job writes only what is
missing; `ordna report rebuild` writes a range again and refuses a bad one."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from ordna.conftest import TODAY
from ordna.reports import month_end, selectors
from ordna.reports.figures import add_months, months_ending
from ordna.reports.figures import month_end as last_day
from ordna.reports.models import MonthFigure
from ordna.reports.tests.test_cross_surface import demo  # noqa: F401 - the demo organisation, a fixture

pytestmark = pytest.mark.django_db
MONTH = TODAY.replace(day=1)


def trend_of(company=None) -> list[tuple]:
    rows = selectors.monthly_trend(month=MONTH, today=TODAY, company=company)
    return [
        (r.month, r.leavers, r.on_time, r.waste, r.leaver_active, r.overdue, r.devices_not_returned, r.closing)
        for r in rows
    ]


def scopes_of_demo() -> list:
    from ordna.core.models import Company

    companies = list(Company.objects.order_by("pk").values_list("pk", flat=True))
    return [None, 0, *companies, frozenset(companies)]


def test_the_trend_from_written_figures_equals_the_trend_counted_live(demo) -> None:  # noqa: F811
    scopes = scopes_of_demo()
    live = {str(scope): trend_of(scope) for scope in scopes}
    assert not MonthFigure.objects.exists()
    call_command("report", "rebuild", "--from", f"{add_months(MONTH, -11):%Y-%m}")
    # The eleven months that are over, for the group, the unlinked rest and each company; this month is live.
    written = set(MonthFigure.objects.values_list("month", flat=True))
    assert written == set(months_ending(add_months(MONTH, -1), 11))
    assert MonthFigure.objects.filter(key="leaver_active").count() == 11 * (len(scopes) - 1)
    for scope in scopes:
        assert trend_of(scope) == live[str(scope)], scope
    # A month's figures add up over the companies to the group's.
    group = month_end.stored([add_months(MONTH, -2)])[add_months(MONTH, -2)]
    assert group.leaver_active > 0 and group.licence_waste and group.overdue > 0


def test_a_written_month_is_read_not_counted(demo) -> None:  # noqa: F811
    past = add_months(MONTH, -3)
    month_end.write([past], today=TODAY)
    MonthFigure.objects.filter(month=past, scope="", key="overdue").update(value=Decimal(12345))
    row = next(r for r in selectors.monthly_trend(month=MONTH, today=TODAY) if r.month == past)
    assert row.overdue == 12345
    # Rebuilding the month writes what the data says again.
    call_command("report", "rebuild", "--from", f"{past:%Y-%m}", "--to", f"{past:%Y-%m}")
    row = next(r for r in selectors.monthly_trend(month=MONTH, today=TODAY) if r.month == past)
    assert row.overdue == month_end.count([past], today=TODAY)[past].overdue != 12345


def test_the_counts_equal_the_lists_they_count(demo) -> None:  # noqa: F811
    from ordna.devices.selectors import devices_not_returned
    from ordna.lifecycle.selectors import overdue_leaver_lines

    days = [last_day(m) for m in months_ending(add_months(MONTH, -1), 6)] + [TODAY, TODAY - timedelta(days=9)]
    for company in scopes_of_demo():
        overdue = overdue_leaver_lines(days, company=company)
        devices = devices_not_returned(days, company=company)
        assert month_end.overdue_counts(days, company=company) == {d: len(overdue[d]) for d in days}
        assert month_end.devices_counts(days, company=company) == {d: len(devices[d]) for d in days}
    assert any(month_end.overdue_counts(days).values()) and any(month_end.devices_counts(days).values())


def test_the_daily_job_writes_the_months_missing_and_leaves_written_ones(demo) -> None:  # noqa: F811
    from ordna.reports.tasks import month_end_figures_daily

    past = add_months(MONTH, -1)
    month_end.write([past], today=TODAY)
    MonthFigure.objects.filter(month=past, scope="", key="overdue").update(value=Decimal(7))
    written = month_end_figures_daily.call_local()
    # The twelve months before this one (the trend of last month's follow-up), but the one written: eleven.
    assert written == 11 * (len(scopes_of_demo()) - 1)
    assert MonthFigure.objects.get(month=past, scope="", key="overdue").value == 7  # written once
    assert month_end_figures_daily.call_local() == 0
    assert not MonthFigure.objects.filter(month=MONTH).exists()  # this month is not over


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "2026-13"], "--from: Give the month as YYYY-MM"),
        (["--from", "2026-05", "--to", "2026-04"], "--to 2026-04 is before --from 2026-05"),
        (["--from", "2026-05", "--to", f"{MONTH:%Y-%m}"], "only months that are over are written"),
    ],
)
def test_a_bad_rebuild_range_is_refused_naming_it(arguments, message) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("report", "rebuild", *arguments)
    assert not MonthFigure.objects.exists()


def test_the_licences_assigned_are_counted_by_the_database(org) -> None:
    from ordna.accounts.models import Account

    expected: dict[tuple[int, str], int] = {}
    for app_id, licences in Account.objects.exclude(status="gone").values_list("application_id", "licenses"):
        for name in licences or ():
            expected[(app_id, name)] = expected.get((app_id, name), 0) + 1
    assert expected
    assert selectors.licences_assigned() == expected


def test_month_figures_are_kept_per_currency(demo) -> None:  # noqa: F811
    past = add_months(MONTH, -1)
    month_end.write([past], today=TODAY)
    money = MonthFigure.objects.filter(month=past, scope="", key="licence_waste")
    assert money.exists() and all(len(row.currency) == 3 for row in money)
    assert {row.currency: row.value for row in money} == month_end.count([past], today=TODAY)[past].licence_waste
    assert date(2000, 1, 1) not in month_end.stored([date(2000, 1, 1)])


def test_the_report_keeps_the_first_rows_of_a_long_list_and_the_workbook_all(org) -> None:
    import io

    from openpyxl import load_workbook

    from ordna.accounts.models import Finding
    from ordna.applications.models import Application
    from ordna.reports import documents

    crm = Application.objects.get(slug="crm")
    Finding.objects.bulk_create(
        Finding(
            kind="license_waste", application=crm, license=f"Seat {n:03}", monthly_cost=1, currency="SEK", since=TODAY
        )
        for n in range(150)
    )
    report = selectors.monthly_report(month=MONTH, today=TODAY)
    total = report.remaining["license_waste"]
    assert total >= 150 and len(report.waste_list) == selectors.LIST_LIMIT  # the page asks for no more
    book = load_workbook(io.BytesIO(documents.monthly_file(report, "xlsx")), read_only=True)
    assert sum(1 for _row in book["Licence waste"].iter_rows()) == total + 1  # the heading and every finding
    page = documents.monthly_file(report, "html").decode()
    assert f"The first 100 of {total};" in page
