"""A clean first run for an organisation's own data, in a real browser (issue 29's first "Done when"): `ordna init`,
then the HR file, a Microsoft 365 export and the price list through the web, each step led by the start page's
checklist; a reminder reaches the IT coordinator the same day, and the first monthly report says where its data
starts."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from ordna.core.tests.browser.conftest import Site, new_site, screenshot, serving
from ordna.core.tests.browser.test_journeys import check_page, mails_in, next_business_day, previous_business_day

pytestmark = pytest.mark.browser
PASSWORD = "first-run-passphrase-2026"
COORDINATOR_ADDRESS = "it@example.org"
LEAVER = ("E2031", "Lena", "Lind")  # left three business days ago: her case opens with the first import
M365_HEADER = (
    "Block credential,City,Country/Region,Department,DirSyncEnabled,Display name,Fax,First name,Last dirsync time,"
    "Last name,Last password change time stamp,License assignment details,Licenses,Mobile Phone,Oath token meta data,"
    "Object Id,Office,Password never expires,Phone number,Postal code,Preferred data location,Preferred language,"
    "Proxy addresses,Release track,Soft deletion time stamp,State,Street address,Strong password required,Title,"
    "Usage location,User principal name,When created"
)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[Site]:
    """A site set up as an organisation would for real use: `ordna init`, no demo; served without the worker,
    so the reminder run below is the day's only one."""
    data = tmp_path_factory.mktemp("fresh")
    site = new_site(data)
    (data / "pw.txt").write_text(PASSWORD, encoding="utf-8")
    site.ordna("init", "--email", COORDINATOR_ADDRESS, "--password-file", str(data / "pw.txt"))
    with serving(site, "--no-worker") as served:
        yield served


def files(directory: Path, today: date) -> tuple[Path, Path, Path]:
    """The organisation's HR file (30 people, one who left three business days ago, one leaving soon), its
    Microsoft 365 export (with a reception mailbox linked to nobody) and its price list."""
    left = previous_business_day(today - timedelta(days=3))
    people = [(f"E20{n:02}", f"First{n}", f"Person{n}", "") for n in range(1, 31)]
    people += [(*LEAVER, left.isoformat()), ("E2032", "Mats", "Moberg", (today + timedelta(days=10)).isoformat())]
    hr = io.StringIO()
    writer = csv.writer(hr, lineterminator="\n")
    writer.writerow(
        [
            "employee_id",
            "first_name",
            "last_name",
            "email",
            "department",
            "manager_employee_id",
            "employment_type",
            "start_date",
            "end_date",
            "cost_center",
        ]
    )
    for employee_id, first, last, end in people:
        manager = "" if employee_id == "E2001" else "E2001"
        email = f"{first}.{last}@example.org".lower()
        writer.writerow([employee_id, first, last, email, "IT", manager, "employee", "2020-01-01", end, "CC1"])
    m365 = io.StringIO()
    m365.write(M365_HEADER + "\n")
    for employee_id, first, last, _end in [*people, ("", "Reception", "Desk", "")]:
        del employee_id
        upn = f"{first}.{last}@example.org".lower()
        cells = [""] * 32
        cells[0], cells[3], cells[5], cells[7], cells[9] = "False", "IT", f"{first} {last}", first, last
        cells[12], cells[30], cells[31] = "Microsoft 365 E3", upn, "2020-01-01 08:00:00Z"
        m365.write(",".join(cells) + "\n")
    paths = (directory / "hr.csv", directory / "m365-users.csv", directory / "prices.csv")
    paths[0].write_text(hr.getvalue(), encoding="utf-8")
    paths[1].write_text(m365.getvalue(), encoding="utf-8")
    paths[2].write_text(
        "application,license,monthly_cost,currency,seats\nm365,Microsoft 365 E3,390,SEK,40\n", encoding="utf-8"
    )
    return paths


def steps(page: Any) -> dict[str, str]:
    page.goto("/")
    return {
        item.get_attribute("data-step"): item.get_attribute("data-done") for item in page.locator("[data-step]").all()
    }


def test_a_clean_first_run_led_by_the_checklist(fresh: Site, browser: Any, axe_source: str, tmp_path: Path) -> None:
    today = date.today()
    hr, m365, prices = files(tmp_path, today)
    context = browser.new_context(base_url=fresh.url, locale="en-GB")
    page = context.new_page()
    page.goto("/")
    page.locator("input[name=username]").fill("admin")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()

    # The start page leads: everything to do, the default leaver template already there (ordna init added it).
    assert page.get_by_role("heading", name="Setting up Ordna").is_visible()
    assert steps(page) == {
        "hr_file": "no",
        "prices": "no",
        "exports": "no",
        "unlinked": "no",
        "template": "yes",
        "mail_users": "no",
        "report": "no",
    }
    screenshot(page, "first-run-checklist")
    check_page(page, axe_source)

    # 1. The HR file, from the checklist's link: the preview counts the cases that will open.
    page.get_by_role("link", name="Import the HR file").click()
    page.set_input_files("input[type=file]", hr)
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state()
    tiles = page.locator("ul.tiles").inner_text()
    assert re.search(r"2\s+cases opened", tiles), tiles
    check_page(page, axe_source)
    page.get_by_role("button", name="Apply these changes").click()
    page.wait_for_load_state()
    assert steps(page)["hr_file"] == "yes"

    # 2. The Microsoft 365 export, from the checklist's link.
    page.get_by_role("link", name="Import one account export per application").click()
    page.get_by_label("Application (short name)").fill("m365")
    page.get_by_label("Create this application if no application has this short name").check()
    page.get_by_label("Format").select_option("m365")
    page.set_input_files("input[type=file]", m365)
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Apply these changes").click()
    page.wait_for_load_state()
    done = steps(page)
    assert (done["exports"], done["unlinked"], done["prices"]) == ("yes", "no", "no")

    # 3. The price list, from the checklist's link.
    page.get_by_role("link", name="Give the licence prices").click()
    check_page(page, axe_source)
    page.set_input_files("input[type=file]", prices)
    page.get_by_role("button", name="Apply the price list").click()
    page.wait_for_load_state()
    assert page.get_by_text("Price list prices.csv applied.").is_visible()
    assert steps(page)["prices"] == "yes"

    # 4. The reception mailbox, linked to nobody, is marked a service account owned by E2001 on the review page.
    page.get_by_role("link", name="Handle the unlinked accounts").click()
    section = page.locator("section.card", has=page.get_by_role("heading", name=re.compile("reception.desk")))
    section.locator("input[type=radio][value=non_personal]").check()
    section.get_by_label("Owner's employee id").fill("E2001")
    section.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert steps(page)["unlinked"] == "yes"
    assert "reach nobody" not in page.locator("main").inner_text()
    screenshot(page, "first-run-checklist-done")

    # A reminder reaches the IT coordinator the same day: the leaver's Microsoft 365 account is hers to close.
    day = next_business_day(today)
    fresh.ordna("remind", "--day", day.isoformat())
    mine = [m for m in mails_in(fresh.data / "outbox") if COORDINATOR_ADDRESS in str(m["To"])]
    assert mine, "no digest for the IT coordinator"
    body = mine[-1].get_body(preferencelist=("plain",)).get_content()
    assert "lena.lind@example.org" in body

    # The first monthly report says where its data starts, and no month before it reads 0 % on time.
    page.goto(f"/reports/monthly/?month={today:%Y-%m}")
    text = page.locator("main").inner_text()
    assert f"The data starts on {today.isoformat()}, the first HR import" in text
    # (the trend's table is behind each chart, folded)
    assert f"no data before {today.isoformat()}" in (page.locator("main").text_content() or "")
    screenshot(page, "first-run-report")
    check_page(page, axe_source)
    context.close()
