"""The lifecycle's entry points that span the kinds of case: the opening rules (the daily job, `ordna cases
open`), and what the HR import and the account imports set off (handlers.py subscribes them to their events).

Where the rest lives: the shared machinery in engine.py and verification.py, the kinds in leaver.py,
joiner.py and mover.py, templates and birthright in case_templates.py, attesting and waiving in closing.py.
Everything is atomic and audited, and set-based: a handful of queries for the few open cases and lines
concerned, bulk statements, never one save per account.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from ordna.core.actor import Actor
from ordna.lifecycle.engine import CasesResult, cases_complete, cases_complete_due
from ordna.lifecycle.joiner import excess_access_sync, joiners_open_due
from ordna.lifecycle.leaver import account_lines_add, cases_sync_devices, leavers_open, leavers_replan
from ordna.lifecycle.models import VerifiedBy
from ordna.lifecycle.mover import movers_open
from ordna.lifecycle.verification import grants_verify, take_backs_verify


def cases_open_due(
    *, actor: Actor, today: date, newly_ended: Collection[str] = (), dry_run: bool = False
) -> CasesResult:
    """Re-plan or cancel open cases whose start or end date changed, then open a case, with its lines, for
    everyone who needs one today; finally add lines for devices handed out meanwhile.

    Cases whose every line is closed complete once their last day has come. Idempotent: running it twice
    opens nothing the second time. `newly_ended` are the employee ids an HR
    import just gave an end date (a late one still opens a case).
    """
    with transaction.atomic():
        result = CasesResult()
        # Joiners first: a withdrawn hire's joiner case is cancelled before the leaver rule takes back what
        # was already made for them.
        joiners_open_due(actor=actor, today=today, result=result, dry_run=dry_run)
        leavers_replan(actor=actor, today=today, result=result, dry_run=dry_run)
        leavers_open(actor=actor, today=today, newly_ended=set(newly_ended), result=result, dry_run=dry_run)
        if not dry_run:
            result.lines_added += cases_sync_devices(actor=actor, today=today)
            # Cases whose lines all closed before the last day complete once it has come.
            cases_complete_due(actor=actor, today=today)
        else:
            transaction.set_rollback(True)
    return result


def cases_after_hr_import(
    *,
    actor: Actor,
    today: date,
    newly_ended: Collection[str],
    moved: Mapping[str, tuple[str, str]] | None = None,
    companies_before: Mapping[str, int] | None = None,
) -> CasesResult:
    """After an HR import, inside its transaction: apply the opening rules to the people as they are now,
    and open mover cases for `moved` (employee id -> department and employment type before the import;
    `companies_before`: the company left, for a move between companies of the group)."""
    result = cases_open_due(actor=actor, today=today, newly_ended=newly_ended)
    with transaction.atomic():
        movers_open(moved=moved or {}, companies_before=companies_before or {}, actor=actor, today=today, result=result)
    return result


@dataclass
class AccountLinesResult:
    verified: int = 0
    reopened: int = 0
    added: int = 0
    excess_opened: int = 0
    excess_resolved: int = 0


def lines_after_accounts_change(
    *,
    application_id: int,
    today: date,
    actor: Actor,
    verified_by: str = VerifiedBy.IMPORT,
    taken_at: datetime | None = None,
    run_id: int | None = None,
    full: bool = True,
    proves_status: bool = True,
    proves_licences: bool = True,
    seen_at: datetime | None = None,
) -> AccountLinesResult:
    """After an account import or a connector's read, inside its transaction, once the accounts are written.

    Set-based over the cases' lines of this application only: verified and attested lines the import
    contradicts (the account shown active, or the licence assigned, by accounts taken after their proof or
    attestation) reopen with a finding; open lines whose account is now disabled or gone (or whose licence is
    removed) are verified; active accounts that appeared for people with an open leaver case get their lines;
    lines that give are verified once the account is active and linked to the person; and access no template
    gives is an `excess_access` finding. `verified_by` says how the accounts were seen: an import, or a
    connector's read-back; `taken_at` when they were taken from the source (now when not given), in import run
    `run_id`, written at `seen_at`; `full` whether every account was listed (else only the listed ones are
    proven); `proves_status` and `proves_licences` whether the source shows statuses and licences at all
    (issue 28: what it does not show it neither verifies nor contradicts).
    """
    result = AccountLinesResult()
    taken_at = taken_at or timezone.now()
    result.verified, result.reopened, touched = take_backs_verify(
        application_id=application_id,
        seen_by=verified_by,
        actor=actor,
        today=today,
        taken_at=taken_at,
        run_id=run_id,
        full=full,
        proves_status=proves_status,
        proves_licences=proves_licences,
        seen_at=seen_at,
    )
    result.added = account_lines_add(application_id=application_id, today=today, actor=actor)
    touched |= grants_verify(
        application_id=application_id,
        actor=actor,
        taken_at=taken_at,
        run_id=run_id,
        proves_status=proves_status,
        proves_licences=proves_licences,
    )
    cases_complete(case_ids=touched, actor=actor, today=today)
    result.excess_opened, result.excess_resolved = excess_access_sync(application_id=application_id, today=today)
    return result
