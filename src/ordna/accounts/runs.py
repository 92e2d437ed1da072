"""An account import's result, and the ImportRun that keeps it: counts, diff, errors, the breaker's verdict and
its reasons, which facts the file can prove, and what happens to the application's saved format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ordna.accounts.planning import AccountPlan
from ordna.accounts.presets import Proves
from ordna.applications.models import Application
from ordna.core.actor import Actor
from ordna.core.models import ImportRun
from ordna.core.tabular import RowError
from ordna.core.text import Text

# Why the safety breaker stopped an import (docs/accounts.md; issue 28 adds the file's shape).
BREAKER_GONE = "gone"  # too many accounts would be gone
BREAKER_COLUMNS = "columns"  # the file lacks columns the application's previous import read
BREAKER_IDENTITIES = "identities"  # too many accounts would change their names or addresses
NAMES_SHOWN = 12  # columns named in one sentence before "and N more"


def names_list(names: list[str], limit: int = NAMES_SHOWN) -> str:
    """Column names for a sentence: the first `limit`, and how many more."""
    shown = ", ".join(names[:limit])
    rest = len(names) - limit
    if rest > 0:
        shown += " " + _("(and %(n)s more)") % {"n": rest}
    return shown


@dataclass
class AccountsImportResult:
    """What an account import did or would do; `needs_mapping` asks the web to set up a column mapping (no
    format fits the file, or it does not fit the application's saved one: `format_mismatch`)."""

    outcome: str
    application: str
    preset: str = ""
    full: bool = True
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    notices: list[str | Text] = field(default_factory=list)  # a Text reads in the active language
    breaker_tripped: bool = False
    breaker_reasons: list[str] = field(default_factory=list)
    diff: dict[str, Any] = field(default_factory=dict)
    checksum: str = ""
    run_id: int | None = None
    needs_mapping: bool = False
    header: list[str] = field(default_factory=list)
    # Which facts the file can prove (its columns, and whether it is a full snapshot).
    proves: Proves = field(default_factory=Proves)
    # The columns of the file its format reads (none for a connector's records).
    columns: list[str] | None = None
    # Columns the application's previous import read that this file lacks, and that import's run.
    missing_columns: list[str] = field(default_factory=list)
    previous_run: int | None = None
    identities_changed: int = 0
    # When the accounts were taken from their source (the file written, the connector's read).
    taken_at: datetime | None = None
    # The application's saved format before this import ("" for none), whether this import uses another one,
    # and whether applying it saves this import's format for the application (the first one, or on purpose).
    saved_format: str = ""
    format_differs: bool = False
    saves_format: bool = False
    format_mismatch: bool = False

    @property
    def ok(self) -> bool:
        return self.outcome in (ImportRun.Outcome.APPLIED, ImportRun.Outcome.DRY_RUN)

    def describe(self, plan: AccountPlan) -> None:
        """Take the counts, the diff and the breaker's verdict (ORDNA_MASS_CHANGE_*) of `plan`, with the file's
        missing columns found before."""
        self.counts = plan.counts()
        self.diff = plan.diff()
        self.identities_changed = plan.identities_changed
        percent, minimum = settings.ORDNA_MASS_CHANGE_ACCOUNTS_PERCENT, settings.ORDNA_MASS_CHANGE_MINIMUM
        reasons = []
        if plan.trips_breaker(percent=percent, minimum=minimum):
            reasons.append(BREAKER_GONE)
        if self.missing_columns:
            reasons.append(BREAKER_COLUMNS)
        if plan.trips_identity_breaker(percent=percent, minimum=minimum):
            reasons.append(BREAKER_IDENTITIES)
        self.breaker_reasons = reasons
        self.breaker_tripped = bool(reasons)

    def breaker_notes(self) -> list[str]:
        """Why the breaker stops the import, a sentence per reason (translated)."""
        notes = []
        for reason in self.breaker_reasons:
            if reason == BREAKER_GONE:
                gone = self.counts.get("gone", 0)
                notes.append(
                    ngettext(
                        "%(n)s account would be marked gone: more than the safety limit. Is the export complete?",
                        "%(n)s accounts would be marked gone: more than the safety limit. Is the export complete?",
                        gone,
                    )
                    % {"n": gone}
                )
            elif reason == BREAKER_COLUMNS:
                notes.append(
                    ngettext(
                        "This file lacks a column the previous import (#%(run)s) read: %(columns)s. Is it the "
                        "same export?",
                        "This file lacks columns the previous import (#%(run)s) read: %(columns)s. Is it the "
                        "same export?",
                        len(self.missing_columns),
                    )
                    % {"run": self.previous_run, "columns": names_list(self.missing_columns)}
                )
            elif reason == BREAKER_IDENTITIES:
                notes.append(
                    ngettext(
                        "%(n)s account would change its name or address: more than the safety limit. Is this "
                        "the application's own export?",
                        "%(n)s accounts would change their names or addresses: more than the safety limit. Is "
                        "this the application's own export?",
                        self.identities_changed,
                    )
                    % {"n": self.identities_changed}
                )
        return notes

    def proof_notes(self) -> list[str]:
        """What the file cannot prove, a sentence per fact, or that it can prove all three (translated)."""
        notes = []
        if not self.proves.status:
            notes.append(_("This file has no status column: it cannot verify that accounts are disabled."))
        if not self.proves.licences:
            notes.append(_("This file has no licence column: it cannot verify licences."))
        if not self.proves.gone:
            notes.append(_("This file lists some accounts only (a delta): it cannot verify that accounts are gone."))
        if not notes:
            notes.append(_("This file can verify disabled accounts, removed licences and gone accounts."))
        return notes

    @property
    def format_offer(self) -> bool:
        """Whether the preview offers to save this import's format for the application: it uses another format
        than the saved one, or the application has none while its first format is not saved by itself."""
        return not self.saves_format and (self.format_differs or not self.saved_format)

    @property
    def proves_all(self) -> bool:
        return self.proves.status and self.proves.licences and self.proves.gone

    def format_note(self) -> str:
        """What applying does to the application's saved format, in one sentence; empty when nothing changes."""
        values = {"application": self.application, "format": self.preset, "saved": self.saved_format}
        if self.saves_format and not self.saved_format:
            return _("%(application)s has no saved format yet: applying saves %(format)s as its format.") % values
        if self.saves_format:
            return _("Applying saves %(format)s as the format of %(application)s, replacing %(saved)s.") % values
        if self.format_differs:
            return (
                _("%(format)s is used for this import only: %(application)s keeps its saved format %(saved)s.") % values
            )
        return ""


def import_run_record(
    result: AccountsImportResult, application: Application | None, actor: Actor, file_name: str, started: datetime
) -> int:
    """Keep `result` as an ImportRun of the accounts source (its first thousand errors); returns its id."""
    run = ImportRun.objects.create(
        source=ImportRun.Source.ACCOUNTS,
        application=application,
        file_name=file_name[:255],
        preset=result.preset,
        full=result.full,
        checksum=result.checksum,
        outcome=result.outcome,
        counts=result.counts,
        diff=result.diff,
        errors=[e.as_dict() for e in result.errors[:1000]],
        actor_label=actor.label,
        started_at=started,
        finished_at=timezone.now(),
        columns=result.columns,
        proves=result.proves.as_json(),
        taken_at=result.taken_at,
    )
    return run.pk
