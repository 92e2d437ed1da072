"""People in the API: the scoped list, one person, and the HR import."""

import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.api import Capability, ErrorOut, Refused, RowErrorOut
from ordna.core.clock import today
from ordna.core.errors import ServiceError
from ordna.core.web import user_of
from ordna.people import selectors
from ordna.people.scopes import people_scope
from ordna.people.services import PersonError, people_import, person_end_date_set

router = Router(tags=["people"])


class PersonOut(Schema):
    employee_id: str
    first_name: str
    last_name: str
    email: str
    email_aliases: list[str]
    company: str  # the company's code (docs/companies.md)
    department: str
    manager_employee_id: str | None
    employment_type: str
    start_date: date | None
    end_date: date | None
    cost_center: str
    locale: str
    status: str
    end_date_set_by: str
    end_date_set_at: datetime | None
    end_date_reason: str

    @staticmethod
    def resolve_manager_employee_id(obj: Any) -> str | None:
        return obj.manager.employee_id if obj.manager_id else None

    @staticmethod
    def resolve_company(obj: Any) -> str:
        return str(obj.company.code) if obj.company_id else ""

    @staticmethod
    def resolve_status(obj: Any) -> str:
        return selectors.person_status_of(obj, today=today())


class EndDateIn(Schema):
    """The last day to set by hand (null: no last day, an extension), and why."""

    end_date: date | None
    reason: str = ""


class PeopleImportOut(Schema):
    outcome: str
    breaker_tripped: bool
    counts: dict[str, int]
    errors: list[RowErrorOut]
    notices: list[str]  # in the user's language

    import_run: int | None


@router.get("/people", response=list[PersonOut], summary="People, filtered", auth=Capability("people.list"))
@paginate
def people_list(
    request: HttpRequest,
    q: str = "",
    status: str = "",
    department: str = "",
    employment_type: str = "",
    company: str = "",
) -> Any:
    scope = people_scope(user_of(request))
    try:
        people = selectors.people_filter(
            scope,
            q=q,
            status=status,
            department=department,
            employment_type=employment_type,
            company=company,
            today=today(),
        )
    except ServiceError as exc:
        raise Refused(exc) from exc
    return people.select_related("manager", "company")


@router.get(
    "/people/{employee_id}",
    response={200: PersonOut, 404: ErrorOut},
    summary="One person",
    auth=Capability("people.view"),
)
def person_detail(request: HttpRequest, employee_id: str) -> Any:
    return access.get_in_scope(
        people_scope(user_of(request)).select_related("manager", "company"), employee_id=employee_id
    )


@router.put(
    "/people/{employee_id}/end-date",
    response={200: PersonOut, 404: ErrorOut, 422: ErrorOut},
    summary="Set, move or remove a person's last day by hand, with a reason (the case follows at once)",
    auth=Capability("people.end_date"),
)
def person_end_date(request: HttpRequest, employee_id: str, payload: EndDateIn) -> Any:
    person = access.get_in_scope(people_scope(user_of(request)), employee_id=employee_id)
    try:
        person_end_date_set(
            person=person,
            end_date=payload.end_date,
            reason=payload.reason,
            actor=Actor.for_user(user_of(request)),
            today=today(),
        )
    except PersonError as exc:
        raise Refused(exc) from exc
    return people_scope(user_of(request)).select_related("manager").get(pk=person.pk)


@router.post(
    "/imports/people",
    response={200: PeopleImportOut, 409: PeopleImportOut, 422: PeopleImportOut},
    summary="Import an HR file (CSV or XLSX, preset ordna)",
    auth=Capability("people.import"),
)
def people_import_endpoint(
    request: HttpRequest,
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
    allow_mass_change: Form[bool] = False,
    preset: Form[str] = "ordna",
) -> Any:
    """422 lists every error by row and column; 409 means the safety breaker stopped it (nothing applied)."""
    suffix = Path(file.name or "upload.csv").suffix.lower() or ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        for chunk in file.chunks():
            handle.write(chunk)
        handle.flush()
        result = people_import(
            path=Path(handle.name),
            actor=Actor.for_user(user_of(request)),
            preset=preset,
            dry_run=dry_run,
            allow_mass_change=allow_mass_change,
            today=today(),
            file_name=file.name or "",
        )
    body = {
        "outcome": result.outcome,
        "breaker_tripped": result.breaker_tripped,
        "counts": result.counts(),
        "errors": [e.as_dict() for e in result.errors],
        "notices": [str(notice) for notice in result.notices],
        "import_run": result.run_id,
    }
    status = 200 if result.ok else 409 if result.outcome == "stopped" else 422
    return Status(status, body)
