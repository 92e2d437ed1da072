"""The demo's accounts as the applications' exports would show them: current people's, leavers' (some still
active: what Ordna finds), service accounts, orphans and namesakes; loaded through the real account import."""

from __future__ import annotations

import csv
import math
import os
import random
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from django.utils import timezone

from ordna.accounts.importing import accounts_import
from ordna.accounts.models import Account
from ordna.accounts.services import account_link
from ordna.core.actor import Actor
from ordna.demo.applications import DEMO_APPLICATIONS, DemoAudience, DemoLicense
from ordna.demo.names import SWEDISH_FIRST_NAMES, SWEDISH_LAST_NAMES
from ordna.demo.people import (
    CONSULTANT,
    EMPLOYEE,
    LONG_GONE,
    DemoPerson,
    ascii_fold,
    day_at,
    demo_sizes,
    email_local_part,
)
from ordna.people.models import Person

# Service and shared accounts: (application, key, display name, licences).
NON_PERSONAL_ACCOUNTS = (
    ("m365", "Reception@example.org", "Reception Stockholm", ()),
    ("m365", "Scanner@example.org", "Scanner Stockholm", ("Microsoft 365 F3",)),
    ("m365", "Receptie@example.nl", "Receptie Amsterdam", ()),
    ("m365", "Scanner.Utrecht@example.nl", "Scanner Utrecht", ("Microsoft 365 F3",)),
    ("m365", "Meetingroom.Stockholm@example.org", "Meeting room Stockholm", ()),
    ("m365", "Noreply@example.org", "No reply", ()),
    ("m365", "Svc-Backup@example.org", "Backup service", ("Microsoft 365 E3",)),
    ("slack", "svc-jira-integration@example.org", "Jira integration", ()),
    ("github", "ci-bot@example.org", "CI bot", ("GitHub Enterprise",)),
    ("topdesk", "servicedesk@example.org", "Service desk mailbox", ("Operator",)),
)


def _is_in_audience(audience: DemoAudience, person: DemoPerson, is_manager: bool, draw: float) -> bool:
    if audience.countries and person.holiday_country not in audience.countries:
        return False
    if audience.managers and is_manager:
        return True
    if person.employment_type == CONSULTANT:
        return draw < audience.consultant
    if audience.departments and person.department not in audience.departments:
        return False
    share = audience.employee if person.employment_type == EMPLOYEE else audience.contractor
    return draw < share


def _license_applies(license_: DemoLicense, person: DemoPerson, is_manager: bool) -> bool:
    return any(
        who == "all" or who == person.employment_type or who == person.department or (who == "manager" and is_manager)
        for who in license_.who
    )


@dataclass(frozen=True)
class DemoAccount:
    """One account as an application's export would show it, linked (or not) the way Ordna would link it."""

    application: str
    key_display: str
    username: str
    email: str
    display_name: str
    employee_id_attr: str
    status: str
    last_login: datetime | None
    licenses: tuple[str, ...]
    person: str = ""  # employee id of the linked person
    match_rule: str = ""
    needs_review: bool = False
    non_personal: bool = False
    owner: str = ""  # employee id of the accountable owner of a non-personal account

    @property
    def key(self) -> str:
        return self.key_display.lower()


def _login_of_current(person: DemoPerson, rng: random.Random, until: datetime) -> datetime | None:
    # Every draw is made whatever the outcome, so later draws never depend on the moment of loading.
    draw, dormant_days, recent_minutes, first_day_minutes = (
        rng.random(),
        rng.randint(95, 500),
        rng.randint(0, 20 * 24 * 60),
        rng.randint(0, 600),
    )
    started = day_at(person.start_date, 8) if person.start_date else None
    if draw < 0.03 or (started is not None and started > until):
        return None  # never signed in
    # About 6 % have not signed in for over 90 days: dormant accounts.
    login = until - (timedelta(days=dormant_days) if draw < 0.09 else timedelta(minutes=recent_minutes))
    if started is not None and login < started:
        login = min(started + timedelta(minutes=first_day_minutes), until)
    return login


def _login_of_leaver(end_date: date, active: bool, rng: random.Random, until: datetime) -> datetime:
    last_day = day_at(end_date, 16)
    if active and rng.random() < 0.05:
        # Someone still signs in to a leaver's account that nobody closed. One `random()` draw whatever
        # the span, so that the draws after it do not depend on the moment of loading.
        after = last_day + (until - last_day) * rng.random()
        return min(max(after, last_day + timedelta(hours=1)), until)
    return min(last_day - timedelta(minutes=rng.randint(0, 10 * 24 * 60)), until)


def demo_accounts(*, people: Sequence[DemoPerson], seed: int, today: date, until: datetime) -> list[DemoAccount]:
    """Accounts of current people, of a third of past leavers (60 % of those disabled, the rest still
    active: what Ordna finds), pre-created mailboxes of future starters, service accounts, accounts of
    former staff unknown to HR, and name-only accounts of namesakes that need review."""
    rng = random.Random(f"ordna-demo:{seed}:accounts")
    sizes = demo_sizes(len(people))
    managers = {p.manager_employee_id for p in people if p.manager_employee_id}
    accounts: list[DemoAccount] = []
    for person in people:
        phase = person.phase(today)
        if phase == "left" and rng.random() >= 1 / 3:
            continue  # deleted by the supplier, as it should have been
        is_manager = person.employee_id in managers
        for app in DEMO_APPLICATIONS:
            draw = rng.random()
            if app.attest_only or not _is_in_audience(app.audience, person, is_manager, draw):
                continue
            if phase == "future" and app.slug != "m365":
                continue  # only the mailbox is made before the first day
            licenses = tuple(
                lic.name
                for lic in app.licenses
                if _license_applies(lic, person, is_manager) and rng.random() < lic.share
            )
            if phase == "left" and person.end_date is not None:
                status = "disabled" if rng.random() < 0.6 else "active"
                if person.end_date < today - LONG_GONE:
                    status = "disabled"  # long gone: closed in time (the draw stays, so the others do not change)
                last_login: datetime | None = _login_of_leaver(person.end_date, status == "active", rng, until)
            else:
                status = "active"
                last_login = None if phase == "future" else _login_of_current(person, rng, until)
            by_employee_id = app.employee_id_attr and rng.random() < 0.9
            key = _upn(person.email) if app.slug == "m365" else person.email
            accounts.append(
                DemoAccount(
                    application=app.slug,
                    key_display=key,
                    username=person.email.split("@")[0],
                    email=person.email,
                    display_name=person.full_name,
                    employee_id_attr=person.employee_id if by_employee_id else "",
                    status=status,
                    last_login=last_login,
                    licenses=licenses,
                    person=person.employee_id,
                    match_rule="employee_id" if by_employee_id else "email",
                )
            )
    _ensure_leaver_with_active_account(accounts, people, today)
    accounts.extend(_non_personal_accounts(people, rng, today, until))
    accounts.extend(_orphan_accounts(people, sizes.orphan_accounts, rng, until))
    accounts.extend(_namesake_accounts(people, rng, until))
    keys = Counter((a.application, a.key) for a in accounts)
    duplicate = next((k for k, n in keys.items() if n > 1), None)
    if duplicate is not None:
        raise RuntimeError(f"demo accounts: duplicate key {duplicate}")
    return accounts


def _upn(email: str) -> str:
    """Microsoft 365 shows UPNs as typed by the admin who made them: `Asa.Oberg@example.org`."""
    local, domain = email.split("@")
    return f"{'.'.join(part[:1].upper() + part[1:] for part in local.split('.'))}@{domain}"


def _ensure_leaver_with_active_account(accounts: list[DemoAccount], people: Sequence[DemoPerson], today: date) -> None:
    """At least one past leaver keeps an active account, however small the demo: it is the point of Ordna.
    Reopens a leaver's disabled account, or else leaves the most recent leaver's mailbox open."""
    left = {p.employee_id for p in people if p.phase(today) == "left"}
    if any(a.person in left and a.status == "active" for a in accounts):
        return
    for number, account in enumerate(accounts):
        if account.person in left:
            accounts[number] = replace(account, status="active")
            return
    leaver = max((p for p in people if p.employee_id in left), key=lambda p: (p.end_date or today, p.employee_id))
    accounts.append(
        DemoAccount(
            application="m365",
            key_display=_upn(leaver.email),
            username=leaver.email.split("@")[0],
            email=leaver.email,
            display_name=leaver.full_name,
            employee_id_attr=leaver.employee_id,
            status="active",
            last_login=day_at(leaver.end_date or today, 15),
            licenses=("Microsoft 365 F3" if leaver.employment_type == CONSULTANT else "Microsoft 365 E3",),
            person=leaver.employee_id,
            match_rule="employee_id",
        )
    )


def _non_personal_accounts(
    people: Sequence[DemoPerson], rng: random.Random, today: date, until: datetime
) -> list[DemoAccount]:
    it_people = [
        p
        for p in people
        if p.department == "IT" and p.phase(today) == "current" and not p.end_date and p.employment_type == EMPLOYEE
    ]
    result = []
    for slug, key, display_name, licenses in NON_PERSONAL_ACCOUNTS:
        result.append(
            DemoAccount(
                application=slug,
                key_display=key,
                username=key.split("@")[0].lower(),
                email=key.lower(),
                display_name=display_name,
                employee_id_attr="",
                status="active",
                last_login=until - timedelta(minutes=rng.randint(0, 30 * 24 * 60)),
                licenses=licenses,
                non_personal=True,
                owner=rng.choice(it_people).employee_id,
            )
        )
    return result


def _orphan_accounts(
    people: Sequence[DemoPerson], count: int, rng: random.Random, until: datetime
) -> list[DemoAccount]:
    """Accounts of former staff who left before the HR system was introduced: nobody HR knows."""
    names = {(p.first_name, p.last_name) for p in people}
    emails = {p.email for p in people}
    result: list[DemoAccount] = []
    made = 0
    for _ in range(count * 100):  # bounded: a huge demo may have used every name already
        if made == count:
            break
        first, last = rng.choice(SWEDISH_FIRST_NAMES), rng.choice(SWEDISH_LAST_NAMES)
        email = f"{email_local_part(first, last)}@example.org"
        if (first, last) in names or email in emails:
            continue
        names.add((first, last))
        emails.add(email)
        made += 1
        last_login = until - timedelta(days=rng.randint(200, 900))
        result.append(
            DemoAccount(
                "m365",
                _upn(email),
                email.split("@")[0],
                email,
                f"{first} {last}",
                "",
                "active",
                last_login,
                ("Microsoft 365 E3",),
            )
        )
        if rng.random() < 0.5:
            result.append(
                DemoAccount(
                    "slack",
                    email,
                    email.split("@")[0],
                    email,
                    f"{first} {last}",
                    "",
                    "active",
                    last_login,
                    ("Slack Pro",),
                )
            )
    return result


def _namesake_accounts(people: Sequence[DemoPerson], rng: random.Random, until: datetime) -> list[DemoAccount]:
    """A Zoom account known only by its display name for each pair of namesakes: never linked by guessing."""
    by_name = Counter(p.full_name for p in people)
    result = []
    for name in sorted(n for n, count in by_name.items() if count > 1):
        username = re.sub(r"[^a-z0-9]", "", ascii_fold(name).lower())
        result.append(
            DemoAccount(
                "zoom",
                username,
                username,
                "",
                name,
                "",
                "active",
                until - timedelta(days=rng.randint(1, 60)),
                ("Zoom Pro",),
                needs_review=True,
            )
        )
    return result


def license_seats(accounts: Iterable[DemoAccount]) -> dict[tuple[str, str], int]:
    """Seats bought per (application, licence) where a seat count is kept: the assigned licences times
    the licence's margin, rounded up (some over-bought on purpose); a small pack where none is assigned."""
    assigned = Counter((a.application, name) for a in accounts for name in a.licenses)
    seats = {}
    for app in DEMO_APPLICATIONS:
        for lic in app.licenses:
            if lic.seat_margin is not None:
                seats[(app.slug, lic.name)] = math.ceil(assigned[(app.slug, lic.name)] * lic.seat_margin) or 5
    return seats


# Exports taken this many days before the demo loads: Miro's admin has not sent one for a while, so its source is
# stale (docs/feeds.md) and its leavers' lines wait for a fresh one.
STALE_EXPORTS = {"miro": 12}


def accounts_demo_load(accounts: Sequence[DemoAccount], *, pk_of: Mapping[str, int], actor: Actor, seed: int) -> None:
    """Load the accounts as an administrator would: one export per application through the real import, so
    that correlation, not the demo, decides every link, and findings exist from the start. Service accounts
    then get their owner through the same decision a reviewer makes in the web."""
    today = timezone.localdate()
    by_application: dict[str, list[DemoAccount]] = {}
    for account in accounts:
        by_application.setdefault(account.application, []).append(account)
    with tempfile.TemporaryDirectory(prefix="ordna-demo-") as directory:
        for slug, rows in sorted(by_application.items()):
            path = Path(directory) / f"{slug}.csv"
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(
                    ["account_id", "email", "display_name", "employee_id", "status", "last_login", "license"]
                )
                for a in rows:
                    login = a.last_login.isoformat() if a.last_login else ""
                    writer.writerow(
                        [
                            a.key_display,
                            a.email,
                            a.display_name,
                            a.employee_id_attr,
                            a.status,
                            login,
                            "+".join(a.licenses),
                        ]
                    )
            if slug in STALE_EXPORTS:
                taken = timezone.now().timestamp() - STALE_EXPORTS[slug] * 86400
                os.utime(path, (taken, taken))
            result = accounts_import(
                application_slug=slug,
                path=path,
                actor=actor,
                today=today,
                preset="generic",
                file_name=f"demo-{slug}.csv",
                allow_mass_change=True,
                create_application=True,
            )
            if result.outcome != "applied":
                errors = "; ".join(str(e) for e in result.errors[:10]) or result.outcome
                raise RuntimeError(f"the demo's {slug} export was not applied: {errors}")
    owners = {(a.application, a.key): a.owner for a in accounts if a.non_personal}
    people = Person.objects.in_bulk([pk_of[o] for o in owners.values()])
    stored = Account.objects.filter(non_personal=False, key__in=[key for _, key in owners])
    for service_account in stored.select_related("application"):
        owner = owners.get((service_account.application.slug, service_account.key))
        if owner:
            account_link(account=service_account, actor=actor, owner=people[pk_of[owner]], today=today)
