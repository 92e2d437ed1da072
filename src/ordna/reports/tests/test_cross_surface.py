"""One set of figures (issue 16): the same figure on every surface, for the current month and a past one.

A generated organisation lives through three months (imports, cases, hand-outs and check-ins on the days they
happen); the demo organisation is loaded as `ordna demo` loads it. On both, each of the four figures (accounts
of leavers still active, licence waste per month per currency, overdue lines, devices not returned) is read
from every surface that shows it (the dashboard, the findings page, the monthly follow-up as a page, a
workbook and JSON, its 12-month trend, the licence report, the evidence pack, the API) and must be equal
everywhere: a month's figure is the state at its end.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from ordna.conftest import TODAY, hr_csv, hr_row
from ordna.core.actor import Actor
from ordna.core.services import token_create
from ordna.reports.figures import add_months, month_end, months_ending
from ordna.reports.tests.packs import evidence_pack_through_api

pytestmark = pytest.mark.django_db
ACCOUNT_HEADER = "account_id,email,display_name,employee_id,status,last_login,license\n"
SEPTEMBER = date(2026, 9, 1)
NOVEMBER = date(2026, 11, 1)


@contextmanager
def on(day: date) -> Iterator[None]:
    with time_machine.travel(datetime(day.year, day.month, day.day, 9, tzinfo=ZoneInfo("Europe/Stockholm"))):
        yield


@pytest.fixture
def history(write_file, actor) -> None:
    """Three months of an organisation, each step on its own day (Stockholm, 09:00):

    - 3 August: prices (crm Pro 100 SEK, euapp Std 10 EUR), the HR file (L1 leaves 10 September, L2 on the 25th,
      L3 on 10 November), laptops to L1, L2 and L3, a phone lent to A1 until 30 October, and exports: everyone
      active with Pro; an orphan with Std.
    - 27 August: L1's case opens. 14 September: L2's case opens; an export shows L1 still active.
    - 5 October: an export shows L1 disabled (licence still on it) and L2 still active; L1's laptop comes back.
    - 12 November: L3's case opens late; an export no longer lists L1 and shows L3 active.
    """
    from ordna.accounts.importing import accounts_import
    from ordna.accounts.services import licenses_import
    from ordna.devices.models import Device
    from ordna.devices.services import device_check_in, device_register
    from ordna.lifecycle.services import cases_open_due
    from ordna.people.models import Person
    from ordna.people.services import people_import

    rows = [
        hr_row("M1", "Maria", "Manager"),
        hr_row("A1", "Anna", "Active", manager_employee_id="M1"),
        hr_row("L1", "Åsa", "Öberg", manager_employee_id="M1", end_date="2026-09-10"),
        hr_row("L2", "Lars", "Later", manager_employee_id="M1", end_date="2026-09-25"),
        hr_row("L3", "Lena", "Last", manager_employee_id="M1", end_date="2026-11-10"),
    ]

    def export(app: str, day: date, lines: list[str]) -> None:
        path = write_file(f"{app}-{day}.csv", ACCOUNT_HEADER + "".join(f"{line}\n" for line in lines))
        result = accounts_import(
            create_application=True, application_slug=app, path=path, actor=actor, today=day, preset="generic"
        )
        assert result.outcome == "applied", result.errors

    def crm(status_of: dict[str, str]) -> list[str]:
        return [f"{e.lower()},,{e},{e},{status},2026-08-01,Pro" for e, status in status_of.items()]

    day = date(2026, 8, 3)
    with on(day):
        prices = "application,license,monthly_cost,currency,seats\ncrm,Pro,100.00,SEK,10\neuapp,Std,10.00,EUR,5\n"
        licenses_import(path=write_file("prices.csv", prices), actor=actor, today=day)
        assert people_import(path=write_file("hr.csv", hr_csv(rows)), actor=actor, today=day).outcome == "applied"
        people = {p.employee_id: p for p in Person.objects.all()}
        for tag, eid in (("LT-1", "L1"), ("LT-2", "L2"), ("LT-4", "L3")):
            device_register(asset_tag=tag, kind="laptop", actor=actor, holder=people[eid])
        # A loan to someone who stays, expected back on 30 October: not returned from 31 October (issue 23).
        device_register(
            asset_tag="PH-9", kind="phone", actor=actor, holder=people["A1"], expected_return=date(2026, 10, 30)
        )
        export("crm", day, crm({"L1": "active", "L2": "active", "L3": "active", "A1": "active"}))
        export("euapp", day, ["a1,,A1,A1,active,2026-08-01,Std", "ghost,,Nobody,,active,2026-08-01,Std"])
    for day in (date(2026, 8, 27), date(2026, 9, 14)):
        with on(day):
            cases_open_due(actor=actor, today=day)
    with on(date(2026, 9, 14)):
        export("crm", date(2026, 9, 14), crm({"L1": "active", "L2": "active", "L3": "active", "A1": "active"}))
    day = date(2026, 10, 5)
    with on(day):
        export("crm", day, crm({"L1": "disabled", "L2": "active", "L3": "active", "A1": "active"}))
        device_check_in(device=Device.objects.get(asset_tag="LT-1"), actor=actor)
    day = date(2026, 11, 12)
    with on(day):
        cases_open_due(actor=actor, today=day)
        export("crm", day, crm({"L2": "active", "L3": "active", "A1": "active"}))


# What each surface shows ---------------------------------------------------------------------------------------------

ACTIVE, WASTE, OVERDUE, DEVICES = "leaver accounts active", "licence waste", "overdue lines", "devices not returned"
Shown = dict[str, Any]  # the figures a surface shows, by name


def from_html(html: str) -> Shown:
    """The figures of a page's tiles (`data-figure`), those it has."""
    shown: Shown = {}
    for name, key in (
        ("leaver_accounts_active", ACTIVE),
        ("overdue_lines", OVERDUE),
        ("devices_not_returned", DEVICES),
    ):
        found = set(re.findall(rf'data-figure="{name}">([^<]*)<', html))
        if found:
            assert len(found) == 1, (name, found)
            shown[key] = int(re.sub(r"\D", "", found.pop()))
    if 'data-figure="licence_waste"' in html:
        pattern = r'data-figure="licence_waste" data-currency="(\w+)" data-amount="([\d.]+)"'
        shown[WASTE] = {currency: Decimal(amount) for currency, amount in re.findall(pattern, html)}
    return shown


def money_text(text: str) -> dict[str, Decimal]:
    """ "10.00 EUR, 200.00 SEK" (as the reports write money) per currency."""
    return {
        currency: Decimal(amount.replace(",", "")) for amount, currency in re.findall(r"([\d,.]+) ([A-Z]{3})", text)
    }


def from_json(active: int, waste: dict[str, str], overdue: int, devices: int) -> Shown:
    return {ACTIVE: active, WASTE: {c: Decimal(a) for c, a in waste.items()}, OVERDUE: overdue, DEVICES: devices}


def from_workbook(content: bytes) -> Shown:
    summary = {row[0]: row[1] for row in load_workbook(io.BytesIO(content))["Summary"].iter_rows(values_only=True)}
    return {
        ACTIVE: int(summary["Accounts of leavers still active"]),
        WASTE: money_text(summary["Licence waste per month"]),
        OVERDUE: int(summary["Overdue lines"]),
        DEVICES: int(summary["Devices not returned"]),
    }


def from_evidence(api: Client, start: date, end: date) -> Shown:
    payload = {"start": start.isoformat(), "end": end.isoformat(), "sample": 1, "seed": 7}
    _, content = evidence_pack_through_api(api, payload)
    f = json.loads(zipfile.ZipFile(io.BytesIO(content)).read("manifest.json"))["figures"]
    return from_json(
        f["leaver_accounts_active"], f["license_waste_per_month"], f["overdue_lines"], f["devices_not_returned"]
    )


def from_licence_report(api: Client, web: Client) -> Shown:
    """The licence report's rows, added up per currency; the page shows the same total."""
    summed: dict[str, Decimal] = {}
    for row in api.get("/api/v1/reports/licenses").json():
        if Decimal(row["waste_per_month"]):
            summed[row["currency"]] = summed.get(row["currency"], Decimal(0)) + Decimal(row["waste_per_month"])
    page = from_html(web.get("/reports/licenses/").content.decode())
    assert page[WASTE] == summed, (page, summed)
    return {WASTE: summed}


def every_surface(admin: Any, month: date) -> dict[str, Shown]:
    """The figures of `month` (its end, or today for this month) as each surface shows them."""
    web = Client()
    web.force_login(admin)
    api = Client(headers={"Authorization": f"Bearer {token_create(user=admin, actor=Actor.system('test'))}"})
    label = month.strftime("%Y-%m")
    day = min(month_end(month), TODAY)
    monthly = api.get(f"/api/v1/reports/monthly?month={label}").json()
    figures = api.get(f"/api/v1/reports/figures?on={day}").json()
    shown = {
        "monthly page": from_html(web.get(f"/reports/monthly/?month={label}").content.decode()),
        "monthly workbook": from_workbook(web.get(f"/reports/monthly/?month={label}&format=xlsx").content),
        "monthly api": from_json(
            monthly["leaver_active_accounts"],
            monthly["license_waste_per_month"],
            monthly["overdue_lines"],
            monthly["devices_not_returned"],
        ),
        "figures api": from_json(
            figures["leaver_accounts_active"],
            figures["license_waste_per_month"],
            figures["overdue_lines"],
            figures["devices_not_returned"],
        ),
        "evidence pack": from_evidence(api, month, month_end(month)),
    }
    # The month's point in the 12-month trend of its own and every later month's follow-up, up to this one.
    for later in months_ending(NOVEMBER, 12):
        if month <= later:
            trend = api.get(f"/api/v1/reports/monthly?month={later:%Y-%m}").json()["trend"]
            assert len(trend) == 12
            t = next(t for t in trend if t["month"] == label)
            shown[f"trend of {later:%Y-%m}"] = from_json(
                t["leavers_active"], t["waste_per_month"], t["overdue_lines"], t["devices_not_returned"]
            )
    if day == TODAY:
        shown["check-in page"] = from_html(web.get("/cases/check-in/").content.decode())
        shown["home dashboard"] = from_html(web.get("/").content.decode())
        shown["reports dashboard"] = from_html(web.get("/reports/").content.decode())
        shown["findings page"] = from_html(web.get("/accounts/findings/").content.decode())
        shown["licence report"] = from_licence_report(api, web)
    return shown


def the_same_everywhere(shown: dict[str, Shown]) -> tuple[int, dict[str, Decimal], int, int]:
    """Each figure is equal on every surface that shows it; returns them."""
    result = []
    for key in (ACTIVE, WASTE, OVERDUE, DEVICES):
        values = {surface: figures[key] for surface, figures in shown.items() if key in figures}
        assert len(values) >= 5, (key, list(values))
        assert len({json.dumps(v, sort_keys=True, default=str) for v in values.values()}) == 1, (key, values)
        result.append(next(iter(values.values())))
    active, waste, overdue, devices = result
    return active, waste, overdue, devices


# The generated organisation ------------------------------------------------------------------------------------------


def test_the_generated_organisation_shows_the_same_figures_everywhere_now_and_for_september(history, make_user) -> None:
    admin = make_user("admin")
    # 16 November: L2 (since the October export) and L3 (since 12 November) are active leavers; their licences,
    # and the orphan's, are waste (L1's ended with the export that no longer listed it); L2's three lines and
    # L3's three are overdue; L2's and L3's laptops are out, and A1's phone, past its expected return.
    now = the_same_everywhere(every_surface(admin, NOVEMBER))
    assert now == (2, {"EUR": Decimal("10.00"), "SEK": Decimal("200.00")}, 6, 3)
    # 30 September: L1 was seen active after leaving; L2 had left but no export had shown it yet; all six lines of
    # L1's and L2's cases were open past their due dates; both laptops were still out (L1's came back in October).
    september = the_same_everywhere(every_surface(admin, SEPTEMBER))
    assert september == (1, {"EUR": Decimal("10.00"), "SEK": Decimal("100.00")}, 6, 2)


def test_the_trend_has_a_real_point_for_every_month(history, make_user) -> None:
    from ordna.reports import selectors

    report = selectors.monthly_report(month=NOVEMBER, today=TODAY)
    points = {row.month: (row.leaver_active, row.waste, row.overdue, row.devices_not_returned) for row in report.trend}
    assert list(points) == [add_months(NOVEMBER, -11 + n) for n in range(12)]
    assert points[date(2026, 8, 1)] == (0, {"EUR": Decimal("10.00")}, 0, 0)
    assert points[SEPTEMBER] == (1, {"EUR": Decimal("10.00"), "SEK": Decimal("100.00")}, 6, 2)
    # 31 October: L2 active; L1's disabled account and L2's keep their licences; L1's licence line and L2's
    # three are overdue; L2's laptop is out, and A1's phone (due back 30 October).
    assert points[date(2026, 10, 1)] == (1, {"EUR": Decimal("10.00"), "SEK": Decimal("200.00")}, 4, 2)
    assert points[NOVEMBER] == (2, {"EUR": Decimal("10.00"), "SEK": Decimal("200.00")}, 6, 3)
    assert all(points[add_months(NOVEMBER, -11 + n)] == (0, {}, 0, 0) for n in range(8))  # before August


# The demo organisation -----------------------------------------------------------------------------------------------


@pytest.fixture
def demo(settings) -> None:
    from ordna.demo.organisation import demo_load

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # eight demo users, quickly
    demo_load(people=300, seed=1, actor=Actor.system("demo"), today=TODAY)


def test_the_demo_shows_the_same_figures_everywhere_now_and_for_a_past_month(demo) -> None:
    from ordna.core.models import User

    admin = User.objects.get(username="admin")
    now = the_same_everywhere(every_surface(admin, NOVEMBER))
    past = the_same_everywhere(every_surface(admin, SEPTEMBER))
    assert now[0] > 0 and now[1] and now[3] > 0
    assert past[0] > 0 and past[1] and past[3] > 0


def test_the_demos_trend_has_twelve_real_points(demo) -> None:
    from ordna.reports import selectors

    trend = selectors.monthly_report(month=NOVEMBER, today=TODAY).trend
    assert len(trend) == 12
    # Each month's figures are the state at its end, from a year of history: none of them is empty.
    assert all(
        row.leaver_active > 0 and row.waste and row.overdue > 0 and row.devices_not_returned > 0 for row in trend
    )
    # 300 people, 45 of them left over 18 months: a month may pass without a leaver, most do not.
    assert sum(1 for row in trend if row.leavers) >= 10
    # Months whose leavers' cases have settled have a share closed on time (a few on time in the demo; a case whose
    # last day is ahead is never late and counts in no share), and lines closed by proof in the year.
    assert sum(1 for row in trend if row.share_on_time is not None) >= 6
    assert sum(row.closing.verified for row in trend) > 0


def test_the_value_of_the_routine_equals_the_findings_history_on_every_surface(history, make_user) -> None:
    """Issue 23: licence money no longer paid is the licence-waste findings resolved, per currency, the same on
    the page, in the workbook and in the API; devices collected and leavers' accounts from the same lines."""
    from django.db.models import Sum

    from ordna.accounts.models import Finding

    admin = make_user("admin")
    web = Client()
    web.force_login(admin)
    # The findings' history: L1's crm licence (100 SEK a month) stopped being paid with the 12 November export.
    resolved = dict(
        Finding.objects.filter(kind="license_waste", state="resolved", resolved_at__month=11)
        .values_list("currency")
        .annotate(total=Sum("monthly_cost"))
    )
    assert resolved == {"SEK": Decimal("100.00")}
    api = Client(headers={"Authorization": f"Bearer {token_create(user=admin, actor=Actor.system('test'))}"})
    value = api.get("/api/v1/reports/monthly?month=2026-11").json()["value"]
    assert {c: Decimal(a) for c, a in value["month"]["saved_per_month"].items()} == resolved
    assert {c: Decimal(a) for c, a in value["month"]["saved_per_year"].items()} == {"SEK": Decimal("1200.00")}
    # Since Ordna started (3 August): the same one finding; L1's laptop collected on 5 October.
    assert {c: Decimal(a) for c, a in value["since_start"]["saved_per_month"].items()} == resolved
    assert value["since_start"]["devices_collected"] == 1
    assert [m["start"] for m in value["by_month"]] == ["2026-08-01", "2026-09-01", "2026-10-01", "2026-11-01"]
    sheet = load_workbook(io.BytesIO(web.get("/reports/monthly/?month=2026-11&format=xlsx").content))["Value per month"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("month", "currency", "saved_per_month")
    assert [r[:4] for r in rows if r[0] in ("2026-11", "total")] == [
        ("2026-11", "SEK", 100.0, 1200.0),
        ("total", "SEK", 100.0, 1200.0),
    ]
    page = web.get("/reports/monthly/?month=2026-11").content.decode()
    section = page[page.index('data-section="value"') :]
    assert "100.00 SEK" in section and "1,200.00 SEK" in section
    assert page.count("<svg") >= 5 and "style=" not in section
