"""The pages that compose several apps: the user administration (users link to people and suppliers) and the
dashboard."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.test import Client

from ordna.conftest import hr_row
from ordna.core.models import Supplier, User
from ordna.people.models import Person

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_coordinator_manages_users_but_cannot_make_an_admin(make_user, load_people) -> None:
    load_people([hr_row("E1")])
    Supplier.objects.create(name="Example IT Services AB")
    client = signed_in(make_user("coordinator"))
    response = client.post("/users/new/", {"username": "boss", "roles": ["admin"], "is_active": "on"})
    assert "Only an administrator can grant or change the administrator role." in response.content.decode()
    response = client.post(
        "/users/new/",
        {"username": "partner", "roles": ["supplier"], "supplier": "example it services ab", "is_active": "on"},
    )
    assert response.status_code == 302
    assert User.objects.get(username="partner").supplier.name == "Example IT Services AB"
    response = client.post(
        "/users/new/",
        {"username": "vendor", "roles": ["supplier"], "supplier": "Voorbeeld Software BV", "is_active": "on"},
    )
    assert response.status_code == 302
    assert User.objects.get(username="vendor").supplier.name == "Voorbeeld Software BV"
    response = client.post("/users/new/", {"username": "vendor", "roles": ["supplier"], "supplier": "Nieuw BV"})
    assert "A user named &#x27;vendor&#x27; exists already." in response.content.decode()
    assert not Supplier.objects.filter(name="Nieuw BV").exists()  # nothing half-applied
    response = client.post("/users/new/", {"username": "emp", "roles": ["employee"], "person": "E404"})
    assert "No person has employee id E404." in response.content.decode()


def test_disabling_a_user_ends_their_sessions(make_user) -> None:
    coordinator = make_user("coordinator")
    hr = make_user("hr", password=PASSWORD)
    hr_client = Client()
    hr_client.post("/login/", {"username": hr.username, "password": PASSWORD})
    assert hr_client.get("/").status_code == 200
    signed_in(coordinator).post(f"/users/{hr.pk}/", {"username": hr.username, "roles": ["hr"]})  # unchecked: disabled
    assert User.objects.get(pk=hr.pk).is_active is False
    assert hr_client.get("/").status_code == 302


def test_a_new_user_speaks_the_language_of_their_person(make_user, load_people) -> None:
    # Given a Swedish-speaking person and a coordinator
    load_people([hr_row("E1"), hr_row("E2")])
    Person.objects.filter(employee_id="E1").update(locale="sv")
    client = signed_in(make_user("coordinator"))
    # When users are made for them, and one for nobody
    for username, employee_id in (("sven", "E1"), ("erik", "E2"), ("nobody", "")):
        response = client.post(
            "/users/new/", {"username": username, "roles": ["employee" if employee_id else "hr"], "person": employee_id}
        )
        assert response.status_code == 302
    # Then each speaks their person's language, and English without one
    assert dict(User.objects.values_list("username", "locale")) == {
        "coordinator1": "en",
        "sven": "sv",
        "erik": "en",
        "nobody": "en",
    }


def test_the_dashboard_shows_what_the_role_may_see(make_user, load_people) -> None:
    # Given three people, one of them the employee's own
    load_people([hr_row("E1"), hr_row("E2", end_date="2026-11-30"), hr_row("E3")])
    employee = make_user("employee", person=Person.objects.get(employee_id="E1"))
    # When HR and the employee open the dashboard
    hr_page = signed_in(make_user("hr")).get("/")
    own_page = signed_in(employee).get("/")
    # Then HR sees the organisation's figures and the leaver, the employee only their own page
    assert hr_page.context["figures"]["status_counts"]["leaving"] == 1
    assert [p.employee_id for p in hr_page.context["figures"]["leavers_soon"]] == ["E2"]
    assert "status_counts" not in own_page.context["figures"]
    assert own_page.context["figures"]["my_page"] == "E1"


@pytest.fixture
def supplier_work(load_people, make_user, make_contract, tmp_path) -> dict[str, Any]:
    """Example IT Services AB runs crm; Voorbeeld Software BV runs erp. E2 left on Wednesday (the crm line was due
    Thursday) and E4 leaves in five days, both with crm and erp accounts; a question about crm is escalated to
    Example IT; at the review Example IT owes one action (overdue) and we owe one; its contract's notice date is
    45 days ahead."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from ordna.accounts.importing import accounts_import
    from ordna.applications.models import Application
    from ordna.applications.services import application_create, appointment_add
    from ordna.conftest import TODAY
    from ordna.core.actor import Actor
    from ordna.reviews import services as reviews
    from ordna.support import services as support

    actor = Actor.system("test")
    rows = [hr_row(f"E{i}") for i in range(1, 6)]
    load_people(rows)
    people = {p.employee_id: p for p in Person.objects.all()}
    example = Supplier.objects.create(name="Example IT Services AB")
    other = Supplier.objects.create(name="Voorbeeld Software BV")
    for slug, supplier in (("crm", example), ("erp", other)):
        application_create(slug=slug, name=slug.upper(), actor=actor, supplier_id=supplier.pk)
        export = tmp_path / f"{slug}.csv"
        export.write_text(
            "account_id,email,display_name,employee_id,status,last_login,license\n"
            + "".join(f"e{i},,E{i},E{i},active,,\n" for i in range(1, 6)),
            encoding="utf-8",
        )
        accounts_import(
            create_application=True, application_slug=slug, path=export, actor=actor, today=TODAY, preset="generic"
        )
    rows[1]["end_date"] = (TODAY - timedelta(days=5)).isoformat()
    load_people(rows, today=TODAY - timedelta(days=10))  # HR entered it in time: the case opened ten days ago
    rows[3]["end_date"] = (TODAY + timedelta(days=5)).isoformat()
    load_people(rows)
    crm = Application.objects.get(slug="crm")
    appointment_add(application=crm, person=people["E3"], actor=actor, starts_on=TODAY, primary=True)
    question = support.question_ask(
        application=crm, asked_by=people["E1"], category="how_to", text="Why is sharing blocked?", actor=actor
    )
    support.question_escalate(question=question, actor=actor, ticket_ref="INC-4711", due=TODAY + timedelta(days=3))
    review = reviews.review_plan(
        supplier=example,
        title="Q4",
        starts_at=datetime(2026, 11, 2, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm")),
        actor=actor,
        today=TODAY,
    )
    reviews.action_add(
        review=review, title="Send the SLA report", owner_side="theirs", due=TODAY - timedelta(days=1), actor=actor
    )
    reviews.action_add(
        review=review, title="Name a contact", owner_side="ours", owner_person=people["E3"], due=TODAY, actor=actor
    )
    make_contract(start_date=date(2026, 4, 1), notice="3 months")  # term ends 2027-03-31, notice by 2026-12-31
    make_contract(supplier="Voorbeeld Software BV", title="ERP", start_date=date(2026, 4, 1))
    return {"supplier": example, "question": question}


def test_the_suppliers_start_page_shows_its_open_work(supplier_work, make_user) -> None:
    """Lines to close with their due dates, escalated questions with their clocks, the actions it owes and its
    contract dates, each count linking to the list; nothing of another supplier's and nothing we owe."""
    user = make_user("supplier", supplier=supplier_work["supplier"])

    page = signed_in(user).get("/").content.decode()

    assert '<a href="/cases/mine/"><span class="figure">2</span> lines to close (accounts to disable)</a>' in page
    assert '<a href="/cases/mine/?overdue=1" class="error">1 overdue</a>' in page
    assert "Account: e2</a> (CRM)" in page and "Account: e4</a> (CRM)" in page and "(ERP)" not in page
    assert '<a href="/questions/?state=escalated"><span class="figure">1</span> questions escalated to you</a>' in page
    assert f'<a href="/questions/{supplier_work["question"].pk}/">INC-4711</a>' in page
    assert "<td>2026-11-19 17:00</td><td>0.0 h</td>" in page  # due the day promised; the clock has just started
    assert (
        f'<a href="/suppliers/{supplier_work["supplier"].pk}/#actions-heading"><span class="figure">1</span> '
        'review actions you owe</a>, <span class="error">1 overdue</span>'
    ) in page
    assert "Send the SLA report, due 2026-11-15" in page and "Name a contact" not in page
    assert '<a href="/contracts/"><span class="figure">1</span> contract dates in the next six months</a>' in page
    assert "Office IT: the current term ends on 2027-03-31, notice by 2026-12-31 (renews unless cancelled)" in page
    assert "ERP" not in page


def test_the_start_page_counts_link_to_the_filtered_lists(supplier_work, make_user) -> None:
    client = signed_in(make_user("supplier", supplier=supplier_work["supplier"]))
    overdue = client.get("/cases/mine/?overdue=1").content.decode()
    # Whole words: a page's random CSRF token may hold "e4" too.
    assert "1 overdue task" in overdue and re.search(r"\be2\b", overdue) and not re.search(r"\be4\b", overdue)
    escalated = client.get("/questions/?state=escalated").content.decode()
    assert "CRM" in escalated


def test_an_organisation_user_gets_no_supplier_section(supplier_work, make_user) -> None:
    page = signed_in(make_user("coordinator")).get("/").content.decode()
    assert "open work" not in page
