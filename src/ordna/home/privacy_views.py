"""The admin's privacy pages (docs/privacy.md): a person's data as JSON or PDF, legal holds, and erasure
requests that a second admin approves. Each only translates to and from a service in ordna.home.privacy."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.errors import ServiceError
from ordna.core.web import capability, user_of
from ordna.home.person_data import person_data_json, person_data_pdf
from ordna.home.privacy import (
    erasure_request_approve,
    erasure_request_make,
    erasure_request_reject,
    hold_place,
    hold_release,
)
from ordna.people.models import ErasureRequest, LegalHold, Person
from ordna.people.scopes import people_scope


def _person(request: HttpRequest, employee_id: str) -> Person:
    person: Person = access.get_in_scope(people_scope(user_of(request)), employee_id=employee_id)
    return person


@capability("privacy.manage")
def person_data_download(request: HttpRequest, employee_id: str) -> HttpResponse:
    """Everything Ordna holds about one person: JSON, or with ?format=pdf a readable PDF."""
    person = _person(request, employee_id)
    if request.GET.get("format") == "pdf":
        response = HttpResponse(person_data_pdf(person), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="personal-data-{person.employee_id}.pdf"'
    else:
        response = HttpResponse(person_data_json(person), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="personal-data-{person.employee_id}.json"'
    return response


def _done(request: HttpRequest, person: Person, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("people:detail", employee_id=person.employee_id)


def _refused(request: HttpRequest, error: ServiceError, person: Person | None = None) -> HttpResponse:
    """Back to the page the form was on, with the reason it was refused."""
    messages.error(request, str(error))
    if person is not None:
        return redirect("people:detail", employee_id=person.employee_id)
    return redirect("home:privacy")


@capability("privacy.manage")
@require_POST
def person_hold(request: HttpRequest, employee_id: str) -> HttpResponse:
    person = _person(request, employee_id)
    actor = Actor.for_user(user_of(request))
    try:
        if request.POST.get("release"):
            hold_release(person=person, reason=request.POST.get("reason", ""), actor=actor)
            return _done(request, person, _("The legal hold is released."))
        hold_place(person=person, reason=request.POST.get("reason", ""), actor=actor)
    except ServiceError as exc:
        return _refused(request, exc, person)
    return _done(request, person, _("The legal hold is in force: retention and erasure leave this person alone."))


@capability("privacy.manage")
@require_POST
def person_erase(request: HttpRequest, employee_id: str) -> HttpResponse:
    person = _person(request, employee_id)
    try:
        erasure_request_make(
            person=person, reason=request.POST.get("reason", ""), actor=Actor.for_user(user_of(request))
        )
    except ServiceError as exc:
        return _refused(request, exc, person)
    return _done(request, person, _("The erasure is asked for; a second administrator must approve it."))


@capability("privacy.manage")
def privacy(request: HttpRequest) -> HttpResponse:
    """Erasure requests (waiting ones first) and legal holds in force."""
    requests = ErasureRequest.objects.select_related("person").order_by("state", "-requested_at")[:200]
    holds = LegalHold.objects.filter(released_at__isnull=True).select_related("person")[:200]
    return render(
        request,
        "home/privacy.html",
        {"requests": requests, "holds": holds, "me": user_of(request).pk},
    )


@capability("privacy.manage")
@require_POST
def erasure_decide(request: HttpRequest, pk: int) -> HttpResponse:
    actor = Actor.for_user(user_of(request))
    try:
        if request.POST.get("decision") == "approve":
            pseudonym = erasure_request_approve(request_id=pk, actor=actor)
            messages.success(request, _("Erased: the person is now %(pseudonym)s.") % {"pseudonym": pseudonym})
        else:
            erasure_request_reject(request_id=pk, actor=actor)
            messages.success(request, _("The erasure request is rejected; nothing was erased."))
    except ServiceError as exc:
        return _refused(request, exc)
    return redirect("home:privacy")
