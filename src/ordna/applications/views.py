"""Application pages: the catalogue and the forms that edit an application and its appointments. The page of one
application, which shows its accounts, questions and wishes too, is ordna.home's."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ordna.applications import services
from ordna.applications.forms import ApplicationAddForm, ApplicationForm, AppointmentForm, LicenseForm
from ordna.applications.models import Application, KeyUserAppointment
from ordna.applications.scopes import applications_scope
from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.web import capability, paginate, query_without_page, refused, user_of
from ordna.people.models import Person


@capability("applications.list")
def application_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    apps = applications_scope(user_of(request))
    if q:
        apps = apps.filter(Q(name__icontains=q) | Q(slug__icontains=q))
    apps = apps.select_related("owner", "supplier").order_by("name")
    return render(
        request,
        "applications/list.html",
        {
            "page": paginate(request, apps),
            "q": q,
            "query": query_without_page(request),
            "can_add": access.can(user_of(request), "applications.edit"),
        },
    )


def _person(employee_id: str) -> Person | None:
    return Person.objects.filter(employee_id=employee_id.strip()).first() if employee_id.strip() else None


@capability("applications.edit")
def application_add(request: HttpRequest) -> HttpResponse:
    """Add an application by hand (an import of its accounts adds one too, by its short name)."""
    form = ApplicationAddForm(request.POST or None, initial={"criticality": "medium"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        owner = _person(data["owner"])
        if data["owner"].strip() and owner is None:
            form.add_error("owner", _("No person has employee id %(id)s.") % {"id": data["owner"]})
        else:
            try:
                app = services.application_create(
                    slug=data["slug"],
                    name=data["name"],
                    actor=Actor.for_user(user_of(request)),
                    description=data["description"],
                    owner_id=owner.pk if owner else None,
                    supplier_id=data["supplier"].pk if data["supplier"] else None,
                    criticality=data["criticality"],
                    supplier_resolution_hours=data["supplier_resolution_hours"],
                    deprovision_days=data["deprovision_days"],
                    attest_only=data["attest_only"],
                    holds_personal_data=data["holds_personal_data"],
                )
            except services.ApplicationError as exc:
                refused(form, exc)
            else:
                messages.success(
                    request,
                    _("%(name)s is added: give its licence prices, then import its accounts.") % {"name": app.name},
                )
                return redirect("applications:detail", slug=app.slug)
    return render(request, "applications/add.html", {"form": form})


@capability("licenses.edit")
def license_save(request: HttpRequest, slug: str) -> HttpResponse:
    """Add or change a licence's price and seats (the price list's import does the same for many at once)."""
    app: Application = access.get_in_scope(applications_scope(user_of(request)), slug=slug)
    form = LicenseForm(request.POST or None, initial={"name": request.GET.get("name", ""), "currency": "SEK"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.license_save(
                application=app,
                name=data["name"],
                actor=Actor.for_user(user_of(request)),
                monthly_cost=data["monthly_cost"],
                currency=data["currency"],
                seats=data["seats"],
            )
        except services.ApplicationError as exc:
            refused(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("applications:detail", slug=app.slug)
    return render(request, "applications/license_form.html", {"app": app, "form": form})


@capability("applications.edit")
def application_edit(request: HttpRequest, slug: str) -> HttpResponse:
    app: Application = access.get_in_scope(applications_scope(user_of(request)).select_related("owner"), slug=slug)
    initial = {
        "name": app.name,
        "description": app.description,
        "owner": app.owner.employee_id if app.owner else "",
        "supplier": app.supplier_id,
        "company": app.company_id,
        "criticality": app.criticality,
        "supplier_resolution_hours": app.supplier_resolution_hours,
        "source_max_age_days": app.source_max_age_days,
        "holds_personal_data": app.holds_personal_data,
    }
    form = ApplicationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        owner = _person(data["owner"])
        if data["owner"].strip() and owner is None:
            form.add_error("owner", _("No person has employee id %(id)s.") % {"id": data["owner"]})
        else:
            try:
                services.application_update(
                    application=app,
                    actor=Actor.for_user(user_of(request)),
                    name=data["name"],
                    description=data["description"],
                    owner_id=owner.pk if owner else None,
                    supplier_id=data["supplier"].pk if data["supplier"] else None,
                    company_id=data["company"].pk if data["company"] else None,
                    criticality=data["criticality"],
                    supplier_resolution_hours=data["supplier_resolution_hours"],
                    source_max_age_days=data["source_max_age_days"],
                    holds_personal_data=data["holds_personal_data"],
                )
            except services.ApplicationError as exc:
                refused(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("applications:detail", slug=app.slug)
    return render(request, "applications/edit.html", {"app": app, "form": form})


def _appointment_changes(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "role": data["role"],
        "primary": data["primary"],
        "starts_on": data["starts_on"],
        "ends_on": data["ends_on"],
        "hours_per_month": data["hours_per_month"],
        "responsibilities": data["responsibilities"],
        "away_from": data["away_from"],
        "away_until": data["away_until"],
    }


@capability("appointments.edit")
def appointment_add(request: HttpRequest, slug: str) -> HttpResponse:
    app: Application = access.get_in_scope(applications_scope(user_of(request)), slug=slug)
    form = AppointmentForm(
        request.POST or None,
        initial={"starts_on": timezone.localdate(), "hours_per_month": 8, "responsibilities": ["first_line"]},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = _person(data["person"])
        if person is None:
            form.add_error("person", _("No person has employee id %(id)s.") % {"id": data["person"]})
        else:
            changes = _appointment_changes(data)
            away = {"away_from": changes.pop("away_from"), "away_until": changes.pop("away_until")}
            try:
                appointment = services.appointment_add(
                    application=app, person=person, actor=Actor.for_user(user_of(request)), **changes
                )
                if away["away_from"] or away["away_until"]:
                    services.appointment_update(appointment=appointment, actor=Actor.for_user(user_of(request)), **away)
            except services.ApplicationError as exc:
                refused(form, exc)
            else:
                messages.success(request, _("Appointed."))
                return redirect("applications:detail", slug=app.slug)
    return render(request, "applications/appointment_form.html", {"app": app, "form": form, "appointment": None})


@capability("appointments.edit")
def appointment_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    app: Application = access.get_in_scope(applications_scope(user_of(request)), slug=slug)
    appointment: KeyUserAppointment = access.get_in_scope(app.appointments.select_related("person"), pk=pk)
    initial = {"person": appointment.person.employee_id, **_appointment_changes(appointment.__dict__)}
    form = AppointmentForm(request.POST or None, initial=initial)
    form.fields["person"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_update(
                appointment=appointment,
                actor=Actor.for_user(user_of(request)),
                **_appointment_changes(form.cleaned_data),
            )
        except services.ApplicationError as exc:
            refused(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("applications:detail", slug=app.slug)
    return render(request, "applications/appointment_form.html", {"app": app, "form": form, "appointment": appointment})
