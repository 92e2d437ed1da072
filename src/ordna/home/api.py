"""A person's data on request in the API (docs/privacy.md): everything Ordna holds about one person, as JSON or
as a readable PDF. Composed here because it reads every app."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router

from ordna.core import access
from ordna.core.api import Capability, ErrorOut
from ordna.core.web import user_of
from ordna.home.person_data import person_data_json, person_data_pdf
from ordna.people.models import Person
from ordna.people.scopes import people_scope

router = Router(tags=["privacy"])


@router.get(
    "/people/{employee_id}/personal-data",
    response={200: None, 404: ErrorOut},
    summary="Everything Ordna holds about one person (a request to see it): JSON, or format=pdf for a PDF",
    auth=Capability("privacy.manage"),
)
def person_data(request: HttpRequest, employee_id: str, format: Literal["json", "pdf"] = "json") -> HttpResponse:
    person: Person = access.get_in_scope(people_scope(user_of(request)), employee_id=employee_id)
    if format == "pdf":
        response = HttpResponse(person_data_pdf(person), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="personal-data-{person.employee_id}.pdf"'
        return response
    return HttpResponse(person_data_json(person), content_type="application/json")
