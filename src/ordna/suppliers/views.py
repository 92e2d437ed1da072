"""Supplier pages: the portal (a company's own work), contracts with their dates and alerts, service levels,
reviews with generated agendas, PDF and iCalendar, and action items. Every object is scoped (404 outside)."""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path

from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.tabular import CONTENT_TYPES, EXPORT_FORMATS, write_table
from ordna.core.web import capability, paginate, query_without_page, user_of
from ordna.lifecycle.scopes import lines_scope
from ordna.people.models import Person
from ordna.suppliers import selectors, services
from ordna.suppliers.documents import review_ics, review_pdf
from ordna.suppliers.models import (
    ActionOwner,
    Contract,
    DecisionKind,
    Metric,
    Priority,
    Renewal,
    ReviewStatus,
    Supplier,
)
from ordna.support.scopes import questions_scope


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(user_of(request))


# The portal and suppliers ---------------------------------------------------------------------------------------


@capability("suppliers.view")
def supplier_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    suppliers = access.suppliers_scope(user).order_by("name")
    return render(request, "suppliers/list.html", {"page": paginate(request, suppliers)})


@capability("suppliers.view")
def supplier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A company's page; for its own users, the portal: its lines, escalated questions, contracts, reviews and
    actions, and the counts of each."""
    from ordna.lifecycle.models import Responsible

    user = user_of(request)
    supplier = access.get_in_scope(access.suppliers_scope(user), pk=pk)
    lines = (
        lines_scope(user)
        .filter(responsible=Responsible.SUPPLIER, responsible_supplier=supplier, state="open")
        .select_related("case__person", "application")
        .order_by("due", "id")[:50]
    )
    questions = (
        questions_scope(user)
        .filter(supplier=supplier, state="escalated")
        .select_related("application")
        .order_by("supplier_due_at", "id")[:50]
    )
    return render(
        request,
        "suppliers/detail.html",
        {
            "supplier": supplier,
            "counts": selectors.supplier_counts(supplier, today=today()),
            "lines": lines,
            "questions": questions,
            "contracts": selectors.contract_rows(access.contracts_scope(user).filter(supplier=supplier), today=today()),
            "reviews": access.reviews_scope(user).filter(supplier=supplier)[:10],
            "actions": access.actions_scope(user)
            .filter(supplier=supplier, closed_at__isnull=True)
            .select_related("owner_person"),
            "closable": set(access.actions_closable_scope(user).values_list("pk", flat=True)),
            "today": today(),
        },
    )


# Contracts --------------------------------------------------------------------------------------------------------


@capability("contracts.list")
def contract_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    q = request.GET.get("q", "").strip()
    contracts = access.contracts_scope(user)
    if q:
        contracts = contracts.filter(Q(title__icontains=q) | Q(supplier__name__icontains=q))
    page = paginate(request, contracts.order_by("supplier__name", "title"))
    rows = selectors.contract_rows(Contract.objects.filter(pk__in=[c.pk for c in page]), today=today())
    rows.sort(key=lambda r: (r.contract.supplier.name, r.contract.title))
    return render(
        request,
        "suppliers/contracts.html",
        {
            "page": page,
            "rows": rows,
            "alerts": selectors.contract_alerts(access.contracts_scope(user), today=today()),
            "q": q,
            "query": query_without_page(request),
            "can_edit": access.can(user, "contracts.edit"),
            "formats": EXPORT_FORMATS,
        },
    )


def _contract_form_values(request: HttpRequest) -> dict[str, str]:
    names = ("supplier", "title", "start_date", "initial_term_months", "renewal", "renewal_term_months", "notice",
             "decision_buffer_days", "annual_value", "currency", "owner", "applications", "notes")  # fmt: skip
    return {name: request.POST.get(name, "").strip() for name in names}


@capability("contracts.edit")
def contract_add(request: HttpRequest) -> HttpResponse:
    values = {"renewal": "tacit", "notice": "3 months", "currency": "SEK", "decision_buffer_days": "30"}
    error = ""
    if request.method == "POST":
        values = _contract_form_values(request)
        try:
            data = services.contract_input_from_cells(
                {**values, "owner": values["owner"], "applications": values["applications"].replace(",", "+")}
            )
            contract, _changed = services.contract_save(data=data, actor=_actor(request))
        except services.ContractError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Contract saved."))
            return redirect("suppliers:contract_detail", pk=contract.pk)
    return render(
        request,
        "suppliers/contract_form.html",
        {"values": values, "error": error, "renewals": Renewal.choices, "suppliers": Supplier.objects.all()},
    )


@capability("contracts.list")
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    contract = access.get_in_scope(access.contracts_scope(user).select_related("supplier", "owner"), pk=pk)
    row = selectors.contract_rows(Contract.objects.filter(pk=contract.pk), today=today())[0]
    since = selectors.quarter_start(today())
    return render(
        request,
        "suppliers/contract_detail.html",
        {
            "contract": contract,
            "row": row,
            "applications": contract.applications.all(),
            # Our deliberation (decisions and their reasons, notes, the decide-by date) is not for the supplier.
            "internal": user.supplier_id is None,
            "status": row.dates.status if user.supplier_id is None else selectors.status_for_supplier(row.dates.status),
            "decisions": contract.decisions.all() if user.supplier_id is None else [],
            "documents": contract.documents.all(),
            "reports": selectors.service_level_report(contract, since=since, until=today()),
            "since": since,
            "can_edit": access.can(user, "contracts.edit"),
            "decision_kinds": DecisionKind.choices,
            "metrics": Metric.choices,
            "priorities": Priority.choices,
        },
    )


@capability("contracts.edit")
def contract_decide(request: HttpRequest, pk: int) -> HttpResponse:
    contract = access.get_in_scope(access.contracts_scope(user_of(request)), pk=pk)
    if request.method == "POST":
        try:
            services.contract_decide(
                contract=contract,
                decision=request.POST.get("decision", ""),
                reason=request.POST.get("reason", ""),
                actor=_actor(request),
                today=today(),
            )
        except services.ContractError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Decision recorded; its alerts stop."))
    return redirect("suppliers:contract_detail", pk=contract.pk)


@capability("contracts.edit")
def contract_document_add(request: HttpRequest, pk: int) -> HttpResponse:
    contract = access.get_in_scope(access.contracts_scope(user_of(request)), pk=pk)
    upload = request.FILES.get("document")
    if request.method == "POST" and upload is not None:
        try:
            services.contract_document_add(contract=contract, upload=upload, actor=_actor(request))
        except services.ContractError as exc:
            messages.error(request, str(exc))
    return redirect("suppliers:contract_detail", pk=contract.pk)


@capability("contracts.list")
def contract_document(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    contract = access.get_in_scope(access.contracts_scope(user_of(request)), pk=pk)
    document = access.get_in_scope(contract.documents.all(), pk=document_pk)
    response = FileResponse(document.file.open("rb"), as_attachment=True, filename=document.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[return-value]  # a streaming response serves the file without loading it


@capability("contracts.edit")
def service_level_set(request: HttpRequest, pk: int) -> HttpResponse:
    contract = access.get_in_scope(access.contracts_scope(user_of(request)), pk=pk)
    if request.method == "POST":
        try:
            services.service_level_set(
                contract=contract,
                metric=request.POST.get("metric", ""),
                priority=request.POST.get("priority", ""),
                target=int(request.POST.get("target", "") or -1),
                target_percent=int(request.POST.get("target_percent", "") or 95),
                actor=_actor(request),
            )
        except (ValueError, services.ContractError) as exc:
            messages.error(request, str(exc) if isinstance(exc, services.ContractError) else _("Give whole numbers."))
    return redirect("suppliers:contract_detail", pk=contract.pk)


@capability("contracts.export")
def contracts_export(request: HttpRequest) -> HttpResponse:
    fmt = request.GET.get("format", "csv")
    if fmt not in EXPORT_FORMATS:
        return HttpResponse(_("Export as json, csv or xlsx."), status=400, content_type="text/plain")
    response = HttpResponse(content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="contracts.{fmt}"'
    rows = selectors.contracts_export_rows(access.contracts_scope(user_of(request)), today=today())
    write_table(rows, columns=selectors.CONTRACT_EXPORT_COLUMNS, fmt=fmt, out=response)  # type: ignore[arg-type]
    return response


@capability("contracts.edit")
def contracts_import(request: HttpRequest) -> HttpResponse:
    result = None
    upload = request.FILES.get("file")
    if request.method == "POST" and upload is not None:
        suffix = Path(upload.name or "a.csv").suffix.lower() or ".csv"
        with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
            handle.flush()
            result = services.contracts_import(path=Path(handle.name), actor=_actor(request))
        if result.outcome == "applied":
            messages.success(
                request,
                _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
                % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
            )
            return redirect("suppliers:contracts")
    return render(
        request,
        "suppliers/contracts_import.html",
        {"result": result, "columns": services.CONTRACT_COLUMNS, "optional": services.OPTIONAL_CONTRACT_COLUMNS},
    )


# Reviews and actions ----------------------------------------------------------------------------------------


@capability("reviews.list")
def review_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    q = request.GET.get("q", "").strip()
    reviews = access.reviews_scope(user).select_related("supplier")
    if q:
        reviews = reviews.filter(Q(title__icontains=q) | Q(supplier__name__icontains=q))
    actions = access.actions_scope(user).filter(closed_at__isnull=True).select_related("supplier", "owner_person")
    return render(
        request,
        "suppliers/reviews.html",
        {
            "page": paginate(request, reviews),
            "actions": actions[:50],
            "actions_total": actions.count(),
            "q": q,
            "query": query_without_page(request),
            "can_edit": access.can(user, "reviews.edit"),
            "closable": set(access.actions_closable_scope(user).values_list("pk", flat=True)),
            "today": today(),
        },
    )


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


@capability("reviews.edit")
def review_add(request: HttpRequest) -> HttpResponse:
    values = {"title": _("Quarterly review"), "duration_minutes": "90"}
    error = ""
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in ("supplier", "title", "starts_at", "duration_minutes",
                                                               "location")}  # fmt: skip
        supplier = (
            Supplier.objects.filter(pk=values["supplier"] or -1).first() if values["supplier"].isdigit() else None
        )
        starts_at = _moment(values["starts_at"])
        if supplier is None:
            error = _("Choose a supplier.")
        elif starts_at is None:
            error = _("Give the date and time of the meeting.")
        else:
            try:
                review = services.review_plan(
                    supplier=supplier,
                    title=values["title"],
                    starts_at=starts_at,
                    duration_minutes=int(values["duration_minutes"] or 90),
                    location=values["location"],
                    actor=_actor(request),
                    today=today(),
                )
            except (ValueError, services.ReviewError) as exc:
                error = str(exc)
            else:
                messages.success(request, _("Review planned; its agenda was generated from the data."))
                return redirect("suppliers:review_detail", pk=review.pk)
    return render(
        request, "suppliers/review_form.html", {"values": values, "error": error, "suppliers": Supplier.objects.all()}
    )


@capability("reviews.list")
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    review = access.get_in_scope(access.reviews_scope(user).select_related("supplier"), pk=pk)
    carried = selectors.open_actions(review.supplier).exclude(review=review)
    return render(
        request,
        "suppliers/review_detail.html",
        {
            "review": review,
            "actions": review.action_items.select_related("owner_person"),
            "carried": carried,
            "can_edit": access.can(user, "reviews.edit"),
            "closable": set(access.actions_closable_scope(user).values_list("pk", flat=True)),
            "statuses": ReviewStatus.choices,
            "owner_sides": ActionOwner.choices,
            "today": today(),
        },
    )


@capability("reviews.edit")
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    review = access.get_in_scope(access.reviews_scope(user_of(request)), pk=pk)
    if request.method == "POST":
        try:
            services.review_update(
                review=review,
                actor=_actor(request),
                agenda=request.POST.get("agenda", None),
                minutes=request.POST.get("minutes", None),
                status=request.POST.get("status") or None,
                starts_at=_moment(request.POST.get("starts_at", "")),
                location=request.POST.get("location", None),
            )
        except services.ReviewError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Review saved."))
    return redirect("suppliers:review_detail", pk=review.pk)


@capability("reviews.list")
def review_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    review = access.get_in_scope(access.reviews_scope(user_of(request)).select_related("supplier"), pk=pk)
    pdf = review_pdf(review, list(review.action_items.select_related("owner_person")))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="review-{review.pk}.pdf"'
    return response


@capability("reviews.list")
def review_ics_view(request: HttpRequest, pk: int) -> HttpResponse:
    review = access.get_in_scope(access.reviews_scope(user_of(request)).select_related("supplier"), pk=pk)
    attendees = [review.supplier.contact_email] if review.supplier.contact_email else []
    response = HttpResponse(
        review_ics(review, organizer_email=user_of(request).email, attendees=attendees),
        content_type="text/calendar; charset=utf-8; method=REQUEST",
    )
    response["Content-Disposition"] = f'attachment; filename="review-{review.pk}.ics"'
    return response


@capability("reviews.edit")
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    review = access.get_in_scope(access.reviews_scope(user_of(request)), pk=pk)
    if request.method == "POST":
        owner_id = request.POST.get("owner", "").strip()
        owner = Person.objects.filter(employee_id=owner_id).first() if owner_id else None
        try:
            due = date.fromisoformat(request.POST.get("due", ""))
            if owner_id and owner is None:
                raise services.ReviewError(_("owner: no person has employee id %(id)s") % {"id": owner_id})
            services.action_add(
                review=review,
                title=request.POST.get("title", ""),
                owner_side=request.POST.get("owner_side", ""),
                owner_person=owner,
                due=due,
                actor=_actor(request),
            )
        except ValueError as exc:
            messages.error(request, str(exc) if isinstance(exc, services.ReviewError) else _("Give a due date."))
    return redirect("suppliers:review_detail", pk=review.pk)


@capability("actions.close")
def action_close(request: HttpRequest, pk: int) -> HttpResponse:
    action = access.get_in_scope(access.actions_closable_scope(user_of(request)), pk=pk)
    if request.method == "POST":
        try:
            services.action_close(action=action, actor=_actor(request), note=request.POST.get("note", ""))
        except services.ReviewError as exc:
            messages.error(request, str(exc))
    next_url = request.POST.get("next", "")
    if next_url == "supplier":
        return redirect("suppliers:detail", pk=action.supplier_id)
    return redirect("suppliers:review_detail", pk=action.review_id)
