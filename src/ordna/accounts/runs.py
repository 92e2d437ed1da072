"""An account import's result, and the ImportRun that keeps it: counts, diff, errors, the breaker's verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from ordna.accounts.planning import AccountPlan
from ordna.applications.models import Application
from ordna.core.actor import Actor
from ordna.core.models import ImportRun
from ordna.core.tabular import RowError
from ordna.core.text import Text


@dataclass
class AccountsImportResult:
    """What an account import did or would do; `needs_mapping` asks the web to set up a column mapping."""

    outcome: str
    application: str
    preset: str = ""
    full: bool = True
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    notices: list[str | Text] = field(default_factory=list)  # a Text reads in the active language
    breaker_tripped: bool = False
    diff: dict[str, Any] = field(default_factory=dict)
    checksum: str = ""
    run_id: int | None = None
    needs_mapping: bool = False
    header: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome in (ImportRun.Outcome.APPLIED, ImportRun.Outcome.DRY_RUN)

    def describe(self, plan: AccountPlan) -> None:
        """Take the counts, the diff and the breaker's verdict (ORDNA_MASS_CHANGE_*) of `plan`."""
        self.counts = plan.counts()
        self.diff = plan.diff()
        self.breaker_tripped = plan.trips_breaker(
            percent=settings.ORDNA_MASS_CHANGE_ACCOUNTS_PERCENT, minimum=settings.ORDNA_MASS_CHANGE_MINIMUM
        )


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
    )
    return run.pk
