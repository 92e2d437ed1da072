"""Applications and licences in the API."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from ordna.applications import services
from ordna.applications.models import Application, KeyUserAppointment, License
from ordna.applications.scopes import applications_scope
from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.api import Capability, ErrorOut, Refused, changes_of
from ordna.core.errors import ServiceError, no_person, no_supplier
from ordna.core.models import Company, Supplier
from ordna.core.web import user_of
from ordna.people.models import Person

router = Router(tags=["applications"])


class ApplicationOut(Schema):
    slug: str
    name: str
    description: str
    owner: str | None
    supplier: str | None
    company: str | None  # the company's code; null: shared by the group
    criticality: str
    deprovision_days: int
    account_source: str
    attest_only: bool
    holds_personal_data: bool
    supplier_resolution_hours: int | None
    source_max_age_days: int | None  # None: ORDNA_SOURCE_MAX_AGE_DAYS (docs/feeds.md)
    users: int

    @staticmethod
    def resolve_users(obj: Any) -> int:
        return int(obj.accounts_active)

    @staticmethod
    def resolve_owner(obj: Any) -> str | None:
        return obj.owner.employee_id if obj.owner_id else None

    @staticmethod
    def resolve_supplier(obj: Any) -> str | None:
        return obj.supplier.name if obj.supplier_id else None

    @staticmethod
    def resolve_company(obj: Any) -> str | None:
        return obj.company.code if obj.company_id else None


# The ranges of the columns (PositiveSmallIntegerField, PositiveIntegerField), so a larger number is a 422.
SMALL_MAX = 32767
INTEGER_MAX = 2147483647


class ApplicationIn(Schema):
    slug: str
    name: str = ""
    description: str = ""
    owner: str | None = None
    supplier: str | None = None
    company: str | None = None
    criticality: str = "medium"
    deprovision_days: int = Field(1, ge=0, le=SMALL_MAX)
    attest_only: bool = False
    holds_personal_data: bool = False
    supplier_resolution_hours: int | None = Field(None, ge=0, le=INTEGER_MAX)
    source_max_age_days: int | None = Field(None, ge=0, le=SMALL_MAX)


class ApplicationPatch(Schema):
    name: str | None = None
    description: str | None = None
    owner: str | None = None
    supplier: str | None = None
    company: str | None = None  # a company's code; "" to share it with the group
    criticality: str | None = None
    deprovision_days: int | None = Field(None, ge=0, le=SMALL_MAX)
    attest_only: bool | None = None
    holds_personal_data: bool | None = None
    supplier_resolution_hours: int | None = Field(None, ge=0, le=INTEGER_MAX)
    source_max_age_days: int | None = Field(None, ge=0, le=SMALL_MAX)


class LicenseOut(Schema):
    id: int
    application: str
    name: str
    monthly_cost: Decimal
    currency: str
    seats: int | None

    @staticmethod
    def resolve_application(obj: Any) -> str:
        return str(obj.application.slug)


class LicenseIn(Schema):
    application: str
    name: str
    monthly_cost: Decimal
    currency: str = "SEK"
    seats: int | None = None


def _links(owner: str | None, supplier: str | None, company: str | None = None) -> dict[str, Any]:
    links: dict[str, Any] = {}
    if company is not None:
        links["company_id"] = None
        if company:
            links["company_id"] = (
                Company.objects.filter(code=company.strip().lower()).values_list("id", flat=True).first()
            )
            if links["company_id"] is None:
                raise Refused(
                    ServiceError(_("No company has the code %(value)s."), field="company", value=repr(company))
                )
    if owner is not None:
        links["owner_id"] = None
        if owner:
            links["owner_id"] = Person.objects.filter(employee_id=owner).values_list("id", flat=True).first()
            if links["owner_id"] is None:
                raise Refused(no_person("owner", owner))
    if supplier is not None:
        links["supplier_id"] = None
        if supplier:
            links["supplier_id"] = Supplier.objects.filter(name__iexact=supplier).values_list("id", flat=True).first()
            if links["supplier_id"] is None:
                raise Refused(no_supplier("supplier", supplier))
    return links


@router.get(
    "/applications", response=list[ApplicationOut], summary="Applications", auth=Capability("applications.list")
)
@paginate
def application_list(request: HttpRequest, q: str = "") -> Any:
    apps = applications_scope(user_of(request)).select_related("owner", "supplier", "company")
    return apps.filter(name__icontains=q) if q else apps


@router.get(
    "/applications/{slug}",
    response={200: ApplicationOut, 404: ErrorOut},
    summary="One application",
    auth=Capability("applications.view"),
)
def application_detail(request: HttpRequest, slug: str) -> Any:
    return access.get_in_scope(
        applications_scope(user_of(request)).select_related("owner", "supplier", "company"), slug=slug
    )


@router.post(
    "/applications",
    response={201: ApplicationOut, 422: ErrorOut},
    summary="Add an application",
    auth=Capability("applications.edit"),
)
def application_create(request: HttpRequest, payload: ApplicationIn) -> Any:
    fields = {
        "description": payload.description,
        "criticality": payload.criticality,
        "deprovision_days": payload.deprovision_days,
        "attest_only": payload.attest_only,
        "holds_personal_data": payload.holds_personal_data,
        "supplier_resolution_hours": payload.supplier_resolution_hours,
        "source_max_age_days": payload.source_max_age_days,
        **_links(payload.owner, payload.supplier, payload.company),
    }
    try:
        app = services.application_create(
            slug=payload.slug, name=payload.name, actor=Actor.for_user(user_of(request)), **fields
        )
    except services.ApplicationError as exc:
        raise Refused(exc) from exc
    return Status(201, app)


@router.patch(
    "/applications/{slug}",
    response={200: ApplicationOut, 404: ErrorOut, 422: ErrorOut},
    summary="Change an application",
    auth=Capability("applications.edit"),
)
def application_patch(request: HttpRequest, slug: str, payload: ApplicationPatch) -> Any:
    app: Application = access.get_in_scope(applications_scope(user_of(request)), slug=slug)
    data = changes_of(payload, model=Application)
    changes = {k: v for k, v in data.items() if k not in ("owner", "supplier", "company")}
    changes.update(_links(data.get("owner"), data.get("supplier"), data.get("company")))
    try:
        return services.application_update(application=app, actor=Actor.for_user(user_of(request)), **changes)
    except services.ApplicationError as exc:
        raise Refused(exc) from exc


@router.get(
    "/licenses", response=list[LicenseOut], summary="Licences and their prices", auth=Capability("licenses.list")
)
@paginate
def license_list(request: HttpRequest, application: str = "") -> Any:
    licenses = License.objects.filter(application__in=applications_scope(user_of(request)))
    if application:
        licenses = licenses.filter(application__slug=application)
    return licenses.select_related("application")


@router.put(
    "/licenses",
    response={200: LicenseOut, 404: ErrorOut, 422: ErrorOut},
    summary="Add or change a licence (by application and name)",
    auth=Capability("licenses.edit"),
)
def license_put(request: HttpRequest, payload: LicenseIn) -> Any:
    app: Application = access.get_in_scope(applications_scope(user_of(request)), slug=payload.application)
    try:
        license_, _changed = services.license_save(
            application=app,
            name=payload.name,
            actor=Actor.for_user(user_of(request)),
            monthly_cost=payload.monthly_cost,
            currency=payload.currency,
            seats=payload.seats,
        )
    except services.ApplicationError as exc:
        raise Refused(exc) from exc
    return license_


class AppointmentOut(Schema):
    id: int
    application: str
    person: str
    name: str
    role: str
    primary: bool
    starts_on: date
    ends_on: date | None
    hours_per_month: Decimal
    responsibilities: list[str]
    away_from: date | None
    away_until: date | None

    @staticmethod
    def resolve_application(obj: Any) -> str:
        return str(obj.application.slug)

    @staticmethod
    def resolve_person(obj: Any) -> str:
        return str(obj.person.employee_id)

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.person.full_name)


class AppointmentIn(Schema):
    application: str
    person: str
    role: str = "key_user"
    primary: bool = False
    starts_on: date
    ends_on: date | None = None
    hours_per_month: Decimal = Decimal("0")
    responsibilities: list[str] = []


class AppointmentPatch(Schema):
    role: str | None = None
    primary: bool | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    hours_per_month: Decimal | None = None
    responsibilities: list[str] | None = None
    away_from: date | None = None
    away_until: date | None = None


@router.get(
    "/appointments",
    response=list[AppointmentOut],
    summary="Key-user appointments of the visible applications",
    auth=Capability("applications.list"),
)
@paginate
def appointment_list(request: HttpRequest, application: str = "", person: str = "", active: bool = False) -> Any:
    from django.utils import timezone

    from ordna.applications.models import active_on

    rows = KeyUserAppointment.objects.filter(application__in=applications_scope(user_of(request)))
    if application:
        rows = rows.filter(application__slug=application)
    if person:
        rows = rows.filter(person__employee_id=person)
    if active:
        rows = rows.filter(active_on(timezone.localdate()))
    return rows.select_related("application", "person")


@router.post(
    "/appointments",
    response={201: AppointmentOut, 404: ErrorOut, 422: ErrorOut},
    summary="Appoint a key user, deputy or coordinator",
    auth=Capability("appointments.edit"),
)
def appointment_create(request: HttpRequest, payload: AppointmentIn) -> Any:
    app: Application = access.get_in_scope(applications_scope(user_of(request)), slug=payload.application)
    person = Person.objects.filter(employee_id=payload.person).first()
    if person is None:
        raise Refused(no_person("person", payload.person))
    try:
        appointment = services.appointment_add(
            application=app,
            person=person,
            actor=Actor.for_user(user_of(request)),
            role=payload.role,
            primary=payload.primary,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            hours_per_month=payload.hours_per_month,
            responsibilities=payload.responsibilities,
        )
    except services.ApplicationError as exc:
        raise Refused(exc) from exc
    return Status(201, appointment)


@router.patch(
    "/appointments/{appointment_id}",
    response={200: AppointmentOut, 404: ErrorOut, 422: ErrorOut},
    summary="End an appointment, mark an absence, change its budget or responsibilities",
    auth=Capability("appointments.edit"),
)
def appointment_patch(request: HttpRequest, appointment_id: int, payload: AppointmentPatch) -> Any:
    appointment: KeyUserAppointment = access.get_in_scope(
        KeyUserAppointment.objects.filter(application__in=applications_scope(user_of(request))).select_related(
            "application", "person"
        ),
        pk=appointment_id,
    )
    try:
        return services.appointment_update(
            appointment=appointment,
            actor=Actor.for_user(user_of(request)),
            **changes_of(payload, model=KeyUserAppointment),
        )
    except services.ApplicationError as exc:
        raise Refused(exc) from exc
