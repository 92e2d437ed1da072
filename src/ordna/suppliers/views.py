"""Contract pages: the suppliers, contracts with their dates and alerts, decisions, documents, service levels,
and the contracts file. Every object is scoped (404 outside)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.models import Supplier
from ordna.core.tabular import CONTENT_TYPES, EXPORT_FORMATS, write_table
from ordna.core.web import capability, paginate, query_without_page, user_of
from ordna.suppliers import selectors, services
from ordna.suppliers.measures import service_levels_measured
from ordna.suppliers.models import Contract, DecisionKind, Metric, Priority, Renewal
from ordna.suppliers.scopes import contracts_scope


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(user_of(request))


# Suppliers -----------------------------------------------------------------------------------------------------


@capability("suppliers.view")
def supplier_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    suppliers = access.suppliers_scope(user).order_by("name")
    return render(request, "suppliers/list.html", {"page": paginate(request, suppliers)})


# Contracts -----------------------------------------------------------------------------------------------------


@capability("contracts.list")
def contract_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    q = request.GET.get("q", "").strip()
    contracts = contracts_scope(user)
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
            "alerts": selectors.contract_alerts(contracts_scope(user), today=today()),
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
    contract = access.get_in_scope(contracts_scope(user).select_related("supplier", "owner"), pk=pk)
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
            "reports": service_levels_measured(contract, since=since, until=today()),
            "since": since,
            "can_edit": access.can(user, "contracts.edit"),
            "decision_kinds": DecisionKind.choices,
            "metrics": Metric.choices,
            "priorities": Priority.choices,
        },
    )


@capability("contracts.edit")
def contract_decide(request: HttpRequest, pk: int) -> HttpResponse:
    contract = access.get_in_scope(contracts_scope(user_of(request)), pk=pk)
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
    contract = access.get_in_scope(contracts_scope(user_of(request)), pk=pk)
    upload = request.FILES.get("document")
    if request.method == "POST" and upload is not None:
        try:
            services.contract_document_add(contract=contract, upload=upload, actor=_actor(request))
        except services.ContractError as exc:
            messages.error(request, str(exc))
    return redirect("suppliers:contract_detail", pk=contract.pk)


@capability("contracts.list")
def contract_document(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    contract = access.get_in_scope(contracts_scope(user_of(request)), pk=pk)
    document = access.get_in_scope(contract.documents.all(), pk=document_pk)
    response = FileResponse(document.file.open("rb"), as_attachment=True, filename=document.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[return-value]  # a streaming response serves the file without loading it


@capability("contracts.edit")
def service_level_set(request: HttpRequest, pk: int) -> HttpResponse:
    contract = access.get_in_scope(contracts_scope(user_of(request)), pk=pk)
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
    rows = selectors.contracts_export_rows(contracts_scope(user_of(request)), today=today())
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
