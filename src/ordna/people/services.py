"""Writes to people: the HR import (atomic, idempotent, guarded by the safety breaker)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordna.core.actor import Actor
from ordna.core.audit import Change, audit_record, audit_record_many
from ordna.core.bulk import insert_rows, update_rows
from ordna.core.errors import ServiceError, lazy_text
from ordna.core.models import Company, ImportRun, User, default_company_id
from ordna.core.services import user_update
from ordna.core.tabular import TableError, open_table
from ordna.core.text import Text
from ordna.people.events import PeopleChanged, people_changed
from ordna.people.hr_import import (
    OPTIONAL_FIELDS,
    PRESETS,
    HrRecord,
    PeoplePlan,
    RowError,
    mass_change_tripped,
    parse_hr_rows,
    plan_people,
    reference_errors,
)
from ordna.people.models import Person

PERSON_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "department",
    "employment_type",
    "start_date",
    "end_date",
    "cost_center",
    *OPTIONAL_FIELDS,
)


@dataclass
class PeopleImportResult:
    """The outcome of one HR import: counts for the summary, the plan for a preview, errors for a rejection."""

    outcome: str
    plan: PeoplePlan = field(default_factory=PeoplePlan)
    errors: list[RowError] = field(default_factory=list)
    notices: list[str | Text] = field(default_factory=list)  # a Text reads in the active language
    breaker_tripped: bool = False
    checksum: str = ""
    run_id: int | None = None
    cases: dict[str, int] = field(default_factory=dict)  # what the apps above did: cases opened, re-planned ...

    @property
    def ok(self) -> bool:
        return self.outcome in (ImportRun.Outcome.APPLIED, ImportRun.Outcome.DRY_RUN)

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.plan.creates),
            "updated": len(self.plan.updates),
            "unchanged": self.plan.unchanged,
            "newly_leaving": len(self.plan.newly_leaving),
            "newly_left": len(self.plan.newly_left),
            "already_left": len(self.plan.already_left),
            "not_in_file": self.plan.not_in_file,
        }

    def preview_counts(self) -> dict[str, int]:
        """The counts, and what applying would set off in the apps above (cases opened ...), for a dry run."""
        return {**self.counts(), **{f"cases_{k}": v for k, v in self.cases.items()}}


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def existing_people_values() -> dict[str, dict[str, Any]]:
    """Every person's comparable values, keyed by employee id, in one query (with who set the end date by hand,
    if anyone did: the plan shows a file that disagrees as a change over it). The company is its code, as the
    file's `company` column is read."""
    fields = [f for f in PERSON_FIELDS if f != "company"]
    rows = Person.objects.values(
        "employee_id",
        "manager__employee_id",
        "company__code",
        "company_id",
        *fields,
        "end_date_set_by",
        "end_date_set_at",
        "end_date_reason",
    )
    result: dict[str, dict[str, Any]] = {}
    for row in rows:
        row["manager_employee_id"] = row.pop("manager__employee_id") or ""
        row["company"] = row.pop("company__code")
        result[row.pop("employee_id")] = row
    return result


@dataclass(frozen=True)
class CompanyFacts:
    """What the HR import needs of the companies: the names and codes the `company` column may use, the default
    company, and each company's id and its people's default language and holiday country."""

    names: dict[str, str]
    default: str
    ids: dict[str, int]
    locale: dict[str, str]
    country: dict[str, str]


def company_facts() -> CompanyFacts:
    default_company_id()  # made when missing
    rows = list(Company.objects.values_list("id", "code", "name", "language", "country", "is_default"))
    names = {code.casefold(): code for _, code, *_rest in rows}
    names.update({name.casefold(): code for _, code, name, *_rest in rows})
    return CompanyFacts(
        names=names,
        default=next(code for _, code, *_rest, is_default in rows if is_default),
        ids={code: pk for pk, code, *_rest in rows},
        locale={code: language for _, code, _n, language, *_rest in rows},
        country={code: country for _, code, _n, _l, country, _d in rows},
    )


def _record_run(*, result: PeopleImportResult, actor: Actor, file_name: str, started: datetime) -> int:
    run = ImportRun.objects.create(
        source=ImportRun.Source.HR,
        file_name=file_name[:255],
        preset="ordna",
        full=True,
        checksum=result.checksum,
        outcome=result.outcome,
        counts={**result.counts(), **{f"cases_{k}": v for k, v in result.cases.items()}},
        errors=[e.as_dict() for e in result.errors[:1000]],
        actor_label=actor.label,
        started_at=started,
        finished_at=timezone.now(),
    )
    return run.pk


def _applied(
    *,
    plan: PeoplePlan,
    records: list[HrRecord],
    existing: dict[str, dict[str, Any]],
    actor: Actor,
    today: date,
    companies: CompanyFacts,
) -> dict[str, int]:
    """Write the plan and let the apps above act on it (inside the caller's transaction); what they did."""
    _apply_plan(plan=plan, records=records, existing=existing, actor=actor, companies=companies)
    # A change of department, employment type or company is a move (issues 11 and 19): where each mover was
    # before, and the company they left.
    moved = {
        u.employee_id: (existing[u.employee_id]["department"], existing[u.employee_id]["employment_type"])
        for u in plan.updates
        if {"department", "employment_type", "company"} & u.before.keys()
    }
    companies_before = {
        u.employee_id: existing[u.employee_id]["company_id"] for u in plan.updates if "company" in u.before
    }
    # The apps above act on the people as the file left them (cases open, re-plan or cancel:
    # docs/offboarding.md), inside this transaction; what they report is summed into the import's counts.
    answers = people_changed.send(
        PeopleChanged(
            actor=actor,
            today=today,
            newly_ended=tuple(plan.newly_ended),
            moved=moved,
            companies_before=companies_before,
        )
    )
    return _summed(answers)


class _Rehearsal(Exception):
    """Raised to roll a rehearsal back."""


def _rehearsed(
    *,
    plan: PeoplePlan,
    records: list[HrRecord],
    existing: dict[str, dict[str, Any]],
    actor: Actor,
    today: date,
    companies: CompanyFacts,
) -> dict[str, int]:
    """What applying would set off (the cases that would open ...), by the apps' own rules: the plan is applied
    in a transaction that is then rolled back, so a preview and the import it previews count alike."""
    cases: dict[str, int] = {}
    try:
        with transaction.atomic():
            cases = _applied(
                plan=plan, records=records, existing=existing, actor=actor, today=today, companies=companies
            )
            raise _Rehearsal
    except _Rehearsal:
        pass
    return cases


def people_import(
    *,
    path: Path,
    actor: Actor,
    preset: str = "ordna",
    dry_run: bool = False,
    allow_mass_change: bool = False,
    today: date,
    file_name: str = "",
) -> PeopleImportResult:
    """Create, update and end people from an HR file, all or nothing.

    Any error in any row rejects the whole file. More than ORDNA_MASS_CHANGE_PEOPLE_PERCENT of current
    people newly ended stops it unless `allow_mass_change`. Importing the same file twice changes nothing
    the second time.
    """
    started = timezone.now()
    file_name = file_name or path.name
    if preset not in PRESETS:
        known = ", ".join(sorted(PRESETS))
        return PeopleImportResult(
            ImportRun.Outcome.REJECTED,
            errors=[
                RowError(
                    0,
                    "",
                    lazy_text(
                        _("unknown preset %(preset)s; known presets: %(known)s"), preset=repr(preset), known=known
                    ),
                )
            ],
        )
    result = PeopleImportResult(ImportRun.Outcome.REJECTED)
    try:
        result.checksum = file_checksum(path)
        table = open_table(path, max_bytes=settings.UPLOAD_MAX_BYTES)
        result.notices = table.notices
        seen_ids: set[str] = set()
        companies = company_facts()
        records, errors = parse_hr_rows(
            table, preset=preset, seen_ids=seen_ids, companies=companies.names, default_company=companies.default
        )
    except TableError as exc:
        result.errors = [RowError(0, "", str(exc))]
        return result
    if errors:
        # One pass: the references of the rows that parsed (unknown managers, loops) are checked too, so the
        # file comes back with every error at once, not one round at a time.
        if seen_ids:
            errors += reference_errors(records, existing_people_values(), ids_in_file=seen_ids)
        result.errors = sorted(errors, key=lambda error: error.row)
        if not dry_run:
            result.run_id = _record_run(result=result, actor=actor, file_name=file_name, started=started)
        return result

    existing = existing_people_values()
    plan = plan_people(records, existing, today=today)
    result.plan = plan
    if plan.errors:
        result.errors = plan.errors
        if not dry_run:
            result.run_id = _record_run(result=result, actor=actor, file_name=file_name, started=started)
        return result

    base = sum(1 for values in existing.values() if values["end_date"] is None or values["end_date"] >= today)
    result.breaker_tripped = mass_change_tripped(
        newly_ended=len(plan.newly_ended),
        base=base,
        percent=settings.ORDNA_MASS_CHANGE_PEOPLE_PERCENT,
        minimum=settings.ORDNA_MASS_CHANGE_MINIMUM,
    )
    if dry_run:
        result.outcome = ImportRun.Outcome.DRY_RUN
        result.cases = _rehearsed(
            plan=plan, records=records, existing=existing, actor=actor, today=today, companies=companies
        )
        return result
    if result.breaker_tripped and not allow_mass_change:
        result.outcome = ImportRun.Outcome.STOPPED
        result.run_id = _record_run(result=result, actor=actor, file_name=file_name, started=started)
        return result

    with transaction.atomic():
        result.cases = _applied(
            plan=plan, records=records, existing=existing, actor=actor, today=today, companies=companies
        )
        result.outcome = ImportRun.Outcome.APPLIED
        result.run_id = _record_run(result=result, actor=actor, file_name=file_name, started=started)
        audit_record_many(
            actor=actor,
            changes=[
                Change(
                    "import.people",
                    "core.importrun",
                    str(result.run_id),
                    after={"counts": result.counts(), "checksum": result.checksum},
                )
            ],
        )
    return result


def _summed(answers: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """The counts of every handler added up, key by key, in the order they first appear."""
    total: dict[str, int] = {}
    for answer in answers:
        for key, count in answer.items():
            total[key] = total.get(key, 0) + count
    return total


def _apply_plan(
    *,
    plan: PeoplePlan,
    records: list[HrRecord],
    existing: dict[str, dict[str, Any]],
    actor: Actor,
    companies: CompanyFacts,
) -> None:
    """Write a plan set-based (ordna.core.bulk): inserts, updates grouped by the fields they change,
    then managers once every person in the file exists, and one audit event per person changed. A new
    person's language and holiday country default to their company's."""
    now = timezone.now()
    if plan.creates:
        fields = ("employee_id", *PERSON_FIELDS, "created_at", "updated_at")
        rows = []
        for record in plan.creates:
            given = record.values()
            code = given.get("company") or companies.default
            defaults = {
                "locale": companies.locale[code],
                "holiday_country": companies.country[code],
                "email_aliases": [],
            }
            values = {**defaults, **given, "company": companies.ids[code]}
            rows.append((record.employee_id, *(values[f] for f in PERSON_FIELDS), now, now))
        insert_rows(Person, fields, rows)

    wanted_ids = {r.employee_id for r in records} | {r.manager_employee_id for r in records if r.manager_employee_id}
    pk_of = dict(Person.objects.filter(employee_id__in=wanted_ids).values_list("employee_id", "id"))

    by_fields: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for update in plan.updates:
        names = tuple(sorted(n for n in update.after if n != "manager_employee_id"))
        if names:
            after = {
                **update.after,
                **({"company": companies.ids[update.after["company"]]} if "company" in names else {}),
            }
            by_fields.setdefault(names, []).append((*(after[n] for n in names), now, pk_of[update.employee_id]))
    for names, rows in by_fields.items():
        update_rows(Person, (*names, "updated_at"), rows)

    manager_rows = []
    for record in records:
        current = existing.get(record.employee_id, {}).get("manager_employee_id", "")
        if record.manager_employee_id != current:
            manager = pk_of[record.manager_employee_id] if record.manager_employee_id else None
            manager_rows.append((manager, pk_of[record.employee_id]))
    if manager_rows:
        update_rows(Person, ("manager",), manager_rows)
    # An end date set by hand that the file changes: the file governs again (the preview showed it).
    if plan.over_hand_set:
        update_rows(
            Person,
            ("end_date_set_by", "end_date_set_at", "end_date_reason"),
            [("", None, "", pk_of[change.employee_id]) for change in plan.over_hand_set],
        )
    hand_set = {change.employee_id: change for change in plan.over_hand_set}

    changes = [
        Change(
            "person.created",
            "people.person",
            str(pk_of[record.employee_id]),
            after={"employee_id": record.employee_id, **record.values()},
        )
        for record in plan.creates
    ]
    changes += [
        Change(
            "person.updated",
            "people.person",
            str(pk_of[u.employee_id]),
            before=u.before,
            after=u.after,
            extra=(
                {
                    "end_date_set_by_hand": {
                        "by": hand_set[u.employee_id].set_by,
                        "at": hand_set[u.employee_id].set_at,
                        "reason": hand_set[u.employee_id].reason,
                    }
                }
                if u.employee_id in hand_set
                else {}
            ),
        )
        for u in plan.updates
    ]
    audit_record_many(actor=actor, changes=changes)


class PersonError(ServiceError):
    """A change to a person the rules refuse; the message says which field and why, translated."""


def person_end_date_set(*, person: Person, end_date: date | None, reason: str, actor: Actor, today: date) -> Person:
    """HR sets, moves or removes (an extension) a person's last day by hand, with a reason: audited, marked as
    set by hand (the next HR file that disagrees shows it in its preview), and announced like an HR import
    (`people.changed`), so the leaver case opens, re-plans or cancels at once."""
    reason = reason.strip()
    if not reason:
        raise PersonError(_("Reason: say why the last day is set here and not in the HR file."), field="reason")
    if end_date is not None and person.start_date is not None and end_date < person.start_date:
        raise PersonError(
            _("Last day: %(date)s is before the first day (%(start)s).")
            % {"date": end_date.isoformat(), "start": person.start_date.isoformat()}
        )
    if end_date == person.end_date:
        raise PersonError(_("Last day: it is that day already; nothing was changed."))
    with transaction.atomic():
        before = person.end_date
        now = timezone.now()
        Person.objects.filter(pk=person.pk).update(
            end_date=end_date,
            end_date_set_by=actor.label[:150],
            end_date_set_at=now,
            end_date_reason=reason,
            updated_at=now,
        )
        person.refresh_from_db()
        audit_record(
            actor=actor,
            action="person.end_date_set",
            target=person,
            before={"end_date": before},
            after={"end_date": end_date, "reason": reason},
        )
        newly_ended = (person.employee_id,) if before is None and end_date is not None else ()
        people_changed.send(PeopleChanged(actor=actor, today=today, newly_ended=newly_ended))
    return person


def person_add_former(
    *, employee_id: str, first_name: str, last_name: str, end_date: date | None, actor: Actor, today: date
) -> Person:
    """Add someone who left before the HR file was exported (their accounts outlive them), so an account can be
    linked to them. Their last day is set by hand, with the reason; a later HR file that names them updates
    them, and one that does not leaves them be (as it does everyone not in the file)."""
    employee_id, first_name, last_name = employee_id.strip(), first_name.strip(), last_name.strip()
    if not employee_id:
        raise PersonError(_("Employee id: give the id they had (or one of your choosing)."), field="employee_id")
    if Person.objects.filter(employee_id=employee_id).exists():
        raise PersonError(
            _("Employee id: %(id)s is in the HR data already; link to them as someone else."),
            field="employee_id",
            id=employee_id,
        )
    if not first_name or not last_name:
        raise PersonError(_("Name: give the first and last name."), field="last_name")
    if end_date is None or end_date > today:
        raise PersonError(_("Last day: a former employee's last day is today or before."), field="end_date")
    with transaction.atomic():
        person = Person.objects.create(
            employee_id=employee_id,
            first_name=first_name,
            last_name=last_name,
            end_date=end_date,
            end_date_set_by=actor.label[:150],
            end_date_set_at=timezone.now(),
            end_date_reason=str(_("A former employee, not in the HR file")),
        )
        audit_record(
            actor=actor,
            action="person.added_former",
            target=person,
            after={"employee_id": employee_id, "end_date": end_date},
        )
    return person


def leavers_sign_in_end(*, today: date, actor: Actor) -> list[str]:
    """Disable the Ordna users of the people who have left (their last day is behind them), through the user
    administration's own service, so their sessions and API tokens end too (docs/sign-in.md). Returns the user
    names disabled. Idempotent: a disabled user is not touched again; re-enabling one is an administrator's
    decision (a rehire's new end date does not do it)."""
    users = User.objects.filter(is_active=True, person__end_date__lt=today).prefetch_related("roles")
    disabled = []
    for user in users:
        user_update(
            user=user,
            actor=actor,
            roles=user.role_set,
            person_id=user.person_id,
            supplier_id=user.supplier_id,
            email=user.email,
            is_active=False,
        )
        disabled.append(user.username)
    return disabled
