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
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from ordna.core.action_links import action_link_issue, action_link_url, action_links_revoke_ids
from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.models import User
from ordna.core.services import token_digest
from ordna.notifications.ladder import URGENCY, Entry, PlannedDigest
from ordna.notifications.models import (
    AddressNotice,
    CalendarFeed,
    Channel,
    Digest,
    DigestState,
    Origin,
    ReminderRun,
    Step,
)
from ordna.notifications.selectors import ReminderPlan, reminders_plan
from ordna.notifications.sources import Recipient, kind_label

WEBHOOK = Recipient(key="", address="", name="", language="")  # a chat channel: no signed links

# A claim older than this is taken to be a worker that died while sending: the digest may be sent again.
CLAIM_TIMEOUT = timedelta(minutes=15)
WEBHOOK_ITEMS_SHOWN = 20


class DeliveryError(Exception):
    """A mail server or webhook did not take the message; the digest is retried later."""


@dataclass(frozen=True)
class RunResult:
    plan: ReminderPlan | None  # None: a scheduled run found the day already claimed
    created: int  # digests this run claimed for the day (0 for a dry run or a second run)
    skipped_no_address: tuple[str, ...]  # recipients (users) with items but no address at all
    run: ReminderRun | None = None


def _entry_json(entry: Entry, recipient: Recipient) -> dict[str, Any]:
    item = entry.item
    shown: dict[str, Any] = {
        "key": item.key,
        "source": item.source,
        "kind": item.kind,
        "title": item.title,
        "url": item.url,
        "due": item.due.isoformat(),
        "step": entry.step,
        "days_late": entry.days_late,
    }
    if entry.acts and item.action and recipient.personal:
        # The assignee may do it without signing in: the link is made when the digest is sent (only its hash
        # is kept, so it cannot be made earlier and shown later).
        shown["action"], shown["target"] = item.action, item.target
    return shown


def _mail_row(digest: PlannedDigest, recipient: Recipient, *, today: date, now: datetime) -> Digest:
    return Digest(
        day=today,
        channel=Channel.MAIL,
        recipient_id=recipient.user_id,
        person_id=recipient.person_id,
        mailbox=recipient.mailbox,
        origin=Origin.MAILBOX if recipient.mailbox else recipient.origin,
        name=recipient.name[:150],
        address=recipient.address,
        language=recipient.language or settings.LANGUAGE_CODE,
        items=[_entry_json(e, recipient) for e in digest.sorted_entries()],
        item_count=len(digest.entries),
        top_step=_top_step(digest.entries),
        next_attempt_at=now,
        created_at=now,
    )


def _notices_record(plan: ReminderPlan, *, new_addresses: set[str], today: date) -> None:
    """Remember who has no usable address, and mark told those whose notice went out in a new digest today;
    forget those the HR file now gives an address."""
    directory = plan.directory
    known = dict(AddressNotice.objects.values_list("person_id", "told_on"))
    AddressNotice.objects.bulk_create(
        [
            AddressNotice(person_id=pid, value=value[:254], first_seen=today)
            for pid, value in directory.unreachable.items()
            if pid not in known
        ],
        ignore_conflicts=True,
    )
    notice_keys = set(plan.notices.values())
    told_keys = {
        entry.item.key
        for address in new_addresses & plan.digests.keys()
        for entry in plan.digests[address].entries
        if entry.item.key in notice_keys
    }
    told = {pid for pid, key in plan.notices.items() if key in told_keys}
    if told:
        AddressNotice.objects.filter(person_id__in=told, told_on__isnull=True).update(told_on=today)
    fixed = [pid for pid in known if pid in directory.by_person]
    if fixed:
        AddressNotice.objects.filter(person_id__in=fixed).delete()


def _top_step(entries: list[Entry]) -> str:
    return max((e.step for e in entries), key=URGENCY.__getitem__)


def reminders_run(
    *, actor: Actor, today: date, trigger: str = ReminderRun.Trigger.COMMAND, dry_run: bool = False
) -> RunResult:
    """Plan today's digests and claim them: one row per address (and per webhook role) and day.

    Idempotent: the unique (address, day) constraint lets a second run, or a second worker, claim nothing
    more. A scheduled run claims its day first and returns `run=None` when another already did.
    Sending is separate (`digests_send_due`), so a mail server that is down delays digests, never loses them.
    """
    if trigger == ReminderRun.Trigger.SCHEDULE and ReminderRun.objects.filter(day=today, trigger=trigger).exists():
        return RunResult(None, 0, ())
    started = timezone.now()
    plan = reminders_plan(today=today)
    recipients = plan.directory.recipients
    no_address = tuple(sorted(key for key in plan.digests if not recipients[key].address))
    if dry_run:
        return RunResult(plan, 0, no_address)
    now = timezone.now()
    rows = [
        _mail_row(digest, recipients[key], today=today, now=now)
        for key, digest in plan.digests.items()
        if recipients[key].address
    ]
    rows += [
        Digest(
            day=today,
            channel=Channel.WEBHOOK,
            role=role,
            language=settings.LANGUAGE_CODE,
            items=[_entry_json(e, WEBHOOK) for e in PlannedDigest("", entries).sorted_entries()],
            item_count=len(entries),
            top_step=_top_step(entries),
            next_attempt_at=now,
            created_at=now,
        )
        for role, entries in plan.webhooks.items()
    ]
    try:
        with transaction.atomic():
            before = set(Digest.objects.filter(day=today, channel=Channel.MAIL).values_list("address", flat=True))
            before_count = Digest.objects.filter(day=today).count()
            Digest.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
            created = Digest.objects.filter(day=today).count() - before_count
            _notices_record(plan, new_addresses={r.address for r in rows if r.address} - before, today=today)
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


def digest_groups(items: list[dict[str, Any]], links: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The digest's items grouped by step, most urgent group first; in the active language. `links` are the
    signed action links by item key, where the digest carries them."""
    labels = dict(Step.choices)
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        shown = {
            **item,
            "kind_label": kind_label(item["kind"]),
            "due_date": date.fromisoformat(item["due"]),
            "link": settings.BASE_URL + item["url"],
            "action_link": (links or {}).get(item["key"], ""),
        }
        groups.setdefault(item["step"], []).append(shown)
    ordered = sorted(groups, key=lambda step: -URGENCY.get(step, 0))
    return [{"step": step, "label": str(labels.get(step, step)), "items": groups[step]} for step in ordered]


def digest_subject(count: int) -> str:
    return ngettext(
        "Ordna: %(count)d item needs your attention", "Ordna: %(count)d items need your attention", count
    ) % {"count": count}


def digest_message(digest: Digest, links: dict[str, str] | None = None) -> EmailMultiAlternatives:
    """The mail of a digest in the recipient's language: plain text and HTML, each item linking to its page,
    and to the signed link that does it where the digest carries one (`links`, by item key)."""
    with translation.override(digest.language):
        context = {
            "digest": digest,
            "name": digest.name
            or ((digest.recipient.get_full_name() or digest.recipient.get_username()) if digest.recipient else ""),
            "groups": digest_groups(digest.items, links),
            "base_url": settings.BASE_URL,
            "link_days": settings.ORDNA_ACTION_LINK_DAYS,
            "has_links": bool(links),
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
        lines = [gettext("Ordna reminders for %(day)s") % {"day": date_format(digest.day, "SHORT_DATE_FORMAT")}]
        for group in groups:
            lines.append(f"*{group['label']}*: {len(group['items'])}")
        shown = [item for group in groups for item in group["items"]][:WEBHOOK_ITEMS_SHOWN]
        lines += [
            f"- [{item['kind_label']}] {item['title']} ({date_format(item['due_date'], 'SHORT_DATE_FORMAT')}) "
            + item["link"]
            for item in shown
        ]
        if digest.item_count > len(shown):
            lines.append(gettext("… and %(count)d more") % {"count": digest.item_count - len(shown)})
    return "\n".join(lines)


def _links_issue(digest: Digest) -> tuple[dict[str, str], list[int]]:
    """Signed links for the items of a mail digest that its (personal) recipient may do without signing in:
    the URLs by item key, and the links' ids (to take them back if the mail does not go out)."""
    urls: dict[str, str] = {}
    ids: list[int] = []
    for item in digest.items:
        if not item.get("action"):
            continue
        link, token = action_link_issue(
            purpose=item["action"],
            target_id=int(item["target"]),
            address=digest.address,
            name=digest.name,
            language=digest.language,
            sent_in=digest.pk,
        )
        urls[item["key"]] = action_link_url(item["action"], token)
        ids.append(link.pk)
    return urls, ids


def _deliver(digest: Digest, links: dict[str, str]) -> None:
    if digest.channel == Channel.MAIL:
        try:
            digest_message(digest, links).send(fail_silently=False)
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
    links, link_ids = _links_issue(digest) if digest.channel == Channel.MAIL else ({}, [])
    try:
        _deliver(digest, links)
    except DeliveryError as exc:
        action_links_revoke_ids(link_ids=link_ids, because="mail not delivered")
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
                "action_links": len(link_ids),
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
