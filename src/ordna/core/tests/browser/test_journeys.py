"""Every role's main journey in a real browser (issue: "Every role's main journey in a real browser").

The journeys run in file order on one served demo organisation: HR's leaver is the case the manager, the
employee and the IT coordinator then close. Each page a journey visits is checked for accessibility
(axe-core: no serious or critical violation, one h1, a main landmark) and, for the first page of each
journey, for untranslated strings in Swedish and Dutch.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from ordna.core.tests.browser.conftest import AXE_PATH, Site, choose_language, screenshot
from ordna.core.tests.test_translations import english_phrases, english_words

pytestmark = pytest.mark.browser

LEAVER = "E10002"  # the demo's `employee` user (Johan Sjögren; `ordna user list` names him)
LEAVER_MANAGER = "E10487"  # the demo's `manager` user (Sandra Brouwer)


def check_page(page: Any, axe_source: str) -> None:
    """One h1, a main landmark and no serious accessibility violation."""
    assert page.locator("h1").count() == 1, page.url
    assert page.locator("main").count() == 1, page.url
    page.add_script_tag(url=AXE_PATH)  # from the site's origin: an inline script would break the CSP
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map(n => n.target.join(' ')).slice(0, 3)}`)"""
    )
    assert violations == [], f"{page.url}: {violations}"


def assert_translated(page: Any, language: str) -> None:
    """No English text of the catalog on the page as it stands, and no English sentence in its errors, messages
    and help texts (form errors included: a message the catalog lacks is found by its English words)."""
    shown = page.locator("body").inner_text()
    # Cells marked as data (a question's text on a start page: the demo's are asked in English) are not interface.
    for data in page.locator(".data").all_inner_texts():
        shown = shown.replace(data, " ")
    # Single words are looked for in the interface's own elements only: data (a contract called
    # "Application support") may be English in any language.
    chrome = "\n".join(page.locator("nav, h1, h2, h3, th, label, button, legend, summary, caption").all_inner_texts())
    untranslated = [
        pattern.pattern
        for pattern in english_phrases(language)
        if pattern.search(chrome if pattern.pattern.startswith("\\b") else shown)
    ]
    interface = page.locator(".errorlist, .error, .errors, .msg, .help, [role=alert]").all_inner_texts()
    untranslated += [f"English in {text!r}" for text in interface if english_words(text)]
    assert untranslated == [], f"{language} {page.url}: {untranslated}"


def check_translated(page: Any, language: str, name: str) -> None:
    """Switch to `language` and find no English on the page; then back to English."""
    choose_language(page, language)
    assert_translated(page, language)
    screenshot(page, f"{name}-{language}")
    choose_language(page, "en")


def hr_file_with_leaver(site: Site, directory: Path) -> Path:
    """The demo's HR export with one change: the employee leaves in a week, reporting to the demo manager."""
    source = site.ordna("export", "people", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(source)))
    for row in rows:
        if row["employee_id"] == LEAVER:
            row["end_date"] = (date.today() + timedelta(days=7)).isoformat()
            row["manager_employee_id"] = LEAVER_MANAGER
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = directory / "hr-2026-11.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def leaver_case(site: Site) -> dict[str, Any] | None:
    return next((c for c in site.export("cases") if c["person"] == LEAVER and c["status"] != "cancelled"), None)


def test_hr_uploads_a_leaver_sees_the_preview_confirms_and_the_case_appears(
    site: Site, signed_in: Any, axe_source: str, tmp_path: Path
) -> None:
    page = signed_in("hr")
    check_translated(page, "sv", "dashboard-hr")
    check_translated(page, "nl", "dashboard-hr")
    page.goto("/people/import/")
    check_page(page, axe_source)
    page.set_input_files("input[type=file]", hr_file_with_leaver(site, tmp_path))
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Preview: nothing has been applied yet").is_visible()
    assert LEAVER in page.locator("table").inner_text()
    screenshot(page, "hr-import-preview")
    check_page(page, axe_source)
    page.get_by_role("button", name="Apply these changes").click()
    page.wait_for_load_state()
    # The import's page, run by the signed-in user, links the case it opened.
    assert re.search(r"/imports/\d+/$", page.url)
    assert "hr" in page.locator("dl.facts dd").all_inner_texts()  # By: the uploader, not "command line"
    assert page.get_by_role("link", name="Johan Sjögren").is_visible()
    screenshot(page, "hr-import-applied")
    check_page(page, axe_source)
    page.goto("/cases/")
    page.get_by_label("Search").fill("Sjögren")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Johan Sjögren").is_visible()
    screenshot(page, "cases-board")
    check_page(page, axe_source)
    assert leaver_case(site) is not None


def namesakes(site: Site) -> tuple[str, list[str]]:
    """A full name that two or more demo people share, and their employee ids."""
    people = list(csv.DictReader(io.StringIO(site.ordna("export", "people", "--format", "csv").stdout)))
    by_name: dict[str, list[str]] = {}
    for person in people:
        by_name.setdefault(f"{person['first_name']} {person['last_name']}", []).append(person["employee_id"])
    name, ids = next((n, ids) for n, ids in sorted(by_name.items()) if len(ids) > 1)
    return name, ids


def test_the_it_coordinator_imports_an_export_resolves_a_review_and_sees_the_money(
    site: Site, signed_in: Any, axe_source: str, tmp_path: Path
) -> None:
    name, ids = namesakes(site)
    people = csv.DictReader(io.StringIO(site.ordna("export", "people", "--format", "csv").stdout))
    esmee = next(p["employee_id"] for p in people if p["email"] == "esmee.dehaan@example.nl")  # the demo's draw
    export = tmp_path / "wiki-users.csv"
    export.write_text(
        "account_id,email,display_name,employee_id,status,last_login,license\n"
        f"namesake,,{name},,active,{date.today().isoformat()},\n"
        f"{esmee.lower()},esmee.dehaan@example.nl,Esmée de Haan,,active,{date.today().isoformat()},\n"
        "old.consultant,old.consultant@example.org,Old Consultant,,active,2025-01-10,\n",
        encoding="utf-8",
    )
    page = signed_in("coordinator")
    check_translated(page, "sv", "dashboard-coordinator")
    check_translated(page, "nl", "dashboard-coordinator")
    page.goto("/accounts/import/")
    check_page(page, axe_source)
    page.get_by_label("Application (short name)").fill("wiki")
    page.get_by_label("Create this application if no application has this short name").check()
    page.get_by_label("Format").select_option("generic")
    page.set_input_files("input[type=file]", export)
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=re.compile("Preview for wiki")).is_visible()
    screenshot(page, "accounts-import-preview")
    check_page(page, axe_source)
    page.get_by_role("button", name="Apply these changes").click()
    page.wait_for_load_state()

    page.goto("/accounts/review/?application=wiki")  # the queue is in application order: wiki's, new, is last
    section = page.locator("section.card", has=page.get_by_role("heading", name="wiki: namesake", exact=False))
    assert section.count() == 1
    screenshot(page, "review")
    check_page(page, axe_source)
    section.locator(f"input[type=radio][value={ids[1]}]").check()
    section.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    accounts = {a["account"]: a for a in site.export("accounts") if a["application"] == "wiki"}
    assert accounts["namesake"]["person"] == ids[1] and accounts["namesake"]["match"] == "manual"
    assert accounts[esmee.lower()]["person"] == esmee

    page.goto("/accounts/findings/")
    assert page.get_by_role("heading", name="Money").is_visible()
    assert re.search(r"\d[\d\s,.]* (SEK|EUR)\s+licence waste per month", page.locator("main").inner_text())
    screenshot(page, "findings")
    check_page(page, axe_source)
    assert any(f["kind"] == "orphan" and f["account"] == "old.consultant" for f in site.export("findings"))


def attest(page: Any, row: Any, note: str, reason: str = "", reference: str = "", override: str = "") -> None:
    """Open the line's closing form, choose a reason when the line asks for one (and an override with why, for
    someone else's line), and attest."""
    row.locator("summary").click()
    form = row.locator("form", has=page.get_by_role("button", name="Attest it is done"))
    if reason:
        form.locator("select[name=reason]").select_option(reason)
        form.locator("input[name=reference]").fill(reference)
        form.locator("input[name=note]").fill(note)
    else:
        form.get_by_label("Note (optional)").fill(note)
    if override:
        form.locator("input[name=override]").check()
        form.locator("input[name=override_reason]").fill(override)
    form.get_by_role("button", name="Attest it is done").click()
    page.wait_for_load_state()


def export_file(directory: Path, name: str, rows: list[tuple[str, str]]) -> Path:
    """A generic export listing some accounts (a delta): each disabled, without licences."""
    path = directory / name
    lines = "".join(f"{key},,,{LEAVER},disabled,,\n" for key, _licence in rows)
    path.write_text("account_id,email,display_name,employee_id,status,last_login,license\n" + lines, encoding="utf-8")
    return path


def test_corners_cut_are_refused_proof_closes_the_case_and_the_certificate_says_how(
    site: Site, signed_in: Any, axe_source: str, tmp_path: Path
) -> None:
    """The walk of issue 16 on the demo: the IT coordinator may not attest the leaver's accounts before the last
    day, nor the manager's task without an override; a waiver waits for a second person; HR moves the last day to
    yesterday; check-ins and an export taken now (after the last day) verify the lines; the case completes and
    the certificate says per line how it closed."""
    if leaver_case(site) is None:  # HR's journey did not run first: the same change through the command line
        site.ordna("import", "people", str(hr_file_with_leaver(site, tmp_path)))
    case = leaver_case(site)
    assert case is not None
    # The devices he holds, as his case lists them (the demo's draw decides which).
    devices = sorted(
        line["subject"] for line in site.export("lines") if line["case_person"] == LEAVER and line["kind"] == "device"
    )
    assert devices

    it = signed_in("coordinator")
    it.goto("/cases/")
    it.get_by_label("Search").fill("Sjögren")
    it.get_by_role("button", name="Filter").click()
    it.get_by_role("link", name="Johan Sjögren").click()
    it.wait_for_load_state()
    case_url = it.url
    check_page(it, axe_source)
    # The leaver's account (the supplier's line) before the last day, even by override: refused, with why and
    # what to do; nothing changes.
    account = it.locator("tr", has=it.locator("td", has_text="Account")).filter(has=it.locator("summary")).first
    attest(it, account, "Blocked the sign-in", reason="admin_console", override="The supplier is slow")
    assert "This can be attested from the last day on" in it.locator("main").inner_text()
    check_page(it, axe_source)
    # The manager's task, without an override: refused.
    it.goto(case_url)
    handover = it.locator("tr", has_text="Plan the handover")
    attest(it, handover, "Handed over by IT")
    assert "To close it for them, choose “Override” and say why" in it.locator("main").inner_text()
    assert all(line["state"] == "open" for line in site.export("lines") if line["case_person"] == LEAVER)

    manager = signed_in("manager")
    manager.goto("/cases/mine/")
    check_translated(manager, "sv", "my-tasks-manager")
    check_translated(manager, "nl", "my-tasks-manager")
    check_page(manager, axe_source)
    handover = manager.locator("tr", has_text="Plan the handover").filter(has_text="Johan Sjögren")
    assert handover.count() == 1
    screenshot(manager, "my-tasks-manager")
    attest(manager, handover, "Clients and files handed over to the team")  # a task: done before the last day
    assert manager.locator("tr", has_text="Plan the handover").filter(has_text="Johan Sjögren").count() == 0
    client_task = manager.locator("tr", has_text="Tell the client").filter(has_text="Johan Sjögren")
    if client_task.count():
        attest(manager, client_task, "The client knows; Anna takes over")

    employee = signed_in("employee")
    employee.goto("/cases/mine/")
    check_page(employee, axe_source)
    assert all(employee.get_by_text(f"Return your device {tag}").is_visible() for tag in devices)
    screenshot(employee, "my-tasks-employee")
    attest(employee, employee.locator("tr", has_text="Return laptop, phone and badge"), "Left at the IT desk")

    # HR: he left yesterday after all; the case follows at once.
    hr = signed_in("hr")
    hr.goto(f"/people/{LEAVER}/")
    check_page(hr, axe_source)
    yesterday = date.today() - timedelta(days=1)
    hr.get_by_label("Last day (empty: no last day, an extension)").fill(yesterday.isoformat())
    hr.get_by_label("Reason", exact=True).fill("Left early by agreement")
    hr.get_by_role("button", name="Save the last day").click()
    hr.wait_for_load_state()
    assert "set by hand on" in hr.locator("main").inner_text()
    assert leaver_case(site)["effective_date"] == yesterday.isoformat()  # type: ignore[index]
    hr.goto("/cases/mine/")  # a page of 25 of HR's tasks: found by his name
    hr.get_by_label("Search").fill("Sjögren")
    hr.get_by_role("button", name="Filter").click()
    hr.wait_for_load_state()
    pay = hr.locator("tr", has_text="Final salary and holiday pay settled").filter(has_text="Johan Sjögren")
    attest(hr, pay, "Paid with the October salary")

    # IT: the devices come back (proof), its own tasks, and a waiver that waits for the admin.
    it.goto("/cases/check-in/")
    for tag in devices:
        it.get_by_label("Asset tag").fill(tag)
        it.get_by_role("button", name="Check in").click()
        it.wait_for_load_state()
    it.goto(case_url)
    attest(it, it.locator("tr", has_text="Convert the mailbox to a shared mailbox"), "Shared, forwarded to Sandra")
    it.goto(case_url)
    drive = it.locator("tr", has_text="Archive the personal drive")
    drive.locator("summary").click()
    drive.get_by_label("Reason for waiving").fill("He kept nothing on the personal drive")
    drive.get_by_role("button", name="Ask to waive").click()
    it.wait_for_load_state()
    assert "Waiver requested by coordinator" in it.locator("main").inner_text()
    assert it.locator("tr", has_text="Archive the personal drive").get_by_role("button", name="Approve").count() == 0
    admin = signed_in("admin")
    admin.goto(case_url)
    admin.locator("tr", has_text="Archive the personal drive").get_by_role("button", name="Approve").click()
    admin.wait_for_load_state()

    # Proof arrives: an export of each application, taken now (after the last day), shows the accounts disabled.
    lines = [line for line in site.export("lines") if line["case_person"] == LEAVER]
    by_app: dict[str, list[tuple[str, str]]] = {}
    for line in lines:
        if line["kind"] == "account" and line["state"] == "open":
            by_app.setdefault(line["application"], []).append((line["subject"], ""))
    first, *rest = sorted(by_app)
    it.goto("/accounts/import/")
    it.get_by_label("Application (short name)").fill(first)
    it.get_by_label("Format").select_option("generic")
    it.get_by_label("The file lists").select_option("0")
    it.set_input_files("input[type=file]", export_file(tmp_path, f"{first}.csv", by_app[first]))
    it.get_by_role("button", name="Preview").click()
    it.wait_for_load_state()
    it.get_by_role("button", name="Apply these changes").click()
    it.wait_for_load_state()
    for app in rest:
        export = str(export_file(tmp_path, f"{app}.csv", by_app[app]))
        site.ordna("import", "accounts", "--create-application", app, export, "--preset", "generic", "--delta")

    states = {
        (line["kind"], line["subject"]): line["state"] for line in site.export("lines") if line["case_person"] == LEAVER
    }
    assert "open" not in states.values(), states
    assert {states[("device", tag)] for tag in devices} == {"verified"}
    assert all(state == "verified" for (kind, _s), state in states.items() if kind in ("account", "licence"))
    assert leaver_case(site)["status"] == "completed"  # type: ignore[index]
    it.goto(case_url)
    assert "Completed" in it.locator("main").inner_text()
    screenshot(it, "case-completed")
    check_page(it, axe_source)

    with it.expect_download() as download:
        it.get_by_role("link", name="PDF").click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    raw = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = " ".join(raw.split())  # a table cell's lines, joined
    assert "Johan Sjögren" in text and "?" not in text
    assert "verified by proof" in text and "Import #" in text and "Device check-in" in text
    assert "approved by admin" in text and "He kept nothing on the personal drive" in text


def test_a_supplier_sees_only_its_own_work_closes_a_line_and_answers(
    site: Site, signed_in: Any, axe_source: str
) -> None:
    other = "Example Business Systems AB"  # the demo supplier user works for Example IT Services AB
    page = signed_in("supplier")
    check_translated(page, "sv", "dashboard-supplier")
    check_translated(page, "nl", "dashboard-supplier")
    page.goto("/cases/mine/")
    check_page(page, axe_source)
    tasks = page.locator("main").inner_text()
    assert "Microsoft 365" in tasks and "Flex HRM" not in tasks and other not in tasks
    screenshot(page, "my-tasks-supplier")
    # A leaver who has left: the supplier attests the account with its ticket (it has no export of its own).
    gone = [
        row
        for row in page.locator("tr:has(summary)").all()
        if (m := re.search(r"last day (\d{4}-\d{2}-\d{2})", row.inner_text())) and m.group(1) < date.today().isoformat()
    ]
    assert gone
    row = gone[0]
    leaver = row.locator("td").nth(3).locator("a").inner_text()  # after the selection box, the due day, the line
    attest(page, row, "Blocked sign-in and removed the licence", reason="supplier_ticket", reference="INC-2231")
    lines = [line for line in site.export("lines") if line["state"] == "attested" and line["application"] == "m365"]
    assert lines, leaver

    page.goto("/questions/")
    check_page(page, axe_source)
    listed = page.locator("main table").inner_text()
    assert "Microsoft 365" in listed and "Google Workspace" not in listed and "Slack" not in listed
    page.locator("main table a").first.click()
    page.wait_for_load_state()
    check_page(page, axe_source)
    page.get_by_label("Text").fill("Fixed in the tenant settings: attachments up to 150 MB now work.")
    page.get_by_role("button", name="Send the answer").click()
    page.wait_for_load_state()
    assert "Fixed in the tenant settings" in page.locator("main").inner_text()
    screenshot(page, "question-supplier")
    # Another supplier's application is not there, not even by its address.
    assert page.goto("/applications/google/").status == 404  # type: ignore[union-attr]


def test_an_employee_asks_the_key_user_escalates_and_the_employee_answers_the_survey_and_wishes(
    site: Site, signed_in: Any, axe_source: str
) -> None:
    employee = signed_in("employee")
    check_translated(employee, "sv", "dashboard-employee")
    check_translated(employee, "nl", "dashboard-employee")
    employee.goto("/questions/ask/")
    check_page(employee, axe_source)
    employee.get_by_label("Application").select_option(label="Google Workspace")
    employee.get_by_label("Your question").fill("How do I share a calendar with a client outside the company?")
    employee.get_by_role("button", name="Continue").click()
    employee.wait_for_load_state()
    check_page(employee, axe_source)
    employee.get_by_role("button", name="Send my question").click()
    employee.wait_for_load_state()
    question_url = employee.url
    assert re.search(r"/questions/\d+/$", question_url)
    screenshot(employee, "question-asked")

    key_user = signed_in("keyuser")
    key_user.goto(question_url)
    check_page(key_user, axe_source)
    # A refusal in Swedish, beside its field: a due day already past.
    choose_language(key_user, "sv")
    escalate = key_user.locator("form:has(#action-escalate)")
    escalate.locator("[name=escalate-ticket_ref]").fill("NCP-48213")
    escalate.locator("[name=escalate-due]").fill((date.today() - timedelta(days=1)).isoformat())
    escalate.locator("button[type=submit]").click()
    key_user.wait_for_load_state()
    assert "har passerat" in key_user.locator("form:has(#action-escalate) .error").inner_text()
    assert_translated(key_user, "sv")
    screenshot(key_user, "question-refused-sv")
    key_user.goto(question_url)
    choose_language(key_user, "en")
    key_user.get_by_label("Supplier's ticket reference").fill("NCP-48213")
    key_user.get_by_label("Note to the supplier (optional)").fill(
        "External sharing is a tenant setting; asking the supplier."
    )
    key_user.get_by_role("button", name="Escalate", exact=True).click()
    key_user.wait_for_load_state()
    shown = key_user.locator("main").inner_text()
    assert "NCP-48213" in shown and "Nordic Cloud Partner AB" in shown
    screenshot(key_user, "question-escalated")

    employee.goto("/surveys/")
    check_page(employee, axe_source)
    employee.get_by_role("link", name=re.compile("Skills survey")).first.click()
    employee.wait_for_load_state()
    check_page(employee, axe_source)
    for select in employee.locator("main select").all():
        select.select_option("2")
    employee.locator("main input[type=checkbox]").first.check()
    employee.get_by_role("button", name="Send").click()
    employee.wait_for_load_state()
    assert "Thank you: your answers were saved." in employee.locator("main").inner_text()
    assert "answered" in employee.locator("main li", has_text="Skills survey").first.inner_text()
    screenshot(employee, "survey-answered")

    employee.goto("/wishes/add/")
    check_page(employee, axe_source)
    employee.get_by_label("Application").select_option(label="Google Workspace")
    employee.get_by_label("Title").fill("Shared calendars for client teams")
    employee.get_by_role("button", name="Propose").click()
    employee.wait_for_load_state()
    assert "Shared calendars for client teams" in employee.locator("main").inner_text()


def test_the_it_coordinator_records_a_contract_decision_and_opens_a_review_agenda(
    site: Site, signed_in: Any, axe_source: str, tmp_path: Path
) -> None:
    page = signed_in("coordinator")
    page.goto("/contracts/")
    check_translated(page, "sv", "contracts")
    check_translated(page, "nl", "contracts")
    check_page(page, axe_source)
    screenshot(page, "contracts")
    page.locator("main table a[href^='/contracts/']").first.click()
    page.wait_for_load_state()
    check_page(page, axe_source)
    title = page.locator("h1").inner_text()
    page.get_by_label("Decision", exact=True).select_option("renegotiate")
    page.get_by_label("Reason").fill("Prices rose 12 %; ask for the framework agreement's rates")
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_load_state()
    assert "Prices rose 12 %" in page.locator("main").inner_text(), title
    screenshot(page, "contract-decided")

    page.goto("/reviews/add/")
    check_page(page, axe_source)
    page.get_by_label("Supplier", exact=True).select_option(label="Example IT Services AB")
    page.get_by_label("Title").fill("Quarterly review Q1 2027")
    page.get_by_label("Date and time").fill(f"{date.today() + timedelta(days=30):%Y-%m-%d}T10:00")
    page.get_by_label("Location").fill("Teams")
    page.get_by_role("button", name="Plan").click()
    page.wait_for_load_state()
    check_page(page, axe_source)
    agenda = page.get_by_label("Agenda").input_value()
    assert "Example IT Services AB" in agenda or "Microsoft 365" in agenda, agenda[:500]
    screenshot(page, "review-agenda")
    for link, magic in (("agenda.pdf", b"%PDF"), ("invitation.ics", b"BEGIN:VCALENDAR")):
        answer = page.request.get(page.url.rstrip("/") + "/" + link)
        assert answer.ok and answer.body().startswith(magic), link


FIND_MANAGER_WITHOUT_USER = """
from ordna.devices.models import Device
from ordna.people.models import Person
users = set(Person.objects.filter(user__isnull=False).values_list("id", flat=True))
for device in Device.objects.filter(status="issued", kind="laptop", holder__end_date__isnull=True,
        holder__manager__isnull=False, holder__cases__isnull=True).select_related("holder__manager").order_by("id"):
    manager = device.holder.manager
    if manager.pk not in users and device.holder_id not in users and manager.email and manager.end_date is None:
        print(device.holder.employee_id, manager.email, device.asset_tag, device.serial)
        break
"""


def previous_business_day(day: date) -> date:
    from ordna.core.business_days import is_business_day

    while not is_business_day(day, "SE"):
        day -= timedelta(days=1)
    return day


def next_business_day(day: date) -> date:
    from ordna.core.business_days import is_business_day

    while not is_business_day(day, "SE"):
        day += timedelta(days=1)
    return day


def mails_in(outbox: Path) -> list[Any]:
    """The messages Django's file backend wrote (no SMTP server configured: the demo's outbox)."""
    import email
    import email.policy

    found = []
    for path in sorted(outbox.glob("*.log")):
        for chunk in path.read_text(encoding="utf-8").split("-" * 79):
            if chunk.strip():
                found.append(email.message_from_string(chunk.strip() + "\n", policy=email.policy.default))
    return found


def test_a_manager_without_a_user_follows_the_link_in_the_reminder_and_records_the_laptop(
    site: Site, browser: Any, axe_source: str, tmp_path: Path
) -> None:
    # Given a leaver whose manager has no Ordna user, only an address in the HR file,
    found = site.ordna("shell", "-c", FIND_MANAGER_WITHOUT_USER).stdout.strip().splitlines()[-1]
    leaver, manager_address, tag, serial = found.split()
    # Her last day was the business day before today: a device is attested from the last day on (issue 16).
    last_day = previous_business_day(date.today() - timedelta(days=1))
    rows = list(csv.DictReader(io.StringIO(site.ordna("export", "people", "--format", "csv").stdout)))
    for row in rows:
        if row["employee_id"] == leaver:
            row["end_date"] = last_day.isoformat()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (tmp_path / "hr.csv").write_text(out.getvalue(), encoding="utf-8")
    site.ordna("import", "people", str(tmp_path / "hr.csv"))
    # when the reminders run on the next business day (the served site's worker has planned today's already: one
    # digest per address and day), writing to the outbox that stands in for the mail server,
    site.ordna("remind", "--day", next_business_day(date.today() + timedelta(days=1)).isoformat())
    texts = [
        m.get_body(preferencelist=("plain",)).get_content()
        for m in mails_in(site.data / "outbox")
        if manager_address in str(m["To"])
    ]
    text = [t for t in texts if f"{tag} (" in t][-1]  # the latest (the worker's of today may list it too)
    item = text[text.index(f"{tag} (") :]
    link = re.search(r"https?://\S+/cases/act/\S+/", item).group(0)  # type: ignore[union-attr]
    path = link[link.index("/cases/act/") :]

    # then the manager opens the link in a browser, without signing in, sees the laptop and records it.
    context = browser.new_context(base_url=site.url)
    page = context.new_page()
    page.goto(path)
    check_page(page, axe_source)
    shown = page.locator("main").inner_text()
    assert tag in shown and serial in shown
    screenshot(page, "action-link-manager")
    page.locator("input[name=outcome][value=done]").check()
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    check_page(page, axe_source)
    assert page.locator("[role=status]").count() == 1
    line = next(line for line in site.export("lines") if line["case_person"] == leaver and line["subject"] == tag)
    assert line["state"] == "attested"
    # The link has done its work: opened again, it says so.
    page.goto(path)
    assert page.locator("[role=alert]").count() == 1
    context.close()
