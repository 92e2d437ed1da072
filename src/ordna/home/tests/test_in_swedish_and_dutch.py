"""What a newcomer meets first, in Swedish and Dutch: the HR import (its errors, preview, summary and the
cases it opened), the key user's question forms with their errors, a service's refusal in the API, and the
supplier's start page. No English on any of them (ordna.core.tests.test_translations.untranslated)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ordna.applications.services import application_create, appointment_add
from ordna.conftest import TODAY, hr_csv, hr_row
from ordna.core.actor import Actor
from ordna.core.models import ImportRun, Supplier
from ordna.core.services import token_create
from ordna.core.tests.test_translations import untranslated
from ordna.lifecycle.models import Case
from ordna.people.models import Person
from ordna.support import services as support

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def signed_in(user: Any, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.post("/language/", {"language": language, "next": "/"})
    return client


def upload(client: Client, content: str) -> str:
    return client.post(
        "/people/import/", {"file": SimpleUploadedFile("hr.csv", content.encode(), "text/csv")}
    ).content.decode()


def test_the_hr_import_in_swedish_errors_preview_summary_and_the_cases_it_opened(load_people, make_user) -> None:
    rows = [hr_row("E1", "Anna", "Berg"), hr_row("E2", "Johan", "Sjögren"), hr_row("E3", "Eva", "Lind")]
    load_people(rows)
    hr = make_user("hr")
    client = signed_in(hr, "sv")

    # A file with errors: each in Swedish, with its row and column.
    page = upload(client, hr_csv([*rows, hr_row("E3", start_date="2026-13-01")]))
    assert "dubblett av anställningsnummer &#x27;E3&#x27; (även på rad 4)" in page
    assert "&#x27;2026-13-01&#x27; är inte ett datum (väntat ÅÅÅÅ-MM-DD)" in page
    assert untranslated(page, "sv") == []

    # The preview: fields in words, a future last day as leaving on that day, a past one as left.
    rows[1]["end_date"] = (TODAY + timedelta(days=7)).isoformat()
    rows[2]["end_date"] = (TODAY - timedelta(days=3)).isoformat()
    page = upload(client, hr_csv(rows))
    text = visible(page)
    assert "E2 Sista dag: — → 2026-11-23" in text and "end_date:" not in text
    assert "Johan Sjögren (E2), slutar den 2026-11-23" in text
    assert "Eva Lind (E3), slutade efter 2026-11-13" in text
    assert "1 nya avgående 1 nyligen slutat (en passerad sista dag)" in text
    assert untranslated(page, "sv") == []

    # Applied: the import's page says what it did, who did it, and links the cases it opened.
    response = client.post("/people/import/confirm/")
    run = ImportRun.objects.get(source="hr", outcome="applied", actor_label=hr.username)
    assert response["Location"] == f"/imports/{run.pk}/"
    page = client.get(response["Location"]).content.decode()
    text = visible(page)
    cases = {c.person.employee_id: c for c in Case.objects.select_related("person")}
    assert set(cases) == {"E2", "E3"}
    assert "2 ärenden öppnade av den här importen" in text
    assert f'<a href="/cases/{cases["E2"].pk}/">Johan Sjögren</a>' in page
    assert f"Av {hr.username}" in text and "command line" not in text
    assert "ärenden öppnade: 2" in visible(client.get("/imports/").content.decode())
    assert untranslated(page, "sv") == []


@pytest.fixture
def escalated(load_people, make_user) -> dict[str, Any]:
    """E1 asked about crm, which Example IT Services AB runs; K1 is its key user (Swedish) and K2 a Dutch one."""
    load_people([hr_row("E1"), hr_row("K1"), hr_row("K2")])
    people = {p.employee_id: p for p in Person.objects.all()}
    supplier = Supplier.objects.create(name="Example IT Services AB")
    crm = application_create(slug="crm", name="CRM", actor=ACTOR, supplier_id=supplier.pk)
    appointment_add(application=crm, person=people["K1"], actor=ACTOR, starts_on=TODAY, primary=True)
    appointment_add(application=crm, person=people["K2"], actor=ACTOR, starts_on=TODAY)
    question = support.question_ask(
        application=crm, asked_by=people["E1"], category="how_to", text="Hur delar jag en kalender?", actor=ACTOR
    )
    return {
        "question": question,
        "supplier": supplier,
        "k1": make_user("key_user", person=people["K1"]),
        "k2": make_user("key_user", person=people["K2"]),
    }


def test_the_key_users_forms_say_their_errors_in_swedish_beside_the_field(escalated) -> None:
    client = signed_in(escalated["k1"], "sv")
    question = escalated["question"]
    page = client.get(f"/questions/{question.pk}/").content.decode()
    # One form per action, each with only its fields.
    for action in ("answer", "ask-back", "escalate", "resolve", "close"):
        assert f'action="/questions/{question.pk}/{action}/"' in page
    assert "/take/" not in page and "/publish/" not in page  # taken by K1 already; nothing resolved to publish
    assert page.count('name="escalate-ticket_ref"') == 1 and 'name="answer-ticket_ref"' not in page
    assert untranslated(page, "sv") == []

    response = client.post(f"/questions/{question.pk}/escalate/", {"escalate-ticket_ref": " ", "escalate-text": ""})

    assert response.status_code == 422
    page = response.content.decode()
    assert '<p class="error" role="alert">Detta fält måste fyllas i.</p>' in page  # beside the field
    assert untranslated(page, "sv") == []
    support.question_escalate(question=question, actor=ACTOR, ticket_ref="INC-4711")
    page = client.post(f"/questions/{question.pk}/resolve/", {"resolve-text": ""}).content.decode()
    assert "Leverantören har inte svarat ännu." in page
    assert untranslated(page, "sv") == []


def test_a_refusal_in_dutch_on_the_page_and_in_the_api(escalated) -> None:
    question = escalated["question"]
    support.question_escalate(question=question, actor=ACTOR, ticket_ref="INC-4711")
    client = signed_in(escalated["k2"], "nl")

    page = client.post(f"/questions/{question.pk}/resolve/", {"resolve-text": ""}).content.decode()

    assert "De leverancier heeft nog niet geantwoord." in page
    assert untranslated(page, "nl") == []
    escalated["k2"].refresh_from_db()
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_create(user=escalated['k2'], actor=ACTOR)}")
    answer = api.post(
        f"/api/v1/questions/{question.pk}/handle", {"action": "answer", "text": ""}, content_type="application/json"
    )
    assert answer.status_code == 422
    assert answer.json() == {"detail": "Vul de tekst in.", "field": "text"}


def test_the_suppliers_start_page_in_swedish(escalated, make_user) -> None:
    support.question_escalate(question=escalated["question"], actor=ACTOR, ticket_ref="INC-4711")
    page = signed_in(make_user("supplier", supplier=escalated["supplier"]), "sv").get("/").content.decode()
    assert "Frågor eskalerade till er" in page and "INC-4711" in page
    assert untranslated(page, "sv") == []


@pytest.mark.parametrize("language", ["sv", "nl"])
def test_the_users_page_with_its_lock_and_tokens_in_swedish_and_dutch(make_user, language: str) -> None:
    from django.utils import timezone

    admin, hr = make_user("admin"), make_user("hr")
    hr.locked_until = timezone.now() + timedelta(minutes=10)
    hr.save()
    token_create(user=hr, actor=ACTOR, name="lön")
    client = signed_in(admin, language)
    page = client.post(f"/users/{hr.pk}/tokens/", {"name": "synk"}).content.decode()
    assert untranslated(page, language) == []
    page = client.get(f"/users/{hr.pk}/").content.decode()
    assert ("Lås upp" if language == "sv" else "Deblokkeren") in page
    assert untranslated(page, language) == []
