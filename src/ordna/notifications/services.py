"""Writes of the reminder engine: claim today's digests, send them (mail or chat webhook) with retries, and
personal calendar feeds. Planning is in selectors (reads) and ladder (pure)."""

from __future__ import annotations

import json
import secrets
import smtplib
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.models import User
from ordna.core.services import token_digest
from ordna.notifications.ladder import URGENCY, Entry, PlannedDigest
from ordna.notifications.models import CalendarFeed, Channel, Digest, DigestState, ReminderRun, Step
from ordna.notifications.selectors import ReminderPlan, reminders_plan
from ordna.notifications.sources import kind_label

# A claim older than this is taken to be a worker that died while sending: the digest may be sent again.
CLAIM_TIMEOUT = timedelta(minutes=15)
WEBHOOK_ITEMS_SHOWN = 20


class DeliveryError(Exception):
    """A mail server or webhook did not take the message; the digest is retried later."""


@dataclass(frozen=True)
class RunResult:
    plan: ReminderPlan | None  # None: a scheduled run found the day already claimed
    created: int  # digests this run claimed for the day (0 for a dry run or a second run)
    skipped_no_address: tuple[int, ...]
    run: ReminderRun | None = None


def _entry_json(entry: Entry) -> dict[str, Any]:
    item = entry.item
    return {
        "key": item.key,
        "source": item.source,
        "kind": item.kind,
        "title": item.title,
        "url": item.url,
        "due": item.due.isoformat(),
        "step": entry.step,
        "days_late": entry.days_late,
    }


def _top_step(entries: list[Entry]) -> str:
    return max((e.step for e in entries), key=URGENCY.__getitem__)


def reminders_run(
    *, actor: Actor, today: date, trigger: str = ReminderRun.Trigger.COMMAND, dry_run: bool = False
) -> RunResult:
    """Plan today's digests and claim them: one row per recipient (and per webhook role) and day.

    Idempotent: the unique (recipient, day) constraint lets a second run, or a second worker, claim nothing
    more. A scheduled run claims its day first and returns `run=None` when another already did.
    Sending is separate (`digests_send_due`), so a mail server that is down delays digests, never loses them.
    """
    if trigger == ReminderRun.Trigger.SCHEDULE and ReminderRun.objects.filter(day=today, trigger=trigger).exists():
        return RunResult(None, 0, ())
    started = timezone.now()
    plan = reminders_plan(today=today)
    users = plan.directory.users
    no_address = tuple(sorted(uid for uid in plan.digests if not users[uid].email))
    if dry_run:
        return RunResult(plan, 0, no_address)
    now = timezone.now()
    rows = [
        Digest(
            day=today,
            channel=Channel.MAIL,
            recipient_id=digest.recipient,
            address=users[digest.recipient].email,
            language=users[digest.recipient].locale or settings.LANGUAGE_CODE,
            items=[_entry_json(e) for e in digest.sorted_entries()],
            item_count=len(digest.entries),
            top_step=_top_step(digest.entries),
            next_attempt_at=now,
            created_at=now,
        )
        for digest in plan.digests.values()
        if users[digest.recipient].email
    ]
    rows += [
        Digest(
            day=today,
            channel=Channel.WEBHOOK,
            role=role,
            language=settings.LANGUAGE_CODE,
            items=[_entry_json(e) for e in PlannedDigest(0, entries).sorted_entries()],
            item_count=len(entries),
            top_step=_top_step(entries),
            next_attempt_at=now,
            created_at=now,
        )
        for role, entries in plan.webhooks.items()
    ]
    try:
        with transaction.atomic():
            before = Digest.objects.filter(day=today).count()
            Digest.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
            created = Digest.objects.filter(day=today).count() - before
            run = ReminderRun.objects.create(
                day=today,
                trigger=trigger,
                started_at=started,
                finished_at=timezone.now(),
                items=plan.items,
                digests_planned=len(rows),
                digests_new=created,
            )
            audit_record(
                actor=actor,
                action="reminders.run",
                target=run,
                after={"day": today, "items": plan.items, "planned": len(rows), "claimed": created},
            )
    except IntegrityError:
        # Another worker claimed today's scheduled run between our check and our insert.
        return RunResult(plan, 0, no_address)
    return RunResult(plan, created, no_address, run)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after each failed attempt, at most ORDNA_MAIL_RETRY_MAX_MINUTES."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), settings.ORDNA_MAIL_RETRY_MAX_MINUTES))


def digest_groups(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The digest's items grouped by step, most urgent group first; in the active language."""
    labels = dict(Step.choices)
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        shown = {
            **item,
            "kind_label": kind_label(item["kind"]),
            "due_date": date.fromisoformat(item["due"]),
            "link": settings.BASE_URL + item["url"],
        }
        groups.setdefault(item["step"], []).append(shown)
    ordered = sorted(groups, key=lambda step: -URGENCY.get(step, 0))
    return [{"step": step, "label": str(labels.get(step, step)), "items": groups[step]} for step in ordered]


def digest_subject(count: int) -> str:
    return ngettext(
        "Ordna: %(count)d item needs your attention", "Ordna: %(count)d items need your attention", count
    ) % {"count": count}


def digest_message(digest: Digest) -> EmailMultiAlternatives:
    """The mail of a digest in the recipient's language: plain text and HTML, each item linking to its page."""
    with translation.override(digest.language):
        context = {
            "digest": digest,
            "name": (digest.recipient.get_full_name() or digest.recipient.get_username()) if digest.recipient else "",
            "groups": digest_groups(digest.items),
            "base_url": settings.BASE_URL,
        }
        subject = digest_subject(digest.item_count)
        text = render_to_string("notifications/digest.txt", context)
        html = render_to_string("notifications/digest.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [digest.address])
    message.attach_alternative(html, "text/html")
    return message


def webhook_text(digest: Digest) -> str:
    """The chat message of a role's webhook: counts per step and the most urgent items, with links."""
    with translation.override(digest.language):
        groups = digest_groups(digest.items)
        lines = [gettext("Ordna reminders for %(day)s") % {"day": digest.day.isoformat()}]
        for group in groups:
            lines.append(f"*{group['label']}*: {len(group['items'])}")
        shown = [item for group in groups for item in group["items"]][:WEBHOOK_ITEMS_SHOWN]
        lines += [f"- [{item['kind_label']}] {item['title']} ({item['due']}) {item['link']}" for item in shown]
        if digest.item_count > len(shown):
            lines.append(gettext("… and %(count)d more") % {"count": digest.item_count - len(shown)})
    return "\n".join(lines)


def _deliver(digest: Digest) -> None:
    if digest.channel == Channel.MAIL:
        try:
            digest_message(digest).send(fail_silently=False)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"mail: {exc}") from exc
        return
    url = settings.ORDNA_WEBHOOKS.get(digest.role, [""])[-1]
    if not url:
        raise DeliveryError(f"no webhook configured for role {digest.role!r}")
    body = json.dumps({"text": webhook_text(digest)}).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's own setting (http or https)
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            if response.status >= 300:
                raise DeliveryError(f"webhook answered {response.status}")
    except (OSError, urllib.error.URLError) as exc:
        raise DeliveryError(f"webhook: {exc}") from exc


def digest_send(*, digest_id: int, now: datetime | None = None) -> str:
    """Send one digest if it is due and nobody else is sending it; returns sent, retry or skipped.

    The conditional update (pending and due, or a stale claim) is the claim: of two workers only one sends.
    A failure puts the digest back to pending with a later attempt (backoff); it is never dropped.
    """
    now = now or timezone.now()
    claimable = Q(state=DigestState.PENDING, next_attempt_at__lte=now) | Q(
        state=DigestState.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT
    )
    claimed = Digest.objects.filter(claimable, pk=digest_id).update(
        state=DigestState.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"
    digest = Digest.objects.select_related("recipient").get(pk=digest_id)
    try:
        _deliver(digest)
    except DeliveryError as exc:
        Digest.objects.filter(pk=digest_id, state=DigestState.SENDING).update(
            state=DigestState.PENDING, next_attempt_at=now + backoff(digest.attempts), last_error=str(exc)[:1000]
        )
        return "retry"
    with transaction.atomic():
        Digest.objects.filter(pk=digest_id).update(state=DigestState.SENT, sent_at=timezone.now(), last_error="")
        audit_record(
            actor=Actor.system("reminders"),
            action="digest.sent",
            target=digest,
            after={
                "day": digest.day,
                "channel": digest.channel,
                "items": digest.item_count,
                "attempts": digest.attempts,
            },
        )
    return "sent"


def digests_send_due(*, now: datetime | None = None) -> dict[str, int]:
    """Send every digest that is due (new ones and retries); safe to run on several workers at once."""
    now = now or timezone.now()
    due = Digest.objects.filter(
        Q(state=DigestState.PENDING, next_attempt_at__lte=now)
        | Q(state=DigestState.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
    ).order_by("next_attempt_at", "id")
    outcomes: Counter[str] = Counter()
    for digest_id in list(due.values_list("id", flat=True)):
        outcomes[digest_send(digest_id=digest_id, now=now)] += 1
    return {key: outcomes.get(key, 0) for key in ("sent", "retry", "skipped")}


def calendar_feed_create(*, user: User, actor: Actor) -> str:
    """A new secret for `user`'s calendar feed (the old URL stops working); returns the secret, shown once."""
    secret = secrets.token_urlsafe(24)
    with transaction.atomic():
        CalendarFeed.objects.update_or_create(
            user=user, defaults={"digest": token_digest(secret), "created_at": timezone.now()}
        )
        audit_record(actor=actor, action="calendar.feed_created", target_type="core.user", target_id=str(user.pk))
    return secret
