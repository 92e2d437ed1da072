"""The demo's case templates (leavers for everyone and for consultants, joiners), and the cases the rules open,
with a few lines closed the way people would."""

from __future__ import annotations

from datetime import date

from ordna.core.actor import Actor
from ordna.demo.people import CONSULTANT
from ordna.lifecycle.case_templates import birthright_add, template_save, template_task_add
from ordna.lifecycle.closing import line_attest, line_waive
from ordna.lifecycle.models import Line
from ordna.lifecycle.services import cases_open_due

DEMO_TEMPLATE_TASKS = (
    # (title, responsible, business days from the last day, instructions)
    ("Plan the handover of open work", "manager", -5, "Agree who takes over clients, files and mailboxes."),
    ("Final salary and holiday pay settled", "hr", 0, "Check outstanding holiday days and expenses."),
    ("Return laptop, phone and badge", "employee", 0, "Hand them to your manager or the IT desk on your last day."),
    ("Convert the mailbox to a shared mailbox", "coordinator", 1, "Keep it 90 days, forward to the manager."),
    ("Archive the personal drive", "coordinator", 5, ""),
)
CONSULTANT_EXTRA_TASKS = (
    ("Tell the client the assignment ends", "manager", -10, "Confirm who takes over at the client."),
)


def case_templates_demo_load(*, actor: Actor) -> None:
    """A template for anyone and one for consultants, before the HR file opens the first cases."""
    general = template_save(actor=actor, name="Leaver (everyone)", exit_survey=True)
    # Joiners (issue 11): a laptop and a phone, and the first-week tasks; applications join the birthright
    # through Cases -> Templates once the applications exist.
    joiner = template_save(actor=actor, name="Joiner (everyone)", kind="joiner")
    for device_kind in ("laptop", "phone"):
        birthright_add(template=joiner, actor=actor, device_kind=device_kind)
    for title, responsible, offset in (
        ("Contract signed and filed", "hr", -5),
        ("Prepare the laptop and accounts", "coordinator", -2),
        ("Introduction and first-week plan", "manager", 0),
    ):
        template_task_add(template=joiner, actor=actor, title=title, responsible=responsible, offset_days=offset)
    consultant = template_save(actor=actor, name="Leaver (consultant)", employment_type=CONSULTANT)
    for template, tasks in ((general, DEMO_TEMPLATE_TASKS), (consultant, CONSULTANT_EXTRA_TASKS + DEMO_TEMPLATE_TASKS)):
        for title, responsible, offset, instructions in tasks:
            template_task_add(
                template=template,
                actor=actor,
                title=title,
                responsible=responsible,
                offset_days=offset,
                instructions=instructions,
            )


def cases_demo_load(*, actor: Actor, today: date) -> None:
    """Devices were loaded in bulk after the cases opened: give the cases their device lines, and close a few
    lines the way people would, so the board shows every state."""
    cases_open_due(actor=actor, today=today)
    tasks = list(Line.objects.filter(kind="task", state="open").order_by("case_id", "id")[:40])
    for number, line in enumerate(tasks):
        if number % 4 == 0:
            line_attest(line=line, actor=actor, note="Done, see the HR system.")
        elif number % 9 == 0:
            line_waive(line=line, actor=actor, reason="Not applicable: no client assignment.")
