"""Account pages: upload an export (with preview, and a column mapping when no preset fits), findings, review."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordna.accounts import importing, selectors, services
from ordna.accounts.errors import AccountsError
from ordna.accounts.forms import AcceptForm, AccountsUploadForm, FindingFilterForm, MappingForm, PriceListForm
from ordna.accounts.identity_keys import identity_keys_refresh
from ordna.accounts.models import Finding
from ordna.accounts.presets import MAPPING_FIELDS, ColumnMapping
from ordna.accounts.scopes import accounts_scope, findings_scope
from ordna.applications.scopes import applications_scope
from ordna.core import access
from ordna.core.access import in_companies
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.data_version import cached_over
from ordna.core.tabular import CONTENT_TYPES, EXPORT_FORMATS, write_table
from ordna.core.uploads import UploadError, upload_discard, upload_path, upload_replace, upload_store
from ordna.core.web import capability, paginate, query_without_page, user_of
from ordna.people.models import Person
from ordna.people.services import PersonError, file_checksum, person_add_former

SESSION_KEY = "accounts_import"


def _run(
    request: HttpRequest, pending: dict[str, Any], *, dry_run: bool, allow: bool = False, save_format: bool = False
) -> Any:
    mapping = ColumnMapping.from_json(pending["mapping"]) if pending.get("mapping") else None
    return importing.accounts_import(
        application_slug=pending["application"],
        path=upload_path(pending["token"]),
        actor=Actor.for_user(user_of(request)),
        today=today(),
        preset=pending["preset"] or None,
        full=pending["full"],
        dry_run=dry_run,
        allow_mass_change=allow,
        file_name=pending["name"],
        mapping=mapping,
        save_format=save_format,
        create_application=pending.get("create_application", False),
    )


@capability("accounts.import")
def accounts_import_upload(request: HttpRequest) -> HttpResponse:
    """Step 1: upload; see a preview, or set up a column mapping when no preset fits the file. A file that does
    not fit the application's saved format is refused with what differs; its columns may then be mapped for
    this import (the saved format stays unless the preview's box says otherwise)."""
    form = AccountsUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            token, name = upload_replace(request.session, SESSION_KEY, form.cleaned_data["file"])
        except UploadError as exc:
            form.add_error("file", str(exc))
        else:
            pending = {
                "token": token,
                "name": name,
                "application": form.cleaned_data["application"],
                "preset": form.cleaned_data["preset"],
                "full": form.cleaned_data["full"] == "1",
                "mapping": None,
                "create_application": form.cleaned_data["create_application"],
            }
            result = _run(request, pending, dry_run=True)
            pending["checksum"] = result.checksum
            if result.ok or result.needs_mapping:
                request.session[SESSION_KEY] = pending
            else:
                upload_discard(token)
            if result.needs_mapping:
                pending["header"] = result.header
                request.session[SESSION_KEY] = pending
                if not result.format_mismatch:
                    return redirect("accounts:import_mapping")
    return render(request, "accounts/import.html", {"form": form, "result": result})


@capability("accounts.import")
def accounts_import_mapping(request: HttpRequest) -> HttpResponse:
    """Step 1b: say which column holds what. The mapping reads this file; it becomes the application's saved
    format when applied only if the application has none yet, or the preview's box asks for it."""
    pending = request.session.get(SESSION_KEY)
    if not pending or "header" not in pending:
        return redirect("accounts:import")
    form = MappingForm(request.POST or None, header=pending["header"])
    result = None
    if request.method == "POST" and form.is_valid():
        mapping = ColumnMapping(
            columns={f: form.cleaned_data[f"column_{f}"] for f in MAPPING_FIELDS if form.cleaned_data[f"column_{f}"]},
            disabled_values=tuple(v.strip() for v in form.cleaned_data["disabled_values"].split(",") if v.strip()),
            license_separator=form.cleaned_data["license_separator"] or "+",
        )
        problems = mapping.problems()
        if problems:
            for problem in problems:
                form.add_error(None, problem)
        else:
            pending["mapping"] = mapping.as_json()
            request.session[SESSION_KEY] = pending
            result = _run(request, pending, dry_run=True)
    return render(request, "accounts/mapping.html", {"form": form, "result": result, "pending": pending})


@capability("accounts.import")
@require_POST
def accounts_import_confirm(request: HttpRequest) -> HttpResponse:
    """Step 2: apply the previewed file (the same bytes: the checksum must match)."""
    pending = request.session.get(SESSION_KEY)
    if not pending or not upload_path(pending["token"]).exists():
        messages.error(request, _("Nothing to confirm: upload the file again."))
        return redirect("accounts:import")
    if file_checksum(upload_path(pending["token"])) != pending["checksum"]:
        messages.error(request, _("The file changed since the preview: upload it again."))
        return redirect("accounts:import")
    result = _run(
        request,
        pending,
        dry_run=False,
        allow=request.POST.get("allow_mass_change") == "1",
        save_format=request.POST.get("save_format") == "1",
    )
    if result.outcome == "stopped":
        return render(
            request, "accounts/import.html", {"form": AccountsUploadForm(), "result": result, "stopped": True}
        )
    request.session.pop(SESSION_KEY, None)
    upload_discard(pending["token"])
    if not result.ok:
        return render(request, "accounts/import.html", {"form": AccountsUploadForm(), "result": result})
    messages.success(
        request,
        _("Imported %(application)s: %(new)s new, %(changed)s changed, %(gone)s gone.")
        % {"application": result.application, **result.counts},
    )
    return redirect("accounts:findings")


@capability("findings.list")
def findings(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    scope = findings_scope(user)
    apps = list(applications_scope(user).order_by("name").values_list("slug", "name"))
    data = request.GET.copy()
    data.setdefault("state", "open")
    form = FindingFilterForm(data, applications=apps)
    found = scope.filter(state="open")
    if form.is_valid():
        found = selectors.findings_filter(scope, **form.cleaned_data)
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        response = HttpResponse(content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="findings.{fmt}"'
        columns = (*selectors.FINDING_EXPORT_COLUMNS, "license")
        write_table(selectors.findings_export_rows(found), columns=columns, fmt=fmt, out=response)  # type: ignore[arg-type]
        return response
    # In the order of the (state, kind) index: no sort of hundreds of thousands of findings per request.
    page = paginate(request, found.select_related("application", "account", "person").order_by("kind", "id"))
    totals = selectors.findings_totals(found)
    # Whatever the filter: the two figures every surface shows, now, within the user's scope.
    day = today()
    # The figures over every finding in scope change only when the data does: worked out once per version.
    waste = cached_over(scope, f"waste:{day}", lambda: selectors.licence_waste([day], findings=scope)[day])
    leavers = cached_over(scope, f"leavers:{day}", lambda: selectors.leaver_accounts_active([day], findings=scope)[day])
    unused = cached_over(scope, f"unused:{day}", lambda: selectors.unused_seats([day], findings=scope)[day])
    return render(
        request,
        "accounts/findings.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "totals": totals,
            "money": selectors.money_by_currency(totals),
            "leaver_accounts_active": leavers,
            "waste": [{"currency": c, "monthly": m, "yearly": m * 12} for c, m in waste.items()],
            "unused": unused,
            "can_accept": access.can(user, "findings.accept"),
            "accept_form": AcceptForm(today=today()),
        },
    )


@capability("findings.accept")
@require_POST
def finding_accept(request: HttpRequest, pk: int) -> HttpResponse:
    finding: Finding = access.get_in_scope(findings_scope(user_of(request)), pk=pk)
    form = AcceptForm(request.POST, today=today())
    if form.is_valid():
        try:
            services.finding_accept(
                finding=finding,
                actor=Actor.for_user(user_of(request)),
                reason=form.cleaned_data["reason"],
                until=form.cleaned_data["until"],
                today=today(),
            )
        except AccountsError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The finding was accepted."))
    else:
        messages.error(request, _("Give a reason and a date to accept a finding."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""  # only pages of Ordna itself
    return redirect(target or "accounts:findings")


@capability("accounts.review")
def review(request: HttpRequest) -> HttpResponse:
    accounts = (
        accounts_scope(user_of(request))
        # The accounts that could be more than one person's, and the active ones linked to nobody (a service
        # mailbox, a former employee, a guest): both wait for a person's decision here.
        .filter(Q(needs_review=True) | Q(person__isnull=True, non_personal=False, status="active"))
        .exclude(status="gone")
        .select_related("application")
        .order_by("application_id", "key")
    )
    if application := request.GET.get("application", "").strip():  # one application's queue: ?application=slug
        accounts = accounts.filter(application__slug=application)
    page = paginate(request, accounts, per_page=20)
    identity_keys_refresh()  # nothing to do unless people changed outside an HR import
    candidates = selectors.review_candidates(list(page.object_list))
    rows = [{"account": a, "candidates": candidates[a.pk]} for a in page.object_list]
    return render(request, "accounts/review.html", {"page": page, "rows": rows})


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


@capability("accounts.review")
@require_POST
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    account = access.get_in_scope(accounts_scope(user_of(request)).select_related("application"), pk=pk)
    choice = request.POST.get("person", "")
    owner_id = request.POST.get("owner", "").strip()
    person = owner = None
    if choice == "other":
        other = request.POST.get("other", "").strip()
        person = Person.objects.filter(in_companies(user_of(request), "company"), employee_id=other).first()
        if person is None:
            messages.error(request, _("No person has employee id %(id)s.") % {"id": other or "—"})
            return redirect("accounts:review")
    elif choice and choice != "non_personal":
        person = Person.objects.filter(in_companies(user_of(request), "company"), employee_id=choice).first()
    if choice == "non_personal":
        owner = Person.objects.filter(in_companies(user_of(request), "company"), employee_id=owner_id).first()
        if owner is None:
            messages.error(request, _("No person has employee id %(id)s.") % {"id": owner_id or "—"})
            return redirect("accounts:review")
    actor = Actor.for_user(user_of(request))
    try:
        with transaction.atomic():  # a former employee added here stays only with the account linked to them
            if choice == "former":
                person = person_add_former(
                    employee_id=request.POST.get("former_id", ""),
                    first_name=request.POST.get("former_first", ""),
                    last_name=request.POST.get("former_last", ""),
                    end_date=_day(request.POST.get("former_end", "")),
                    actor=actor,
                    today=today(),
                )
            services.account_link(account=account, actor=actor, person=person, owner=owner, today=today())
    except (AccountsError, PersonError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Saved: %(account)s.") % {"account": account.key_display})
    return redirect("accounts:review")


@capability("licenses.edit")
def price_list(request: HttpRequest) -> HttpResponse:
    """The price list through the web, all or nothing (the same service as `ordna import licenses`): what it
    changed, or every error with its row and column."""
    form = PriceListForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            token, name = upload_store(form.cleaned_data["file"])
        except UploadError as exc:
            form.add_error("file", str(exc))
        else:
            try:
                result = services.licenses_import(
                    path=upload_path(token), actor=Actor.for_user(user_of(request)), today=today()
                )
            finally:
                upload_discard(token)
            if result.outcome == "applied":
                messages.success(request, _("Price list %(name)s applied.") % {"name": name})
    return render(request, "accounts/price_list.html", {"form": form, "result": result})
