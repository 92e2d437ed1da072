"""The key user's question page: one form per action, each with only its fields, offered when the action
applies; errors beside the field; escalating takes the supplier's ticket reference and the day it promised."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from ordna.applications.services import application_create, appointment_add
from ordna.conftest import TODAY, hr_row
from ordna.core.actor import Actor
from ordna.core.models import Supplier
from ordna.people.models import Person
from ordna.support import services
from ordna.support.models import Article, Question

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


@pytest.fixture
def asked(load_people, make_user) -> dict[str, Any]:
    load_people([hr_row("E1"), hr_row("K1")])
    people = {p.employee_id: p for p in Person.objects.all()}
    supplier = Supplier.objects.create(name="Example IT Services AB")
    crm = application_create(slug="crm", name="CRM", actor=ACTOR, supplier_id=supplier.pk)
    appointment_add(application=crm, person=people["K1"], actor=ACTOR, starts_on=TODAY, primary=True)
    question = services.question_ask(
        application=crm, asked_by=people["E1"], category="how_to", text="How do I share a calendar?", actor=ACTOR
    )
    client = Client()
    client.force_login(make_user("key_user", person=people["K1"]))
    return {"question": question, "client": client}


def fields_of(page: str, action: str) -> list[str]:
    """The inputs a form sends, by name (the csrf token left out)."""
    start = page.index(f'id="action-{action}"')
    form = page[start : page.index("</form>", start)]
    names = [n for n in re.findall(r'name="([^"]+)"', form) if n != "csrfmiddlewaretoken"]
    return names


def test_each_action_has_its_own_form_with_only_its_fields(asked) -> None:
    page = asked["client"].get(f"/questions/{asked['question'].pk}/").content.decode()

    assert fields_of(page, "answer") == ["answer-text"]
    assert fields_of(page, "ask_back") == ["ask_back-text"]
    assert fields_of(page, "escalate") == ["escalate-ticket_ref", "escalate-due", "escalate-text"]
    assert fields_of(page, "resolve") == ["resolve-text"]
    assert fields_of(page, "close") == ["close-text"]
    assert 'id="action-publish"' not in page and 'id="action-take"' not in page
    assert "To Example IT Services AB, under its own ticket reference." in page


def test_escalating_with_the_day_the_supplier_promised(asked) -> None:
    question, client = asked["question"], asked["client"]
    due = TODAY + timedelta(days=3)

    response = client.post(
        f"/questions/{question.pk}/escalate/",
        {"escalate-ticket_ref": "INC-4711", "escalate-due": due.isoformat(), "escalate-text": "Please look"},
    )

    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.state, question.supplier_ticket_ref) == ("escalated", "INC-4711")
    assert question.supplier_due_at == datetime(2026, 11, 19, 17, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    page = client.get(f"/questions/{question.pk}/").content.decode()
    assert 'id="action-escalate"' not in page and 'id="action-answer"' not in page  # it waits on the supplier
    assert 'id="action-ask_back"' in page and 'id="action-close"' in page


def test_a_refused_action_shows_its_reason_beside_the_field(asked) -> None:
    question, client = asked["question"], asked["client"]

    response = client.post(
        f"/questions/{question.pk}/escalate/",
        {"escalate-ticket_ref": "INC-1", "escalate-due": (TODAY - timedelta(days=1)).isoformat()},
    )

    assert response.status_code == 422
    page = response.content.decode()
    due_field = page[page.index('for="id_escalate-due"') : page.index('name="escalate-text"')]
    assert "The due date 2026-11-15 has passed: give a day from today on." in due_field
    assert Question.objects.get().state == "with_key_user"  # nothing applied


def test_publishing_starts_from_the_answer_given(asked) -> None:
    question, client = asked["question"], asked["client"]
    client.post(f"/questions/{question.pk}/answer/", {"answer-text": "Open Settings, then Sharing."})
    page = client.get(f"/questions/{question.pk}/").content.decode()
    assert fields_of(page, "publish") == ["publish-title", "publish-answer"]
    assert "\nOpen Settings, then Sharing.</textarea>" in page

    client.post(f"/questions/{question.pk}/publish/", {"publish-title": "Sharing", "publish-answer": "Settings."})

    article = Article.objects.get()
    assert (article.title, article.answer) == ("Sharing", "Settings.")
