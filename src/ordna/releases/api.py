"""Releases in the API: plan, configure, test cases for named key users, approvals, go-live, announcement."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from ordna.applications.scopes import handled_applications_scope
from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.api import Capability, ErrorOut, Refused
from ordna.core.clock import today
from ordna.core.errors import ServiceError, no_person
from ordna.core.web import user_of
from ordna.people.models import Person
from ordna.releases import selectors, services
from ordna.releases.models import Release, ReleaseTest
from ordna.releases.scopes import releases_scope

router = Router(tags=["releases"])


class ReleaseTestOut(Schema):
    id: int
    title: str
    steps: str
    assignee: str
    result: str
    note: str
    tested_at: datetime | None

    @staticmethod
    def resolve_assignee(obj: ReleaseTest) -> str:
        return obj.assignee.employee_id


class ImpactOut(Schema):
    before: int
    after: int
    complete: bool
    spike: bool


class ReleaseOut(Schema):
    id: int
    application: str
    version: str
    status: str
    supplier_notes: str
    configuration: str
    planned_go_live: date | None
    went_live_on: date | None
    key_user_approved_at: datetime | None
    owner_approved_at: datetime | None
    announcement: str
    announced_at: datetime | None
    announced_to: int
    tests: list[ReleaseTestOut]
    questions: ImpactOut | None

    @staticmethod
    def resolve_application(obj: Release) -> str:
        return obj.application.slug

    @staticmethod
    def resolve_tests(obj: Release) -> list[ReleaseTest]:
        return list(obj.tests.all())

    @staticmethod
    def resolve_questions(obj: Release) -> Any:
        impact = selectors.question_impact(obj, today=today())
        return None if impact is None else {**impact.__dict__, "spike": impact.spike}


class ReleaseIn(Schema):
    application: str
    version: str
    supplier_notes: str = ""
    planned_go_live: date | None = None


class ConfigureIn(Schema):
    configuration: str
    supplier_notes: str | None = None
    planned_go_live: date | None = None


class TestIn(Schema):
    title: str
    assignee: str
    steps: str = ""


class ReassignIn(Schema):
    assignee: str  # employee id of another key user of the application


class ResultIn(Schema):
    result: str
    note: str = ""


class LiveIn(Schema):
    on: date | None = None


class AnnounceIn(Schema):
    text: str


def _scoped(request: HttpRequest, release_id: int, *, manage: bool = False) -> Release:
    user = user_of(request)
    scope = releases_scope(user)
    if manage:
        scope = scope.filter(application__in=handled_applications_scope(user))
    return access.get_in_scope(scope.select_related("application").prefetch_related("tests__assignee"), pk=release_id)


def _run(action: Any) -> Any:
    try:
        return action()
    except services.ReleaseError as exc:
        raise Refused(exc) from exc


@router.get("/releases", response=list[ReleaseOut], summary="Releases", auth=Capability("releases.list"))
@paginate
def release_list(request: HttpRequest, application: str = "") -> Any:
    releases = releases_scope(user_of(request)).select_related("application").prefetch_related("tests__assignee")
    if application:
        releases = releases.filter(application__slug=application)
    return releases


@router.get("/releases/{release_id}", response=ReleaseOut, summary="One release", auth=Capability("releases.list"))
def release_detail(request: HttpRequest, release_id: int) -> Any:
    return _scoped(request, release_id)


@router.post(
    "/releases",
    response={201: ReleaseOut, 422: ErrorOut},
    summary="Register an update of an application with the supplier's notes",
    auth=Capability("releases.manage"),
)
def release_create(request: HttpRequest, payload: ReleaseIn) -> Any:
    user = user_of(request)
    app = handled_applications_scope(user).filter(slug=payload.application).first()
    if app is None:
        raise Refused(
            ServiceError(
                _("%(application)s is not one of the applications you handle."),
                field="application",
                application=repr(payload.application),
            )
        )
    release = _run(
        lambda: services.release_create(
            application=app,
            version=payload.version,
            supplier_notes=payload.supplier_notes,
            planned_go_live=payload.planned_go_live,
            actor=Actor.for_user(user),
        )
    )
    return Status(201, release)


@router.post(
    "/releases/{release_id}/configure",
    response={200: ReleaseOut, 422: ErrorOut},
    summary="Record the configuration",
    auth=Capability("releases.manage"),
)
def release_configure(request: HttpRequest, release_id: int, payload: ConfigureIn) -> Any:
    release = _scoped(request, release_id, manage=True)
    return _run(
        lambda: services.release_configure(release=release, actor=Actor.for_user(user_of(request)), **payload.dict())
    )


@router.post(
    "/releases/{release_id}/tests",
    response={201: ReleaseTestOut, 422: ErrorOut},
    summary="Add a test case for a named key user (employee id)",
    auth=Capability("releases.manage"),
)
def release_test_add(request: HttpRequest, release_id: int, payload: TestIn) -> Any:
    release = _scoped(request, release_id, manage=True)
    person = Person.objects.filter(employee_id=payload.assignee.strip()).first()
    if person is None:
        raise Refused(no_person("assignee", payload.assignee))
    test = _run(
        lambda: services.test_add(
            release=release,
            title=payload.title,
            steps=payload.steps,
            assignee=person,
            actor=Actor.for_user(user_of(request)),
            today=today(),
        )
    )
    return Status(201, test)


@router.post(
    "/release-tests/{test_id}/assignee",
    response={200: ReleaseTestOut, 404: ErrorOut, 422: ErrorOut},
    summary="Give a test not yet run to another key user of the application (employee id)",
    auth=Capability("releases.manage"),
)
def release_test_reassign(request: HttpRequest, test_id: int, payload: ReassignIn) -> Any:
    user = user_of(request)
    scope = ReleaseTest.objects.filter(
        release__in=releases_scope(user), release__application__in=handled_applications_scope(user)
    )
    test = access.get_in_scope(scope.select_related("release__application", "assignee"), pk=test_id)
    person = Person.objects.filter(employee_id=payload.assignee.strip()).first()
    if person is None:
        raise Refused(no_person("assignee", payload.assignee))
    return _run(lambda: services.test_reassign(test=test, assignee=person, actor=Actor.for_user(user), today=today()))


@router.post(
    "/release-tests/{test_id}/result",
    response={200: ReleaseTestOut, 422: ErrorOut},
    summary="Record pass or fail of one's own test case",
    auth=Capability("releases.test"),
)
def release_test_result(request: HttpRequest, test_id: int, payload: ResultIn) -> Any:
    user = user_of(request)
    test = access.get_in_scope(
        ReleaseTest.objects.filter(assignee_id=user.person_id or -1).select_related("release", "assignee"), pk=test_id
    )
    return _run(
        lambda: services.test_record(test=test, result=payload.result, note=payload.note, actor=Actor.for_user(user))
    )


@router.post(
    "/releases/{release_id}/approve",
    response={200: ReleaseOut, 422: ErrorOut},
    summary="Approve as key user or owner (every test passed)",
    auth=Capability("releases.approve"),
)
def release_approve(request: HttpRequest, release_id: int) -> Any:
    release = _scoped(request, release_id)
    return _run(
        lambda: services.release_approve(release=release, actor=Actor.for_user(user_of(request)), today=today())
    )


@router.post(
    "/releases/{release_id}/live",
    response={200: ReleaseOut, 422: ErrorOut},
    summary="Take the approved release live (default: today)",
    auth=Capability("releases.manage"),
)
def release_live(request: HttpRequest, release_id: int, payload: LiveIn) -> Any:
    release = _scoped(request, release_id, manage=True)
    return _run(
        lambda: services.release_go_live(
            release=release, actor=Actor.for_user(user_of(request)), on=payload.on or today()
        )
    )


@router.post(
    "/releases/{release_id}/announce",
    response={200: ReleaseOut, 422: ErrorOut},
    summary="Announce the release to the application's users",
    auth=Capability("releases.manage"),
)
def release_announce(request: HttpRequest, release_id: int, payload: AnnounceIn) -> Any:
    release = _scoped(request, release_id, manage=True)
    return _run(
        lambda: services.release_announce(release=release, actor=Actor.for_user(user_of(request)), text=payload.text)
    )
