"""Writing an account import's plan: under the application's write lock, checked for staleness, set-based
(ordna.core.bulk), with the findings it implies, its ImportRun and audit, in one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ordna.accounts.announcing import announce_pending, pending_record
from ordna.accounts.events import AccountsChanged
from ordna.accounts.findings_sync import findings_sync
from ordna.accounts.models import Account
from ordna.accounts.planning import STORED, AccountPlan
from ordna.accounts.presets import ColumnMapping, Proves
from ordna.accounts.reading import people_version
from ordna.accounts.runs import AccountsImportResult, import_run_record
from ordna.accounts.staging import in_insert_order, insert_staged, insert_staged_findings, of_existing_accounts
from ordna.applications.models import Application
from ordna.applications.services import ApplicationError, application_create
from ordna.core.actor import Actor
from ordna.core.audit import Change, audit_record, audit_record_many
from ordna.core.bulk import chunks, insert_rows, placeholders, update_rows
from ordna.core.models import ImportRun
from ordna.core.tabular import RowError


class PlanStale(Exception):
    """The application's accounts or the people changed since the plan was made."""


def plan_stale(plan: AccountPlan, slug: str) -> bool:
    """Whether the application's accounts or the people changed since `plan` was made. Inside the applying
    transaction: the application's row stays locked until it ends (PostgreSQL; SQLite's write lock already
    serialises writers), so no other import changes its accounts between this check and the writes."""
    version = (
        Application.objects.select_for_update().filter(slug=slug).values_list("accounts_version", flat=True).first()
    )
    return version != plan.accounts_version or people_version() != plan.people_version


def apply_import(
    result: AccountsImportResult,
    plan: AccountPlan,
    *,
    replan: Callable[[Application | None], AccountPlan],
    last_attempt: bool,
    application_slug: str,
    actor: Actor,
    today: date,
    allow_mass_change: bool,
    source_name: str,
    started: datetime,
    format_to_save: tuple[str, ColumnMapping | None] | None,
    verified_by: str,
    taken_at: datetime | None = None,
    staged: int | None = None,
) -> AccountsImportResult:
    """Apply the plan in one transaction, under the write lock; raises PlanStale (nothing written) when the
    plan is stale and this is not the last attempt, which plans again under the lock. A tripped breaker
    that is not confirmed stops it; an application it names for the first time is created. `format_to_save`
    (a preset's name, or "mapping" with the mapping) becomes the application's saved format, audited.
    `staged`: the stage holding the plan's new accounts (ordna.accounts.staging), unused if it plans again.
    Once applied, `accounts.changed` is sent in a transaction of its own (ordna.accounts.announcing)."""
    result = _applied(
        result,
        plan,
        replan=replan,
        last_attempt=last_attempt,
        application_slug=application_slug,
        actor=actor,
        today=today,
        allow_mass_change=allow_mass_change,
        source_name=source_name,
        started=started,
        format_to_save=format_to_save,
        verified_by=verified_by,
        taken_at=taken_at,
        staged=staged,
    )
    if result.outcome == ImportRun.Outcome.APPLIED:
        application_id = Application.objects.filter(slug=application_slug).values_list("pk", flat=True).first()
        if application_id is not None:
            announce_pending(application_id)
    return result


def _applied(
    result: AccountsImportResult,
    plan: AccountPlan,
    *,
    replan: Callable[[Application | None], AccountPlan],
    last_attempt: bool,
    application_slug: str,
    actor: Actor,
    today: date,
    allow_mass_change: bool,
    source_name: str,
    started: datetime,
    format_to_save: tuple[str, ColumnMapping | None] | None,
    verified_by: str,
    taken_at: datetime | None,
    staged: int | None,
) -> AccountsImportResult:
    with transaction.atomic():
        application = Application.objects.filter(slug=application_slug).first()
        if plan_stale(plan, application_slug):
            if not last_attempt:
                raise PlanStale
            plan, staged = replan(application), None
        result.describe(plan)
        if result.breaker_tripped and not allow_mass_change:
            result.outcome = ImportRun.Outcome.STOPPED
            result.run_id = import_run_record(result, application, actor, source_name, started)
            return result
        if application is None:
            try:
                application = application_create(slug=application_slug, name=application_slug, actor=actor)
            except ApplicationError as exc:
                result.errors = [RowError(0, "", str(exc))]
                result.outcome = ImportRun.Outcome.REJECTED
                transaction.set_rollback(True)
                return result
        if format_to_save is not None:
            application_format_save(application, *format_to_save, actor=actor)
        plan.application_id = application.pk
        # The run is recorded first: the lines the import verifies name it as their proof (ordna.lifecycle).
        result.outcome = ImportRun.Outcome.APPLIED
        result.run_id = import_run_record(result, application, actor, source_name, started)
        opened, resolved = apply_plan(
            plan,
            today=today,
            actor=actor,
            verified_by=verified_by,
            taken_at=taken_at or started,
            run_id=result.run_id,
            proves=result.proves,
            staged=staged,
        )
        result.counts.update(findings_opened=opened, findings_resolved=resolved)
        ImportRun.objects.filter(pk=result.run_id).update(counts=result.counts, finished_at=timezone.now())
        audit_record_many(
            actor=actor,
            changes=[
                Change(
                    "import.accounts",
                    "core.importrun",
                    str(result.run_id),
                    after={"application": application.slug, "counts": result.counts, "checksum": result.checksum},
                )
            ],
        )
    return result


def application_format_save(
    application: Application, name: str, mapping: ColumnMapping | None, *, actor: Actor
) -> None:
    """Make `name` (a preset, or "mapping" with `mapping`) the format of the application's export files, in the
    caller's transaction, audited with the format it replaces (issue 28: a saved format changes only so)."""
    before = {"account_source": application.account_source, "account_mapping": application.account_mapping}
    if mapping is not None:
        application.account_mapping = mapping.as_json()
    else:
        application.account_source, application.account_mapping = name, None
    after = {"account_source": application.account_source, "account_mapping": application.account_mapping}
    if after == before:
        return
    application.save(update_fields=["account_source", "account_mapping"])
    audit_record(actor=actor, action="application.format_saved", target=application, before=before, after=after)


def _adapt(value: datetime | None) -> Any:
    return connection.ops.adapt_datetimefield_value(value) if value is not None else None


def apply_plan(
    plan: AccountPlan,
    *,
    today: date,
    actor: Actor | None = None,
    verified_by: str = "import",
    taken_at: datetime | None = None,
    run_id: int | None = None,
    seen_in_full: bool | None = None,
    proves: Proves | None = None,
    staged: int | None = None,
) -> tuple[int, int]:
    """Write the plan set-based, bring the findings in line and announce the change (accounts.changed, in the
    same transaction: offboarding verifies its lines against the accounts as they are now, naming import run
    `run_id`, when the accounts were taken from the source (`taken_at`, now when not given), whether they
    were listed in full (`seen_in_full`; the plan's own when not given) and which facts the source can prove
    (`proves`: all when not given; its `gone` is the listing in full)); returns (findings opened, resolved).
    `staged`: the stage (ordna.accounts.staging) the plan's inserts were written to, copied from there."""
    assert plan.application_id is not None  # noqa: S101 - set by the caller inside its transaction
    moment = timezone.now()
    now = _adapt(moment)
    # Sign-ins and licences come in the stored form the plan compared them in.
    prepared = ("last_login", "licenses")
    fields = ("application", "key", *STORED, "source_digest", "non_personal", "first_seen", "last_seen")
    rows = in_insert_order(plan.inserts) if staged is None else plan.inserts  # staged: sorted there already
    ids_before = _max_account_id() if rows and staged is None else 0
    if staged is not None:
        insert_staged(staged, plan.application_id, now)
    elif rows:
        insert_rows(
            Account,
            fields,
            [(plan.application_id, *row, False, now, now) for row in rows],
            prepared=(*prepared, "first_seen", "last_seen"),
        )
    if plan.updates:
        update_rows(
            Account,
            (*STORED, "source_digest", "last_seen"),
            [(*stored, digest, moment, account_id) for account_id, stored, digest in plan.updates],
            prepared=prepared,
        )
    if plan.digests:
        update_rows(Account, ("source_digest",), plan.digests)
    with connection.cursor() as cursor:
        # Gone accounts keep when they were last seen: the previous full import, if later than their own.
        seen_before = Application.objects.filter(pk=plan.application_id).values_list("accounts_seen_at", flat=True)[0]
        seen_before = _adapt(seen_before) if seen_before is not None else None
        for chunk in chunks(plan.gone):
            cursor.execute(
                "UPDATE accounts_account SET status = 'gone', "  # noqa: S608
                "last_seen = CASE WHEN %s IS NOT NULL AND last_seen < %s THEN %s ELSE last_seen END "
                f"WHERE id IN ({placeholders(len(chunk))})",
                [seen_before, seen_before, seen_before, *chunk],
            )
        if not plan.full:
            for chunk in chunks(plan.present_ids):
                cursor.execute(
                    f"UPDATE accounts_account SET last_seen = %s WHERE id IN ({placeholders(len(chunk))})",  # noqa: S608
                    [now, *chunk],
                )
    specs = plan.finding_specs
    if staged is not None:
        # The new accounts' findings were staged with them and are copied below: none to map or compare.
        specs = of_existing_accounts(specs)
    elif rows:
        ids = _inserted_ids(plan.application_id, [row[0] for row in rows], ids_before)
        real = {-(i + 1): ids[row[0]] for i, row in enumerate(plan.inserts)}
        specs = [
            s if s.account_id is None or s.account_id > 0 else s._replace(account_id=real[s.account_id]) for s in specs
        ]
    # One statement: the version that invalidates plans made meanwhile, and (for a full import) when every
    # present account was seen, instead of rewriting each account's last_seen.
    seen: dict[str, Any] = {"accounts_seen_at": moment} if plan.full else {}
    statuses = Counter(state.status for state in plan.states)
    if plan.links_current:
        seen["accounts_people_stamp"] = plan.people_stamp
    Application.objects.filter(pk=plan.application_id).update(
        accounts_version=F("accounts_version") + 1,
        accounts_active=statuses["active"],
        accounts_disabled=statuses["disabled"],
        accounts_gone=statuses["gone"],
        **seen,
    )
    application = Application.objects.get(pk=plan.application_id)
    opened, resolved = findings_sync(application, specs, today, write=True, live=plan.live_findings)
    copied = insert_staged_findings(staged, application.pk, _adapt_day(today)) if staged is not None else 0
    proves = proves or Proves()
    # Offboarding's check of the accounts is sent once this transaction commits (ordna.accounts.announcing).
    pending_record(
        AccountsChanged(
            application_id=application.pk,
            actor=actor or Actor.system("accounts"),
            today=today,
            seen_by=verified_by,
            full=plan.full if seen_in_full is None else seen_in_full,
            taken_at=taken_at or moment,
            import_run_id=run_id,
            proves_status=proves.status,
            proves_licences=proves.licences,
            seen_at=moment,
        )
    )
    return len(opened) + copied, len(resolved)


def _adapt_day(day: date) -> Any:
    return connection.ops.adapt_datefield_value(day)


def _max_account_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM accounts_account")
        return cursor.fetchone()[0] or 0


def _inserted_ids(application_id: int, keys: list[str], ids_before: int) -> dict[str, int]:
    """The ids of accounts just inserted in the order of `keys`. Under SQLite's write lock one INSERT of n
    rows numbers them max+1 ... max+n in order; that is checked, and otherwise the ids are read back."""
    if connection.vendor == "sqlite" and _max_account_id() == ids_before + len(keys):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT key FROM accounts_account WHERE id IN (%s, %s)", [ids_before + 1, ids_before + len(keys)]
            )
            ends = sorted(key for (key,) in cursor.fetchall())
        if ends == sorted({keys[0], keys[-1]}):
            return {key: ids_before + i for i, key in enumerate(keys, start=1)}
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, id FROM accounts_account WHERE application_id = %s", [application_id])
        return dict(cursor.fetchall())
