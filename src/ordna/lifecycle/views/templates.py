"""The leaver templates' pages: the list, a template, its tasks and its birthright."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordna.applications.models import Application
from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.models import Company
from ordna.core.web import capability, user_of
from ordna.devices.models import DeviceKind
from ordna.lifecycle import case_templates
from ordna.lifecycle.engine import LifecycleError
from ordna.lifecycle.models import (
    Birthright,
    CaseKind,
    CaseTemplate,
    Responsible,
    TemplateTask,
)
from ordna.lifecycle.scopes import templates_editable_scope, templates_scope
from ordna.people.models import EmploymentType


def _template_form_values(request: HttpRequest) -> dict[str, object]:
    code = request.POST.get("company", "").strip()
    return {
        "company": Company.objects.filter(code=code).first() if code else None,
        "name": request.POST.get("name", ""),
        "employment_type": request.POST.get("employment_type", ""),
        "department": request.POST.get("department", ""),
        "active": request.POST.get("active") == "1",
        "exit_survey": request.POST.get("exit_survey") == "1",
    }


@capability("templates.view")
def template_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    can_edit = access.can(user, "templates.edit")
    if request.method == "POST":
        access.require(user, "templates.edit")
        try:
            template = case_templates.template_save(
                actor=Actor.for_user(user),
                kind=request.POST.get("kind", "leaver"),
                **_template_form_values(request),  # type: ignore[arg-type]
            )
        except LifecycleError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("lifecycle:template_detail", pk=template.pk)
    return render(
        request,
        "lifecycle/templates.html",
        {
            "templates": templates_scope(user).select_related("company").prefetch_related("tasks"),
            "can_edit": can_edit,
            "companies": access.companies_scope(user).values_list("code", "name"),
            "whole_group": user.company_ids is None,
            "employment_types": EmploymentType.choices,
            "kinds": CaseKind.choices,
        },
    )


@capability("templates.view")
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    template: CaseTemplate = access.get_in_scope(templates_scope(user).select_related("company"), pk=pk)
    may_edit = access.can(user, "templates.edit") and templates_editable_scope(user).filter(pk=pk).exists()
    if request.method == "POST":
        if not may_edit:
            raise Http404
        try:
            values = _template_form_values(request)
            case_templates.template_save(actor=Actor.for_user(user), template=template, **values)  # type: ignore[arg-type]
            messages.success(request, _("The template is saved."))
        except LifecycleError as exc:
            messages.error(request, str(exc))
        return redirect("lifecycle:template_detail", pk=template.pk)
    return render(
        request,
        "lifecycle/template_detail.html",
        {
            "template": template,
            "tasks": template.tasks.select_related("application"),
            "birthrights": template.birthrights.select_related("application"),
            "device_kinds": DeviceKind.choices,
            "can_edit": may_edit,
            "companies": access.companies_scope(user).values_list("code", "name"),
            "whole_group": user.company_ids is None,
            "employment_types": EmploymentType.choices,
            "responsibles": Responsible.choices,
            "applications": Application.objects.order_by("name").values_list("slug", "name"),
        },
    )


@capability("templates.edit")
@require_POST
def template_task_add(request: HttpRequest, pk: int) -> HttpResponse:
    template: CaseTemplate = access.get_in_scope(templates_editable_scope(user_of(request)), pk=pk)
    slug = request.POST.get("application", "")
    application = Application.objects.filter(slug=slug).first() if slug else None
    try:
        offset = int(request.POST.get("offset_days", "0") or 0)
    except ValueError:
        messages.error(request, _("Offset: enter a whole number of business days."))
        return redirect("lifecycle:template_detail", pk=pk)
    try:
        case_templates.template_task_add(
            template=template,
            actor=Actor.for_user(user_of(request)),
            title=request.POST.get("title", ""),
            responsible=request.POST.get("responsible", ""),
            offset_days=offset,
            instructions=request.POST.get("instructions", ""),
            application=application,
        )
        messages.success(request, _("The task is added."))
    except LifecycleError as exc:
        messages.error(request, str(exc))
    return redirect("lifecycle:template_detail", pk=pk)


@capability("templates.edit")
@require_POST
def template_task_delete(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    task: TemplateTask = access.get_in_scope(
        TemplateTask.objects.filter(template__in=templates_editable_scope(user_of(request))), pk=task_pk, template_id=pk
    )
    case_templates.template_task_remove(task=task, actor=Actor.for_user(user_of(request)))
    messages.success(request, _("The task is removed."))
    return redirect("lifecycle:template_detail", pk=pk)


@capability("templates.edit")
@require_POST
def birthright_add(request: HttpRequest, pk: int) -> HttpResponse:
    template: CaseTemplate = access.get_in_scope(templates_editable_scope(user_of(request)), pk=pk)
    slug = request.POST.get("application", "")
    application = Application.objects.filter(slug=slug).first() if slug else None
    try:
        case_templates.birthright_add(
            template=template,
            actor=Actor.for_user(user_of(request)),
            application=application,
            licence=request.POST.get("licence", ""),
            device_kind=request.POST.get("device_kind", "") if application is None else "",
        )
        messages.success(request, _("Added to the birthright."))
    except LifecycleError as exc:
        messages.error(request, str(exc))
    return redirect("lifecycle:template_detail", pk=pk)


@capability("templates.edit")
@require_POST
def birthright_delete(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item: Birthright = access.get_in_scope(
        Birthright.objects.filter(template__in=templates_editable_scope(user_of(request))), pk=item_pk, template_id=pk
    )
    case_templates.birthright_remove(item=item, actor=Actor.for_user(user_of(request)))
    messages.success(request, _("Removed from the birthright."))
    return redirect("lifecycle:template_detail", pk=pk)
