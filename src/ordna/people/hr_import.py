"""The pure core of the HR import: rows to records, and records against what exists to a plan.

No ORM here: `parse_hr_rows` validates every row and reports every problem with its row and column;
`plan_people` compares records with the current people and says what would be created, updated or
newly ended, which is what the safety breaker and the preview need.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ordna.core.tabular import RowError, Table, header_index
from ordna.core.text import later as _

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMPLOYMENT_TYPES = ("employee", "consultant", "contractor")
LOCALES = ("en", "sv", "nl")
HOLIDAY_COUNTRIES = ("SE", "NL")

# Fields every HR preset must provide, and optional ones that are only applied when their column exists.
REQUIRED_FIELDS = (
    "employee_id",
    "first_name",
    "last_name",
    "email",
    "department",
    "manager_employee_id",
    "employment_type",
    "start_date",
    "end_date",
    "cost_center",
)
OPTIONAL_FIELDS = ("locale", "holiday_country", "email_aliases", "company")

# A preset maps Ordna's field names to the header names of one HR system's export.
PRESETS: dict[str, dict[str, str]] = {
    "ordna": {name: name for name in REQUIRED_FIELDS + OPTIONAL_FIELDS},
}


@dataclass(frozen=True)
class HrRecord:
    """One person as the HR file states them; `optional` holds the optional columns that were present."""

    row: int
    employee_id: str
    first_name: str
    last_name: str
    email: str
    department: str
    manager_employee_id: str
    employment_type: str
    start_date: date | None
    end_date: date | None
    cost_center: str
    optional: tuple[tuple[str, Any], ...] = ()

    def values(self) -> dict[str, Any]:
        """The comparable field values, as stored on a Person (manager by employee id)."""
        base = {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "department": self.department,
            "manager_employee_id": self.manager_employee_id,
            "employment_type": self.employment_type,
            "start_date": self.start_date,
            "end_date": self.end_date,
            "cost_center": self.cost_center,
        }
        base.update(dict(self.optional))
        return base


def _parse_date(text: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError
    return date.fromisoformat(text)


def parse_hr_rows(
    table: Table,
    *,
    preset: str = "ordna",
    seen_ids: set[str] | None = None,
    companies: Mapping[str, str] | None = None,
    default_company: str = "",
) -> tuple[list[HrRecord], list[RowError]]:
    """Validate every row of an HR table; return the records and every error found (row and column).

    `seen_ids`, when given, is filled with every employee id in the file, also those of rows with errors, so
    that the references to them can be checked in the same pass (`reference_errors`). `companies` maps each
    company's code and name, case-folded, to its code: the optional `company` column names one of them (an
    empty cell the default company, `default_company`)."""
    companies = companies or {}
    mapping = PRESETS[preset]
    index = header_index(table.header)
    missing = [mapping[f] for f in REQUIRED_FIELDS if mapping[f].lower() not in index]
    if missing:
        expected = ", ".join(mapping[f] for f in REQUIRED_FIELDS)
        return [], [
            RowError(
                1,
                "",
                _(
                    "wrong header: missing column(s) %(missing)s; the %(preset)s preset expects: %(expected)s",
                    missing=", ".join(missing),
                    preset=preset,
                    expected=expected,
                ),
            )
        ]
    position = {f: index[mapping[f].lower()] for f in REQUIRED_FIELDS + OPTIONAL_FIELDS if mapping[f].lower() in index}
    width = len(table.header)
    records: list[HrRecord] = []
    errors: list[RowError] = []
    first_row_of: dict[str, int] = {}

    for number, cells in table.rows:
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            errors.append(
                RowError(
                    number,
                    "",
                    _("%(values)s values but the header has %(width)s columns", values=len(cells), width=width),
                )
            )
            continue

        def cell(name: str, cells: Sequence[str] = cells) -> str:
            at = position.get(name)
            return cells[at].strip() if at is not None and at < len(cells) else ""

        row_errors: list[RowError] = []
        employee_id = cell("employee_id")
        if seen_ids is not None and employee_id:
            seen_ids.add(employee_id)
        if not employee_id:
            row_errors.append(RowError(number, "employee_id", _("missing employee id")))
        elif employee_id in first_row_of:
            first = first_row_of[employee_id]
            row_errors.append(
                RowError(
                    number,
                    "employee_id",
                    _("duplicate employee id %(id)s (also on row %(first)s)", id=repr(employee_id), first=first),
                )
            )
        else:
            first_row_of[employee_id] = number
        for name in ("first_name", "last_name"):
            if not cell(name):
                row_errors.append(RowError(number, name, _("missing")))
        email = cell("email").lower()
        if email and not EMAIL_RE.match(email):
            row_errors.append(
                RowError(number, "email", _("%(value)s is not an email address", value=repr(cell("email"))))
            )
        employment_type = cell("employment_type").lower() or "employee"
        if employment_type not in EMPLOYMENT_TYPES:
            row_errors.append(
                RowError(
                    number,
                    "employment_type",
                    _(
                        "%(value)s is not one of %(choices)s",
                        value=repr(cell("employment_type")),
                        choices=", ".join(EMPLOYMENT_TYPES),
                    ),
                )
            )
        dates: dict[str, date | None] = {}
        for name in ("start_date", "end_date"):
            text = cell(name)
            dates[name] = None
            if text:
                try:
                    dates[name] = _parse_date(text)
                except ValueError:
                    row_errors.append(
                        RowError(number, name, _("%(value)s is not a date (expected YYYY-MM-DD)", value=repr(text)))
                    )
        start, end = dates["start_date"], dates["end_date"]
        if start and end and end < start:
            row_errors.append(
                RowError(
                    number,
                    "end_date",
                    _("%(end)s is before the start date %(start)s", end=end.isoformat(), start=start.isoformat()),
                )
            )
        manager = cell("manager_employee_id")
        if manager and manager == employee_id:
            row_errors.append(RowError(number, "manager_employee_id", _("a person cannot be their own manager")))

        optional: list[tuple[str, Any]] = []
        if "locale" in position:
            locale = cell("locale").lower() or "en"
            if locale not in LOCALES:
                row_errors.append(
                    RowError(
                        number,
                        "locale",
                        _("%(value)s is not one of %(choices)s", value=repr(cell("locale")), choices="en, sv, nl"),
                    )
                )
            optional.append(("locale", locale))
        if "holiday_country" in position:
            country = cell("holiday_country").upper()
            if country and country not in HOLIDAY_COUNTRIES:
                row_errors.append(
                    RowError(
                        number, "holiday_country", _("%(value)s is not SE or NL", value=repr(cell("holiday_country")))
                    )
                )
            optional.append(("holiday_country", country))
        if "email_aliases" in position:
            aliases = sorted({a.strip().lower() for a in re.split(r"[;\s]+", cell("email_aliases")) if a.strip()})
            bad = [a for a in aliases if not EMAIL_RE.match(a)]
            if bad:
                row_errors.append(
                    RowError(number, "email_aliases", _("%(value)s is not an email address", value=repr(bad[0])))
                )
            optional.append(("email_aliases", aliases))
        if "company" in position:
            named = cell("company")
            code = companies.get(named.casefold()) if named else default_company
            if not code:
                row_errors.append(
                    RowError(
                        number,
                        "company",
                        _(
                            "unknown company %(value)s; known companies: %(known)s",
                            value=repr(named),
                            known=", ".join(sorted(set(companies.values()))) or "-",
                        ),
                    )
                )
            optional.append(("company", code))

        if row_errors:
            errors.extend(row_errors)
            continue
        records.append(
            HrRecord(
                row=number,
                employee_id=employee_id,
                first_name=cell("first_name"),
                last_name=cell("last_name"),
                email=email,
                department=cell("department"),
                manager_employee_id=manager,
                employment_type=employment_type,
                start_date=start,
                end_date=end,
                cost_center=cell("cost_center"),
                optional=tuple(optional),
            )
        )
    if not records and not errors:
        errors.append(RowError(0, "", _("the file has a header but no rows")))
    return records, errors


@dataclass
class Update:
    employee_id: str
    before: dict[str, Any]
    after: dict[str, Any]

    def changes(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) for each field that changes, in the order of the file's columns."""
        return [(name, self.before[name], self.after.get(name)) for name in self.before]


@dataclass(frozen=True)
class LastDay:
    """Someone the file gives a last day: who, and when."""

    employee_id: str
    name: str
    last_day: date


@dataclass(frozen=True)
class HandSetChange:
    """An end date set by hand in Ordna that the file disagrees with: shown in the preview, applied with it."""

    employee_id: str
    hand_set: date | None
    set_by: str
    set_at: datetime | None
    reason: str
    file_says: date | None


@dataclass
class PeoplePlan:
    """What an HR file would change. `newly_ended` are existing people who get an end date, past or future (the
    breaker counts them); `newly_leaving` those whose new last day is today or later, new people included;
    `over_hand_set` the end dates set by hand in Ordna that the file changes."""

    creates: list[HrRecord] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    unchanged: int = 0
    newly_leaving: list[str] = field(default_factory=list)
    newly_ended: list[str] = field(default_factory=list)
    # New people whose last day has passed already: a first import's former staff (gone before Ordna heard).
    already_left: list[str] = field(default_factory=list)
    not_in_file: int = 0
    errors: list[RowError] = field(default_factory=list)
    last_days: dict[str, LastDay] = field(default_factory=dict)

    @property
    def newly_left(self) -> list[str]:
        """Existing people whose new last day has passed already: they left (an end date entered late)."""
        leaving = set(self.newly_leaving)
        return [employee_id for employee_id in self.newly_ended if employee_id not in leaving]

    def leaving(self) -> list[LastDay]:
        """Who is newly leaving, by last day: for the preview ("leaving on ...")."""
        return sorted((self.last_days[e] for e in self.newly_leaving), key=lambda d: (d.last_day, d.name))

    def left(self) -> list[LastDay]:
        """Who newly left (a last day in the past), by last day."""
        return sorted((self.last_days[e] for e in self.newly_left), key=lambda d: (d.last_day, d.name))

    def gone(self) -> list[LastDay]:
        """New people who had left already, latest last day first."""
        return sorted((self.last_days[e] for e in self.already_left), key=lambda d: (-d.last_day.toordinal(), d.name))

    over_hand_set: list[HandSetChange] = field(default_factory=list)


def plan_people(records: Iterable[HrRecord], existing: Mapping[str, Mapping[str, Any]], *, today: date) -> PeoplePlan:
    """Compare file records with existing people (employee id -> values as `HrRecord.values`)."""
    plan = PeoplePlan()
    records = list(records)
    in_file = {r.employee_id: r for r in records}
    plan.errors.extend(reference_errors(records, existing, ids_in_file=set(in_file)))
    if plan.errors:
        return plan
    for record in records:
        values = record.values()
        current = existing.get(record.employee_id)
        if current is None:
            plan.creates.append(record)
            if record.end_date is not None:
                (plan.newly_leaving if record.end_date >= today else plan.already_left).append(record.employee_id)
                plan.last_days[record.employee_id] = _last_day(record)
            continue
        before = {k: current.get(k) for k, value in values.items() if current.get(k) != value}
        if not before:
            plan.unchanged += 1
            continue
        after = {k: values[k] for k in before}
        plan.updates.append(Update(record.employee_id, before, after))
        if "end_date" in before and current.get("end_date_set_at") is not None:
            plan.over_hand_set.append(
                HandSetChange(
                    record.employee_id,
                    current.get("end_date"),
                    str(current.get("end_date_set_by") or ""),
                    current.get("end_date_set_at"),
                    str(current.get("end_date_reason") or ""),
                    record.end_date,
                )
            )
        if "end_date" in before and before["end_date"] is None and record.end_date is not None:
            plan.newly_ended.append(record.employee_id)
            plan.last_days[record.employee_id] = _last_day(record)
            if record.end_date >= today:
                plan.newly_leaving.append(record.employee_id)
    plan.not_in_file = sum(1 for employee_id in existing if employee_id not in in_file)
    return plan


def reference_errors(
    records: Sequence[HrRecord], existing: Mapping[str, Mapping[str, Any]], *, ids_in_file: set[str]
) -> list[RowError]:
    """The rows whose references do not hold: a manager neither in the file (`ids_in_file`, rows with errors
    of their own included) nor known to Ordna, and reporting lines that loop once the file is applied."""
    errors = [
        RowError(
            record.row,
            "manager_employee_id",
            _("unknown manager %(manager)s: not in this file and not known to Ordna", manager=repr(manager)),
        )
        for record in records
        if (manager := record.manager_employee_id) and manager not in ids_in_file and manager not in existing
    ]
    return errors + _manager_cycles(records, existing)


def _last_day(record: HrRecord) -> LastDay:
    assert record.end_date is not None  # noqa: S101 - called for records with an end date only
    return LastDay(record.employee_id, f"{record.first_name} {record.last_name}".strip(), record.end_date)


def _manager_cycles(records: Sequence[HrRecord], existing: Mapping[str, Mapping[str, Any]]) -> list[RowError]:
    """Reporting lines that loop (A reports to B reports to A) once the file is applied."""
    manager_of = {k: str(v.get("manager_employee_id") or "") for k, v in existing.items()}
    manager_of.update({r.employee_id: r.manager_employee_id for r in records})
    row_of = {r.employee_id: r.row for r in records}
    errors: list[RowError] = []
    reported: set[str] = set()
    for start in row_of:
        seen: list[str] = []
        current = start
        while current and current not in seen:
            seen.append(current)
            current = manager_of.get(current, "")
        if current and current == start and start not in reported:
            reported.update(seen)
            errors.append(
                RowError(
                    row_of[start],
                    "manager_employee_id",
                    _("reporting line loops: %(loop)s", loop=" → ".join([*seen, start])),
                )
            )
    return errors


def mass_change_tripped(*, newly_ended: int, base: int, percent: float, minimum: int) -> bool:
    """The breaker of docs/hr-import.md: more than `percent` of `base` would be ended (and at least `minimum`)."""
    return base > 0 and newly_ended >= minimum and newly_ended * 100 > percent * base
