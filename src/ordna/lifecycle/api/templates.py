"""Leaver templates in the API: the template, its tasks and its birthright."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status

from ordna.applications.models import Application
from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.api import Capability, ErrorOut, Refused
from ordna.core.errors import ServiceError, no_application
from ordna.core.models import Company
from ordna.core.web import user_of
from ordna.lifecycle import case_templates
from ordna.lifecycle.api.schemas import (
    BirthrightIn,
    BirthrightOut,
    TaskIn,
    TaskOut,
    TemplateIn,
    TemplateOut,
    TemplatePatch,
)
from ordna.lifecycle.engine import LifecycleError
from ordna.lifecycle.models import Birthright, CaseTemplate, TemplateTask
from ordna.lifecycle.scopes import templates_editable_scope, templates_scope

router = Router()


@router.get(
    "/case-templates", response=list[TemplateOut], summary="Leaver templates", auth=Capability("templates.view")
)
def template_list(request: HttpRequest) -> Any:
    return (
        templates_scope(user_of(request))
        .select_related("company")
        .prefetch_related("tasks__application", "birthrights__application")
    )


@router.post(
    "/case-templates",
    response={201: TemplateOut, 422: ErrorOut},
    summary="Create a leaver template",
    auth=Capability("templates.edit"),
)
def template_create(request: HttpRequest, payload: TemplateIn) -> Any:
    values = payload.dict()
    values["company"] = _company_of(values.pop("company"))
    try:
        template = case_templates.template_save(actor=Actor.for_user(user_of(request)), **values)
    except LifecycleError as exc:
        raise Refused(exc) from exc
    return Status(201, template)


def _company_of(code: str | None) -> Company | None:
    """The company a template names by its code (none: the group's template); 422 naming the field if unknown."""
    if not code:
        return None
    company = Company.objects.filter(code=code.strip().lower()).first()
    if company is None:
        raise Refused(ServiceError(_("No company has the code %(value)s."), field="company", value=repr(code)))
    return company


def _template(request: HttpRequest, template_id: int) -> CaseTemplate:
    """A template the user may change (a scoped user: their companies' own), or 404."""
    return access.get_in_scope(templates_editable_scope(user_of(request)), pk=template_id)


@router.patch(
    "/case-templates/{template_id}",
    response={200: TemplateOut, 404: ErrorOut, 422: ErrorOut},
    summary="Change a leaver template",
    auth=Capability("templates.edit"),
)
def template_patch(request: HttpRequest, template_id: int, payload: TemplatePatch) -> Any:
    template = _template(request, template_id)
    data = payload.dict(exclude_unset=True, exclude_none=True)
    if "company" in data:
        data["company"] = _company_of(data["company"])
    values = {
        "name": template.name,
        "employment_type": template.employment_type,
        "department": template.department,
        "active": template.active,
        "exit_survey": template.exit_survey,
        **data,
    }
    try:
        return case_templates.template_save(actor=Actor.for_user(user_of(request)), template=template, **values)
    except LifecycleError as exc:
        raise Refused(exc) from exc


def _application_of(slug: str | None) -> Application | None:
    """The application a template task or birthright names by its key, if any; 422 naming the field if unknown."""
    if not slug:
        return None
    application = Application.objects.filter(slug=slug).first()
    if application is None:
        raise Refused(no_application("application", slug))
    return application


@router.post(
    "/case-templates/{template_id}/tasks",
    response={201: TaskOut, 404: ErrorOut, 422: ErrorOut},
    summary="Add a task to a template",
    auth=Capability("templates.edit"),
)
def template_task_add(request: HttpRequest, template_id: int, payload: TaskIn) -> Any:
    template = _template(request, template_id)
    application = _application_of(payload.application)
    try:
        task = case_templates.template_task_add(
            template=template,
            actor=Actor.for_user(user_of(request)),
            title=payload.title,
            responsible=payload.responsible,
            offset_days=payload.offset_days,
            instructions=payload.instructions,
            application=application,
        )
    except LifecycleError as exc:
        raise Refused(exc) from exc
    return Status(201, task)


@router.delete(
    "/case-templates/{template_id}/tasks/{task_id}",
    response={204: None, 404: ErrorOut},
    summary="Remove a task from a template",
    auth=Capability("templates.edit"),
)
def template_task_delete(request: HttpRequest, template_id: int, task_id: int) -> Any:
    task: TemplateTask = access.get_in_scope(
        TemplateTask.objects.filter(template__in=templates_editable_scope(user_of(request))),
        pk=task_id,
        template_id=template_id,
    )
    case_templates.template_task_remove(task=task, actor=Actor.for_user(user_of(request)))
    return Status(204, None)


@router.post(
    "/case-templates/{template_id}/birthright",
    response={201: BirthrightOut, 404: ErrorOut, 422: ErrorOut},
    summary="Add an application (and licence) or a device kind to a joiner template",
    auth=Capability("templates.edit"),
)
def birthright_add(request: HttpRequest, template_id: int, payload: BirthrightIn) -> Any:
    template = _template(request, template_id)
    application = _application_of(payload.application)
    try:
        item = case_templates.birthright_add(
            template=template,
            actor=Actor.for_user(user_of(request)),
            application=application,
            licence=payload.licence,
            device_kind=payload.device_kind,
        )
    except LifecycleError as exc:
        raise Refused(exc) from exc
    return Status(201, item)


@router.delete(
    "/case-templates/{template_id}/birthright/{item_id}",
    response={204: None, 404: ErrorOut},
    summary="Remove an item from a joiner template's birthright",
    auth=Capability("templates.edit"),
)
def birthright_delete(request: HttpRequest, template_id: int, item_id: int) -> Any:
    item: Birthright = access.get_in_scope(
        Birthright.objects.filter(template__in=templates_editable_scope(user_of(request))),
        pk=item_id,
        template_id=template_id,
    )
    case_templates.birthright_remove(item=item, actor=Actor.for_user(user_of(request)))
    return Status(204, None)
