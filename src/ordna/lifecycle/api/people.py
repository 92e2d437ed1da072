"""A person's access, the exit survey and alumni in the API."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema
from ninja.pagination import paginate

from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.api import Capability, ErrorOut, Refused
from ordna.core.web import user_of
from ordna.lifecycle import exit_survey, selectors
from ordna.lifecycle.models import Case
from ordna.lifecycle.scopes import cases_scope
from ordna.people.scopes import people_scope

router = Router()


class AccessAccountOut(Schema):
    key: str
    status: str
    licences: list[str]


class AccessRowOut(Schema):
    application: str
    slug: str
    expected: bool
    expected_licences: list[str]
    accounts: list[AccessAccountOut]
    state: str


class PersonAccessOut(Schema):
    person: str
    template: str | None
    applications: list[AccessRowOut]
    expected_devices: list[str]
    held_devices: list[str]


@router.get(
    "/access/{employee_id}",
    response={200: PersonAccessOut, 404: ErrorOut},
    summary="Expected versus actual access of one person",
    auth=Capability("access.view"),
)
def person_access(request: HttpRequest, employee_id: str) -> Any:
    person = access.get_in_scope(people_scope(user_of(request)), employee_id=employee_id)
    result = selectors.person_access(person)
    return {
        "person": person.employee_id,
        "template": result.template.name if result.template else None,
        "applications": [row.__dict__ for row in result.rows],
        "expected_devices": result.expected_devices,
        "held_devices": result.held_devices,
    }


class InvitationOut(Schema):
    """Whether the leaver answered is not told: with the department report, it would say what they answered."""

    link: str
    expires_at: datetime


@router.post(
    "/cases/{case_id}/exit-survey",
    response={200: InvitationOut, 404: ErrorOut, 422: ErrorOut},
    summary="Invite the leaver to the exit survey; returns their personal link",
    auth=Capability("exitsurvey.invite"),
)
def exit_survey_invite(request: HttpRequest, case_id: int) -> Any:
    case: Case = access.get_in_scope(cases_scope(user_of(request)).select_related("person"), pk=case_id)
    try:
        invitation = exit_survey.exit_survey_invite(case=case, actor=Actor.for_user(user_of(request)))
    except exit_survey.ExitSurveyError as exc:
        raise Refused(exc) from exc
    link = request.build_absolute_uri(reverse("lifecycle:exit_survey", args=[exit_survey.token_for(invitation)]))
    return {"link": link, "expires_at": invitation.expires_at}


class ReportRowOut(Schema):
    quarter: str
    department: str
    answers: int | None
    overall: float | None
    recommend: float | None
    offboarding: float | None


@router.get(
    "/exit-survey/report",
    response=list[ReportRowOut],
    summary="Exit survey answers per department and quarter (no figures below five answers)",
    auth=Capability("exitsurvey.report"),
)
def exit_survey_report(request: HttpRequest) -> Any:
    return [{**row.__dict__, "answers": row.answers if row.shown else None} for row in exit_survey.exit_survey_report()]


class AlumnusOut(Schema):
    person: str | None
    name: str
    email: str
    given_at: datetime


@router.get(
    "/alumni",
    response=list[AlumnusOut],
    summary="Former employees who agreed to be contacted (kept apart from the survey)",
    auth=Capability("alumni.list"),
)
@paginate
def alumni_list(request: HttpRequest) -> Any:
    return [
        {
            "person": c.person.employee_id if c.person else None,
            "name": c.person.full_name if c.person else "",
            "email": c.email,
            "given_at": c.given_at,
        }
        for c in exit_survey.alumni_current()
    ]
