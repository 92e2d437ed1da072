"""The connectors' outbox: disabling a leaver's account through its connector, queued, approved or held by
the mass-change breaker, run with retries, and read back so that the line is verified by the system itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from ordna.accounts.importing import accounts_import_records
from ordna.accounts.models import Account, AccountStatus
from ordna.accounts.presets import DISABLED, AccountRecord
from ordna.accounts.runs import AccountsImportResult
from ordna.applications.models import Application
from ordna.connectors.base import ConnectorError, RetryLater
from ordna.connectors.failures import Failure, place_of_kind
from ordna.connectors.models import LIVE_STATES, Action, ActionState, DisablePolicy
from ordna.connectors.services import ConnectorSetupError, client_open, connector_of, shows_licences
from ordna.core.actor import Actor
from ordna.core.audit import Change, audit_record, audit_record_many
from ordna.lifecycle.models import CaseKind, CaseStatus, Line, LineKind, LineState, VerifiedBy

# Act: the outbox ------------------------------------------------------------------------------------------


@dataclass
class DeprovisionResult:
    """What `deprovision` did or, in a dry run, would do."""

    application: str
    account: str
    dry_run: bool
    steps: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    state: str = ""
    error: str = ""  # the technical detail; `failure` and `place` say it in words (ordna.connectors.failures)
    failure: str = ""
    place: str = ""
    action_id: int | None = None
    lines_verified: int = 0


def _account_of(application: Application, key: str) -> Account:
    account = Account.objects.filter(application=application, key=key.strip().casefold()).first()
    if account is None:
        raise ConnectorSetupError(
            _("%(application)s has no account %(key)s: sync it first."),
            field="account",
            application=application.name,
            key=repr(key),
        )
    return account


def _open_line(account: Account) -> Line | None:
    return (
        Line.objects.filter(account=account, kind=LineKind.ACCOUNT, state=LineState.OPEN, case__status=CaseStatus.OPEN)
        .order_by("id")
        .first()
    )


def action_request(
    *, account: Account, actor: Actor, approved: bool, line: Line | None = None, reason: str = ""
) -> tuple[Action, bool]:
    """Put a disable of `account` in the outbox, queued (`approved`) or waiting for approval; idempotent: the
    live action of the account, if there is one, is returned instead (created is then False)."""
    live = Action.objects.filter(account=account, state__in=LIVE_STATES).first()
    if live is not None:
        if approved and live.state == ActionState.PENDING_APPROVAL:
            action_approve(action=live, actor=actor)
            live.refresh_from_db()
        return live, False
    try:
        with transaction.atomic():
            action = Action.objects.create(
                application_id=account.application_id,
                account=account,
                line=line or _open_line(account),
                state=ActionState.QUEUED if approved else ActionState.PENDING_APPROVAL,
                next_attempt_at=timezone.now(),
                requested_by=actor.label[:150],
                approved_by=actor.label[:150] if approved else "",
                reason=reason[:200],
            )
            audit_record(
                actor=actor,
                action="connector.disable_requested",
                target=action,
                after={"account": account.key_display, "state": action.state, "reason": reason},
            )
    except IntegrityError:  # another request won the race: the constraint allows one live action
        return Action.objects.get(account=account, state__in=LIVE_STATES), False
    return action, True


def action_approve(*, action: Action, actor: Actor) -> bool:
    """Approve a disable that waits for approval; False when it no longer waits."""
    with transaction.atomic():
        done = Action.objects.filter(pk=action.pk, state=ActionState.PENDING_APPROVAL).update(
            state=ActionState.QUEUED, approved_by=actor.label[:150], next_attempt_at=timezone.now()
        )
        if done:
            audit_record(actor=actor, action="connector.disable_approved", target=action)
    return bool(done)


def action_cancel(*, action: Action, actor: Actor) -> bool:
    with transaction.atomic():
        done = Action.objects.filter(
            pk=action.pk, state__in=[ActionState.PENDING_APPROVAL, ActionState.QUEUED, ActionState.FAILED]
        ).update(state=ActionState.CANCELLED, finished_at=timezone.now())
        if done:
            audit_record(actor=actor, action="connector.disable_cancelled", target=action)
    return bool(done)


def action_retry(*, action: Action, actor: Actor) -> bool:
    """Queue a failed action again (after the cause was fixed)."""
    with transaction.atomic():
        done = Action.objects.filter(pk=action.pk, state=ActionState.FAILED).update(
            state=ActionState.QUEUED,
            attempts=0,
            next_attempt_at=timezone.now(),
            last_error="",
            failure="",
            failure_place="",
        )
        if done:
            audit_record(actor=actor, action="connector.disable_retried", target=action)
    return bool(done)


def _claim(action_id: int, now: datetime) -> bool:
    """One conditional update: only one worker gets to run an action."""
    return bool(
        Action.objects.filter(pk=action_id, state=ActionState.QUEUED, next_attempt_at__lte=now).update(
            state=ActionState.RUNNING, attempts=F("attempts") + 1
        )
    )


def _backoff(attempts: int) -> float:
    return float(settings.ORDNA_CONNECTOR_RETRY_SECONDS * 2 ** max(attempts - 1, 0))


def read_back(
    *, application: Application, record: AccountRecord, actor: Actor, today: date, kind: str = ""
) -> AccountsImportResult:
    """Import one account as the server shows it now (a delta), so its case line is verified by read-back; a
    connector of `kind` proves licences only if it reads them."""
    return accounts_import_records(
        application=application,
        records=[record],
        actor=actor,
        today=today,
        source=f"read-back:{record.key_display}",
        full=False,
        verified_by=VerifiedBy.READ_BACK,
        shows_licences=shows_licences(kind),
    )


def action_run(*, action_id: int, actor: Actor, today: date, now: datetime | None = None) -> Action | None:
    """Run one queued, due action: disable, read back, import the read-back. Returns the action after, or None
    when another worker has it (or it is not due)."""
    now = now or timezone.now()
    if not _claim(action_id, now):
        return None
    action = Action.objects.select_related("account", "application").get(pk=action_id)
    account, application = action.account, action.application
    result: dict[str, Any] = {}
    try:
        connector = connector_of(application)
        client = client_open(connector)
        try:
            outcome = client.disable(account.key_display)
            record = client.account(account.key_display)
        finally:
            client.close()
        result = {"steps": outcome.steps, "already": outcome.already, "tasks": outcome.tasks}
        if record is not None and record.status != DISABLED:
            raise ConnectorError(
                "the read-back shows the account still active",
                failure=Failure.STILL_ACTIVE,
                place=place_of_kind(connector.kind),
            )
    except (ConnectorError, ConnectorSetupError) as exc:
        failure = exc.failure if isinstance(exc, ConnectorError) else Failure.OTHER
        place = exc.place if isinstance(exc, ConnectorError) and exc.place else ""
        retry = isinstance(exc, RetryLater)
        wait = max(exc.seconds, _backoff(action.attempts)) if isinstance(exc, RetryLater) else _backoff(action.attempts)
        final = action.attempts >= settings.ORDNA_CONNECTOR_MAX_ATTEMPTS and not (retry and action.attempts < 20)
        with transaction.atomic():
            Action.objects.filter(pk=action.pk).update(
                state=ActionState.FAILED if final else ActionState.QUEUED,
                next_attempt_at=now + timedelta(seconds=wait),
                last_error=str(exc)[:2000],
                failure=failure,
                failure_place=place,
                finished_at=now if final else None,
                result=result,
            )
            audit_record(
                actor=actor,
                action="connector.disable_failed" if final else "connector.disable_retrying",
                target=action,
                after={"error": str(exc)[:500], "attempts": action.attempts},
            )
        action.refresh_from_db()
        return action
    with transaction.atomic():
        if record is not None:
            imported = read_back(application=application, record=record, actor=actor, today=today, kind=connector.kind)
            result["read_back"] = imported.outcome
        else:
            result["read_back"] = "gone"
        Action.objects.filter(pk=action.pk).update(
            state=ActionState.DONE,
            finished_at=timezone.now(),
            last_error="",
            failure="",
            failure_place="",
            result=result,
        )
        audit_record(actor=actor, action="connector.disabled", target=action, after=result)
    action.refresh_from_db()
    return action


def outbox_run(*, actor: Actor, today: date, now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Run the queued actions that are due, oldest first; safe on several workers at once."""
    now = now or timezone.now()
    counts = {"done": 0, "retrying": 0, "failed": 0}
    due = list(
        Action.objects.filter(state=ActionState.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    for action_id in due:
        action = action_run(action_id=action_id, actor=actor, today=today, now=now)
        if action is None:
            continue
        key = {"done": "done", "failed": "failed"}.get(action.state, "retrying")
        counts[key] += 1
    return counts


def deprovision(
    *,
    application: Application,
    account_key: str,
    actor: Actor,
    today: date,
    dry_run: bool = False,
    line: Line | None = None,
) -> DeprovisionResult:
    """Disable one account now, as a person asked (which approves it): through the outbox, then read back.
    A dry run reads the account from the server and says what would be done, and changes nothing."""
    connector = connector_of(application)
    account = _account_of(application, account_key)
    result = DeprovisionResult(application=application.slug, account=account.key_display, dry_run=dry_run)
    if dry_run:
        try:
            client = client_open(connector)
            try:
                result.steps = client.plan_disable(account.key_display)
            finally:
                client.close()
        except ConnectorError as exc:
            result.error, result.failure, result.place = str(exc), exc.failure, exc.place
        return result
    action, _created = action_request(account=account, actor=actor, approved=True, line=line)
    if action.state == ActionState.QUEUED:
        ran = action_run(action_id=action.pk, actor=actor, today=today)
        action = ran or action
    action.refresh_from_db()
    result.action_id = action.pk
    result.state = action.state
    result.steps = list(action.result.get("steps", []))
    result.tasks = list(action.result.get("tasks", []))
    if action.state != ActionState.DONE:
        result.error, result.failure, result.place = action.last_error, action.failure, action.failure_place
    if action.line_id:
        result.lines_verified = Line.objects.filter(
            pk=action.line_id, state=LineState.VERIFIED, verified_by=VerifiedBy.READ_BACK
        ).count()
    return result


def leavers_enqueue(*, actor: Actor, today: date) -> dict[str, int]:
    """Put the accounts of leavers whose last day has passed into the outbox, by each application's policy:
    queued (automatic) or waiting for approval. The mass-disable breaker holds an application's whole batch for
    approval when it would disable more than ORDNA_MASS_CHANGE_ACCOUNTS_PERCENT of its active accounts."""
    counts = {"queued": 0, "pending_approval": 0, "held_by_breaker": 0}
    lines = (
        Line.objects.filter(
            kind=LineKind.ACCOUNT,
            state=LineState.OPEN,
            case__status=CaseStatus.OPEN,
            case__kind=CaseKind.LEAVER,
            case__effective_date__lt=today,
            account__status=AccountStatus.ACTIVE,
            account__application__connector__isnull=False,
        )
        .exclude(account__application__connector__policy=DisablePolicy.NEVER)
        .exclude(Q(account__actions__state__in=LIVE_STATES))
        .select_related("account", "account__application__connector")
    )
    by_application: dict[int, list[Line]] = {}
    for line in lines:
        by_application.setdefault(line.account.application_id, []).append(line)  # type: ignore[union-attr]
    percent, minimum = settings.ORDNA_MASS_CHANGE_ACCOUNTS_PERCENT, settings.ORDNA_MASS_CHANGE_MINIMUM
    for batch in by_application.values():
        account = batch[0].account
        assert account is not None  # noqa: S101 - the query keeps account lines only
        application = account.application
        policy = application.connector.policy
        base = application.accounts_active
        tripped = len(batch) >= minimum and len(batch) * 100 > percent * max(base, 1)
        for line in batch:
            approved = policy == DisablePolicy.AUTOMATIC and not tripped
            # Kept in English, shown in the reader's language (the outbox translates it).
            reason = (
                gettext_noop("held by the mass-disable breaker")
                if tripped
                else ("" if approved else gettext_noop("the application's policy asks for approval"))
            )
            _action, created = action_request(
                account=line.account,  # type: ignore[arg-type]
                actor=actor,
                approved=approved,
                line=line,
                reason=reason,
            )
            if created:
                counts["queued" if approved else "pending_approval"] += 1
                counts["held_by_breaker"] += int(tripped)
    if counts["held_by_breaker"]:
        audit_record_many(
            actor=actor,
            changes=[
                Change("connector.breaker_tripped", "connectors.action", "", after={"held": counts["held_by_breaker"]})
            ],
        )
    return counts
