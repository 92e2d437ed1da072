"""The value section's "leavers' accounts closed on time" for a month not yet over: lines due after today are
neither on time nor late yet, so the month's share does not read low until the month ends."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ordna.lifecycle.models import Line, LineKind
from ordna.reports.tests.conftest import at
from ordna.reports.value import value_of_month

pytestmark = pytest.mark.django_db

OCTOBER = date(2026, 10, 1)


def test_a_month_not_yet_over_counts_only_the_account_lines_due_so_far(org: dict[str, Any]) -> None:
    # Given two October leavers' account lines: L1's CRM account closed on its due day (6 October), L2's due
    # on 12 October and still open,
    cases = org["cases"]
    Line.objects.create(
        case=cases["L1"], kind=LineKind.ACCOUNT, subject="crm:l1", responsible="coordinator", due=date(2026, 10, 6),
        state="verified", verified_by="import", closed_by="import", closed_at=at(date(2026, 10, 6)),
        proof_taken_at=at(date(2026, 10, 6)),
    )  # fmt: skip
    Line.objects.create(
        case=cases["L2"], kind=LineKind.ACCOUNT, subject="crm:l2", responsible="coordinator", due=date(2026, 10, 12)
    )
    # when October is read on 7 October, only L1's line is due: one of one closed on time (not one of two);
    early = value_of_month(month=OCTOBER, today=date(2026, 10, 7))
    assert (early.leaver_accounts_due, early.leaver_accounts_on_time, early.share_on_time) == (1, 1, 1.0)
    # once L2's line is past due (or the month read without a day), it counts, and late.
    for later in (value_of_month(month=OCTOBER, today=date(2026, 10, 13)), value_of_month(month=OCTOBER)):
        assert (later.leaver_accounts_due, later.leaver_accounts_on_time, later.share_on_time) == (2, 1, 0.5)
