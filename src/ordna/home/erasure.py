"""Erasing one person's personal data across every app, all or nothing (docs/privacy.md).

It spans people, accounts, devices, the lifecycle, support and notifications, so it lives in the composition on
top. What goes: names, addresses and aliases, the names their application accounts and their Ordna user show,
free text on their objects that names them, their alumni consent, the personal content of the audit events about
them. What stays: a stable pseudonym in place of the employee id, dates, counts, how every line closed, and the
audit chain, which records the erasure as its own events (`person.erased`, then `audit.erased` naming every event
whose content was blanked) and still verifies.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from ordna.accounts.models import Account, Finding, IdentityKey
from ordna.applications.models import Application
from ordna.core.actor import Actor
from ordna.core.audit import audit_erase, audit_key, audit_record
from ordna.core.models import ActionLink, AuditEvent, User
from ordna.lifecycle.models import AlumniConsent, Case, ClosingRequest, Line, LineKind, LineReopening
from ordna.notifications.models import AddressNotice, Digest
from ordna.people.models import Person
from ordna.support.models import Question, QuestionEvent, Wish

ERASED_DOMAIN = "erased.invalid"  # a reserved domain (RFC 2606): an erased address can never reach anyone


def pseudonym_for(employee_id: str) -> str:
    """The stable pseudonym that takes the place of `employee_id`: keyed with the audit key, so the same person
    always gets the same one (a rerun, a second table) and nobody without the key can go back to the id."""
    digest = hmac.new(audit_key(), f"person|{employee_id}".encode(), hashlib.sha256).hexdigest()
    return f"erased-{digest[:12]}"


@dataclass(frozen=True)
class Scrubber:
    """Replaces the ways a text can name one person (full name, either name alone, addresses, employee id)
    with their pseudonym."""

    pattern: re.Pattern[str] | None
    pseudonym: str

    @classmethod
    def for_person(cls, person: Person, pseudonym: str) -> Scrubber:
        names = {
            person.full_name,
            f"{person.last_name}, {person.first_name}",
            person.email,
            person.employee_id,
            *[str(alias) for alias in person.email_aliases or []],
            # A first or last name alone, when it is long enough not to be part of every other word.
            *[name for name in (person.first_name, person.last_name) if len(name) >= 3],
        }
        wanted = sorted((name.strip() for name in names if name and name.strip()), key=len, reverse=True)
        if not wanted:
            return cls(None, pseudonym)
        alternatives = "|".join(re.escape(name) for name in wanted)
        return cls(re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE), pseudonym)

    def text(self, value: str) -> str:
        return value if self.pattern is None or not value else self.pattern.sub(self.pseudonym, value)

    def deep(self, value: Any) -> Any:
        """The same for every string inside a JSON value."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.deep(item) for item in value]
        if isinstance(value, dict):
            return {key: self.deep(item) for key, item in value.items()}
        return value


def _scrub_fields(objects: Iterable[Any], fields: tuple[str, ...], scrubber: Scrubber) -> int:
    """Scrub `fields` of each object; saves only the objects that changed, and returns how many did."""
    changed = 0
    for obj in objects:
        dirty = [name for name in fields if scrubber.text(getattr(obj, name)) != getattr(obj, name)]
        for name in dirty:
            setattr(obj, name, scrubber.text(getattr(obj, name)))
        if dirty:
            obj.save(update_fields=dirty)
            changed += 1
    return changed


def _quoted(value: str) -> str:
    """How a string value shows inside stored JSON, quotes included (so E12 does not find E123)."""
    return f'"{value}"'


def audit_events_about(person: Person) -> list[int]:
    """The numbers of the audit events whose content is about `person`: their own, their Ordna user's, their
    accounts', cases' and lines', their questions' and wishes', the events they did as a user, and any event whose
    before or after names their employee id or an address of theirs."""
    targets = Q(target_type="people.person", target_id=str(person.pk))
    user = User.objects.filter(person=person).values_list("pk", flat=True).first()
    if user is not None:
        targets |= Q(target_type="core.user", target_id=str(user)) | Q(actor_ref=f"user:{user}")
    owned: list[tuple[str, Iterable[int]]] = [
        ("accounts.account", Account.objects.filter(person=person).values_list("pk", flat=True)),
        ("lifecycle.case", Case.objects.filter(person=person).values_list("pk", flat=True)),
        ("lifecycle.line", Line.objects.filter(case__person=person).values_list("pk", flat=True)),
        ("support.question", Question.objects.filter(asked_by=person).values_list("pk", flat=True)),
        ("support.wish", Wish.objects.filter(proposed_by=person).values_list("pk", flat=True)),
    ]
    for target_type, ids in owned:
        wanted = [str(pk) for pk in ids]
        if wanted:
            targets |= Q(target_type=target_type, target_id__in=wanted)
    seqs = set(AuditEvent.objects.filter(targets, erased=False).values_list("seq", flat=True))
    needles = [person.employee_id, person.email, *[str(alias) for alias in person.email_aliases or []]]
    mentions = Q()
    for needle in filter(None, needles):
        mentions |= Q(before_text__contains=_quoted(needle)) | Q(after_text__contains=_quoted(needle))
    if mentions:
        seqs.update(
            AuditEvent.objects.filter(erased=False)
            .annotate(before_text=Cast("before", TextField()), after_text=Cast("after", TextField()))
            .filter(mentions)
            .values_list("seq", flat=True)
        )
    return sorted(seqs)


def _erase_accounts(person: Person, pseudonym: str, scrubber: Scrubber) -> dict[int, str]:
    """The person's application accounts show the pseudonym instead of their names and addresses; returns the
    new key of each account, for the lines that name it."""
    keys: dict[int, str] = {}
    accounts = list(Account.objects.filter(person=person))
    # An import planned meanwhile sees the accounts changed and plans again (accounts.applying).
    Application.objects.filter(pk__in={a.application_id for a in accounts}).update(
        accounts_version=F("accounts_version") + 1
    )
    # The stored correlation keys (accounts.identity_keys) hold their names and addresses: made again, from the
    # pseudonym, when the review queue next needs them (the person's updated_at changes below).
    IdentityKey.objects.filter(person_id=person.pk).delete()
    for account in accounts:
        key = f"{pseudonym}-{account.pk}"
        keys[account.pk] = key
        Account.objects.filter(pk=account.pk).update(
            key=key, key_display=key, username="", email="", display_name=pseudonym, employee_id_attr=""
        )
    _scrub_fields(Finding.objects.filter(person=person).exclude(accepted_reason=""), ("accepted_reason",), scrubber)
    return keys


def _erase_lifecycle(person: Person, scrubber: Scrubber, account_keys: dict[int, str]) -> None:
    """Free text on the person's cases and lines names them no more; account lines name the account by its new
    key. States, dates, how each line closed and who closed it stay."""
    _scrub_fields(Case.objects.filter(person=person), ("cancel_reason",), scrubber)
    lines = Line.objects.filter(case__person=person)
    for line in lines:
        fields = ["note", "override_reason", "attest_reference", "instructions", "subject"]
        before = {name: getattr(line, name) for name in fields}
        for name in fields:
            setattr(line, name, scrubber.text(getattr(line, name)))
        if line.kind == LineKind.ACCOUNT and line.account_id in account_keys:
            line.subject = account_keys[line.account_id]
        dirty = [name for name in fields if getattr(line, name) != before[name]]
        if dirty:
            line.save(update_fields=dirty)
    _scrub_fields(
        ClosingRequest.objects.filter(line__case__person=person),
        ("note", "override_reason", "attest_reference", "decision_note"),
        scrubber,
    )
    _scrub_fields(LineReopening.objects.filter(line__case__person=person), ("was_note",), scrubber)
    AlumniConsent.objects.filter(Q(person=person) | Q(invitation__case__person=person)).update(person=None, email="")


def _erase_support(person: Person, scrubber: Scrubber) -> None:
    _scrub_fields(Question.objects.filter(asked_by=person), ("text", "attachment_name"), scrubber)
    _scrub_fields(QuestionEvent.objects.filter(question__asked_by=person), ("text",), scrubber)
    _scrub_fields(Wish.objects.filter(proposed_by=person), ("title", "text", "reason"), scrubber)


def _erase_notifications(person: Person, pseudonym: str, scrubber: Scrubber) -> None:
    """The digests sent to the person keep their day and count, not the address or the greeting; the items of
    other people's digests (a manager's) name them no more."""
    addresses = [a.lower() for a in [person.email, *[str(x) for x in person.email_aliases or []]] if a]
    own = Digest.objects.filter(Q(person=person) | Q(address__in=addresses))
    for digest in own:
        digest.name = ""
        if digest.address:
            digest.address = f"{pseudonym}-{digest.pk}@{ERASED_DOMAIN}"
        digest.items = scrubber.deep(digest.items)
        digest.save(update_fields=["name", "address", "items"])
    if person.full_name:
        naming = Digest.objects.annotate(items_text=Cast("items", TextField())).filter(
            items_text__icontains=person.full_name
        )
        for digest in naming:
            digest.items = scrubber.deep(digest.items)
            digest.save(update_fields=["items"])
    AddressNotice.objects.filter(person=person).delete()
    if addresses:
        ActionLink.objects.filter(address__in=addresses).update(address=f"{pseudonym}@{ERASED_DOMAIN}", name="")


def _erase_user(person: Person, pseudonym: str) -> None:
    """Their Ordna user signs in no more and shows no name or address; it keeps its id for the audit chain."""
    user = User.objects.filter(person=person).first()
    if user is None:
        return
    user.username = pseudonym if not User.objects.filter(username=pseudonym).exists() else f"{pseudonym}-{user.pk}"
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.is_active = False
    user.oidc_subject = None
    user.set_unusable_password()
    user.save()
    user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def person_erase(*, person: Person, actor: Actor, reason: str, request_id: int | None = None) -> str:
    """Erase `person`'s personal data everywhere, in one transaction (all or nothing); returns the pseudonym.

    The caller has checked the rules (no open case, no hold: `ordna.home.retention.erase_refusal`). `reason` is
    `retention` or `request`, as the audit chain knows them.
    """
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.erased_at is not None:
            return person.employee_id
        pseudonym = pseudonym_for(person.employee_id)
        scrubber = Scrubber.for_person(person, pseudonym)
        seqs = audit_events_about(person)
        account_keys = _erase_accounts(person, pseudonym, scrubber)
        _erase_lifecycle(person, scrubber, account_keys)
        _erase_support(person, scrubber)
        _erase_notifications(person, pseudonym, scrubber)
        _erase_user(person, pseudonym)
        Person.objects.filter(pk=person.pk).update(
            employee_id=pseudonym,
            first_name="",
            last_name=pseudonym,
            email="",
            email_aliases=[],
            manager=None,
            end_date_reason="",
            erased_at=timezone.now(),
            erased_because=reason,
            updated_at=timezone.now(),  # the account import's people index is stamped with it
        )
        after: dict[str, Any] = {"pseudonym": pseudonym, "reason": reason, "audit_events": len(seqs)}
        if request_id is not None:
            after["request"] = request_id
        audit_record(actor=actor, action="person.erased", target=person, after=after)
        audit_erase(seqs=seqs, actor=actor, reason=reason)
    return pseudonym
