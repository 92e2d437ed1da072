"""The coordinator's first-run checklist, ticked from the data, and the warning of open items no reminder reaches
(issue 29): the count is the reminder engine's own."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from ordna.applications.services import application_create, license_save
from ordna.conftest import hr_row
from ordna.core.models import User
from ordna.lifecycle.case_templates import leaver_template_default_add
from ordna.lifecycle.models import Line
from ordna.notifications.selectors import open_items_reaching_nobody

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 16)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def steps_of(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-step="(\w+)" data-done="(yes|no)"', html))


def test_a_fresh_instance_shows_every_step_to_do_and_no_warning(make_user) -> None:
    client = signed_in(make_user("admin", "coordinator"))
    html = client.get("/").content.decode()
    assert steps_of(html) == {
        "hr_file": "no",
        "prices": "no",
        "exports": "no",
        "unlinked": "no",
        "template": "no",
        "mail_users": "no",
        "report": "no",
    }
    assert "Add the default leaver template" in html
    assert "reach nobody" not in html


def test_steps_tick_from_the_data(make_user, load_people, actor, settings) -> None:
    # Given an HR file, an application with a price and its accounts, the default template, mail and users
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.ORDNA_REPORT_RECIPIENTS = ["cio@example.org"]
    load_people([hr_row("E1"), hr_row("E2")])
    app = application_create(slug="m365", name="Microsoft 365", actor=actor)
    license_save(application=app, name="E3", actor=actor, monthly_cost=Decimal("30"), currency="EUR", seats=5)
    app.accounts_active = 2
    app.save(update_fields=["accounts_active"])
    leaver_template_default_add(actor=actor, language="en")
    coordinator = make_user("admin", "coordinator")
    User.objects.filter(pk=coordinator.pk).update(email="it@example.org")
    make_user("hr")
    # When the coordinator opens the start page
    html = signed_in(coordinator).get("/").content.decode()
    # Then every step is done and the checklist is gone
    assert "first-run-heading" not in html


def test_an_application_without_accounts_or_price_is_named(make_user, load_people, actor) -> None:
    load_people([hr_row("E1")])
    application_create(slug="slack", name="Slack", actor=actor)
    html = signed_in(make_user("coordinator")).get("/").content.decode()
    assert steps_of(html)["hr_file"] == "yes"
    assert steps_of(html)["prices"] == "no"
    assert "without a price: Slack" in html
    assert "no accounts yet: Slack" in html


def test_open_items_without_a_coordinator_reach_nobody_and_the_page_says_how_many(
    make_user, load_people, actor
) -> None:
    # Given the default leaver template, an administrator who is not IT coordinator, and nobody with the HR role
    leaver_template_default_add(actor=actor, language="en")
    admin = make_user("admin")
    # When a leaver without a manager comes in with the HR file (the case opens: last day within the lead time)
    load_people([hr_row("E1", end_date="2026-11-25")])
    # Then the manager's tasks (the coordinator's, for want of a manager) and HR's reach nobody; the leaver's do
    lines = Line.objects.filter(case__person__employee_id="E1", kind="task")
    assert sorted(lines.values_list("responsible", flat=True)) == [
        "coordinator",
        "coordinator",
        "employee",
        "employee",
        "hr",
        "hr",
    ]
    assert len(open_items_reaching_nobody(today=TODAY)) == 4
    html = signed_in(admin).get("/").content.decode()
    assert "4 open items reach nobody: give someone the IT coordinator role (with an address)" in html
    # And an IT coordinator with an address reaches them all (the overdue rung), so the warning goes
    coordinator = make_user("coordinator")
    User.objects.filter(pk=coordinator.pk).update(email="it@example.org")
    assert open_items_reaching_nobody(today=TODAY) == []
    assert "reach nobody" not in signed_in(admin).get("/").content.decode()


def test_the_checklist_button_adds_the_default_template_once(make_user) -> None:
    client = signed_in(make_user("coordinator"))
    response = client.post("/leaver-template/")
    assert response.status_code == 302
    response = client.post("/leaver-template/", follow=True)
    assert "A leaver template exists already; nothing was added." in response.content.decode()


def test_others_see_no_checklist(make_user, load_people) -> None:
    load_people([hr_row("E1")])
    html = signed_in(make_user("hr")).get("/").content.decode()
    assert "first-run-heading" not in html
    assert signed_in(make_user("hr")).post("/leaver-template/").status_code == 302
