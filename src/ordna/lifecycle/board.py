"""The case board: cases narrowed to a column, a department, a responsible party or a name; the line counts of
a page of them; and the board's header figures (once per data version)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from ordna.core.data_version import cached_over
from ordna.core.errors import not_one_of
from ordna.lifecycle.models import Case, CaseKind, CaseStatus, Line, LineState, Responsible
from ordna.lifecycle.selectors import overdue_lines

BOARD_VIEWS = ("open", "overdue", "completed", "cancelled", "all")


def cases_filter(
    queryset: QuerySet[Case],
    *,
    today: date,
    view: str = "open",
    kind: str = "",
    department: str = "",
    responsible: str = "",
    q: str = "",
) -> QuerySet[Case]:
    """Narrow cases to a board column (open, overdue, completed, cancelled, all), a department, a
    responsible party (cases with an open line of that role) and free text (name or employee id)."""
    if view not in BOARD_VIEWS:
        raise not_one_of("view", view, BOARD_VIEWS)
    if view == "overdue":
        queryset = queryset.filter(Exists(Line.objects.filter(overdue_lines(today), case_id=OuterRef("pk"))))
    elif view != "all":
        queryset = queryset.filter(status=view)
    if kind:
        if kind not in CaseKind.values:
            raise not_one_of("kind", kind, CaseKind.values)
        queryset = queryset.filter(kind=kind)
    if department:
        queryset = queryset.filter(person__department=department)
    if responsible:
        if responsible not in Responsible.values:
            raise not_one_of("responsible", responsible, Responsible.values)
        queryset = queryset.filter(
            Exists(Line.objects.filter(case_id=OuterRef("pk"), state=LineState.OPEN, responsible=responsible))
        )
    return queryset.filter(name_matches(q))


def name_matches(q: str, person: str = "person") -> Q:
    """Every word of `q` in the first or last name of `person` (a relation's path), or their employee id."""
    found = Q()
    for word in q.split():
        found &= (
            Q(**{f"{person}__first_name__icontains": word})
            | Q(**{f"{person}__last_name__icontains": word})
            | Q(**{f"{person}__employee_id__iexact": word})
        )
    return found


def add_line_counts(cases: Sequence[Case], *, today: date) -> None:
    """Give each of `cases` (a page of the board) its lines_total, lines_open and lines_overdue, in one query
    over their lines only (counting the lines of every case before the page is cut grew with the cases)."""
    counts = {
        row["case_id"]: row
        for row in Line.objects.filter(case_id__in=[case.pk for case in cases])
        .order_by()
        .values("case_id")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=Q(state=LineState.OPEN)),
            overdue=Count("id", filter=Q(state=LineState.OPEN, due__lt=today)),
        )
    }
    for case in cases:
        row = counts.get(case.pk, {})
        case.lines_total = row.get("total", 0)  # type: ignore[attr-defined]
        case.lines_open = row.get("open", 0)  # type: ignore[attr-defined]
        case.lines_overdue = row.get("overdue", 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class BoardTotals:
    open: int
    overdue: int
    completed: int
    by_department: list[dict[str, Any]]
    by_responsible: list[dict[str, Any]]


def board_totals(queryset: QuerySet[Case], *, today: date) -> BoardTotals:
    """The board's header: cases open, overdue and completed; open cases per department; open lines per party
    (worked out once per data version)."""
    return cached_over(queryset, f"board_totals:{today.isoformat()}", lambda: _board_totals(queryset, today=today))


def _board_totals(queryset: QuerySet[Case], *, today: date) -> BoardTotals:
    counts = queryset.aggregate(
        open=Count("id", filter=Q(status=CaseStatus.OPEN)),
        completed=Count("id", filter=Q(status=CaseStatus.COMPLETED)),
    )
    overdue = queryset.filter(Exists(Line.objects.filter(overdue_lines(today), case_id=OuterRef("pk")))).count()
    by_department = list(
        queryset.filter(status=CaseStatus.OPEN)
        .values("person__department")
        .annotate(count=Count("id"))
        .order_by("person__department")
    )
    lines = Line.objects.filter(case__in=queryset, case__status=CaseStatus.OPEN, state=LineState.OPEN)
    by_responsible = list(
        lines.values("responsible")
        .annotate(count=Count("id"), overdue=Count("id", filter=Q(due__lt=today)))
        .order_by("responsible")
    )
    labels = dict(Responsible.choices)
    for row in by_responsible:
        row["label"] = labels.get(row["responsible"], row["responsible"])
    return BoardTotals(counts["open"], overdue, counts["completed"], by_department, by_responsible)
