"""Skills surveys and wishes in the API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from ordna.applications.models import Application
from ordna.applications.scopes import handled_applications_scope
from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.api import Capability, ErrorOut, Refused
from ordna.core.errors import ServiceError
from ordna.core.web import user_of
from ordna.support import selectors, services, surveys
from ordna.support.api.common import application_of
from ordna.support.models import SkillSurvey, SurveyInvitation, Wish
from ordna.support.scopes import wishes_scope

router = Router()


class SurveyOut(Schema):
    id: int
    title: str
    departments: list[str]
    opens_on: date
    closes_on: date


class SurveyIn(Schema):
    title: str
    departments: list[str]
    opens_on: date
    closes_on: date


class RatingRowOut(Schema):
    label: str
    answers: int
    mean: float | None
    want_training: int


class SurveyResultsOut(SurveyOut):
    invited: int
    answered: int
    by_application: list[RatingRowOut]
    by_department: list[RatingRowOut]
    invited_people: list[str]


class FormRowOut(Schema):
    application: str
    name: str
    rating: int | None
    wants_training: bool


class SurveyFormOut(Schema):
    survey: SurveyOut
    answered_at: datetime | None
    applications: list[FormRowOut]


class RatingIn(Schema):
    application: str
    rating: int
    wants_training: bool = False


class SurveyAnswerIn(Schema):
    ratings: list[RatingIn] = []


@router.get("/surveys", response=list[SurveyOut], summary="Skills survey campaigns", auth=Capability("surveys.results"))
@paginate
def survey_list(request: HttpRequest) -> Any:
    return SkillSurvey.objects.all()


@router.post(
    "/surveys",
    response={201: SurveyOut, 422: ErrorOut},
    summary="Start a skills survey for departments (invitations are made at once)",
    auth=Capability("surveys.manage"),
)
def survey_create(request: HttpRequest, payload: SurveyIn) -> Any:
    try:
        survey = surveys.survey_create(
            title=payload.title,
            departments=payload.departments,
            opens_on=payload.opens_on,
            closes_on=payload.closes_on,
            actor=Actor.for_user(user_of(request)),
        )
    except services.SupportError as exc:
        raise Refused(exc) from exc
    return Status(201, survey)


@router.get(
    "/surveys/{survey_id}",
    response={200: SurveyResultsOut, 404: ErrorOut},
    summary="Results by application and department, and who is invited",
    auth=Capability("surveys.results"),
)
def survey_detail(request: HttpRequest, survey_id: int) -> Any:
    survey = access.get_in_scope(SkillSurvey.objects.all(), pk=survey_id)
    results = selectors.survey_results(survey)
    return {
        **SurveyOut.from_orm(survey).dict(),
        "invited": results["invited"],
        "answered": results["answered"],
        "by_application": [r.__dict__ for r in results["by_application"]],
        "by_department": [r.__dict__ for r in results["by_department"]],
        "invited_people": list(survey.invitations.values_list("person__employee_id", flat=True)),
    }


class InvitationOut(Schema):
    survey: SurveyOut
    answered_at: datetime | None


@router.get(
    "/survey-invitations",
    response=list[InvitationOut],
    summary="The surveys one is invited to",
    auth=Capability("surveys.answer"),
)
@paginate
def survey_invitations(request: HttpRequest) -> Any:
    return SurveyInvitation.objects.filter(person_id=user_of(request).person_id or -1).select_related("survey")


def _invitation(request: HttpRequest, survey_id: int) -> SurveyInvitation:
    user = user_of(request)
    return access.get_in_scope(
        SurveyInvitation.objects.filter(person_id=user.person_id or -1).select_related("survey"), survey_id=survey_id
    )


def _form(invitation: SurveyInvitation) -> dict[str, Any]:
    ratings = {r.application_id: r for r in invitation.ratings.all()}
    apps = Application.objects.filter(pk__in=invitation.applications).order_by("name")
    return {
        "survey": SurveyOut.from_orm(invitation.survey),
        "answered_at": invitation.answered_at,
        "applications": [
            {
                "application": a.slug,
                "name": a.name,
                "rating": ratings[a.pk].rating if a.pk in ratings else None,
                "wants_training": ratings[a.pk].wants_training if a.pk in ratings else False,
            }
            for a in apps
        ],
    }


@router.get(
    "/surveys/{survey_id}/form",
    response={200: SurveyFormOut, 404: ErrorOut},
    summary="One's own survey form: the applications to rate",
    auth=Capability("surveys.answer"),
)
def survey_form(request: HttpRequest, survey_id: int) -> Any:
    return _form(_invitation(request, survey_id))


@router.put(
    "/surveys/{survey_id}/form",
    response={200: SurveyFormOut, 404: ErrorOut, 422: ErrorOut},
    summary="Answer one's own survey form (replaces earlier answers)",
    auth=Capability("surveys.answer"),
)
def survey_answer(request: HttpRequest, survey_id: int, payload: SurveyAnswerIn) -> Any:
    invitation = _invitation(request, survey_id)
    slugs = dict(Application.objects.filter(pk__in=invitation.applications).values_list("slug", "pk"))
    ratings: dict[int, tuple[int, bool]] = {}
    for row in payload.ratings:
        if row.application not in slugs:
            raise Refused(
                ServiceError(
                    _("Application %(application)s is not on your form."),
                    field="application",
                    application=repr(row.application),
                )
            )
        ratings[slugs[row.application]] = (row.rating, row.wants_training)
    try:
        surveys.survey_answer(invitation=invitation, ratings=ratings, actor=Actor.for_user(user_of(request)))
    except services.SupportError as exc:
        raise Refused(exc) from exc
    return _form(invitation)


class WishOut(Schema):
    id: int
    application: str
    title: str
    text: str
    state: str
    reason: str
    votes: int
    created_at: datetime
    triaged_at: datetime | None

    @staticmethod
    def resolve_application(obj: Any) -> str:
        return str(obj.application.slug)


class WishIn(Schema):
    application: str
    title: str
    text: str = ""


class VoteIn(Schema):
    vote: bool = True


class TriageIn(Schema):
    state: str
    reason: str


@router.get("/wishes", response=list[WishOut], summary="Wishes, most votes first", auth=Capability("wishes.list"))
@paginate
def wish_list(request: HttpRequest, state: str = "", application: str = "") -> Any:
    wishes = wishes_scope(user_of(request)).select_related("application")
    if state:
        wishes = wishes.filter(state=state)
    if application:
        wishes = wishes.filter(application__slug=application)
    return wishes


@router.post(
    "/wishes",
    response={201: WishOut, 422: ErrorOut},
    summary="Propose an improvement",
    auth=Capability("wishes.propose"),
)
def wish_propose(request: HttpRequest, payload: WishIn) -> Any:
    user = user_of(request)
    if user.person is None:
        raise Refused(ServiceError(_("Only a user linked to a person can propose a wish."), field="proposed_by"))
    try:
        wish = surveys.wish_propose(
            application=application_of(user, payload.application),
            person=user.person,
            title=payload.title,
            text=payload.text,
            actor=Actor.for_user(user),
        )
    except services.SupportError as exc:
        raise Refused(exc) from exc
    return Status(201, wish)


@router.post(
    "/wishes/{wish_id}/vote",
    response={200: WishOut, 404: ErrorOut, 422: ErrorOut},
    summary='Vote for a wish, or take the vote back with {"vote": false}',
    auth=Capability("wishes.propose"),
)
def wish_vote(request: HttpRequest, wish_id: int, payload: VoteIn) -> Any:
    user = user_of(request)
    wish: Wish = access.get_in_scope(wishes_scope(user), pk=wish_id)
    if user.person is None:
        raise Refused(ServiceError(_("Only a user linked to a person can vote."), field="person"))
    try:
        return surveys.wish_vote(wish=wish, person=user.person, actor=Actor.for_user(user), vote=payload.vote)
    except services.SupportError as exc:
        raise Refused(exc) from exc


@router.post(
    "/wishes/{wish_id}/triage",
    response={200: WishOut, 404: ErrorOut, 422: ErrorOut},
    summary="Decide on a wish: new, under_review, planned, done or declined, with a reason",
    auth=Capability("wishes.triage"),
)
def wish_triage(request: HttpRequest, wish_id: int, payload: TriageIn) -> Any:
    user = user_of(request)
    wish: Wish = access.get_in_scope(
        wishes_scope(user).filter(application__in=handled_applications_scope(user)), pk=wish_id
    )
    try:
        return surveys.wish_triage(wish=wish, state=payload.state, reason=payload.reason, actor=Actor.for_user(user))
    except services.SupportError as exc:
        raise Refused(exc) from exc
