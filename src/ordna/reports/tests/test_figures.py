"""The pure figures and charts: exact results from plain rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ordna.reports import charts
from ordna.reports import figures as f


def line(case_id: int, due: date, closed: date | None, party: str = "HR", app: str = "") -> f.LineRow:
    return f.LineRow(case_id, "task", "x", app, party, due, "attested" if closed else "open", closed)


def test_parse_month_names_the_bad_value() -> None:
    assert f.parse_month("2026-10") == date(2026, 10, 1)
    for bad in ("2026-13", "202610", "oct", "2026-1"):
        with pytest.raises(ValueError) as refused:
            f.parse_month(bad)
        assert str(refused.value) == f"Give the month as YYYY-MM, for example 2026-10, not {bad!r}."


def test_months_ending_crosses_the_year() -> None:
    months = f.months_ending(date(2026, 2, 14), 3)
    assert months == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert f.month_end(date(2024, 2, 1)) == date(2024, 2, 29)
    assert f.previous_month(date(2026, 1, 5)) == date(2025, 12, 1)


def test_a_case_is_on_time_only_when_every_line_closed_by_its_due_date() -> None:
    due = date(2026, 10, 6)
    later = date(2026, 11, 16)
    assert f.case_on_time([line(1, due, due), line(1, due, date(2026, 10, 5))], today=later) is True
    assert f.case_on_time([line(1, due, due), line(1, due, date(2026, 10, 7))], today=later) is False
    assert f.case_on_time([line(1, due, None)], today=later) is False


def test_a_leaver_whose_lines_are_not_due_yet_is_never_late() -> None:
    # Given a case whose last day is ahead: one line closed early, one open and due next week
    today = date(2026, 11, 16)
    lines = [line(1, date(2026, 11, 20), date(2026, 11, 13)), line(1, date(2026, 11, 23), None)]
    # Then it is neither on time nor late yet; once the open line is past due, it is late
    assert f.case_on_time(lines, today=today) is None
    assert f.case_on_time(lines, today=date(2026, 11, 24)) is False
    # And the month's share counts only the settled cases
    cases = [
        f.CaseRow(1, "L1", "A", "IT", date(2026, 11, 20), "SE", "open"),
        f.CaseRow(2, "L2", "B", "IT", date(2026, 11, 3), "SE", "completed"),
    ]
    grouped = f.lines_by_case([*lines, line(2, date(2026, 11, 4), date(2026, 11, 4))])
    november = f.month_figures(date(2026, 11, 1), cases, grouped, today=today)
    assert (november.leavers, november.on_time, november.not_due, november.share_on_time) == (2, 1, 1, 1.0)


def test_deviation_counts_business_days_late_up_to_today_for_open_lines() -> None:
    # Due Friday 9 October; closed Thursday 15th: 4 business days late.
    assert (
        f.deviation_business_days(
            [line(1, date(2026, 10, 9), date(2026, 10, 15))], country="SE", today=date(2026, 11, 16)
        )
        == 4
    )
    # Still open on Monday 19 October: 6 business days late.
    assert f.deviation_business_days([line(1, date(2026, 10, 9), None)], country="SE", today=date(2026, 10, 19)) == 6
    assert (
        f.deviation_business_days(
            [line(1, date(2026, 10, 9), date(2026, 10, 8))], country="SE", today=date(2026, 11, 16)
        )
        == -1
    )


def test_month_figures_and_medians_per_party() -> None:
    cases = [
        f.CaseRow(1, "L1", "A", "IT", date(2026, 10, 5), "SE", "completed"),
        f.CaseRow(2, "L2", "B", "IT", date(2026, 10, 9), "SE", "open"),
        f.CaseRow(3, "L3", "C", "IT", date(2026, 9, 10), "SE", "completed"),
    ]
    lines = f.lines_by_case(
        [
            line(1, date(2026, 10, 5), date(2026, 10, 5)),
            line(1, date(2026, 10, 6), date(2026, 10, 6), party="Supplier AB", app="CRM"),
            line(2, date(2026, 10, 12), date(2026, 10, 15), party="Supplier AB", app="CRM"),
            line(2, date(2026, 10, 9), None, party="Manager"),
        ]
    )
    october = f.month_figures(date(2026, 10, 1), cases, lines, today=date(2026, 11, 16))
    assert (october.leavers, october.on_time, october.still_open, october.share_on_time) == (2, 1, 1, 0.5)
    assert f.median_business_days(cases[:2], lines, key="party") == [("Supplier AB", 2.5, 2), ("HR", 0.0, 1)]
    assert f.median_business_days(cases[:2], lines, key="application") == [("CRM", 2.5, 2)]


def test_live_counts_at_a_days_end_and_the_charts_currency() -> None:
    findings = [
        f.FindingRow("license_waste", date(2026, 8, 15), None, Decimal("100"), "SEK"),
        f.FindingRow("license_waste", date(2026, 9, 1), date(2026, 10, 31), Decimal("50"), "SEK"),
        f.FindingRow("license_waste", date(2026, 9, 1), None, Decimal("7"), "EUR"),
        f.FindingRow("orphan", date(2026, 9, 1), None, Decimal("0"), ""),
    ]
    assert f.live_counts(findings, date(2026, 10, 30)) == {"license_waste": 3, "orphan": 1}
    assert f.live_counts(findings, date(2026, 10, 31)) == {"license_waste": 2, "orphan": 1}  # resolved that day
    assert f.main_currency([{"SEK": Decimal("100")}, {"EUR": Decimal("7")}]) == "SEK"


def test_licence_lines_take_their_waste_from_the_findings_and_count_assigned_seats() -> None:
    prices = [f.LicencePrice(1, "CRM", "Pro", Decimal("100"), "SEK", 10)]
    assigned = {(1, "Pro"): 5, (1, "Unpriced"): 1, (2, "Pro"): 1}
    waste = {
        (1, "Pro"): f.LicenceWaste(4, Decimal("400.00"), "SEK", 2, 1, 1),
        (1, "Unpriced"): f.LicenceWaste(1, Decimal("0.00"), "SEK", 0, 0, 1),  # no price: nothing to count it in
    }
    [crm] = f.licence_lines(prices, assigned, waste)
    assert (crm.assigned, crm.to_leavers, crm.to_disabled, crm.to_orphans, crm.unused_seats) == (5, 2, 1, 1, 5)
    assert (crm.wasted, crm.waste_per_month, crm.cost_per_month) == (4, Decimal("400.00"), Decimal("1000"))


def test_the_sample_depends_on_the_seed_only() -> None:
    ids = list(range(1, 101))
    first = f.evidence_sample(ids, size=10, seed=42)
    assert first == f.evidence_sample(list(reversed(ids)), size=10, seed=42)
    assert first != f.evidence_sample(ids, size=10, seed=43)
    assert len(first) == 10 and first == sorted(first)
    assert f.evidence_sample([3, 1], size=5, seed=1) == [1, 3]
    with pytest.raises(ValueError, match="sample size 0"):
        f.evidence_sample(ids, size=0, seed=1)


def test_charts_are_accessible_svg_with_escaped_text() -> None:
    svg = charts.bar_chart(title="Leavers <&>", desc="Per month", labels=["2026-10"], series=[("n", [3])])
    assert svg.startswith("<svg") and 'role="img"' in svg and "aria-labelledby" in svg
    assert "<title id=" in svg and "Leavers &lt;&amp;&gt;" in svg and "<desc id=" in svg
    assert svg == charts.bar_chart(title="Leavers <&>", desc="Per month", labels=["2026-10"], series=[("n", [3])])
    bars = charts.hbar_chart(title="T", desc="D", rows=[("Exempel IT AB", [4, 1])], series=["Open", "Overdue"])
    assert bars.count("<rect") == 1 + 2 + 2  # background, two bars, two legend keys
