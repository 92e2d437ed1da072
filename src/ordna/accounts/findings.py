"""Which findings the accounts of one application imply (docs/accounts.md). Pure: no ORM.

The service loads the state, calls `compute_findings`, and reconciles the result with the stored
findings: new ones open, vanished ones resolve, accepted ones stay accepted until their expiry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


class AccountState(NamedTuple):
    id: int
    status: str  # active, disabled, gone
    person_id: int | None
    non_personal: bool
    needs_review: bool
    last_login: datetime | None
    licenses: tuple[str, ...]


class PersonDates(NamedTuple):
    start_date: date | None
    end_date: date | None


class Price(NamedTuple):
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
    add = findings.append
    assigned: dict[str, int] = {}
    dormant_before = today - timedelta(days=dormant_days)
    person_of = people.get
    price_of = prices.get
    for account in accounts:
        account_id, status, person_id, non_personal, needs_review, last_login, licenses = account
        if status == "gone":
            continue
        for name in licenses:
            assigned[name] = assigned.get(name, 0) + 1
        person = person_of(person_id) if person_id is not None else None
        left = person is not None and person.end_date is not None and person.end_date < today
        active = status == "active"
        if needs_review:
            add(FindingSpec(NEEDS_REVIEW, account_id, "", None, ZERO, ""))
        orphan = active and person_id is None and not non_personal and not needs_review
        if orphan:
            add(FindingSpec(ORPHAN, account_id, "", None, ZERO, ""))
        if active and left:
            add(FindingSpec(LEAVER_ACTIVE, account_id, "", person_id, ZERO, ""))
        if (
            active
            and person is not None
            and not left
            and last_login is not None
            and (person.start_date is None or person.start_date <= today)
            and last_login.date() < dormant_before
        ):
            add(FindingSpec(DORMANT, account_id, "", person_id, ZERO, ""))
        # Money: a licence still assigned to an account nobody can use (Entra's group-based licences
        # survive a blocked sign-in, which is exactly how 400 licences were found on leavers).
        if licenses and (status == "disabled" or orphan or left):
            for name in licenses:
                price = price_of(name)
                add(
                    FindingSpec(
                        LICENSE_WASTE,
                        account_id,
                        name,
                        person_id,
                        price.monthly_cost if price else ZERO,
                        price.currency if price else default_currency,
                    )
                )
    for name, price in sorted(prices.items()):
        if price.seats is not None and price.seats > assigned.get(name, 0):
            unused = price.seats - assigned.get(name, 0)
            add(FindingSpec(SEAT_OVERBUY, None, name, None, price.monthly_cost * unused, price.currency))
    return findings
