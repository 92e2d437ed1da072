"""Accounts, findings and the review queue in the API; account and price-list imports."""

import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from ordna.accounts import importing, selectors, services
from ordna.accounts.errors import AccountsError
from ordna.accounts.identity_keys import identity_keys_refresh
from ordna.accounts.scopes import accounts_scope, findings_scope
from ordna.applications.scopes import applications_scope
from ordna.core import access
from ordna.core.access import in_companies
from ordna.core.actor import Actor
from ordna.core.api import Capability, ErrorOut, Refused, RowErrorOut
from ordna.core.clock import today
from ordna.core.errors import ServiceError, no_person
from ordna.core.web import user_of
from ordna.people.models import Person
from ordna.people.selectors import person_status_of

router = Router(tags=["accounts"])


class AccountOut(Schema):
    application: str
    account: str
    person: str | None
    status: str
    match: str | None
    review: bool
    username: str
    email: str
    display_name: str
    last_login: datetime | None
    licenses: list[str]
    non_personal: bool
    last_seen: datetime

    @staticmethod
    def resolve_last_seen(obj: Any) -> datetime:
        return obj.seen

    @staticmethod
    def resolve_application(obj: Any) -> str:
        return str(obj.application.slug)

    @staticmethod
    def resolve_account(obj: Any) -> str:
        return str(obj.key_display)

    @staticmethod
    def resolve_person(obj: Any) -> str | None:
        return obj.person.employee_id if obj.person_id else None

    @staticmethod
    def resolve_match(obj: Any) -> str | None:
        return obj.match_rule or None

    @staticmethod
    def resolve_review(obj: Any) -> bool:
        return bool(obj.needs_review)


@router.get("/accounts", response=list[AccountOut], summary="Accounts, filtered", auth=Capability("accounts.list"))
@paginate
def account_list(
    request: HttpRequest,
    application: str = "",
    person: str = "",
    status: str = "",
    review: bool | None = None,
    q: str = "",
) -> Any:
    accounts = selectors.accounts_filter(
        accounts_scope(user_of(request)),
        application=application,
        person=person,
        status=status,
        review=review,
        q=q,
    )
    # In the order of the unique (application, key) index: a page is read from the index, never sorted.
    return accounts.select_related("application", "person").order_by("application_id", "key")


class FindingOut(Schema):
    id: int
    kind: str
    application: str
    account: str | None
    license: str | None
    person: str | None
    monthly_cost: Decimal
    currency: str | None
    since: date
    state: str
    accepted_by: str
    accepted_reason: str
    accepted_until: date | None

    @staticmethod
    def resolve_application(obj: Any) -> str:
        return str(obj.application.slug)

    @staticmethod
    def resolve_account(obj: Any) -> str | None:
        return obj.account.key_display if obj.account_id else None

    @staticmethod
    def resolve_license(obj: Any) -> str | None:
        return obj.license or None

    @staticmethod
    def resolve_person(obj: Any) -> str | None:
        return obj.person.employee_id if obj.person_id else None

    @staticmethod
    def resolve_currency(obj: Any) -> str | None:
        return obj.currency or None


class TotalOut(Schema):
    kind: str
    currency: str
    count: int
    monthly: Decimal
    yearly: Decimal


class AcceptIn(Schema):
    reason: str
    until: date


class CandidateOut(Schema):
    employee_id: str
    name: str
    email: str
    department: str
    status: str


class AccountReviewOut(Schema):
    id: int
    application: str
    account: str
    display_name: str
    email: str
    candidates: list[CandidateOut]

    @staticmethod
    def resolve_application(obj: Any) -> str:
        return str(obj.application.slug)

    @staticmethod
    def resolve_account(obj: Any) -> str:
        return str(obj.key_display)

    @staticmethod
    def resolve_candidates(obj: Any, context: dict[str, Any]) -> list[dict[str, str]]:
        request = context["request"]
        candidates = getattr(request, "review_candidates", None)
        if candidates is None or obj.pk not in candidates:  # once for the whole page, not once per account
            page = [a for a in getattr(request, "page_items", ()) if isinstance(a, type(obj))] or [obj]
            identity_keys_refresh()  # nothing to do unless people changed outside an HR import
            candidates = request.review_candidates = selectors.review_candidates(page)
        return [
            {
                "employee_id": p.employee_id,
                "name": p.full_name,
                "email": p.email,
                "department": p.department,
                "status": person_status_of(p, today=today()),
            }
            for p in candidates[obj.pk]
        ]


class AccountReviewDecisionIn(Schema):
    person: str | None = None
    owner: str | None = None


class AccountsImportOut(Schema):
    """`proves`: which facts the file can prove ({status, licences, gone}), in words in `proof_notes`.
    `breaker_reasons`: why the breaker stopped it (gone, columns, identities), in words in `breaker_notes`.
    `saved_format`: the application's format before; `saves_format`: whether applying saved this one."""

    outcome: str
    application: str
    preset: str
    full: bool
    breaker_tripped: bool
    breaker_reasons: list[str]
    breaker_notes: list[str]
    missing_columns: list[str]
    identities_changed: int
    proves: dict[str, bool]
    proof_notes: list[str]
    saved_format: str
    saves_format: bool
    format_note: str
    counts: dict[str, int]
    diff: dict[str, Any]
    errors: list[RowErrorOut]
    notices: list[str]  # in the user's language

    import_run: int | None


class LicensesImportOut(Schema):
    outcome: str
    counts: dict[str, int]
    errors: list[RowErrorOut]
    notices: list[str]  # in the user's language


@router.get(
    "/findings",
    response=list[FindingOut],
    summary="Findings, filtered (state open by default)",
    auth=Capability("findings.list"),
)
@paginate
def finding_list(
    request: HttpRequest, kind: str = "", application: str = "", state: str = "open", person: str = ""
) -> Any:
    try:
        findings = selectors.findings_filter(
            findings_scope(user_of(request)), kind=kind, application=application, state=state, person=person
        )
    except ServiceError as exc:
        raise Refused(exc) from exc
    # In the order of the (state, kind) index, as the web shows them: no sort of every finding per request.
    return findings.select_related("application", "account", "person").order_by("kind", "id")


@router.get(
    "/findings/totals",
    response=list[TotalOut],
    summary="Count and money per kind and currency",
    auth=Capability("findings.list"),
)
def finding_totals(request: HttpRequest, kind: str = "", application: str = "", state: str = "open") -> Any:
    try:
        findings = selectors.findings_filter(
            findings_scope(user_of(request)), kind=kind, application=application, state=state
        )
    except ServiceError as exc:
        raise Refused(exc) from exc
    return selectors.findings_totals(findings)


@router.post(
    "/findings/{finding_id}/accept",
    response={200: FindingOut, 404: ErrorOut, 422: ErrorOut},
    summary="Accept a finding with a reason until a date",
    auth=Capability("findings.accept"),
)
def finding_accept(request: HttpRequest, finding_id: int, payload: AcceptIn) -> Any:
    finding = access.get_in_scope(findings_scope(user_of(request)), pk=finding_id)
    try:
        return services.finding_accept(
            finding=finding,
            actor=Actor.for_user(user_of(request)),
            reason=payload.reason,
            until=payload.until,
            today=today(),
        )
    except AccountsError as exc:
        raise Refused(exc) from exc


@router.get(
    "/review",
    response=list[AccountReviewOut],
    summary="Accounts waiting for a person to say whose they are",
    auth=Capability("accounts.review"),
)
@paginate
def review_list(request: HttpRequest, application: str = "") -> Any:
    accounts = accounts_scope(user_of(request)).filter(needs_review=True).exclude(status="gone")
    if application:
        accounts = accounts.filter(application__slug=application)
    return accounts.select_related("application").order_by("application_id", "key")


@router.post(
    "/review/{account_id}",
    response={200: AccountOut, 404: ErrorOut, 422: ErrorOut},
    summary="Decide whose an account is: {person} links it, {owner} marks it non-personal",
    auth=Capability("accounts.review"),
)
def review_decide(request: HttpRequest, account_id: int, payload: AccountReviewDecisionIn) -> Any:
    account = access.get_in_scope(accounts_scope(user_of(request)).select_related("application"), pk=account_id)
    people = {}
    for role in ("person", "owner"):
        employee_id = getattr(payload, role)
        if employee_id:
            people[role] = Person.objects.filter(
                in_companies(user_of(request), "company"), employee_id=employee_id
            ).first()
            if people[role] is None:
                raise Refused(no_person(role, employee_id))
    try:
        return services.account_link(
            account=account,
            actor=Actor.for_user(user_of(request)),
            person=people.get("person"),
            owner=people.get("owner"),
            today=today(),
        )
    except AccountsError as exc:
        raise Refused(exc) from exc


def _stored(file: UploadedFile) -> Any:
    handle = tempfile.NamedTemporaryFile(suffix=Path(file.name or "a.csv").suffix.lower() or ".csv")  # noqa: SIM115
    for chunk in file.chunks():
        handle.write(chunk)
    handle.flush()
    return handle


@router.post(
    "/imports/accounts/{app}",
    response={200: AccountsImportOut, 409: AccountsImportOut, 422: AccountsImportOut},
    summary="Import one application's account export",
    auth=Capability("accounts.import"),
)
def accounts_import_endpoint(
    request: HttpRequest,
    app: str,
    file: File[UploadedFile],
    preset: Form[str] = "",
    full: Form[bool] = True,
    dry_run: Form[bool] = False,
    allow_mass_change: Form[bool] = False,
    save_format: Form[bool] = False,
    create_application: Form[bool] = False,
) -> Any:
    """422 lists every error by row and column (a file that does not fit the application's saved format among
    them; an application that does not exist, with the nearest known ones, unless `create_application` is true);
    409 means the safety breaker stopped it (nothing applied). `preset` names the format for this import;
    `save_format` makes it the application's saved format (its first one is saved by itself)."""
    with _stored(file) as handle:
        result = importing.accounts_import(
            application_slug=app,
            path=Path(handle.name),
            actor=Actor.for_user(user_of(request)),
            today=today(),
            preset=preset or None,
            full=full,
            dry_run=dry_run,
            allow_mass_change=allow_mass_change,
            file_name=file.name or "",
            save_format=save_format,
            create_application=create_application,
        )
    body = {
        "outcome": result.outcome,
        "application": result.application,
        "preset": result.preset,
        "full": result.full,
        "breaker_tripped": result.breaker_tripped,
        "breaker_reasons": result.breaker_reasons,
        "breaker_notes": result.breaker_notes(),
        "missing_columns": result.missing_columns,
        "identities_changed": result.identities_changed,
        "proves": result.proves.as_json(),
        "proof_notes": result.proof_notes() if result.ok or result.breaker_tripped else [],
        "saved_format": result.saved_format,
        "saves_format": result.saves_format,
        "format_note": result.format_note(),
        "counts": result.counts,
        "diff": result.diff,
        "errors": [e.as_dict() for e in result.errors],
        "notices": [str(notice) for notice in result.notices],
        "import_run": result.run_id,
    }
    return Status(200 if result.ok else 409 if result.outcome == "stopped" else 422, body)


@router.post(
    "/imports/licenses",
    response={200: LicensesImportOut, 422: LicensesImportOut},
    summary="Import a price list (application, license, monthly_cost, currency, seats)",
    auth=Capability("licenses.edit"),
)
def licenses_import_endpoint(request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = False) -> Any:
    with _stored(file) as handle:
        result = services.licenses_import(
            path=Path(handle.name), actor=Actor.for_user(user_of(request)), today=today(), dry_run=dry_run
        )
    body = {
        "outcome": result.outcome,
        "counts": result.counts,
        "errors": [e.as_dict() for e in result.errors],
        "notices": [str(notice) for notice in result.notices],
    }
    return Status(200 if result.outcome in ("applied", "dry_run") else 422, body)


@router.post(
    "/reconcile/{app}",
    response={200: dict[str, int], 404: ErrorOut},
    summary="Re-link one application's accounts and recompute its findings",
    auth=Capability("accounts.import"),
)
def reconcile_endpoint(request: HttpRequest, app: str) -> Any:
    application = access.get_in_scope(applications_scope(user_of(request)), slug=app)
    return services.reconcile(application=application, actor=Actor.for_user(user_of(request)), today=today())
