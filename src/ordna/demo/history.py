"""The demo's past year, as Ordna would have recorded it had it run all along (issue 16): so that a month's figures,
the state at its end, are real for every month of the 12-month trend.

The demo loads its people, accounts and devices as they are today; what that leaves out is the history of the
year before:

- leaver cases of the people who left 31 days to a year ago (the first HR import opens none for them, as it
  should), their lines closed the way they would have been: an account line verified by the export (a demo import
  run) after the account was disabled, a device line by its check-in, the tasks attested by their parties on about
  their due dates (a few late, a few waived with the admin's approval, a few closed by an override); what the
  leaver still has (an active account, a licence on a disabled one, a laptop) stays open;
- the findings' history: a leaver's account and its licences were there from the day after the last day, so the
  live findings date from then, and an account disabled since was a leaver's active account until then;
- the hand-outs of the devices leavers returned.

Everything is decided from the seed and the demo plan (the same seed gives the same past) and written with bulk
statements through the engine's own line planning, audited as one step.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction

from ordna.accounts.models import Account, AccountStatus, Finding, FindingKind, FindingState
from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.bulk import update_rows
from ordna.core.models import ImportRun
from ordna.demo.devices import DemoDevice
from ordna.demo.people import DemoPerson, day_at
from ordna.devices.models import Device, DeviceHolding
from ordna.lifecycle.case_templates import template_for
from ordna.lifecycle.engine import (
    CaseFacts,
    LineRow,
    app_facts,
    case_new,
    holiday_country_of,
    lines_insert,
    take_back_rows,
    task_rows,
)
from ordna.lifecycle.leaver import device_rows
from ordna.lifecycle.models import Case, CaseKind, CaseStatus, CaseTemplate, Line, LineKind, LineState, VerifiedBy
from ordna.people.models import Person

TASK_CLOSERS = {"hr": "hr", "manager": "manager", "coordinator": "coordinator", "employee": "employee"}


def _lag(seed: int, key: str, prompt: int, low: int, high: int) -> int:
    """Days a thing took, the same for the same seed and key whatever else the demo draws: `prompt` days for
    two thirds of them, else `low` to `high`."""
    rng = random.Random(f"ordna-demo:{seed}:history:{key}")
    return prompt if rng.random() < 2 / 3 else rng.randint(low, high)


def history_demo_load(
    *,
    people: Sequence[DemoPerson],
    devices: Sequence[DemoDevice],
    pk_of: Mapping[str, int],
    actor: Actor,
    seed: int,
    today: date,
) -> None:
    """Write the demo's past year (see the module); call it once the present is loaded."""
    first = today - timedelta(days=365)
    last = today - timedelta(days=settings.ORDNA_LEAVER_RECENT_DAYS + 1)
    leavers = [p for p in people if p.end_date is not None and first <= p.end_date <= last]
    with transaction.atomic():
        holdings = _returned_holdings(devices, people, pk_of=pk_of, seed=seed, today=today)
        disabled_on = _findings_history(seed=seed, today=today)
        cases, lines, runs = _past_cases(
            leavers, pk_of=pk_of, disabled_on=disabled_on, actor=actor, seed=seed, today=today
        )
        audit_record(
            actor=actor,
            action="demo.history",
            target_type="lifecycle.case",
            target_id=f"demo-seed-{seed}",
            after={"cases": cases, "lines_closed": lines, "import_runs": runs, "device_holdings": holdings},
        )


def _returned_holdings(
    devices: Sequence[DemoDevice], people: Sequence[DemoPerson], *, pk_of: Mapping[str, int], seed: int, today: date
) -> int:
    """The hand-outs of the devices leavers gave back: from their first day to some days after their last."""
    by_id = {p.employee_id: p for p in people}
    ids = dict(
        Device.objects.filter(asset_tag__in=[d.asset_tag for d in devices if d.former_holder]).values_list(
            "asset_tag", "id"
        )
    )
    rows = []
    for device in devices:
        person = by_id.get(device.former_holder)
        if person is None or person.end_date is None or device.asset_tag not in ids:
            continue
        returned = min(person.end_date + timedelta(days=_lag(seed, device.asset_tag, 0, 1, 12)), today)
        start = person.start_date or person.end_date
        rows.append(
            DeviceHolding(
                device_id=ids[device.asset_tag],
                holder_id=pk_of[person.employee_id],
                issued_at=day_at(start, 8),
                ended_at=max(day_at(returned, 10), day_at(start, 9)),
            )
        )
    DeviceHolding.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _findings_history(*, seed: int, today: date) -> dict[int, date]:
    """Date the leavers' live findings from the day after their last day, and record, for each leaver's account
    that is disabled now, that it was an active leaver's account until it was disabled. Returns the day each
    such account was disabled (by account id)."""
    live = list(
        Finding.objects.filter(
            kind__in=[FindingKind.LEAVER_ACTIVE, FindingKind.LICENSE_WASTE],
            state__in=[FindingState.OPEN, FindingState.ACCEPTED],
            person__end_date__lt=today,
        ).values_list("id", "person__end_date")
    )
    update_rows(Finding, ("since",), [(end + timedelta(days=1), pk) for pk, end in live if end is not None])
    disabled = list(
        Account.objects.filter(status=AccountStatus.DISABLED, person__end_date__lt=today).values_list(
            "id", "application_id", "person_id", "person__end_date"
        )
    )
    disabled_on: dict[int, date] = {}
    resolved = []
    for account_id, app_id, person_id, end in disabled:
        if end is None:
            continue
        day = min(end + timedelta(days=_lag(seed, f"account-{account_id}", 1, 2, 20)), today)
        disabled_on[account_id] = day
        resolved.append(
            Finding(
                kind=FindingKind.LEAVER_ACTIVE,
                application_id=app_id,
                account_id=account_id,
                person_id=person_id,
                state=FindingState.RESOLVED,
                since=end + timedelta(days=1),
                resolved_at=day_at(day, 6),
            )
        )
    Finding.objects.bulk_create(resolved, batch_size=2000)
    return disabled_on


def _past_cases(
    leavers: Sequence[DemoPerson],
    *,
    pk_of: Mapping[str, int],
    disabled_on: Mapping[int, date],
    actor: Actor,
    seed: int,
    today: date,
) -> tuple[int, int, int]:
    """Leaver cases for `leavers` as the daily job would have opened them, closed as they would have been.
    Returns the cases, the lines closed and the (past) import runs that verified them."""
    ids = [pk_of[p.employee_id] for p in leavers]
    people = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
    have_case = set(Case.objects.filter(person_id__in=ids, kind=CaseKind.LEAVER).values_list("person_id", flat=True))
    chosen = [people[pk] for pk in ids if pk not in have_case and people[pk].end_date is not None]
    if not chosen:
        return 0, 0, 0
    templates = list(CaseTemplate.objects.filter(kind=CaseKind.LEAVER, active=True).prefetch_related("tasks"))
    cases = []
    for person in chosen:
        assert person.end_date is not None  # noqa: S101 - chosen above
        opened = day_at(person.end_date - timedelta(days=settings.ORDNA_LEAVER_LEAD_DAYS), 5)
        cases.append(
            case_new(
                kind=CaseKind.LEAVER,
                person_id=person.pk,
                effective_date=person.end_date,
                country=holiday_country_of(person.holiday_country),
                template=template_for(
                    templates,
                    employment_type=person.employment_type,
                    department=person.department,
                    company_id=person.company_id,
                ),
                actor=Actor.system("daily"),
                now=opened,
            )
        )
    created = Case.objects.bulk_create(cases, batch_size=1000)
    accounts: dict[int, list[tuple[int, int, str, list[str]]]] = {}
    for person_id, *account in Account.objects.filter(person_id__in=[p.pk for p in chosen]).values_list(
        "person_id", "id", "application_id", "key_display", "licenses"
    ):
        accounts.setdefault(person_id, []).append(tuple(account))
    devices: dict[int, list[tuple[int, str]]] = {}
    for holder, device_id, tag in DeviceHolding.objects.filter(holder_id__in=[p.pk for p in chosen]).values_list(
        "holder_id", "device_id", "device__asset_tag"
    ):
        devices.setdefault(holder, []).append((device_id, tag))
    app_ids = {a[1] for rows in accounts.values() for a in rows}
    for template in templates:
        app_ids.update(t.application_id for t in template.tasks.all() if t.application_id is not None)
    apps = app_facts(app_ids)
    rows: list[LineRow] = []
    for case, person in zip(created, chosen, strict=True):
        facts = CaseFacts(
            case.pk,
            CaseKind.LEAVER,
            person.pk,
            person.manager_id,
            case.effective_date,
            case.holiday_country,
            case.opened_at.date(),
        )
        rows += take_back_rows(facts, accounts.get(person.pk, ()), apps)
        rows += device_rows(facts, devices.get(person.pk, ()))
        rows += task_rows(facts, case.template, apps)
    lines_insert(rows)
    closed, runs = _close_as_they_were(created, disabled_on=disabled_on, actor=actor, seed=seed, today=today)
    return len(created), closed, runs


def _close_as_they_were(
    cases: Sequence[Case], *, disabled_on: Mapping[int, date], actor: Actor, seed: int, today: date
) -> tuple[int, int]:
    """Close the lines of the past cases as proof and people would have, and complete the cases all closed."""
    returned = dict(
        DeviceHolding.objects.filter(ended_at__isnull=False, device__lines__case__in=cases).values_list(
            "device_id", "ended_at"
        )
    )
    runs: dict[tuple[int, date], int] = {}

    def run_of(app_id: int, day: date, slug: str) -> int:
        if (app_id, day) not in runs:
            taken = day_at(day, 6)
            runs[(app_id, day)] = ImportRun.objects.create(
                source=ImportRun.Source.ACCOUNTS,
                application_id=app_id,
                file_name=f"{slug}-{day.isoformat()}.csv",
                preset="generic",
                full=True,
                outcome=ImportRun.Outcome.APPLIED,
                counts={},
                actor_label=f"{actor.label} (history)",
                started_at=taken,
                finished_at=taken + timedelta(minutes=1),
            ).pk
        return runs[(app_id, day)]

    updates = []
    lines = Line.objects.filter(case__in=cases).values_list(
        "id", "case_id", "kind", "account_id", "account__status", "account__licenses", "subject", "device_id",
        "responsible", "due", "application_id", "application__slug",
    )  # fmt: skip
    for line_id, _case, kind, account_id, status, licences, subject, device_id, role, due, app_id, slug in lines:
        closing: tuple[object, ...] | None = None
        if kind == LineKind.ACCOUNT and account_id in disabled_on:
            day = disabled_on[account_id]
            moment = day_at(day, 6)
            closing = (LineState.VERIFIED, VerifiedBy.IMPORT, "Ordna (demo) (import)", moment, "", "", False, "", "",
                       run_of(app_id, day, slug), moment)  # fmt: skip
        elif kind == LineKind.LICENCE and (status == AccountStatus.GONE or subject not in (licences or ())):
            day = disabled_on.get(account_id or 0, due)
            moment = day_at(day, 6)
            closing = (LineState.VERIFIED, VerifiedBy.IMPORT, "Ordna (demo) (import)", moment, "", "", False, "", "",
                       run_of(app_id, day, slug), moment)  # fmt: skip
        elif kind == LineKind.DEVICE and returned.get(device_id) is not None:
            back = returned[device_id]
            closing = (LineState.VERIFIED, VerifiedBy.CHECK_IN, "coordinator", back, "", "", False, "", "", None,
                       back)  # fmt: skip
        elif kind == LineKind.TASK:
            closing = _task_closing(line_id, role, due, seed=seed, today=today)
        if closing is not None:
            updates.append((*closing, line_id))
    update_rows(
        Line,
        ("state", "verified_by", "closed_by", "closed_at", "note", "approved_by", "override", "override_reason",
         "attest_reason", "proof_run", "proof_taken_at"),
        updates,
    )  # fmt: skip
    _complete(cases)
    return len(updates), len(runs)


def _task_closing(line_id: int, role: str, due: date, *, seed: int, today: date) -> tuple[object, ...] | None:
    """Most tasks attested by their party on about their due date; a few late, waived or closed by override."""
    draw = random.Random(f"ordna-demo:{seed}:history:task-{line_id}").random()
    day = min(due + timedelta(days=3 if draw > 0.85 else 0), today)
    moment: datetime = day_at(day, 14)
    who = TASK_CLOSERS.get(role, "coordinator")
    if draw < 0.04:
        return (LineState.WAIVED, "", "coordinator", moment, "Not applicable for this assignment.", "admin", False,
                "", "", None, None)  # fmt: skip
    if draw < 0.07 and role != "coordinator":
        return (LineState.ATTESTED, "", "coordinator", moment, "Done.", "admin", True,
                "The responsible person was away; done by IT.", "", None, None)  # fmt: skip
    return (LineState.ATTESTED, "", who, moment, "Done.", "", False, "", "", None, None)


def _complete(cases: Sequence[Case]) -> None:
    """Cases with no line open completed when their last line closed (never before the last day)."""
    open_cases = set(
        Line.objects.filter(case__in=cases, state=LineState.OPEN).values_list("case_id", flat=True).distinct()
    )
    last_closed: dict[int, datetime] = {}
    for case_id, closed_at in Line.objects.filter(case__in=cases, closed_at__isnull=False).values_list(
        "case_id", "closed_at"
    ):
        if closed_at is not None and (case_id not in last_closed or closed_at > last_closed[case_id]):
            last_closed[case_id] = closed_at
    done = []
    for case in cases:
        if case.pk in open_cases or case.pk not in last_closed:
            continue
        done.append((CaseStatus.COMPLETED, max(last_closed[case.pk], day_at(case.effective_date, 17)), case.pk))
    update_rows(Case, ("status", "completed_at"), done)
