"""Reminders in the API: the notification log, one digest, and running the reminders (or a dry run)."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.api import Capability, ErrorOut
from ordna.core.clock import today
from ordna.core.web import user_of
from ordna.notifications import selectors
from ordna.notifications.services import reminders_run
from ordna.notifications.tasks import reminders_run_now

router = Router(tags=["reminders"])


class DigestOut(Schema):
    id: int
    day: date
    channel: str
    recipient: str | None
    person: str | None
    name: str
    origin: str
    mailbox: str
    role: str
    address: str
    language: str
    item_count: int
    top_step: str
    state: str
    attempts: int
    sent_at: datetime | None
    last_error: str

    @staticmethod
    def resolve_recipient(obj: Any) -> str | None:
        return obj.recipient.username if obj.recipient else None

    @staticmethod
    def resolve_person(obj: Any) -> str | None:
        return obj.person.employee_id if obj.person else None


class DigestItemOut(Schema):
    key: str
    source: str
    kind: str
    title: str
    url: str
    due: date
    step: str
    days_late: int
    action: str = ""


class ActionLinkOut(Schema):
    purpose: str
    target_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    revoked_because: str


class DigestDetailOut(DigestOut):
    items: list[DigestItemOut]
    action_links: list[ActionLinkOut]

    @staticmethod
    def resolve_action_links(obj: Any) -> list[Any]:
        return list(selectors.digest_links(obj))


class PlannedOut(Schema):
    recipient: str
    email: str
    name: str
    origin: str
    mailbox: str
    language: str
    items: list[DigestItemOut]


class ReminderRunOut(Schema):
    day: date
    dry_run: bool
    items: int
    by_source: dict[str, int]
    digests: list[PlannedOut]
    queued: bool


@router.get(
    "/notifications",
    response=list[DigestOut],
    summary="Reminders sent (the notification log)",
    auth=Capability("notifications.log"),
)
@paginate
def digest_list(request: HttpRequest, day: date | None = None, state: str = "", q: str = "") -> Any:
    return selectors.digests_filter(selectors.digests_scope(user_of(request)), day=day, state=state, q=q)


@router.get(
    "/notifications/{digest_id}",
    response={200: DigestDetailOut, 404: ErrorOut},
    summary="One digest with its items",
    auth=Capability("notifications.log"),
)
def digest_detail(request: HttpRequest, digest_id: int) -> Any:
    return access.get_in_scope(
        selectors.digests_scope(user_of(request)).select_related("recipient", "person"), pk=digest_id
    )


@router.post(
    "/reminders/run",
    response=ReminderRunOut,
    summary="Plan today's digests; with dry_run=false also queue the run that sends them",
    auth=Capability("reminders.run"),
)
def run(request: HttpRequest, dry_run: bool = True) -> Any:
    actor = Actor.for_user(user_of(request))
    result = reminders_run(actor=actor, today=today(), dry_run=True)
    plan = result.plan
    assert plan is not None  # noqa: S101 - only scheduled runs return no plan
    if not dry_run:
        reminders_run_now(actor_ref=actor.ref, actor_label=actor.label)
    recipients = plan.directory.recipients
    return {
        "day": plan.today,
        "dry_run": dry_run,
        "items": plan.items,
        "by_source": plan.by_source,
        "queued": not dry_run,
        "digests": [
            {
                "recipient": recipients[key].username,
                "email": recipients[key].address,
                "name": recipients[key].name,
                "origin": "mailbox" if recipients[key].mailbox else recipients[key].origin,
                "mailbox": recipients[key].mailbox,
                "language": recipients[key].language,
                "items": [
                    {
                        **entry.item._asdict(),
                        "step": entry.step,
                        "days_late": entry.days_late,
                        "action": entry.item.action if entry.acts and recipients[key].personal else "",
                    }
                    for entry in digest.sorted_entries()
                ],
            }
            for key, digest in sorted(plan.digests.items())
        ],
    }
