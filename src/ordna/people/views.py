"""People pages: the list, the HR upload with its preview, and the export. The person page, which shows the
person's accounts and devices too, is ordna.home's."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.tabular import CONTENT_TYPES, EXPORT_FORMATS, write_table
from ordna.core.uploads import UploadError, upload_discard, upload_path, upload_replace
from ordna.core.web import capability, paginate, query_without_page, user_of
from ordna.people import selectors
from ordna.people.forms import HrUploadForm, PeopleFilterForm
from ordna.people.scopes import people_scope
from ordna.people.services import file_checksum, people_import

SESSION_KEY = "people_import"


@capability("people.list")
def people_list(request: HttpRequest) -> HttpResponse:
    scope = people_scope(user_of(request))
    companies = selectors.companies_of(scope)
    form = PeopleFilterForm(request.GET or None, departments=selectors.departments(scope), companies=companies)
    people = scope
    if form.is_valid():
        people = selectors.people_filter(scope, today=today(), **form.cleaned_data)
    page = paginate(request, people.select_related("manager", "company"))
    for person in page.object_list:
        person.status = selectors.person_status_of(person, today=today())
    return render(
        request,
        "people/list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "can_export": access.can(user_of(request), "people.export"),
            "several_companies": len(companies) > 1,
        },
    )


@capability("people.export")
def people_export(request: HttpRequest) -> HttpResponse:
    fmt = request.GET.get("format", "csv")
    if fmt not in EXPORT_FORMATS:
        return HttpResponse(_("Unknown format; use json, csv or xlsx."), status=400, content_type="text/plain")
    response = HttpResponse(content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="people.{fmt}"'
    rows = selectors.people_export_rows(people_scope(user_of(request)), today=today())
    write_table(rows, columns=selectors.EXPORT_COLUMNS, fmt=fmt, out=response)  # type: ignore[arg-type]
    return response


@capability("people.import")
def people_import_upload(request: HttpRequest) -> HttpResponse:
    """Step 1: upload, and see a dry-run preview of what would change."""
    form = HrUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            token, name = upload_replace(request.session, SESSION_KEY, form.cleaned_data["file"])
        except UploadError as exc:
            form.add_error("file", str(exc))
        else:
            result = people_import(
                path=upload_path(token),
                actor=Actor.for_user(user_of(request)),
                dry_run=True,
                today=today(),
                file_name=name,
            )
            if result.ok:
                request.session[SESSION_KEY] = {"token": token, "name": name, "checksum": result.checksum}
            else:
                upload_discard(token)
    return render(request, "people/import.html", {"form": form, "result": result})


@capability("people.import")
@require_POST
def people_import_confirm(request: HttpRequest) -> HttpResponse:
    """Step 2: apply the previewed file (the same bytes: the checksum must match)."""
    pending = request.session.get(SESSION_KEY)
    if not pending:
        messages.error(request, _("Nothing to confirm: upload the file again."))
        return redirect("people:import")
    path = upload_path(pending["token"])
    if not path.exists():
        request.session.pop(SESSION_KEY, None)
        messages.error(request, _("The uploaded file has expired: upload it again."))
        return redirect("people:import")
    if file_checksum(path) != pending["checksum"]:
        messages.error(request, _("The file changed since the preview: upload it again."))
        return redirect("people:import")
    result = people_import(
        path=path,
        actor=Actor.for_user(user_of(request)),
        today=today(),
        file_name=pending["name"],
        allow_mass_change=request.POST.get("allow_mass_change") == "1",
    )
    if result.outcome == "stopped":
        return render(request, "people/import.html", {"form": HrUploadForm(), "result": result, "stopped": True})
    request.session.pop(SESSION_KEY, None)
    upload_discard(pending["token"])
    if not result.ok:
        return render(request, "people/import.html", {"form": HrUploadForm(), "result": result})
    counts = result.counts()
    messages.success(
        request,
        _(
            "Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, "
            "%(newly_leaving)s newly leaving."
        )
        % counts,
    )
    # The import's page: what changed, who ran it, and the cases it opened (linked).
    return redirect("core:import_detail", pk=result.run_id)
