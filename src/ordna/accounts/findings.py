"""Which findings the accounts of one application imply (DESIGN.md 3.1). Pure: no ORM.

The service loads the state, calls `compute_findings`, and reconciles the result with the stored
findings: new ones open, vanished ones resolve, accepted ones stay accepted until their expiry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

LEAVER_ACTIVE = "leaver_active"
ORPHAN = "orphan"
DORMANT = "dormant"
LICENSE_WASTE = "license_waste"
SEAT_OVERBUY = "seat_overbuy"
NEEDS_REVIEW = "needs_review"
KINDS = (LEAVER_ACTIVE, ORPHAN, DORMANT, LICENSE_WASTE, SEAT_OVERBUY, NEEDS_REVIEW)


@dataclass(frozen=True, slots=True)
class AccountState:
    id: int
    status: str  # active, disabled, gone
    person_id: int | None
    non_personal: bool
    needs_review: bool
    last_login: datetime | None
    licenses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PersonDates:
    start_date: date | None
    end_date: date | None


@dataclass(frozen=True, slots=True)
class Price:
    monthly_cost: Decimal
    currency: str
    seats: int | None


class FindingSpec(NamedTuple):
    """A finding that should be open. `identity` says when two specs are the same finding."""

    kind: str
    account_id: int | None
    license: str
    person_id: int | None
    monthly_cost: Decimal
    currency: str

    @property
    def identity(self) -> tuple[str, int | None, str]:
        return (self.kind, self.account_id, self.license)


ZERO = Decimal("0")


def compute_findings(
    *,
    accounts: Iterable[AccountState],
    people: Mapping[int, PersonDates],
    prices: Mapping[str, Price],
    today: date,
    dormant_days: int,
    default_currency: str = "SEK",
) -> list[FindingSpec]:
    """Every finding the accounts of one application give, on `today`."""
    findings: list[FindingSpec] = []
    assigned: dict[str, int] = {}
    dormant_before = datetime.combine(today - timedelta(days=dormant_days), datetime.min.time()).date()
    for account in accounts:
        if account.status == "gone":
            continue
        for name in account.licenses:
            assigned[name] = assigned.get(name, 0) + 1
        person = people.get(account.person_id) if account.person_id is not None else None
        left = person is not None and person.end_date is not None and person.end_date < today
        active = account.status == "active"
        if account.needs_review:
            findings.append(FindingSpec(NEEDS_REVIEW, account.id, "", None, ZERO, ""))
        orphan = active and account.person_id is None and not account.non_personal and not account.needs_review
        if orphan:
            findings.append(FindingSpec(ORPHAN, account.id, "", None, ZERO, ""))
        if active and left:
            findings.append(FindingSpec(LEAVER_ACTIVE, account.id, "", account.person_id, ZERO, ""))
        current = person is not None and not left and (person.start_date is None or person.start_date <= today)
        if active and current and account.last_login is not None and account.last_login.date() < dormant_before:
            findings.append(FindingSpec(DORMANT, account.id, "", account.person_id, ZERO, ""))
        # Money: a licence still assigned to an account nobody can use (Entra's group-based licences
        # survive a blocked sign-in, which is exactly how 400 licences were found on leavers).
        if account.status == "disabled" or orphan or left:
            for name in account.licenses:
                price = prices.get(name)
                findings.append(
                    FindingSpec(
                        LICENSE_WASTE,
                        account.id,
                        name,
                        account.person_id,
                        price.monthly_cost if price else ZERO,
                        price.currency if price else default_currency,
                    )
                )
    for name, price in sorted(prices.items()):
        if price.seats is not None and price.seats > assigned.get(name, 0):
            unused = price.seats - assigned.get(name, 0)
            findings.append(FindingSpec(SEAT_OVERBUY, None, name, None, price.monthly_cost * unused, price.currency))
    return findings
