"""Signed action links (docs/notifications.md): one mechanism for every action a person may do from a mail without
signing in. The app that owns an action registers its purpose and page (`action_link_purpose`); the page
checks the token here, claims it inside the transaction of the action, and calls the same service as the
button in the app, with `action_link_actor` as the actor.

A token is a random secret signed with Django's signing (its own salt), so a token that was edited or made
up is refused before the database is asked; only its SHA-256 digest is stored. A link is used once, expires
after ORDNA_ACTION_LINK_DAYS, and is revoked when its target no longer needs it. Every refusal is audited;
nothing else changes.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.models import ActionLink
from ordna.core.services import token_digest

SALT = "ordna.core.action-link"
INVALID, EXPIRED, USED, REVOKED = "invalid", "expired", "used", "revoked"
_PURPOSES: dict[str, str] = {}


class LinkRefused(Exception):
    """The link cannot be used: `reason` is invalid (tampered, unknown or for another page), expired, used
    or revoked; `link` is the stored link when the token named one."""

    def __init__(self, reason: str, link: ActionLink | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.link = link


def action_link_purpose(purpose: str, url_name: str) -> None:
    """Register the page (a URL name taking `token`) that does `purpose`; registering again replaces it."""
    _PURPOSES[purpose] = url_name


def action_link_url(purpose: str, token: str) -> str:
    return settings.BASE_URL + reverse(_PURPOSES[purpose], kwargs={"token": token})


def action_link_issue(
    *, purpose: str, target_id: int, address: str, name: str = "", language: str = "", sent_in: int | None = None
) -> tuple[ActionLink, str]:
    """A new link for `address` to do `purpose` on `target_id`; returns the stored link and the token, which is
    shown once (in the mail) and never kept."""
    if purpose not in _PURPOSES:
        raise ValueError(f"no page is registered for the action link purpose {purpose!r}")
    token = signing.Signer(salt=SALT).sign(secrets.token_urlsafe(24))
    now = timezone.now()
    link = ActionLink.objects.create(
        purpose=purpose,
        target_id=target_id,
        address=address,
        name=name[:150],
        language=language,
        digest=token_digest(token),
        sent_in=sent_in,
        created_at=now,
        expires_at=now + timedelta(days=settings.ORDNA_ACTION_LINK_DAYS),
    )
    return link, token


def action_link_check(token: str, *, purpose: str, now: datetime | None = None) -> ActionLink:
    """The live link `token` names for `purpose`, or `LinkRefused` saying why not. Reads only."""
    try:
        signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature as exc:
        raise LinkRefused(INVALID) from exc
    link = ActionLink.objects.filter(digest=token_digest(token)).first()
    if link is None or link.purpose != purpose:
        raise LinkRefused(INVALID, link)
    if link.used_at is not None:
        raise LinkRefused(USED, link)
    if link.revoked_at is not None:
        raise LinkRefused(REVOKED, link)
    if link.expires_at <= (now or timezone.now()):
        raise LinkRefused(EXPIRED, link)
    return link


def action_link_actor(link: ActionLink) -> Actor:
    """Who acts through a link: the person it was sent to, entitled to the link's one target and nothing else.
    The audit chain keeps the link's id only."""
    who = link.name or link.address
    return Actor(
        ref=f"link:{link.pk}", label=f"{who}, by link sent to {link.address}"[:150], link=(link.purpose, link.target_id)
    )


def action_link_use(*, token: str, purpose: str) -> ActionLink:
    """Claim the link inside the caller's transaction (the action's): of two submissions only one wins, and
    when the action fails the claim rolls back with it, so the link still works."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("an action link is used inside the transaction of its action")
    link = action_link_check(token, purpose=purpose)
    now = timezone.now()
    claimed = ActionLink.objects.filter(
        pk=link.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not claimed:
        raise LinkRefused(USED, link)
    link.used_at = now
    audit_record(
        actor=action_link_actor(link),
        action="action_link.used",
        target=link,
        after={"purpose": link.purpose, "target_id": link.target_id},
    )
    return link


def action_link_refusal_record(*, reason: str, link: ActionLink | None, client: str, purpose: str) -> None:
    """Audit a refused link (tampered, unknown, expired, used, revoked): who tried, from where, why."""
    with transaction.atomic():
        audit_record(
            actor=Actor.system("action links"),
            action="action_link.refused",
            target_type="core.actionlink",
            target_id=str(link.pk) if link is not None else "-",
            after={"reason": reason, "purpose": purpose, "client": client},
        )


def action_links_revoke(*, purpose: str, target_ids: Collection[int], because: str) -> int:
    """Revoke the live links of `purpose` on `target_ids` (their target no longer needs them); returns how many.
    Set-based: one statement, in the caller's transaction."""
    if not target_ids:
        return 0
    return ActionLink.objects.filter(
        purpose=purpose, target_id__in=list(target_ids), used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now(), revoked_because=because[:40])


def action_links_revoke_ids(*, link_ids: Collection[int], because: str) -> int:
    """Revoke particular links (a digest that could not be delivered takes its links back)."""
    if not link_ids:
        return 0
    return ActionLink.objects.filter(pk__in=list(link_ids), used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_because=because[:40]
    )
