"""Case templates (docs/offboarding.md, issue 11): which template applies to a person, its tasks, and a joiner
template's birthright (the applications, licences and devices it gives), also as plain data for expected
versus actual (expected.py). Writes are atomic and audited."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ordna.applications.models import Application
from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.models import Company
from ordna.devices.models import DeviceKind
from ordna.lifecycle import expected
from ordna.lifecycle.engine import LifecycleError
from ordna.lifecycle.models import Birthright, BirthrightKind, CaseKind, CaseTemplate, Responsible, TemplateTask
from ordna.people.models import EmploymentType


def template_for(
    templates: Sequence[CaseTemplate], *, employment_type: str, department: str, company_id: int | None = None
) -> CaseTemplate | None:
    """The most specific active template: the person's company's before the group's (docs/companies.md), then
    type and department, then department, then type, then anyone's."""
    best: tuple[int, CaseTemplate] | None = None
    for template in templates:
        if template.company_id is not None and template.company_id != company_id:
            continue
        if template.employment_type and template.employment_type != employment_type:
            continue
        if template.department and template.department != department:
            continue
        score = (
            (4 if template.company_id else 0)
            + (2 if template.department else 0)
            + (1 if template.employment_type else 0)
        )
        if best is None or score > best[0]:
            best = (score, template)
    return best[1] if best else None


class _Keep:
    """A template's company when a change does not name one: it stays as it is."""


KEEP_COMPANY = _Keep()


def _template_state(template: CaseTemplate) -> dict[str, Any]:
    return {
        "name": template.name,
        "employment_type": template.employment_type,
        "department": template.department,
        "active": template.active,
        "kind": template.kind,
        "company": template.company.code if template.company else None,
        "exit_survey": template.exit_survey,
    }


def template_save(
    *,
    actor: Actor,
    name: str,
    employment_type: str = "",
    department: str = "",
    active: bool = True,
    template: CaseTemplate | None = None,
    kind: str = CaseKind.LEAVER,
    exit_survey: bool = False,
    company: Company | _Keep | None = KEEP_COMPANY,
) -> CaseTemplate:
    """Create or change a leaver, joiner or mover template, the group's or one company's (`company`); one
    active template per (kind, company, employment type, department). A template keeps the kind it was created
    with."""
    name = name.strip()
    if isinstance(company, _Keep):
        company = template.company if template is not None else None
    scope = actor.user.company_ids if actor.user is not None else None
    if scope is not None and (company is None or company.pk not in scope):
        # A user scoped to companies edits their companies' own templates; the group's stays the group's.
        raise LifecycleError(_("Choose one of your companies for the template."), field="company")
    if template is not None:
        kind = template.kind
    if kind not in CaseKind.values:
        raise LifecycleError(
            _("The kind is one of %(kinds)s, not %(kind)s."),
            field="kind",
            kinds=", ".join(CaseKind.values),
            kind=repr(kind),
        )
    if exit_survey and kind != CaseKind.LEAVER:
        raise LifecycleError(_("Only leaver templates invite to the exit survey."), field="exit_survey")
    if not name:
        raise LifecycleError(_("Give the template a name."), field="name")
    if employment_type and employment_type not in EmploymentType.values:
        raise LifecycleError(
            _("The employment type is one of %(types)s (or empty), not %(type)s."),
            field="employment_type",
            types=", ".join(EmploymentType.values),
            type=repr(employment_type),
        )
    department = department.strip()
    clash = CaseTemplate.objects.filter(
        kind=kind, employment_type=employment_type, department=department, active=True, company=company
    )
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if active and clash.exists():
        raise LifecycleError(
            _(
                "Another active template already applies to employment type %(type)s and department "
                "%(department)s in %(company)s."
            ),
            field="active",
            type=repr(employment_type or "any"),
            department=repr(department or "any"),
            company=company.name if company else _("the group"),
        )
    with transaction.atomic():
        before = _template_state(template) if template else None
        if template is None:
            template = CaseTemplate(kind=kind)
        template.name, template.employment_type, template.department, template.active = (
            name,
            employment_type,
            department,
            active,
        )
        template.exit_survey = exit_survey
        template.company = company
        template.save()
        audit_record(
            actor=actor,
            action="case_template.saved",
            target=template,
            before=before,
            after=_template_state(template),
        )
    return template


def template_task_add(
    *,
    template: CaseTemplate,
    actor: Actor,
    title: str,
    responsible: str,
    offset_days: int = 0,
    instructions: str = "",
    application: Application | None = None,
) -> TemplateTask:
    """Add a task to a template; new cases get it (open cases keep the tasks they were planned with)."""
    title = title.strip()
    if not title:
        raise LifecycleError(_("Give the task a title."), field="title")
    if responsible not in Responsible.values:
        raise LifecycleError(
            _("Who is responsible is one of %(values)s, not %(value)s."),
            field="responsible",
            values=", ".join(Responsible.values),
            value=repr(responsible),
        )
    if responsible in (Responsible.OWNER, Responsible.SUPPLIER) and application is None:
        raise LifecycleError(
            _("A task for an application's owner or supplier names the application."), field="application"
        )
    if not -60 <= offset_days <= 60:
        raise LifecycleError(_("%(days)s is outside -60 to 60 business days."), field="offset_days", days=offset_days)
    with transaction.atomic():
        position = template.tasks.count()
        task = TemplateTask.objects.create(
            template=template,
            title=title,
            instructions=instructions.strip(),
            responsible=responsible,
            application=application,
            offset_days=offset_days,
            position=position,
        )
        audit_record(
            actor=actor,
            action="case_template.task_added",
            target=task,
            after={
                "template_id": template.pk,
                "title": title,
                "responsible": responsible,
                "application_id": application.pk if application else None,
                "offset_days": offset_days,
            },
        )
    return task


def template_task_remove(*, task: TemplateTask, actor: Actor) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="case_template.task_removed",
            target=task,
            before={"template_id": task.template_id, "title": task.title},
        )
        task.delete()


# The default leaver template ---------------------------------------------------------------------------

# What Ordna ships for an organisation that has no leaver template yet (`ordna init`, the start page's checklist):
# the manager, HR and the leaver each get their part, beside the accounts and devices every case takes back.
# Its texts carry the catalog context "template data": written once, in the organisation's language, then data
# the organisation edits like any template.
DEFAULT_LEAVER_NAME = pgettext_lazy("template data", "Leaver (everyone)")
DEFAULT_LEAVER_TASKS = (
    # (title, responsible, business days from the last day, instructions)
    (
        pgettext_lazy("template data", "Plan the handover of open work"),
        Responsible.MANAGER,
        -5,
        pgettext_lazy("template data", "Agree who takes over clients, files, shared mailboxes and meetings."),
    ),
    (
        pgettext_lazy("template data", "Collect devices, keys and access cards"),
        Responsible.MANAGER,
        0,
        pgettext_lazy("template data", "Hand what comes back to the IT desk the same day."),
    ),
    (
        pgettext_lazy("template data", "Settle the final salary and holiday pay"),
        Responsible.HR,
        0,
        pgettext_lazy("template data", "Check outstanding holiday days, expenses and benefits."),
    ),
    (
        pgettext_lazy("template data", "Send the certificate of employment"),
        Responsible.HR,
        5,
        "",
    ),
    (
        pgettext_lazy("template data", "Hand over your files and passwords of shared accounts"),
        Responsible.EMPLOYEE,
        -2,
        pgettext_lazy("template data", "Move your work files to a shared place and tell your manager where."),
    ),
    (
        pgettext_lazy("template data", "Return your laptop, phone and badge"),
        Responsible.EMPLOYEE,
        0,
        pgettext_lazy("template data", "Hand them to your manager or the IT desk on your last day."),
    ),
)


def leaver_template_default_add(*, actor: Actor, language: str) -> CaseTemplate | None:
    """Add the default leaver template (for anyone), its texts in `language`, when the organisation has no
    active leaver template; None when it has one (nothing changes)."""
    with transaction.atomic():
        if CaseTemplate.objects.filter(kind=CaseKind.LEAVER, active=True).exists():
            return None
        with translation.override(language):
            template = template_save(actor=actor, name=str(DEFAULT_LEAVER_NAME), kind=CaseKind.LEAVER)
            for title, responsible, offset, instructions in DEFAULT_LEAVER_TASKS:
                template_task_add(
                    template=template,
                    actor=actor,
                    title=str(title),
                    responsible=responsible,
                    offset_days=offset,
                    instructions=str(instructions),
                )
    return template


# Birthright ---------------------------------------------------------------------------------------------


def birthright_add(
    *,
    template: CaseTemplate,
    actor: Actor,
    application: Application | None = None,
    licence: str = "",
    device_kind: str = "",
) -> Birthright:
    """Add an application (with an optional licence) or a device kind to a joiner template's birthright."""
    if template.kind != CaseKind.JOINER:
        raise LifecycleError(_("Only joiner templates list birthright applications and devices."), field="template")
    licence, device_kind = licence.strip(), device_kind.strip()
    if (application is None) == (not device_kind):
        raise LifecycleError(_("Give either an application (with an optional licence) or a device kind."))
    if device_kind and device_kind not in DeviceKind.values:
        raise LifecycleError(
            _("The device kind is one of %(kinds)s, not %(kind)s."),
            field="device_kind",
            kinds=", ".join(DeviceKind.values),
            kind=repr(device_kind),
        )
    kind = BirthrightKind.APPLICATION if application is not None else BirthrightKind.DEVICE
    clash = Birthright.objects.filter(template=template)
    clash = (
        clash.filter(application=application, licence=licence) if application else clash.filter(device_kind=device_kind)
    )
    if clash.exists():
        raise LifecycleError(_("The template already gives this."))
    with transaction.atomic():
        item = Birthright.objects.create(
            template=template, kind=kind, application=application, licence=licence, device_kind=device_kind
        )
        audit_record(
            actor=actor,
            action="case_template.birthright_added",
            target=item,
            after={
                "template_id": template.pk,
                "kind": kind,
                "application_id": application.pk if application else None,
                "licence": licence,
                "device_kind": device_kind,
            },
        )
    return item


def birthright_remove(*, item: Birthright, actor: Actor) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="case_template.birthright_removed",
            target=item,
            before={"template_id": item.template_id, "application_id": item.application_id, "device": item.device_kind},
        )
        item.delete()


def joiner_templates() -> list[CaseTemplate]:
    return list(CaseTemplate.objects.filter(kind=CaseKind.JOINER, active=True).prefetch_related("tasks", "birthrights"))


def access_entitlement(template: CaseTemplate | None) -> expected.Entitlement | None:
    """What a template says about accounts, for expected versus actual: None (not judged) when it gives no
    application at all, since a template of devices and tasks only says nothing about access."""
    if template is None or not any(b.application_id for b in template.birthrights.all()):
        return None
    return entitlement_of(template)


def entitlement_of(template: CaseTemplate | None) -> expected.Entitlement | None:
    """A joiner template's birthright as plain data (templates come with their birthrights prefetched)."""
    if template is None:
        return None
    apps: dict[int, set[str]] = {}
    devices = set()
    for item in template.birthrights.all():
        if item.kind == BirthrightKind.APPLICATION and item.application_id is not None:
            licences = apps.setdefault(item.application_id, set())
            if item.licence:
                licences.add(item.licence)
        elif item.device_kind:
            devices.add(item.device_kind)
    return expected.Entitlement(template.pk, {a: frozenset(lic) for a, lic in apps.items()}, frozenset(devices))
