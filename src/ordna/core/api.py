"""The API's shared parts: token authentication, the capability check, and core endpoints."""

import re
from datetime import datetime
from typing import Any

from django.db import IntegrityError
from django.db.models import Model
from django.http import Http404, HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from ninja.security import HttpBearer

from ordna.core import selectors
from ordna.core.access import companies_scope, get_in_scope, require
from ordna.core.actor import Actor
from ordna.core.companies import CompanyError, company_save
from ordna.core.errors import ServiceError
from ordna.core.models import ApiToken, Company, User
from ordna.core.services import UserError, token_revoke, token_user, user_sign_out_everywhere
from ordna.core.web import user_of


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` with a token from `ordna token create`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_user(token)
        if user is not None:
            request.user = user
            if user.locale:  # answers in the language the user chose, as the web does
                translation.activate(user.locale)
                request.LANGUAGE_CODE = user.locale
        return user


class Capability(TokenAuth):
    """Token authentication plus the capability check, before any input is parsed.

    A valid token without the capability answers 404 (as the web does), never 401 or a validation
    error that would reveal the operation's shape.
    """

    def __init__(self, capability: str) -> None:
        super().__init__()
        self.capability = capability

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = super().authenticate(request, token)
        if user is not None:
            require(user, self.capability)
        return user


class ErrorOut(Schema):
    """A refused request: `detail` says what is wrong in the user's language; `field` names the input it is
    about, stable for programs (empty for the request as a whole)."""

    detail: str
    field: str = ""


class InputProblem(Schema):
    """One way the input does not fit the operation's schema: where (`loc`, as pydantic names it), what."""

    loc: list[str | int]
    msg: str  # pydantic's own words, in English
    type: str


class ValidationErrorOut(ErrorOut):
    """Invalid input (422): `detail` and `field` as any refusal, about the first problem; `errors` lists every
    problem found (empty when a service refused the input)."""

    errors: list[InputProblem] = []


# Where pydantic's `loc` begins with where the input came from and, for a body, the parameter's own name.
SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}


def problem_field(loc: list[Any] | tuple[Any, ...]) -> str:
    """The input a problem is about, as the API names it: `deprovision_days`, `ratings.0.rating`, `page`."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in SOURCES:
        parts = parts[1:]
        if loc[0] == "body":
            parts = parts[1:]  # the handler's parameter (payload), not a name the client sends: "" for the body
    return ".".join(parts)


def problem_sentence(problem: dict[str, Any]) -> str:
    """One problem in words, in the active language."""
    kind, context = str(problem.get("type", "")), problem.get("ctx") or {}
    if kind == "missing":
        return _("This is required.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Give a whole number.")
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(context.values()), "")
        return {
            "greater_than_equal": _("Give a number of at least %(bound)s."),
            "greater_than": _("Give a number greater than %(bound)s."),
            "less_than_equal": _("Give a number of at most %(bound)s."),
            "less_than": _("Give a number less than %(bound)s."),
        }[kind] % {"bound": bound}
    if kind in ("bool_parsing", "bool_type"):
        return _("Give true or false.")
    if kind.startswith(("date_", "datetime_")):
        return _("Give a date as YYYY-MM-DD (a time as YYYY-MM-DDTHH:MM).")
    if kind in ("string_too_long", "too_long"):
        return _("This is too long: at most %(count)s.") % {"count": context.get("max_length", "")}
    if kind in ("string_too_short", "too_short"):
        return _("This is too short: at least %(count)s.") % {"count": context.get("min_length", "")}
    if kind in ("literal_error", "enum"):
        return _("Give one of: %(choices)s.") % {"choices": context.get("expected", "")}
    if kind in ("string_type", "list_type", "dict_type", "model_type", "model_attributes_type"):
        return _("This is not of the right type.")
    return _("This value is not valid.")


def validation_answer(problems: list[dict[str, Any]]) -> dict[str, Any]:
    """The 422 answer to input that does not fit the schema, about its first problem, with every problem."""
    first = problems[0] if problems else {}
    field = problem_field(first.get("loc", ()))
    sentence = problem_sentence(first)
    return {
        "detail": f"{field}: {sentence}" if field else sentence,
        "field": field,
        "errors": [
            {"loc": list(p.get("loc", ())), "msg": str(p.get("msg", "")), "type": str(p.get("type", ""))}
            for p in problems
        ],
    }


def broken_rule_field(message: str) -> str:
    """The column a database refusal names (SQLite's and PostgreSQL's words), as the API calls the input."""
    patterns = (
        r"constraint failed: (?:\w+\.)?\"?(\w+)",  # SQLite: NOT NULL / UNIQUE / CHECK constraint failed: t.col
        r'in column "(\w+)"',  # PostgreSQL: null value in column "col"
        r"Key \((\w+)",  # PostgreSQL: Key (col)=(value) already exists
        r'check constraint "(\w+)"',  # PostgreSQL: the constraint's name
    )
    for pattern in patterns:
        found = re.search(pattern, message)
        if found:
            return found.group(1).removesuffix("_id")
    return ""


def broken_rule_answer(exc: Exception) -> dict[str, Any]:
    """A write the database refused (a value out of range, a missing value, a rule of the data), as a refusal:
    the service's transaction was rolled back, so nothing was saved."""
    field = broken_rule_field(str(exc))
    if isinstance(exc, IntegrityError):
        sentence = _("The value breaks a rule of Ordna's data. Nothing was saved.")
    else:
        sentence = _("The value is out of the range Ordna can store. Nothing was saved.")
    return {"detail": f"{field}: {sentence}" if field else sentence, "field": field}


class Refused(Exception):
    """A service's refusal as an API answer with `status`: {"detail": message in the user's language,
    "field": the input's name} (answered by the handler in ordna/api.py)."""

    def __init__(self, error: ServiceError, status: int = 422) -> None:
        super().__init__(str(error))
        self.error = error
        self.status = status


def changes_of(payload: Schema, *, model: type[Model]) -> dict[str, Any]:
    """The fields a PATCH sets. `null` clears a field only where `model` allows none (an end date, an owner);
    elsewhere it is refused with 422 naming the field, never passed on to fail in the database."""
    data = payload.dict(exclude_unset=True)
    stored = {f.name: f for f in model._meta.get_fields() if hasattr(f, "null")}
    for name, value in data.items():
        if value is None and name in stored and not stored[name].null:
            raise Refused(ServiceError(_("%(name)s cannot be null: leave it out to keep it."), field=name, name=name))
    return data


class RowErrorOut(Schema):
    row: int
    column: str
    reason: str  # in the user's language

    @staticmethod
    def resolve_reason(obj: Any) -> str:
        return str(obj["reason"] if isinstance(obj, dict) else obj.reason)


class MeOut(Schema):
    username: str
    roles: list[str]
    companies: list[str] | None  # the codes of the companies the user is scoped to; null: the whole group
    employee_id: str | None
    supplier: str | None
    locale: str


class ImportRunOut(Schema):
    id: int
    source: str
    application: str | None
    file_name: str
    outcome: str
    counts: dict[str, int]
    diff: dict[str, Any]
    errors: list[RowErrorOut]
    actor: str
    started_at: datetime
    finished_at: datetime

    @staticmethod
    def resolve_application(obj: Any) -> str | None:
        return obj.application.slug if obj.application_id else None

    @staticmethod
    def resolve_actor(obj: Any) -> str:
        return str(obj.actor_label)


router = Router(tags=["core"])


@router.get("/me", response=MeOut, summary="The signed-in user", auth=Capability("dashboard"))
def me(request: HttpRequest) -> dict[str, Any]:
    user = user_of(request)
    return {
        "username": user.get_username(),
        "roles": sorted(user.role_set),
        "employee_id": user.person.employee_id if user.person_id else None,  # type: ignore[union-attr]
        "supplier": user.supplier.name if user.supplier_id else None,  # type: ignore[union-attr]
        "locale": user.locale,
        "companies": None if user.company_ids is None else sorted(user.companies.values_list("code", flat=True)),
    }


@router.get(
    "/imports", response=list[ImportRunOut], summary="Import history, newest first", auth=Capability("imports.history")
)
@paginate
def import_history(request: HttpRequest) -> Any:
    return selectors.import_runs()


class CompanyOut(Schema):
    code: str
    name: str
    country: str
    language: str
    mail_domains: list[str]
    is_default: bool


class CompanyIn(Schema):
    code: str
    name: str
    country: str = ""
    language: str = "en"
    mail_domains: list[str] = []


class CompanyChange(Schema):
    code: str | None = None
    name: str | None = None
    country: str | None = None
    language: str | None = None
    mail_domains: list[str] | None = None


@router.get(
    "/companies",
    response=list[CompanyOut],
    summary="The companies of the group (a scoped user's own)",
    auth=Capability("companies.list"),
)
def companies_list(request: HttpRequest) -> Any:
    return companies_scope(user_of(request))


@router.post(
    "/companies",
    response={201: CompanyOut, 422: ErrorOut},
    summary="Add a company of the group",
    auth=Capability("companies.edit"),
)
def company_add(request: HttpRequest, payload: CompanyIn) -> Any:
    try:
        return Status(201, company_save(actor=Actor.for_user(user_of(request)), **payload.dict()))
    except CompanyError as exc:
        raise Refused(exc) from exc


@router.patch(
    "/companies/{code}",
    response={200: CompanyOut, 404: ErrorOut, 422: ErrorOut},
    summary="Change a company of the group",
    auth=Capability("companies.edit"),
)
def company_change(request: HttpRequest, code: str, payload: CompanyChange) -> Any:
    company: Company = get_in_scope(Company.objects.all(), code=code)
    values = {
        "code": company.code,
        "name": company.name,
        "country": company.country,
        "language": company.language,
        "mail_domains": list(company.mail_domains),
        **payload.dict(exclude_none=True),
    }
    try:
        return company_save(actor=Actor.for_user(user_of(request)), company=company, **values)
    except CompanyError as exc:
        raise Refused(exc) from exc


class TokenOut(Schema):
    """An API token as listed: never the token itself, only the characters it starts with."""

    id: int
    user: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    state: str  # active, expired or revoked

    @staticmethod
    def resolve_user(obj: ApiToken) -> str:
        return obj.user.username

    @staticmethod
    def resolve_state(obj: ApiToken) -> str:
        return obj.state(timezone.now())


@router.get("/me/tokens", response=list[TokenOut], summary="The signed-in user's API tokens, newest first",
            auth=Capability("dashboard"))  # fmt: skip
@paginate
def my_tokens(request: HttpRequest) -> Any:
    return selectors.api_tokens(user=user_of(request))


@router.get("/tokens", response=list[TokenOut], summary="Every API token, newest first; `user` filters by user name",
            auth=Capability("users.manage"))  # fmt: skip
@paginate
def tokens(request: HttpRequest, user: str = "") -> Any:
    if user:
        owner = User.objects.filter(username__iexact=user).first()
        return selectors.api_tokens(user=owner) if owner else ApiToken.objects.none()
    return selectors.api_tokens()


@router.delete("/tokens/{token_id}", response={200: TokenOut, 422: ErrorOut}, summary="Revoke one API token",
               auth=Capability("users.manage"))  # fmt: skip
def token_revoke_one(request: HttpRequest, token_id: int) -> Any:
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None:
        raise Http404
    try:
        return token_revoke(token=token, actor=Actor.for_user(user_of(request)))
    except UserError as exc:
        raise Refused(exc) from exc


class SignedOutOut(Schema):
    username: str
    sessions_ended: int  # the user's web sessions ended, in every browser; API tokens are left alone


@router.post("/me/sign-out-everywhere", response=SignedOutOut, auth=Capability("dashboard"),
             summary="End every web session of the signed-in user (a lost laptop); API tokens stay")  # fmt: skip
def my_sign_out_everywhere(request: HttpRequest) -> Any:
    user = user_of(request)
    ended = user_sign_out_everywhere(user=user, actor=Actor.for_user(user))
    return {"username": user.username, "sessions_ended": ended}


@router.post("/users/{username}/sign-out-everywhere", response={200: SignedOutOut, 404: ErrorOut, 422: ErrorOut},
             summary="End every web session of one user, on their behalf; API tokens stay (revoke them one by one)",
             auth=Capability("users.manage"))  # fmt: skip
def user_sign_out(request: HttpRequest, username: str) -> Any:
    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        raise Http404
    try:
        ended = user_sign_out_everywhere(user=user, actor=Actor.for_user(user_of(request)))
    except UserError as exc:
        raise Refused(exc) from exc
    return {"username": user.username, "sessions_ended": ended}
