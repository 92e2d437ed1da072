"""Reads of people: filtered lists within a user's scope, and the export shape."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from ordna.core.data_version import cached_count, cached_rows
from ordna.core.errors import ServiceError, not_one_of
from ordna.people.hr_import import OPTIONAL_FIELDS, REQUIRED_FIELDS
from ordna.people.models import Person, PersonStatus, person_status, status_filter
from ordna.people.search import PEOPLE_SEARCH

EXPORT_COLUMNS = (*REQUIRED_FIELDS, *OPTIONAL_FIELDS, "status")


def people_filter(
    queryset: QuerySet[Person],
    *,
    q: str = "",
    status: str = "",
    department: str = "",
    employment_type: str = "",
    company: str = "",
    today: date,
) -> QuerySet[Person]:
    """Narrow `queryset` by free text (each word a part of the first or last name or the address, or the whole
    employee id), derived status, department, type and company (its code)."""
    if q:
        for word in q.split():
            # Names and addresses through the search index; the employee id whole, as typed or in one case.
            queryset = queryset.filter(
                PEOPLE_SEARCH.matching(word) | Q(employee_id__in={word, word.upper(), word.lower()})
            )
    if status:
        if status not in PersonStatus.values:
            raise not_one_of("status", status, PersonStatus.values)
        queryset = queryset.filter(status_filter(status, today=today, lead_days=settings.ORDNA_LEAVER_LEAD_DAYS))
    if department:
        queryset = queryset.filter(department=department)
    if employment_type:
        queryset = queryset.filter(employment_type=employment_type)
    if company:
        queryset = queryset.filter(company__code=company)
    return queryset


def companies_of(queryset: QuerySet[Person]) -> list[tuple[str, str]]:
    """The companies (code, name) that `queryset`'s people work for: a filter's choices, and whether the list
    shows a company column at all (one company: no)."""
    rows = queryset.order_by("company__name").values_list("company__code", "company__name").distinct()
    return cached_rows(rows)  # a DISTINCT over every person: once per data version, not per request


def departments(queryset: QuerySet[Person]) -> list[str]:
    """The departments of `queryset`'s people (the filter's choices), worked out once per data version."""
    return cached_rows(
        queryset.exclude(department="").order_by("department").values_list("department", flat=True).distinct()
    )


def person_named(queryset: QuerySet[Person], text: str, *, field: str) -> Person:
    """The one person in `queryset` that `text` names: an employee id, or every word found in the first or last
    name ("Eva Asker", "asker"). None or several found is a ServiceError naming `field`, and for several, who
    they are, so the user can be exact."""
    text = " ".join((text or "").split())
    if not text:
        raise ServiceError(_("Choose the person by name or employee id."), field=field)
    exact = queryset.filter(employee_id__iexact=text).first()
    if exact is not None:
        return exact
    found = queryset
    for word in text.split()[:6]:
        found = found.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    matches = list(found[:6])
    if not matches:
        raise ServiceError(_("No person is called %(name)s."), field=field, name=text)
    if len(matches) > 1:
        raise ServiceError(
            _("%(name)s fits several people (%(people)s): give more of the name or the employee id."),
            field=field,
            name=text,
            people=", ".join(f"{p.full_name} ({p.department or '—'}, {p.employee_id})" for p in matches[:5]),
        )
    return matches[0]


def status_counts(queryset: QuerySet[Person], *, today: date) -> dict[str, int]:
    """People per derived status, in one query."""
    lead = settings.ORDNA_LEAVER_LEAD_DAYS
    aggregates = {s: Count("id", filter=status_filter(s, today=today, lead_days=lead)) for s in PersonStatus.values}
    return queryset.aggregate(**aggregates)


def person_status_of(person: Person, *, today: date) -> str:
    return person.status_on(today, settings.ORDNA_LEAVER_LEAD_DAYS)


def people_export_rows(queryset: QuerySet[Person], *, today: date) -> Iterator[dict[str, Any]]:
    """One dict per person in the `ordna` HR format plus the derived status; re-importable unchanged."""
    lead = settings.ORDNA_LEAVER_LEAD_DAYS
    rows = queryset.order_by("employee_id").values(
        "employee_id",
        "manager__employee_id",
        "first_name",
        "last_name",
        "email",
        "department",
        "employment_type",
        "start_date",
        "end_date",
        "cost_center",
        *(f for f in OPTIONAL_FIELDS if f != "company"),
        "company__code",
    )
    for row in rows.iterator(chunk_size=2000):
        row["manager_employee_id"] = row.pop("manager__employee_id") or ""
        row["company"] = row.pop("company__code")
        row["status"] = person_status(
            start_date=row["start_date"], end_date=row["end_date"], today=today, lead_days=lead
        )
        yield row


def hr_file_imported() -> int:
    """How many people the HR file has brought in (0: not imported yet), counted once per data version."""
    return cached_count(Person.objects.all())
