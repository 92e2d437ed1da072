"""The auditor's evidence pack's rows (docs/reports.md): every leaver of a period with dates, how each line
closed and the deviation from the deadline, from the reports' own selectors (of one company: `company`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ordna.core.companies import CompanyFilter
from ordna.lifecycle.models import Case, CaseKind, LineState
from ordna.reports import figures as f
from ordna.reports.selectors import _local_day, leaver_cases, leaver_lines


def evidence_leavers(*, start: date, end: date, today: date, company: CompanyFilter = None) -> list[dict[str, Any]]:
    """Every leaver whose last day is in [start, end] (of one company), with dates and deviation from the
    deadline; two queries."""
    cases = leaver_cases(start, end, company=company)
    grouped = f.lines_by_case(leaver_lines(start, end, company=company))
    completed = dict(
        Case.objects.filter(
            kind=CaseKind.LEAVER, effective_date__gte=start, effective_date__lte=end, completed_at__isnull=False
        ).values_list("id", "completed_at")
    )
    rows = []
    for case in cases:
        lines = grouped.get(case.id, [])
        closed = [line.closed_on for line in lines if line.closed_on is not None and line.state != LineState.OPEN]
        rows.append(
            {
                "case_id": case.id,
                "employee_id": case.employee_id,
                "name": case.name,
                "department": case.department,
                "last_day": case.last_day,
                "status": case.status,
                "completed_on": _local_day(completed.get(case.id)),
                "lines": len(lines),
                "lines_open": sum(1 for line in lines if line.state == LineState.OPEN),
                "lines_verified": sum(1 for line in lines if line.state == LineState.VERIFIED),
                "lines_attested": sum(1 for line in lines if line.state == LineState.ATTESTED),
                "lines_waived": sum(1 for line in lines if line.state == LineState.WAIVED),
                "overrides": sum(1 for line in lines if line.override),
                "lines_reopened": sum(1 for line in lines if line.reopened),
                "latest_due": max((line.due for line in lines), default=None),
                "last_closed": max(closed, default=None),
                "on_time": f.case_on_time(lines, today=today),
                "deviation_business_days": f.deviation_business_days(lines, country=case.country, today=today),
            }
        )
    return rows
