"""Processor pages (docs/processors.md): the agreements with their gaps, one agreement with its documents,
sub-processors, transfers and oversight, the processors file, and what the record of processing says of an
application. Supplier users see their own company's agreements only: they upload a new version and announce a
sub-processor, which becomes a decision for the coordinator. Every object is scoped (404 outside)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordna.applications.models import Application
from ordna.applications.scopes import applications_scope
from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.formats import short_date
from ordna.core.models import Supplier
from ordna.core.web import capability, paginate, user_of
from ordna.suppliers import processors as services
from ordna.suppliers.models import (
    EndOfProcessing,
    OversightMethod,
    ProcessingActivity,
    ProcessingAgreement,
    Safeguard,
    SubProcessor,
    SubProcessorStatus,
)
from ordna.suppliers.processing_gaps import processing_gaps
from ordna.suppliers.processors_import import AGREEMENT_COLUMNS, OPTIONAL_AGREEMENT_COLUMNS, agreement_input_from_cells
from ordna.suppliers.processors_import import processors_import as run_import
from ordna.suppliers.scopes import agreements_scope


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(user_of(request))


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


@capability("processors.list")
def agreement_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    agreements = agreements_scope(user).select_related("supplier", "responsible").order_by("supplier__name", "title")
    supplier_ids = list(access.suppliers_scope(user).values_list("id", flat=True))
    return render(
        request,
        "suppliers/agreements.html",
        {
            "page": paginate(request, agreements),
            "gaps": processing_gaps(
                today=today(),
                supplier_ids=supplier_ids,
                application_filter=access.in_companies(user, "company") if user.company_ids is not None else None,
            ),
            "can_edit": access.can(user, "processors.edit"),
            "can_record": access.can(user, "processing.record"),
        },
    )


def _form_values(request: HttpRequest) -> dict[str, str]:
    names = (*AGREEMENT_COLUMNS, *OPTIONAL_AGREEMENT_COLUMNS)
    return {name: request.POST.get(name, "").strip() for name in names}


def _agreement_values(agreement: ProcessingAgreement) -> dict[str, str]:
    return {
        "supplier": agreement.supplier.name,
        "title": agreement.title,
        "version": agreement.version,
        "signed_on": agreement.signed_on.isoformat() if agreement.signed_on else "",
        "valid_until": agreement.valid_until.isoformat() if agreement.valid_until else "",
        "applications": ", ".join(agreement.applications.values_list("slug", flat=True)),
        "contracts": "; ".join(agreement.contracts.values_list("title", flat=True)),
        "purpose": agreement.purpose,
        "data_subjects": agreement.data_subjects,
        "data_categories": agreement.data_categories,
        "special_categories": agreement.special_categories,
        "retention": agreement.retention,
        "end_of_processing": agreement.end_of_processing,
        "audit_right": "yes" if agreement.audit_right else "no",
        "oversight_interval_months": str(agreement.oversight_interval_months),
        "objection_days": str(agreement.objection_days),
        "responsible": agreement.responsible.employee_id if agreement.responsible_id else "",  # type: ignore[union-attr]
    }


@capability("processors.edit")
def agreement_add(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    agreement = access.get_in_scope(agreements_scope(user_of(request)), pk=pk) if pk is not None else None
    values = (
        _agreement_values(agreement)
        if agreement
        else {
            "end_of_processing": "delete",
            "audit_right": "yes",
            "oversight_interval_months": "12",
            "objection_days": "30",
        }
    )
    error = ""
    if request.method == "POST":
        values = _form_values(request)
        values["audit_right"] = "yes" if request.POST.get("audit_right") else "no"
        try:
            data = agreement_input_from_cells({**values, "applications": values["applications"].replace(",", "+")})
            agreement, _changed = services.agreement_save(data=data, actor=_actor(request), agreement=agreement)
        except services.ProcessorError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Agreement saved."))
            return redirect("suppliers:agreement_detail", pk=agreement.pk)
    return render(
        request,
        "suppliers/agreement_form.html",
        {
            "values": values,
            "error": error,
            "agreement": agreement,
            "suppliers": Supplier.objects.all(),
            "ends": EndOfProcessing.choices,
        },
    )


@capability("processors.list")
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    agreement = access.get_in_scope(agreements_scope(user).select_related("supplier", "responsible"), pk=pk)
    gaps = [g for g in processing_gaps(today=today(), supplier_ids=[agreement.supplier_id]) if g.agreement_id == pk]
    return render(
        request,
        "suppliers/agreement_detail.html",
        {
            "agreement": agreement,
            "applications": agreement.applications.all(),
            "contracts": agreement.contracts.all(),
            "documents": agreement.documents.all(),
            "subs": agreement.sub_processors.all(),
            "transfers": agreement.transfers.all(),
            "oversights": agreement.oversights.all(),
            "gaps": gaps,
            "can_edit": access.can(user, "processors.edit"),
            "can_supply": access.can(user, "processors.supplier"),
            "is_supplier": user.supplier_id is not None,
            "methods": OversightMethod.choices,
            "safeguards": Safeguard.choices,
            "today": today(),
        },
    )


@capability("processors.supplier")
@require_POST
def agreement_document_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    agreement = access.get_in_scope(agreements_scope(user), pk=pk)
    upload = request.FILES.get("document")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            services.agreement_document_add(
                agreement=agreement,
                upload=upload,
                version=request.POST.get("version", ""),
                actor=_actor(request),
                by_supplier=user.supplier_id is not None,
            )
        except services.ProcessorError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("New version uploaded."))
    return redirect("suppliers:agreement_detail", pk=agreement.pk)


@capability("processors.list")
def agreement_document(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    agreement = access.get_in_scope(agreements_scope(user_of(request)), pk=pk)
    document = access.get_in_scope(agreement.documents.all(), pk=document_pk)
    response = FileResponse(document.file.open("rb"), as_attachment=True, filename=document.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[return-value]  # a streaming response serves the file without loading it


@capability("processors.supplier")
@require_POST
def subprocessor_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The supplier announces a sub-processor (a decision for us, by a date); IT adds an accepted one."""
    user = user_of(request)
    agreement = access.get_in_scope(agreements_scope(user), pk=pk)
    announced = user.supplier_id is not None
    if not announced and not access.can(user, "processors.edit"):
        raise Http404
    try:
        sub = services.subprocessor_add(
            agreement=agreement,
            name=request.POST.get("name", ""),
            country=request.POST.get("country", ""),
            role=request.POST.get("role", ""),
            since=_day(request.POST.get("since", "")),
            actor=_actor(request),
            today=today(),
            announced=announced,
        )
    except services.ProcessorError as exc:
        messages.error(request, str(exc))
    else:
        if announced:
            messages.success(
                request,
                _("Sub-processor announced; the customer decides by %(date)s.")
                % {"date": short_date(sub.decide_by) if sub.decide_by else "—"},
            )
        else:
            messages.success(request, _("Sub-processor added."))
    return redirect("suppliers:agreement_detail", pk=agreement.pk)


@capability("processors.edit")
@require_POST
def subprocessor_decide(request: HttpRequest, pk: int) -> HttpResponse:
    sub: SubProcessor = access.get_in_scope(
        SubProcessor.objects.filter(agreement__in=agreements_scope(user_of(request))), pk=pk
    )
    try:
        services.subprocessor_decide(
            sub=sub,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
            actor=_actor(request),
        )
    except services.ProcessorError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Decision recorded; its reminders stop."))
    return redirect("suppliers:agreement_detail", pk=sub.agreement_id)


@capability("processors.edit")
@require_POST
def agreement_transfer_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = access.get_in_scope(agreements_scope(user_of(request)), pk=pk)
    try:
        services.transfer_add(
            agreement=agreement,
            country=request.POST.get("country", ""),
            recipient=request.POST.get("recipient", ""),
            safeguard=request.POST.get("safeguard", ""),
            actor=_actor(request),
        )
    except services.ProcessorError as exc:
        messages.error(request, str(exc))
    return redirect("suppliers:agreement_detail", pk=agreement.pk)


@capability("processors.edit")
@require_POST
def agreement_oversight_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = access.get_in_scope(agreements_scope(user_of(request)), pk=pk)
    held_on = _day(request.POST.get("held_on", ""))
    if held_on is None:
        messages.error(request, _("Give the date of the oversight (YYYY-MM-DD)."))
        return redirect("suppliers:agreement_detail", pk=agreement.pk)
    try:
        services.oversight_record(
            agreement=agreement,
            held_on=held_on,
            method=request.POST.get("method", ""),
            actor=_actor(request),
            today=today(),
            certification=request.POST.get("certification", ""),
            certification_expires=_day(request.POST.get("certification_expires", "")),
            findings=request.POST.get("findings", ""),
            actions=request.POST.get("actions", ""),
        )
    except services.ProcessorError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Oversight recorded."))
    return redirect("suppliers:agreement_detail", pk=agreement.pk)


@capability("processors.edit")
def agreements_import(request: HttpRequest) -> HttpResponse:
    result = None
    upload = request.FILES.get("file")
    if request.method == "POST" and upload is not None:
        suffix = Path(upload.name or "a.csv").suffix.lower() or ".csv"
        with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
            handle.flush()
            result = run_import(path=Path(handle.name), actor=_actor(request))
        if result.outcome == "applied":
            messages.success(
                request,
                _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
                % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
            )
            return redirect("suppliers:agreements")
    return render(
        request,
        "suppliers/agreements_import.html",
        {"result": result, "columns": AGREEMENT_COLUMNS, "optional": OPTIONAL_AGREEMENT_COLUMNS},
    )


@capability("processing.edit")
def processing_activity_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """What the record of processing says of one application where the agreements do not."""
    application: Application = access.get_in_scope(applications_scope(user_of(request)), slug=slug)
    activity = ProcessingActivity.objects.filter(application=application).first()
    values = {name: getattr(activity, name, "") or "" for name in services.ACTIVITY_FIELDS}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in services.ACTIVITY_FIELDS}
        try:
            services.processing_activity_save(application=application, values=values, actor=_actor(request))
        except services.ProcessorError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The record of processing is updated."))
            return redirect("reports:processing_record")
    return render(
        request,
        "suppliers/processing_activity_form.html",
        {
            "application": application,
            "values": values,
            "holds": application.holds_personal_data,
            "statuses": SubProcessorStatus.choices,
        },
    )
