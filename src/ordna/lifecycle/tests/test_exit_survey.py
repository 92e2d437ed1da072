"""The leaver's exit survey: a personal signed link, anonymous answers, the five-answer floor, alumni consent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ordna.conftest import TODAY, hr_row
from ordna.core.actor import Actor
from ordna.lifecycle import case_templates, exit_survey
from ordna.lifecycle.models import AlumniConsent, Case, ExitSurveyAnswer, ExitSurveyInvitation
from ordna.lifecycle.tests.conftest import day

pytestmark = pytest.mark.django_db

GOOD = {"overall": 4, "recommend": 5, "offboarding": 3}


@pytest.fixture
def leavers(load_people, actor: Actor) -> list[Case]:
    """Seven leavers in Sales and two in HQ, with a leaver template that invites to the exit survey."""
    case_templates.template_save(actor=actor, name="Leaver", exit_survey=True)
    rows = [hr_row(f"S{i}", "Sam", f"Sales{i}", department="Sales", end_date=day(3)) for i in range(7)]
    rows += [hr_row(f"H{i}", "Hedda", f"Hq{i}", department="HQ", end_date=day(3)) for i in range(2)]
    from ordna.people.models import Person

    load_people(rows)
    Person.objects.filter(employee_id="S0").update(locale="sv")
    ExitSurveyInvitation.objects.filter(case__person__employee_id="S0").update(locale="sv")
    return list(Case.objects.filter(kind="leaver").select_related("person").order_by("person__employee_id"))


def token_of(case: Case) -> str:
    return exit_survey.token_for(ExitSurveyInvitation.objects.get(case=case))


def test_a_template_with_the_survey_invites_every_leaver_once(leavers, actor) -> None:
    assert ExitSurveyInvitation.objects.count() == 9
    again = exit_survey.exit_survey_invite(case=leavers[0], actor=actor)
    assert ExitSurveyInvitation.objects.count() == 9 and again.case == leavers[0]
    assert again.expires_at == again.created_at + timedelta(days=30)


def test_an_answer_is_anonymous_and_the_link_works_once(leavers) -> None:
    token = token_of(leavers[0])
    answer = exit_survey.exit_survey_answer(token=token, ratings=GOOD, today=TODAY)
    assert (answer.department, answer.quarter, answer.overall) == ("HQ", "2026-Q4", 4)
    assert {f.name for f in ExitSurveyAnswer._meta.get_fields()} == {
        "id",
        "department",
        "quarter",
        "overall",
        "recommend",
        "offboarding",
    }
    with pytest.raises(exit_survey.ExitSurveyError, match=r"answered already"):
        exit_survey.exit_survey_answer(token=token, ratings=GOOD, today=TODAY)
    assert ExitSurveyAnswer.objects.count() == 1


def test_a_tampered_or_forged_or_expired_link_is_refused(leavers) -> None:
    token = token_of(leavers[0])
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    with pytest.raises(exit_survey.ExitSurveyError, match=r"not valid"):
        exit_survey.exit_survey_answer(token=tampered, ratings=GOOD, today=TODAY)
    invitation = ExitSurveyInvitation.objects.get(case=leavers[1])
    forged = signing.dumps({"i": invitation.pk, "n": "0" * 32}, salt=exit_survey.SALT)  # right key, wrong nonce
    with pytest.raises(exit_survey.ExitSurveyError, match=r"not valid"):
        exit_survey.exit_survey_answer(token=forged, ratings=GOOD, today=TODAY)
    other_salt = signing.dumps({"i": invitation.pk, "n": invitation.nonce})
    with pytest.raises(exit_survey.ExitSurveyError, match=r"not valid"):
        exit_survey.exit_survey_answer(token=other_salt, ratings=GOOD, today=TODAY)
    ExitSurveyInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(exit_survey.ExitSurveyError, match=r"expired"):
        exit_survey.exit_survey_answer(token=exit_survey.token_for(invitation), ratings=GOOD, today=TODAY)
    with pytest.raises(exit_survey.ExitSurveyError, match=r"^Choose 1 to 5 for each question\.$") as refused:
        exit_survey.exit_survey_answer(token=token_of(leavers[2]), ratings={**GOOD, "overall": 9}, today=TODAY)
    assert refused.value.field == "overall"
    assert ExitSurveyAnswer.objects.count() == 0
    assert not ExitSurveyInvitation.objects.filter(answered=True).exists()


def test_the_report_never_shows_a_group_below_five_answers(leavers) -> None:
    for case in leavers:
        exit_survey.exit_survey_answer(token=token_of(case), ratings=GOOD, today=TODAY)
    report = {r.department: r for r in exit_survey.exit_survey_report()}
    assert (report["Sales"].answers, report["Sales"].overall, report["Sales"].shown) == (7, 4.0, True)
    # Two HQ answers (the Swedish leaver S0 is in Sales): no count, no averages.
    hq = report["HQ"]
    assert (hq.answers, hq.overall, hq.recommend, hq.offboarding, hq.shown) == (0, None, None, None, False)


def test_the_report_page_and_api_hide_small_groups(leavers, make_user) -> None:
    for case in leavers:
        exit_survey.exit_survey_answer(token=token_of(case), ratings=GOOD, today=TODAY)
    client = Client()
    client.force_login(make_user("hr"))
    page = client.get(reverse("lifecycle:exit_survey_report")).content.decode()
    assert "fewer than 5 answers" in page and ">7<" in page
    from ordna.core.services import token_create

    api = Client(
        headers={"Authorization": f"Bearer {token_create(user=make_user('auditor'), actor=Actor.system('t'))}"}
    )
    rows = {r["department"]: r for r in api.get("/api/v1/exit-survey/report").json()}
    assert rows["HQ"] == {
        "quarter": "2026-Q4",
        "department": "HQ",
        "answers": None,
        "overall": None,
        "recommend": None,
        "offboarding": None,
    }
    assert rows["Sales"]["answers"] == 7


def test_the_personal_page_speaks_the_leavers_language_and_needs_no_account(leavers) -> None:
    swedish = next(c for c in leavers if c.person.locale == "sv")
    client = Client()
    url = reverse("lifecycle:exit_survey", args=[token_of(swedish)])
    page = client.get(url)
    assert page.status_code == 200
    assert "Utträdesenkät" in page.content.decode()
    answered = client.post(url, {**GOOD, "alumni": "1", "email": "sam@example.se"})
    assert answered.status_code == 200
    assert client.post(url, GOOD).status_code == 410  # single use
    assert client.get(reverse("lifecycle:exit_survey", args=["forged:token"])).status_code == 404


def test_alumni_consent_is_kept_apart_and_removable_through_the_link(leavers) -> None:
    token = token_of(leavers[0])
    exit_survey.exit_survey_answer(token=token, ratings=GOOD, today=TODAY, alumni=True, email="hedda@example.org")
    consent = AlumniConsent.objects.get()
    assert (consent.email, consent.person.employee_id, consent.withdrawn_at) == ("hedda@example.org", "H0", None)
    # Withdrawing works even after the survey link expired.
    ExitSurveyInvitation.objects.update(expires_at=timezone.now() - timedelta(days=1))
    client = Client()
    response = client.post(reverse("lifecycle:alumni_withdraw", args=[token]))
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.email == "" and consent.person is None
    assert not exit_survey.alumni_current().exists()
    assert client.post(reverse("lifecycle:alumni_withdraw", args=[token + "x"])).status_code == 404


def test_only_leaver_cases_are_invited(load_people, actor) -> None:
    joiner_template = case_templates.template_save(actor=actor, name="Joiner", kind="joiner")
    case_templates.template_task_add(template=joiner_template, actor=actor, title="Welcome", responsible="hr")
    load_people([hr_row("J1", "Jonna", "Joiner", start_date=day(3))])
    joiner: Any = Case.objects.get(kind="joiner")
    with pytest.raises(exit_survey.ExitSurveyError, match=r"^Only leavers are invited to the exit survey\."):
        exit_survey.exit_survey_invite(case=joiner, actor=actor)
