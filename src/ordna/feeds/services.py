"""Writes of feeds: define one, run the due ones, run one now, confirm a held mass change (docs/feeds.md).

A run imports each delivered file through the same services as `ordna import` (people_import,
accounts_import): all or nothing, row errors named, the safety breaker. The feed is claimed for the run with
one conditional update (`lease_until`), so several workers run it once; a run that dies leaves the lease to
expire. A refused file goes to `failed/` with its report, a stopped one to `held/` until someone confirms it
(or a later file replaces it), an imported one to `processed/`; each leaves a `FeedRun`, and a problem stays
on the feed, chased by the reminder engine, until a run succeeds.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordna.accounts.importing import accounts_import
from ordna.applications.models import Application
from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.encryption import secret_encrypt
from ordna.core.errors import ServiceError, lazy_text, no_application, not_one_of
from ordna.core.tabular import RowError
from ordna.feeds.failures import FeedFailure, FetchFailed
from ordna.feeds.fetching import Delivery, deliveries, feed_folder, folder_prepare, pull_url_check
from ordna.feeds.models import Feed, FeedKind, FeedRun, FeedTarget, RunOutcome
from ordna.feeds.schedules import ScheduleInvalid, next_run, schedule_parse
from ordna.people.services import people_import

log = logging.getLogger(__name__)
LEASE = timedelta(hours=1)  # longer than any import; a worker that died frees the feed after this
ERRORS_KEPT = 20  # row errors kept on the run (the report beside the file has them all)
OPTIONS = {
    FeedKind.FOLDER: ("path", "settle_seconds"),
    FeedKind.HTTPS: ("url", "auth", "header", "username"),
    FeedKind.SFTP: ("host", "port", "username", "path", "host_key", "auth"),
}
REQUIRED = {FeedKind.FOLDER: (), FeedKind.HTTPS: ("url",), FeedKind.SFTP: ("host", "username", "path", "host_key")}


class FeedError(ServiceError):
    """A feed definition or request the rules refuse; the field names the input."""


def feed_save(
    *,
    name: str,
    kind: str,
    target: str,
    actor: Actor,
    now: datetime,
    application: str = "",
    preset: str = "",
    full: bool = True,
    options: dict[str, Any] | None = None,
    secret: str | None = None,
    schedule: str = "daily at 06:00",
    enabled: bool = True,
    on_server: bool = False,
) -> Feed:
    """Create the feed `name`, or change it (a secret of None keeps the stored one). Audited; secrets never.

    A watch folder's `path` is taken only `on_server` (the command line): a folder named in the web or the API
    would let its user have Ordna read and move files anywhere the server may.
    """
    options = {key: value for key, value in (options or {}).items() if value not in ("", None)}
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise FeedError(_("%(value)s is not a valid feed name (letters, digits, -)."), field="name", value=repr(name))
    if kind not in FeedKind.values:
        raise not_one_of("kind", kind, FeedKind.values)
    if target not in FeedTarget.values:
        raise not_one_of("target", target, FeedTarget.values)
    app = None
    if target == FeedTarget.ACCOUNTS:
        if not application:
            raise FeedError(_("An account export feed needs an application."), field="application")
        app = Application.objects.filter(slug=application).first()
        if app is None:
            raise no_application("application", application)
    unknown = sorted(set(options) - set(OPTIONS[FeedKind(kind)]))
    if unknown:
        raise FeedError(
            _("%(value)s is not an option of this kind of feed; it takes %(choices)s."),
            field="options",
            value=repr(unknown[0]),
            choices=", ".join(OPTIONS[FeedKind(kind)]),
        )
    for needed in REQUIRED[FeedKind(kind)]:
        if not options.get(needed):
            raise FeedError(_("This kind of feed needs the option %(value)s."), field=needed, value=needed)
    if kind == FeedKind.HTTPS:
        pull_url_check(str(options["url"]))
    if kind == FeedKind.FOLDER and "path" in options and not on_server:
        stored = Feed.objects.filter(name=name).values_list("options", flat=True).first() or {}
        if stored.get("path") != options["path"]:
            raise FeedError(
                _(
                    "A watch folder's path can be set only on the command line, on the server; here the folder is "
                    "ORDNA_DATA_DIR/inbox/%(value)s/."
                ),
                field="path",
                value=name,
            )
    for number in ("port", "settle_seconds"):
        if number in options:
            try:
                options[number] = int(options[number])
            except (TypeError, ValueError):
                raise FeedError(
                    _("%(field)s must be a whole number, not %(value)s."),
                    field=number,
                    value=repr(options[number]),
                ) from None
    try:
        parsed = schedule_parse(schedule)
        upcoming = next_run(parsed, after=now, zone=timezone.get_current_timezone())
    except ScheduleInvalid as exc:
        raise FeedError(
            _("The schedule %(value)s cannot be read: %(reason)s."),
            field="schedule",
            value=repr(schedule),
            reason=schedule_problem(exc),
        ) from None
    with transaction.atomic():
        feed = Feed.objects.select_for_update().filter(name=name).first()
        created = feed is None
        if feed is None:
            feed = Feed(name=name)
        before = _audited(feed) if not created else None
        feed.kind, feed.target, feed.application = kind, target, app
        feed.preset, feed.full, feed.options = preset, full, options
        feed.schedule, feed.enabled = schedule, enabled
        if secret is not None:
            feed.secret = secret_encrypt(secret)
        feed.next_run_at = upcoming
        feed.save()
        audit_record(
            actor=actor, action="feed.created" if created else "feed.changed", target=feed, before=before,
            after=_audited(feed),
        )  # fmt: skip
    if kind == FeedKind.FOLDER:
        try:
            folder_prepare(feed_folder(feed))
        except FetchFailed as exc:
            raise FeedError(
                _("The watch folder %(value)s cannot be created: %(reason)s."),
                field="path",
                value=str(feed_folder(feed)),
                reason=str(exc),
            ) from None
    return feed


SCHEDULE_FIELDS = {
    "minute": _("minute"),
    "hour": _("hour"),
    "day of month": _("day of the month"),
    "month": _("month"),
    "day of week": _("day of the week"),
}


def schedule_problem(exc: ScheduleInvalid) -> str:
    """Why a schedule cannot be read, in the language active where it is shown."""
    values = {"field": SCHEDULE_FIELDS.get(exc.field, exc.field), "part": repr(exc.part)}
    if exc.problem == "not_number":
        return lazy_text(_("the %(field)s %(part)s is not a number, a range, * or a step"), **values)
    if exc.problem == "outside":
        return lazy_text(_("the %(field)s %(part)s is outside its range"), **values)
    if exc.problem == "never":
        return lazy_text(_("it names no day in the next five years"))
    return lazy_text(_('write "daily at HH:MM" or five cron fields (minute hour day month weekday)'))


def _audited(feed: Feed) -> dict[str, Any]:
    return {
        "kind": feed.kind,
        "target": feed.target,
        "application": feed.application.slug if feed.application else "",
        "preset": feed.preset,
        "full": feed.full,
        "options": feed.options,
        "secret_set": bool(feed.secret),
        "schedule": feed.schedule,
        "enabled": feed.enabled,
    }


def feeds_due(*, now: datetime) -> list[int]:
    """The ids of enabled feeds whose next run has come and that no worker holds."""
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    return list(Feed.objects.filter(free, enabled=True, next_run_at__lte=now).values_list("pk", flat=True))


def feed_claim(*, feed_id: int, now: datetime) -> str | None:
    """Claim the feed for one run with a conditional update; the lease's token, or None when another holds it."""
    token = uuid.uuid4().hex
    claimed = (
        Feed.objects.filter(pk=feed_id)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE, lease_owner=token)
    )
    return token if claimed else None


@dataclass
class FeedRunResult:
    """What a run did: one FeedRun per delivered file (a "nothing" run when none came)."""

    feed: Feed
    runs: list[FeedRun] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return self.runs[-1].outcome if self.runs else RunOutcome.NOTHING


def feed_run(*, feed: Feed, actor: Actor, today: date, now: datetime | None = None) -> FeedRunResult:
    """Fetch and import what the feed delivers now; refused when another run of it is in progress."""
    now = now or timezone.now()
    token = feed_claim(feed_id=feed.pk, now=now)
    if token is None:
        raise FeedError(_("The feed %(value)s is running already; try again when it is done."), value=feed.name)
    try:
        feed.refresh_from_db()
        return _run_claimed(feed=feed, actor=actor, today=today, now=now)
    finally:
        _release(feed=feed, token=token, now=now)


def feeds_run_due(*, actor: Actor, today: date, now: datetime) -> dict[str, int]:
    """Run every due feed that this worker can claim; the worker's periodic task. Safe on several workers."""
    counts = {"feeds": 0, "applied": 0, "problems": 0}
    for feed_id in feeds_due(now=now):
        token = feed_claim(feed_id=feed_id, now=now)
        if token is None:
            continue  # another worker took it
        feed = Feed.objects.select_related("application").get(pk=feed_id)
        try:
            result = _run_claimed(feed=feed, actor=actor, today=today, now=now)
        finally:
            _release(feed=feed, token=token, now=now)
        counts["feeds"] += 1
        counts["applied"] += sum(run.outcome == RunOutcome.APPLIED for run in result.runs)
        counts["problems"] += int(bool(Feed.objects.filter(pk=feed_id).exclude(problem="").exists()))
    return counts


def _release(*, feed: Feed, token: str, now: datetime) -> None:
    try:
        upcoming = next_run(schedule_parse(feed.schedule), after=now, zone=timezone.get_current_timezone())
    except ScheduleInvalid:
        upcoming = None
    Feed.objects.filter(pk=feed.pk, lease_owner=token).update(lease_until=None, lease_owner="", next_run_at=upcoming)


def _run_claimed(*, feed: Feed, actor: Actor, today: date, now: datetime) -> FeedRunResult:
    result = FeedRunResult(feed=feed)
    started = timezone.now()
    try:
        files = deliveries(feed)
    except FetchFailed as exc:
        failed = _finish(
            feed, started=started, outcome=RunOutcome.FAILED, failure=exc.failure, error=str(exc), actor=actor
        )
        result.runs.append(failed)
        return result
    if not files:
        result.runs.append(_finish(feed, started=started, outcome=RunOutcome.NOTHING, actor=actor))
        return result
    for delivery in files:
        try:
            result.runs.append(_import(feed, delivery, actor=actor, today=today, allow_mass_change=False))
        except Exception as exc:
            # A file the import could not even refuse (a fault of Ordna's, or the database gone): it goes to
            # failed/ so the next run does not trip over it again, and the feed gets a problem someone chases.
            log.exception("feed %s: the import of %s failed", feed.name, delivery.name)
            detail = f"{type(exc).__name__}: {exc}"
            _move(delivery, feed_folder(feed) / "failed", report=f"feed: {feed.name}\nfailed: {detail}\n")
            result.runs.append(
                _finish(feed, started=started, outcome=RunOutcome.FAILED, failure="other", error=detail, actor=actor)
            )
    return result


@dataclass
class _Imported:
    outcome: str
    rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    breaker: list[str] = field(default_factory=list)
    import_run_id: int | None = None


def _import_file(feed: Feed, path: Path, name: str, *, actor: Actor, today: date, allow: bool) -> _Imported:
    """The CLI's import of the file: the same service, the same rules."""
    if feed.target == FeedTarget.HR:
        people = people_import(
            path=path, actor=actor, preset=feed.preset or "ordna", today=today, allow_mass_change=allow, file_name=name
        )
        counts = people.counts()
        return _Imported(
            outcome=people.outcome,
            rows=counts["created"] + counts["updated"] + counts["unchanged"],
            counts=counts,
            errors=people.errors,
            breaker=[f"{len(people.plan.newly_ended)} current people would get an end date"]
            if people.outcome == "stopped"
            else [],
            import_run_id=people.run_id,
        )
    application = feed.application
    if application is None:  # a database constraint keeps this from happening
        raise FeedError(_("An account export feed needs an application."), field="application")
    accounts = accounts_import(
        application_slug=application.slug,
        path=path,
        actor=actor,
        today=today,
        preset=feed.preset or None,
        full=feed.full,
        allow_mass_change=allow,
        file_name=name,
    )
    return _Imported(
        outcome=accounts.outcome,
        rows=accounts.counts.get("rows", 0),
        counts=dict(accounts.counts),
        errors=accounts.errors,
        breaker=[str(note) for note in accounts.breaker_notes()] if accounts.outcome == "stopped" else [],
        import_run_id=accounts.run_id,
    )


def _import(feed: Feed, delivery: Delivery, *, actor: Actor, today: date, allow_mass_change: bool) -> FeedRun:
    started = timezone.now()
    imported = _import_file(feed, delivery.path, delivery.name, actor=actor, today=today, allow=allow_mass_change)
    folder = feed_folder(feed)
    if imported.outcome == "applied":
        outcome, failure, error, where = RunOutcome.APPLIED, "", "", "processed"
    elif imported.outcome == "stopped":
        outcome, failure, where = RunOutcome.STOPPED, FeedFailure.BREAKER.value, "held"
        error = " ".join(imported.breaker)
    else:
        outcome, failure, where = RunOutcome.REJECTED, FeedFailure.ROWS.value, "failed"
        error = "\n".join(str(e) for e in imported.errors[:ERRORS_KEPT])
    moved = _move(delivery, folder / where, report=_report(feed, delivery.name, imported, started))
    if feed.held_file:
        _drop_held(feed, reason=f"replaced by {delivery.name}")  # a newer file decides; the held one is history
    run = _finish(
        feed,
        started=started,
        outcome=outcome,
        failure=failure,
        error=error,
        actor=actor,
        file_name=delivery.name,
        imported=imported,
        held=str(moved) if outcome == RunOutcome.STOPPED else None,
    )
    return run


def _report(feed: Feed, name: str, imported: _Imported, started: datetime) -> str:
    lines = [
        f"feed: {feed.name}",
        f"file: {name}",
        f"run: {started.isoformat(timespec='seconds')}",
        f"outcome: {imported.outcome}",
        f"rows: {imported.rows}",
        "counts: " + ", ".join(f"{key} {value}" for key, value in sorted(imported.counts.items())),
    ]
    if imported.breaker:
        lines += ["stopped by the safety breaker (nothing applied):", *imported.breaker]
        lines.append("confirm with: ordna feed confirm " + feed.name)
    if imported.errors:
        lines += [f"{len(imported.errors)} error(s), nothing applied:", *(str(e) for e in imported.errors)]
    return "\n".join(lines) + "\n"


def _move(delivery: Delivery, into: Path, *, report: str) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    target = into / delivery.name
    if target.exists():
        target = into / f"{Path(delivery.name).stem}.{stamp}{Path(delivery.name).suffix}"
    shutil.move(str(delivery.path), target)
    target.with_name(target.name + ".report.txt").write_text(report, encoding="utf-8")
    if delivery.marker is not None:
        delivery.marker.unlink(missing_ok=True)
    return target


def _drop_held(feed: Feed, *, reason: str) -> None:
    held = Path(feed.held_file)
    if held.exists():
        failed = feed_folder(feed) / "failed"
        _move(
            Delivery(path=held, name=held.name), failed, report=f"feed: {feed.name}\nheld file not imported: {reason}\n"
        )
    Feed.objects.filter(pk=feed.pk).update(held_file="")
    feed.held_file = ""


def _finish(
    feed: Feed,
    *,
    started: datetime,
    outcome: str,
    actor: Actor,
    failure: str = "",
    error: str = "",
    file_name: str = "",
    imported: _Imported | None = None,
    held: str | None = None,
) -> FeedRun:
    finished = timezone.now()
    with transaction.atomic():
        run = FeedRun.objects.create(
            feed=feed,
            started_at=started,
            finished_at=finished,
            outcome=outcome,
            failure=failure,
            file_name=file_name,
            rows=imported.rows if imported else 0,
            counts=imported.counts if imported else {},
            error=error,
            import_run_id=imported.import_run_id if imported else None,
            actor_label=actor.label,
        )
        changes: dict[str, Any] = {"last_run_at": finished}
        if outcome != RunOutcome.NOTHING:
            changes["last_outcome"] = outcome
        if outcome == RunOutcome.APPLIED:
            changes.update(problem="", problem_since=None, last_error="", last_failure="")
        elif outcome != RunOutcome.NOTHING:
            changes.update(problem=outcome, last_error=error, last_failure=failure)
            if not feed.problem:
                changes["problem_since"] = finished
        if held is not None:
            changes["held_file"] = held
        Feed.objects.filter(pk=feed.pk).update(**changes)
        for key, value in changes.items():
            setattr(feed, key, value)
        if outcome in (RunOutcome.REJECTED, RunOutcome.STOPPED, RunOutcome.FAILED):
            audit_record(
                actor=actor, action=f"feed.{outcome}", target=feed, after={"file": file_name, "failure": failure}
            )
    return run


def feed_confirm(*, feed: Feed, actor: Actor, today: date, now: datetime | None = None) -> FeedRun:
    """Confirm the mass change a stopped run holds: import the held file again with the breaker lifted."""
    now = now or timezone.now()
    held = Path(feed.held_file) if feed.held_file else None
    if feed.problem != RunOutcome.STOPPED or held is None or not held.exists():
        raise FeedError(_("The feed %(value)s holds no stopped import to confirm."), value=feed.name)
    token = feed_claim(feed_id=feed.pk, now=now)
    if token is None:
        raise FeedError(_("The feed %(value)s is running already; try again when it is done."), value=feed.name)
    try:
        with transaction.atomic():
            audit_record(actor=actor, action="feed.mass_change_confirmed", target=feed, after={"file": held.name})
        Feed.objects.filter(pk=feed.pk).update(held_file="")
        feed.held_file = ""
        return _import(feed, Delivery(path=held, name=held.name), actor=actor, today=today, allow_mass_change=True)
    finally:
        # Confirming does not move the schedule: the next run stays when it was.
        Feed.objects.filter(pk=feed.pk, lease_owner=token).update(lease_until=None, lease_owner="")
