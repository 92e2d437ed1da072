"""Connectors and the outbox in the API: configure, test, sync, deprovision (also from a case line), approve."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from ordna.applications.models import Application
from ordna.applications.scopes import applications_scope
from ordna.connectors import deprovisioning, selectors, services
from ordna.connectors.failures import explain
from ordna.connectors.models import Action, ActionState, Connector
from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.api import Capability, Refused, RowErrorOut
from ordna.core.clock import today
from ordna.core.errors import ServiceError
from ordna.core.web import user_of
from ordna.lifecycle.scopes import lines_scope

router = Router(tags=["connectors"])


class ConnectorOut(Schema):
    application: str
    kind: str
    options: dict[str, str]
    secret_set: bool
    policy: str
    sync_hours: int
    last_sync_at: datetime | None
    last_sync_error: str
    last_test_at: datetime | None
    last_test_ok: bool | None
    last_test_message: str

    @staticmethod
    def resolve_application(obj: Any) -> str:
        return str(obj.application.slug)

    @staticmethod
    def resolve_secret_set(obj: Any) -> bool:
        return bool(obj.secret)


class ConnectorIn(Schema):
    kind: str
    options: dict[str, str] = {}
    policy: str | None = None
    sync_hours: int | None = None


class TestOut(Schema):
    ok: bool
    message: str


class SyncIn(Schema):
    dry_run: bool = False
    allow_mass_change: bool = False


class SyncOut(Schema):
    outcome: str
    counts: dict[str, int]
    errors: list[RowErrorOut]
    breaker_tripped: bool
    run_id: int | None


class DeprovisionIn(Schema):
    account: str
    dry_run: bool = False


class LineDeprovisionIn(Schema):
    dry_run: bool = False


class DeprovisionOut(Schema):
    application: str
    account: str
    dry_run: bool
    steps: list[str]
    tasks: list[str]
    state: str
    error: str  # the technical detail
    failure: str  # what it ran into (dns, refused, timeout, tls, unauthorised, forbidden, throttled, ...)
    place: str
    explanation: str  # what failed and what to check, in the user's language
    action_id: int | None
    lines_verified: int

    @staticmethod
    def resolve_explanation(obj: Any) -> str:
        if not obj.error:
            return ""
        explained = explain(obj.failure, obj.place, obj.error)
        return f"{explained.what} {explained.check}"


class ActionOut(Schema):
    id: int
    application: str
    account: str
    person: str | None
    state: str
    reason: str
    attempts: int
    next_attempt_at: datetime
    last_error: str  # the technical detail
    failure: str
    failure_place: str
    explanation: str  # what failed and what to check, in the user's language
    result: dict[str, Any]
    requested_by: str
    approved_by: str
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_application(obj: Any) -> str:
        return str(obj.application.slug)

    @staticmethod
    def resolve_account(obj: Any) -> str:
        return str(obj.account.key_display)

    @staticmethod
    def resolve_person(obj: Any) -> str | None:
        return obj.account.person.employee_id if obj.account.person_id else None

    @staticmethod
    def resolve_explanation(obj: Any) -> str:
        explained = obj.explanation
        return f"{explained.what} {explained.check}" if explained else ""


def _application(request: HttpRequest, slug: str) -> Application:
    return access.get_in_scope(applications_scope(user_of(request)), slug=slug)


def _connector(request: HttpRequest, slug: str) -> Connector:
    return access.get_in_scope(Connector.objects.select_related("application"), application=_application(request, slug))


@router.get(
    "/connectors",
    response=list[ConnectorOut],
    summary="Connectors (secrets never shown)",
    auth=Capability("connectors.view"),
)
@paginate
def connector_list(request: HttpRequest) -> Any:
    return Connector.objects.filter(application__in=applications_scope(user_of(request))).select_related("application")


@router.put(
    "/connectors/{app}",
    response={200: ConnectorOut, 400: RowErrorOut},
    summary="Configure an application's connector",
    auth=Capability("connectors.manage"),
)
def connector_put(request: HttpRequest, app: str, body: ConnectorIn) -> Any:
    application = _application(request, app)
    try:
        return services.connector_set(
            application=application,
            kind=body.kind,
            options=body.options,
            actor=Actor.for_user(user_of(request)),
            policy=body.policy,
            sync_hours=body.sync_hours,
        )
    except services.ConnectorSetupError as exc:
        return Status(400, {"row": 0, "column": "", "reason": str(exc)})


@router.post(
    "/connectors/{app}/test", response=TestOut, summary="Test the connection", auth=Capability("connectors.manage")
)
def connector_test(request: HttpRequest, app: str) -> Any:
    ok, message = services.connector_test(connector=_connector(request, app), actor=Actor.for_user(user_of(request)))
    return {"ok": ok, "message": message}


@router.post(
    "/connectors/{app}/sync",
    response=SyncOut,
    summary="Pull every account now, as a full import",
    auth=Capability("connectors.manage"),
)
def connector_sync(request: HttpRequest, app: str, body: SyncIn) -> Any:
    connector = _connector(request, app)
    return services.connector_sync(
        application=connector.application,
        actor=Actor.for_user(user_of(request)),
        today=today(),
        dry_run=body.dry_run,
        allow_mass_change=body.allow_mass_change,
    )


@router.post(
    "/connectors/{app}/deprovision",
    response=DeprovisionOut,
    summary="Disable one account through the connector, then read it back",
    auth=Capability("connectors.manage"),
)
def connector_deprovision(request: HttpRequest, app: str, body: DeprovisionIn) -> Any:
    connector = _connector(request, app)
    try:
        return deprovisioning.deprovision(
            application=connector.application,
            account_key=body.account,
            actor=Actor.for_user(user_of(request)),
            today=today(),
            dry_run=body.dry_run,
        )
    except services.ConnectorSetupError as exc:
        raise Refused(exc, 400) from exc


@router.post(
    "/lines/{line_id}/deprovision",
    response=DeprovisionOut,
    summary="Disable a case line's account through its application's connector",
    auth=Capability("connectors.manage"),
)
def line_deprovision(request: HttpRequest, line_id: int, body: LineDeprovisionIn) -> Any:
    line = access.get_in_scope(lines_scope(user_of(request)).select_related("account"), pk=line_id)
    if line.account is None:
        raise Refused(ServiceError(_("This line has no account to disable."), field="line"), 400)
    application = Application.objects.get(pk=line.account.application_id)
    try:
        return deprovisioning.deprovision(
            application=application,
            account_key=line.account.key_display,
            actor=Actor.for_user(user_of(request)),
            today=today(),
            dry_run=body.dry_run,
            line=line,
        )
    except services.ConnectorSetupError as exc:
        raise Refused(exc, 400) from exc


@router.get("/outbox", response=list[ActionOut], summary="The outbox of disables", auth=Capability("outbox.list"))
@paginate
def outbox(request: HttpRequest, state: str = "", application: str = "") -> Any:
    actions = Action.objects.filter(application__in=applications_scope(user_of(request)))
    return selectors.actions_filter(actions, state=state, application=application)


def _decide(request: HttpRequest, action_id: int, decision: str) -> Any:
    action = access.get_in_scope(Action.objects.select_related("application", "account"), pk=action_id)
    decide = {
        "approve": deprovisioning.action_approve,
        "cancel": deprovisioning.action_cancel,
        "retry": deprovisioning.action_retry,
    }
    if not decide[decision](action=action, actor=Actor.for_user(user_of(request))):
        raise Refused(
            ServiceError(
                _("The action cannot be changed that way now (%(state)s)."),
                field="state",
                state=ActionState(action.state).label,
            ),
            409,
        )
    action.refresh_from_db()
    return action


@router.post(
    "/outbox/{action_id}/approve", response=ActionOut, summary="Approve a disable", auth=Capability("outbox.decide")
)
def outbox_approve(request: HttpRequest, action_id: int) -> Any:
    return _decide(request, action_id, "approve")


@router.post(
    "/outbox/{action_id}/cancel", response=ActionOut, summary="Cancel a disable", auth=Capability("outbox.decide")
)
def outbox_cancel(request: HttpRequest, action_id: int) -> Any:
    return _decide(request, action_id, "cancel")


@router.post(
    "/outbox/{action_id}/retry", response=ActionOut, summary="Retry a failed disable", auth=Capability("outbox.decide")
)
def outbox_retry(request: HttpRequest, action_id: int) -> Any:
    return _decide(request, action_id, "retry")
