"""Doing one's part of a case by a signed link from the reminder mail, without signing in (docs/notifications.md).

Which lines: tasks (the manager's handover, HR's last-day confirmation, the leaver's return of what they
hold, an owner's task) and devices to collect. Account and licence lines close by proof (an export or a
connector's read-back), never by a click, so they get no link; a supplier's lines go to its service desk.

A link's action is the in-app action: `closing.line_attest` ("done"; a device "collected", attested as returned
outside Ordna with its serial number) or `closing.line_waive` ("not collected, because ..."; a waiver, which
waits for a second person's approval under ORDNA_WAIVER_APPROVAL), with the person the link was sent to as the
actor (`scopes.line_closing_right` lets a link's actor close its one line as its own), so every rule of
closing applies unchanged (a device attested only from the last day on, a reason for a waiver) and its errors
reach the page. The link is claimed inside the same transaction: when the closing service refuses, nothing
changes and the link still works; when the line closes, every other link to it is revoked with it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ordna.core.action_links import REVOKED, LinkRefused, action_link_actor, action_link_check, action_link_use
from ordna.core.models import ActionLink
from ordna.devices.models import Device, DeviceStatus
from ordna.lifecycle import closing
from ordna.lifecycle.closing import ClosingOutcome
from ordna.lifecycle.engine import LifecycleError
from ordna.lifecycle.models import LINE_LINK, AttestReason, CaseStatus, Line, LineKind, LineState, Responsible

DONE, NOT_COLLECTED = "done", "not_collected"


def doable_by_link(*, kind: str, responsible: str, grant: bool) -> bool:
    """Whether the line's assignee gets a signed link to do it (see the module's docstring)."""
    if grant:
        return False
    if kind == LineKind.TASK:
        return responsible != Responsible.SUPPLIER
    return kind == LineKind.DEVICE


@dataclass(frozen=True)
class LinePage:
    """What a link's page shows: the line, its case and person, the device to collect (a device line), and the
    devices the leaver still holds (the leaver's own task, to say what they returned)."""

    link: ActionLink
    line: Line
    device: Device | None
    held: list[Device]

    @property
    def confirms_last_day(self) -> bool:
        return self.line.kind == LineKind.TASK and self.line.responsible == Responsible.HR


def line_page(token: str) -> LinePage:
    """The page a line's link opens, or `LinkRefused`: the link is not valid, expired, used, or revoked (the
    line was closed or its case cancelled meanwhile). Reads only."""
    link = action_link_check(token, purpose=LINE_LINK)
    line = Line.objects.select_related("case__person", "device").filter(pk=link.target_id).first()
    if line is None:
        raise LinkRefused(REVOKED, link)
    if line.state != LineState.OPEN or line.case.status != CaseStatus.OPEN:
        raise LinkRefused(REVOKED, link)
    held: list[Device] = []
    if line.kind == LineKind.TASK and line.responsible == Responsible.EMPLOYEE:
        held = list(Device.objects.filter(holder_id=line.case.person_id, status=DeviceStatus.ISSUED))
    return LinePage(link=link, line=line, device=line.device, held=held)


def _device_words(device: Device) -> str:
    serial = f", serial {device.serial}" if device.serial else ""
    model = f" {device.model}" if device.model else ""
    return f"{device.kind}{model} {device.asset_tag}{serial}"


def line_close_by_link(
    *,
    token: str,
    today: date,
    outcome: str,
    note: str = "",
    reason: str = "",
    returned: Collection[int] = (),
    last_day_confirmed: bool = False,
) -> ClosingOutcome:
    """Do the line through its link: `done` attests it (for a device: collected; for the leaver's task: with
    what they returned, among the devices they hold; for HR's task: only with the last day confirmed);
    `not_collected` waives a device line with the reason given (pending approval where that is the rule).
    Atomic: the link is used only if the closing service accepts. Raises `LinkRefused` or the closing
    service's `LifecycleError`."""
    with transaction.atomic():
        page = line_page(token)
        line = page.line
        actor = action_link_actor(action_link_use(token=token, purpose=LINE_LINK))
        note = note.strip()
        if outcome == DONE:
            words = []
            if page.device is not None:
                words.append(f"Collected: {_device_words(page.device)}")
            returned_devices = [d for d in page.held if d.pk in set(returned)]
            if returned_devices:
                words.append("Returned: " + "; ".join(_device_words(d) for d in returned_devices))
            if page.confirms_last_day:
                if not last_day_confirmed:
                    raise LifecycleError(
                        _("Last day: confirm that the last day is right, or correct it in the HR system."),
                        field="last_day",
                    )
                words.append(f"Last day {line.case.effective_date.isoformat()} confirmed")
            if note:
                words.append(note)
            return closing.line_attest(
                line=line,
                actor=actor,
                today=today,
                reason=AttestReason.RETURNED_ELSEWHERE if line.kind == LineKind.DEVICE else "",
                note=". ".join(words),
            )
        if outcome == NOT_COLLECTED and line.kind == LineKind.DEVICE:
            if not reason.strip():
                raise LifecycleError(_("Reason: say why the device was not collected."), field="reason")
            return closing.line_waive(line=line, actor=actor, today=today, reason=f"Not collected: {reason.strip()}")
        raise LifecycleError(_("Choose what to record."), field="outcome")
