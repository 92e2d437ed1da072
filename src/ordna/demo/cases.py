"""The demo's case templates (leavers for everyone and for consultants, joiners), and the cases the rules open,
with a few lines closed the way people would.

Template and task names are data, written once in the organisation's language (ORDNA_LANGUAGE, which
`demo_load` makes active): the texts below are the message catalog's, so a Swedish or Dutch demo gets its own.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import pgettext, pgettext_lazy

from ordna.core.actor import Actor
from ordna.core.models import User
from ordna.demo.people import CONSULTANT
from ordna.lifecycle.case_templates import birthright_add, template_save, template_task_add
from ordna.lifecycle.closing import closing_request_approve, line_attest, line_waive
from ordna.lifecycle.models import Line
from ordna.lifecycle.services import cases_open_due

# The demo's texts carry the catalog context "demo data": data in the organisation's language, not interface (a
# Swedish page may show an English demo's tasks, and the translation checks leave them be).
DEMO_TEMPLATE_TASKS = (
    # (title, responsible, business days from the last day, instructions), translated when the demo loads.
    (
        pgettext_lazy("demo data", "Plan the handover of open work"),
        "manager",
        -5,
        pgettext_lazy("demo data", "Agree who takes over clients, files and mailboxes."),
    ),
    (
        pgettext_lazy("demo data", "Final salary and holiday pay settled"),
        "hr",
        0,
        pgettext_lazy("demo data", "Check outstanding holiday days and expenses."),
    ),
    (
        pgettext_lazy("demo data", "Return laptop, phone and badge"),
        "employee",
        0,
        pgettext_lazy("demo data", "Hand them to your manager or the IT desk on your last day."),
    ),
    (
        pgettext_lazy("demo data", "Convert the mailbox to a shared mailbox"),
        "coordinator",
        1,
        pgettext_lazy("demo data", "Keep it 90 days, forward to the manager."),
    ),
    (pgettext_lazy("demo data", "Archive the personal drive"), "coordinator", 5, ""),
)
CONSULTANT_EXTRA_TASKS = (
    (
        pgettext_lazy("demo data", "Tell the client the assignment ends"),
        "manager",
        -10,
        pgettext_lazy("demo data", "Confirm who takes over at the client."),
    ),
)
JOINER_TASKS = (
    (pgettext_lazy("demo data", "Contract signed and filed"), "hr", -5),
    (pgettext_lazy("demo data", "Prepare the laptop and accounts"), "coordinator", -2),
    (pgettext_lazy("demo data", "Introduction and first-week plan"), "manager", 0),
)


def case_templates_demo_load(*, actor: Actor) -> None:
    """A template for anyone and one for consultants, before the HR file opens the first cases."""
    general = template_save(actor=actor, name=pgettext("demo data", "Leaver (everyone)"), exit_survey=True)
    # Joiners (issue 11): a laptop and a phone, and the first-week tasks; applications join the birthright
    # through Cases -> Templates once the applications exist.
    joiner = template_save(actor=actor, name=pgettext("demo data", "Joiner (everyone)"), kind="joiner")
    for device_kind in ("laptop", "phone"):
        birthright_add(template=joiner, actor=actor, device_kind=device_kind)
    for title, responsible, offset in JOINER_TASKS:
        template_task_add(template=joiner, actor=actor, title=str(title), responsible=responsible, offset_days=offset)
    consultant = template_save(
        actor=actor, name=pgettext("demo data", "Leaver (consultant)"), employment_type=CONSULTANT
    )
    for template, tasks in ((general, DEMO_TEMPLATE_TASKS), (consultant, CONSULTANT_EXTRA_TASKS + DEMO_TEMPLATE_TASKS)):
        for title, responsible, offset, instructions in tasks:
            template_task_add(
                template=template,
                actor=actor,
                title=str(title),
                responsible=responsible,
                offset_days=offset,
                instructions=str(instructions),
            )


def cases_demo_load(*, actor: Actor, today: date) -> None:
    """Devices were loaded in bulk after the cases opened: give the cases their device lines, and close a few
    lines the way people would, through the same closing rules as the web (issue 16): HR and IT attest their
    own tasks, IT asks to waive one, and the admin approves it, so the board shows every state."""
    cases_open_due(actor=actor, today=today)
    hr, it, admin = (
        _demo_actor(name, role) for name, role in (("hr", "hr"), ("coordinator", "coordinator"), ("admin", "admin"))
    )
    tasks = Line.objects.filter(kind="task", state="open").select_related("case").order_by("case_id", "id")
    if hr is not None:
        for number, line in enumerate(tasks.filter(responsible="hr")[:10]):
            if number % 2 == 0:
                line_attest(line=line, actor=hr, today=today, note=pgettext("demo data", "Done, see the HR system."))
    if it is None:
        return
    for number, line in enumerate(tasks.filter(responsible="coordinator")[:12]):
        if number % 3 == 0:
            line_attest(
                line=line,
                actor=it,
                today=today,
                note=pgettext("demo data", "Mailbox converted, forwarding to the manager."),
            )
        elif number % 5 == 1:
            outcome = line_waive(
                line=line, actor=it, today=today, reason=pgettext("demo data", "Not applicable: no personal drive.")
            )
            if outcome.request is not None and admin is not None and number % 2 == 1:
                closing_request_approve(request=outcome.request, actor=admin, today=today)


def _demo_actor(username: str, role: str) -> Actor | None:
    """The demo user of that name when it holds the role (a user of that name that existed before the demo
    keeps its own roles, and nothing is closed in its name)."""
    user = User.objects.filter(username=username, is_active=True).first()
    return Actor.for_user(user) if user is not None and user.has_role(role) else None
