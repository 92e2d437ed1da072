"""The account import (docs/accounts.md, docs/performance.md): one application's export, or a connector's records, read,
planned and applied, all or nothing.

Built for a million rows: rows stream from the file, and rows read before are recognised by their digest
and not read again (ordna.accounts.reading); the rest are correlated in memory against a cached index of
people and compared with what is stored (ordna.accounts.planning, pure), without the write lock; then only
the differences are written, set-based, in one transaction with the findings they imply
(ordna.accounts.applying). A plan that went stale meanwhile is made again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ordna.accounts import staging
from ordna.accounts.applying import PlanStale, apply_import
from ordna.accounts.errors import AccountsError
from ordna.accounts.findings_sync import findings_sync, findings_wanted, live_findings
from ordna.accounts.planning import AccountPlan, StoredAccounts, UnchangedRowsStale, identities_wanted, plan_accounts
from ordna.accounts.presets import (
    IMPLICIT_LICENSE,
    LICENCES_IMPLICIT,
    PRESETS,
    AccountRecord,
    ColumnMapping,
    Preset,
    Proves,
    header_fit,
    mapping_preset,
    preset_proves,
)
from ordna.accounts.reading import (
    account_identities,
    detected_preset,
    known_row_digests,
    named_preset,
    people_snapshot,
    previous_columns,
    saved_format,
    stored_accounts,
)
from ordna.accounts.rows import ReadResult, read_accounts
from ordna.accounts.runs import AccountsImportResult, import_run_record, names_list
from ordna.accounts.staging import drop_stage, in_insert_order, new_account_findings, stage_inserts
from ordna.applications.models import Application
from ordna.applications.selectors import applications_like
from ordna.core.actor import Actor
from ordna.core.errors import lazy_text
from ordna.core.memory import gc_paused
from ordna.core.models import ImportRun
from ordna.core.tabular import RowError, Table, TableError, open_table
from ordna.core.text import Text
from ordna.people.services import file_checksum

PLAN_ATTEMPTS = 3  # plans made without the write lock before the last one is made under it


def accounts_import(
    *,
    application_slug: str,
    path: Path,
    actor: Actor,
    today: date,
    preset: str | None = None,
    full: bool = True,
    dry_run: bool = False,
    allow_mass_change: bool = False,
    file_name: str = "",
    mapping: ColumnMapping | None = None,
    save_format: bool = False,
    create_application: bool = False,
) -> AccountsImportResult:
    """Import one application's account export, all or nothing (docs/accounts.md).

    A full import is a snapshot: accounts missing from it become gone. The safety breaker stops it, unless
    `allow_mass_change` confirms, when more than ORDNA_MASS_CHANGE_ACCOUNTS_PERCENT of the accounts would be
    gone or would change their names or addresses, or when the file lacks a column the application's previous
    import read (issue 28). A delta import never marks anything gone. The same file twice changes nothing the
    second time.

    The format: `mapping` (a column mapping) or `preset` names it for this import; else the application's
    saved format is used, and a file that does not fit it is refused with what differs. Applying saves the
    format for the application when it has none yet, or with `save_format` (audited); a saved format never
    changes otherwise. The result says which facts the file can prove (`Proves`).

    An application that does not exist is created only when `create_application` says so; else the import is
    refused with the nearest known names ("unknown application microsoft-365; did you mean m365?", issue 23).
    """
    with gc_paused():  # millions of small objects, no cycles: see ordna.core.memory
        return _accounts_import(
            application_slug=application_slug,
            path=path,
            actor=actor,
            today=today,
            preset=preset,
            full=full,
            dry_run=dry_run,
            allow_mass_change=allow_mass_change,
            file_name=file_name,
            mapping=mapping,
            save_format=save_format,
            create_application=create_application,
        )


def unknown_application(slug: str) -> str:
    """The refusal of an import into an application that does not exist, with the nearest known ones."""
    near = applications_like(slug)
    if near:
        return lazy_text(
            _("unknown application %(slug)s; did you mean %(near)s? To make a new application, choose to create it."),
            slug=slug,
            near=", ".join(near),
        )
    return lazy_text(_("unknown application %(slug)s. To make a new application, choose to create it."), slug=slug)


def _accounts_import(
    *,
    application_slug: str,
    path: Path,
    actor: Actor,
    today: date,
    preset: str | None = None,
    full: bool = True,
    dry_run: bool = False,
    allow_mass_change: bool = False,
    file_name: str = "",
    mapping: ColumnMapping | None = None,
    save_format: bool = False,
    create_application: bool = False,
) -> AccountsImportResult:
    started = timezone.now()
    result = AccountsImportResult(ImportRun.Outcome.REJECTED, application=application_slug, full=full)
    application = Application.objects.filter(slug=application_slug).first()
    if application is None and not application_slug.replace("-", "").replace("_", "").isalnum():
        result.errors = [
            RowError(
                0,
                "",
                lazy_text(
                    _("%(slug)s is not a valid application key (letters, digits, -)"), slug=repr(application_slug)
                ),
            )
        ]
        return result
    if application is None and not create_application:
        result.errors = [RowError(0, "", unknown_application(application_slug))]
        return result
    saved = saved_format(application)
    try:
        result.checksum = file_checksum(path)
        table = open_table(path, max_bytes=settings.UPLOAD_MAX_BYTES)
        result.notices = list(table.notices)
        result.header = table.header
        if mapping:
            chosen: Preset | None = mapping_preset(mapping)
        elif preset:
            chosen = named_preset(preset, application)
        else:
            chosen = saved or detected_preset(table.header)
    except (TableError, AccountsError) as exc:
        result.errors = [RowError(0, "", str(exc))]
        return result
    result.saved_format = saved.name if saved else ""
    if chosen is None:
        result.needs_mapping = True
        result.errors = [
            RowError(
                1,
                "",
                lazy_text(
                    _(
                        "no preset fits this file's header; choose one with --preset (%(presets)s) or set up a "
                        "column mapping in the web"
                    ),
                    presets=", ".join(PRESETS),
                ),
            )
        ]
        return result
    result.preset = chosen.name
    if chosen is saved and not _format_fits(result, saved, table, application_slug):
        return result
    _choose_saving(result, chosen, saved, application, save_format=save_format)
    _shape(result, chosen, table, application)
    only_licence = chosen.licences == LICENCES_IMPLICIT and application is not None and _licence_count(application) == 1
    result.proves = preset_proves(chosen, full=full, only_licence=only_licence)
    # Rows read from the stored accounts before are recognised by their digest and not read again.
    stored = stored_accounts(application)
    try:
        read = read_accounts(table, chosen, known=known_row_digests(stored, chosen))
    except TableError as exc:  # a row the reader cannot take (a field over 1 MB, a broken quote), as the HR import
        result.errors = [RowError(0, "", str(exc))]
        return result
    if read.errors:
        result.errors = read.errors
        if not dry_run:
            result.run_id = import_run_record(result, application, actor, file_name or path.name, started)
        return result

    def read_all() -> ReadResult:
        return read_accounts(open_table(path, max_bytes=settings.UPLOAD_MAX_BYTES), chosen)

    return _import_records(
        result,
        application=application,
        application_slug=application_slug,
        records=read.records,
        actor=actor,
        today=today,
        dry_run=dry_run,
        allow_mass_change=allow_mass_change,
        source_name=file_name or path.name,
        started=started,
        taken_at=_file_taken_at(path, started),
        format_to_save=(chosen.name, mapping) if result.saves_format else None,
        read=read,
        read_all=read_all,
        stored=stored,
    )


def _same_format(one: Preset, other: Preset) -> bool:
    return one.name == other.name and one.fingerprint == other.fingerprint


def _format_fits(result: AccountsImportResult, saved: Preset, table: Table, application: str) -> bool:
    """Whether the file fits the application's saved format; if not, `result` refuses it with what differs
    (the columns missing, the columns the format does not read, a preset the file fits) and asks for a format
    for this import (issue 28: a saved format never changes by itself)."""
    missing, unexpected = header_fit(saved, table.header)
    if not missing:
        return True
    fits = detected_preset(table.header)
    reason = _mismatch_text(application, saved.name, missing, unexpected, fits.name if fits else "")
    result.errors = [RowError(1, "", reason)]
    result.needs_mapping = result.format_mismatch = True
    return False


def _mismatch(application: str, saved: str, missing: list[str], unexpected: list[str], fits: str) -> str:
    """What differs between a file and the application's saved format, in the language active when shown."""
    values = {"application": application, "format": saved, "missing": names_list(missing)}
    reason = (
        gettext(
            "the file does not fit the format saved for %(application)s (%(format)s): missing column(s) %(missing)s"
        )
        % values
    )
    if unexpected:
        reason += "; " + gettext("columns it does not read: %(columns)s") % {"columns": names_list(unexpected)}
    if fits:
        reason += ". " + gettext("It fits the %(preset)s preset") % {"preset": fits}
    return (
        reason
        + ". "
        + gettext(
            "Choose a format for this import only (--preset, or map its columns in the web); making it the "
            "application's format is a choice of its own (--save-format, or the box in the preview)"
        )
    )


_mismatch_text = lazy(_mismatch, str)


def _choose_saving(
    result: AccountsImportResult,
    chosen: Preset,
    saved: Preset | None,
    application: Application | None,
    *,
    save_format: bool,
) -> None:
    """Whether applying saves `chosen` as the application's format: its first one (an application without a
    format and without a connector), or another one on purpose (`save_format`)."""
    result.format_differs = saved is not None and not _same_format(chosen, saved)
    first = application is None or not (application.account_mapping or application.account_source)
    result.saves_format = (saved is None and (first or save_format)) or (save_format and result.format_differs)


def _shape(result: AccountsImportResult, chosen: Preset, table: Table, application: Application | None) -> None:
    """The columns of the file `chosen` reads, kept with the run when it is read in the application's format
    (its saved one, or the one applying saves): the columns the application's imports are expected to have.
    And the columns the last such import read that this file lacks: the breaker stops the import for them.
    A file read in another format for this import only is so measured against the application's own files,
    and never becomes their measure."""
    read = {name.strip().lower() for name in chosen.columns}
    columns = [name for name in table.header if name.strip().lower() in read]
    in_format = result.saves_format or (bool(result.saved_format) and not result.format_differs)
    result.columns = columns if in_format else None
    in_file = {name.strip().lower() for name in table.header}
    result.previous_run, before = previous_columns(application)
    result.missing_columns = [name for name in before if name.strip().lower() not in in_file]


def _licence_count(application: Application) -> int:
    return application.licenses.count()


def _file_taken_at(path: Path, started: datetime) -> datetime:
    """When an export file was taken from its source: when it was written (downloaded, or uploaded to Ordna),
    if that is before the import; an old export imported again so proves nothing new (ordna.lifecycle)."""
    try:
        written = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except OSError:
        return started
    return min(written, started)


def accounts_import_records(
    *,
    application: Application,
    records: list[AccountRecord],
    actor: Actor,
    today: date,
    source: str,
    full: bool = True,
    dry_run: bool = False,
    allow_mass_change: bool = False,
    verified_by: str = "import",
    shows_licences: bool = True,
) -> AccountsImportResult:
    """Import accounts a connector read (not a file) through the very pipeline of `accounts_import`: the
    breaker, full versus delta, one transaction, findings and offboarding's line verification, which
    records `verified_by` ("read-back" for a connector) on the lines it verifies. A connector always reads the
    status; `shows_licences` says whether it reads licences too (else the stored ones are kept)."""
    result = AccountsImportResult(ImportRun.Outcome.REJECTED, application=application.slug, full=full, preset=source)
    result.proves = Proves(status=True, licences=shows_licences, gone=full)
    result.checksum = hashlib.sha256(
        "\n".join(sorted(f"{r.key}|{r.status}|{r.email}|{r.employee_id}" for r in records)).encode()
    ).hexdigest()
    keys: dict[str, int] = {}
    for record in records:
        if record.key in keys:
            result.errors.append(
                RowError(
                    record.row,
                    "key",
                    lazy_text(
                        _("duplicate account %(key)s (also on row %(first)s)"),
                        key=repr(record.key_display),
                        first=keys[record.key],
                    ),
                )
            )
        keys.setdefault(record.key, record.row)
    started = timezone.now()
    if result.errors:
        if not dry_run:
            result.run_id = import_run_record(result, application, actor, source, started)
        return result
    return _import_records(
        result,
        application=application,
        application_slug=application.slug,
        records=records,
        actor=actor,
        today=today,
        dry_run=dry_run,
        allow_mass_change=allow_mass_change,
        source_name=source,
        started=started,
        verified_by=verified_by,
    )


def _import_records(
    result: AccountsImportResult,
    *,
    application: Application | None,
    application_slug: str,
    records: list[AccountRecord],
    actor: Actor,
    today: date,
    dry_run: bool,
    allow_mass_change: bool,
    source_name: str,
    started: datetime,
    format_to_save: tuple[str, ColumnMapping | None] | None = None,
    verified_by: str = "import",
    taken_at: datetime | None = None,
    read: ReadResult | None = None,
    read_all: Callable[[], ReadResult] | None = None,
    stored: StoredAccounts | None = None,
) -> AccountsImportResult:
    full = result.full
    result.taken_at = taken_at or started
    reading: ReadResult = read or ReadResult(records=records)

    def plan_from(
        read: ReadResult,
        application: Application | None,
        *,
        notices: list[str | Text],
        with_findings: bool = False,
        stored: StoredAccounts | None = None,
    ) -> AccountPlan:
        """The plan of what was read (against `stored`, else the accounts as they are now); rows read as
        unchanged that no longer are get read again in full."""
        records = _resolve_implicit_licenses(read.records, application, notices)
        try:
            return plan_import(
                application=application,
                records=records,
                full=full,
                today=today,
                with_findings=with_findings,
                digests=read.digests,
                unchanged=read.unchanged,
                stored=stored,
                proves=result.proves,
            )
        except UnchangedRowsStale:
            return plan_from(read_in_full(), application, notices=notices, with_findings=with_findings)

    def read_in_full() -> ReadResult:
        """The file again, every row read: rows recognised as unchanged changed meanwhile."""
        assert read_all is not None  # noqa: S101 - rows are recognised only when the file can be read again
        try:
            again = read_all()
        except (TableError, OSError) as exc:
            raise AccountsError(
                _("The file could not be read again: %(reason)s"), field="file", reason=str(exc)
            ) from exc
        if again.errors:
            raise AccountsError(
                _("The file changed while it was imported: %(error)s"), field="file", error=str(again.errors[0])
            )
        return again

    try:
        if dry_run:
            plan = plan_from(reading, application, notices=result.notices, with_findings=True, stored=stored)
            result.describe(plan)
            result.outcome = ImportRun.Outcome.DRY_RUN
            return result
        # Plan without the write lock (parsing and correlating a large export takes seconds), then apply in
        # one transaction; if the application's accounts or the people changed meanwhile, plan again (without
        # the lock, and at the last attempt inside it). Several imports can so overlap their work, and none
        # applies a plan made from a stale state.
        plan = plan_from(reading, application, notices=result.notices, stored=stored)
        staged: int | None = None
        try:
            for attempt in range(1, PLAN_ATTEMPTS + 1):
                if staged is None and _worth_staging(result, plan, allow_mass_change):
                    staged = stage_inserts(application_slug, in_insert_order(plan.inserts), new_account_findings(plan))
                try:
                    return apply_import(
                        result,
                        plan,
                        replan=partial(plan_from, reading, notices=[]),
                        last_attempt=attempt == PLAN_ATTEMPTS,
                        application_slug=application_slug,
                        actor=actor,
                        today=today,
                        allow_mass_change=allow_mass_change,
                        source_name=source_name,
                        started=started,
                        format_to_save=format_to_save,
                        verified_by=verified_by,
                        taken_at=taken_at or started,
                        staged=staged,
                    )
                except PlanStale:
                    if staged is not None:
                        drop_stage(staged)
                        staged = None
                    application = Application.objects.filter(slug=application_slug).first()
                    if reading.unchanged:  # recognised rows may be what changed: read them this time
                        reading = read_in_full()
                    plan = plan_from(reading, application, notices=[])
            raise AssertionError("unreachable: the last attempt plans under the lock")  # pragma: no cover
        finally:
            # Applied (copied into accounts) or not, the staged rows are done with; inside a caller's transaction
            # that failed they go with its rollback.
            if staged is not None and not connection.needs_rollback:
                drop_stage(staged)
    except AccountsError as exc:
        result.errors = [RowError(0, "", str(exc))]
        result.outcome = ImportRun.Outcome.REJECTED
        if not dry_run:
            result.run_id = import_run_record(result, application, actor, source_name, started)
        return result


def _worth_staging(result: AccountsImportResult, plan: AccountPlan, allow_mass_change: bool) -> bool:
    """Whether the plan's new accounts are many enough to write in bounded steps first (ordna.accounts.staging),
    and the plan would be applied (not stopped by the breaker)."""
    if len(plan.inserts) < staging.STAGE_FROM_ROWS:
        return False
    result.describe(plan)
    return allow_mass_change or not result.breaker_tripped


def _resolve_implicit_licenses(
    records: list[AccountRecord], application: Application | None, notices: list[str | Text]
) -> list[AccountRecord]:
    """Exports that name no licence (Google, Slack) get the application's only licence, if it has one."""
    if not any(IMPLICIT_LICENSE in r.licenses for r in records):
        return records
    names = list(application.licenses.values_list("name", flat=True)) if application else []
    if len(names) != 1:
        notices.append(
            "This export names no licences. Register exactly one licence for the application "
            "(ordna import licenses) to count what its accounts cost."
        )
        replacement: tuple[str, ...] = ()
    else:
        replacement = (names[0],)
    return [r._replace(licenses=replacement) if IMPLICIT_LICENSE in r.licenses else r for r in records]


def plan_import(
    *,
    application: Application | None,
    records: Iterable[AccountRecord],
    full: bool,
    today: date,
    with_findings: bool = True,
    relink: bool = False,
    digests: Sequence[int | None] = (),
    unchanged: Sequence[tuple[str, int]] = (),
    stored: StoredAccounts | None = None,
    proves: Proves | None = None,
) -> AccountPlan:
    """Read what a plan needs and make it (planning.plan_accounts), with the findings its accounts imply;
    with `with_findings`, also count the findings applying it would open and resolve. Reads only.

    `stored` is the application's accounts as read before (else they are read now); `digests` and
    `unchanged` are the reading's (ReadResult), and UnchangedRowsStale says that a recognised row no
    longer matches its stored account. `proves` says which facts the records state (all when not given):
    the others are kept as stored.
    """
    proves = proves or Proves()
    if stored is None:
        stored = stored_accounts(application)
    people = people_snapshot()
    records = records if isinstance(records, list) else list(records)
    # The identity columns of the accounts that rows read in full are compared with, and of those that go.
    wanted = identities_wanted(stored, records, unchanged)
    identities = account_identities(application.pk, wanted, stored) if application is not None and wanted else {}
    plan = plan_accounts(
        records=records,
        stored=stored,
        identities=identities,
        people=people,
        full=full,
        login_to_db=connection.ops.adapt_datetimefield_value,
        relink=relink,
        digests=digests,
        unchanged=unchanged,
        shows_status=proves.status,
        shows_licences=proves.licences,
    )
    plan.application_id = application.pk if application else None
    # Findings are worked out here, outside the write lock; applying only maps new accounts' ids.
    plan.finding_specs = findings_wanted(application, plan.states, people, today)
    # Read here, without the lock when planned so; valid as long as the accounts are (plan_stale).
    plan.live_findings = live_findings(application)
    if with_findings:
        opened, resolved = findings_sync(application, plan.finding_specs, today, write=False, live=plan.live_findings)
        plan.findings_opened, plan.findings_resolved = len(opened), len(resolved)
    return plan
