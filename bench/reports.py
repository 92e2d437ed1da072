"""The monthly report over a year of churn (docs/performance.md: under 2 s for 3,600 leavers a year).

Writes, deterministically (seed 7), a year of leaver cases for BENCH_CHURN people (default 3,600: 300 a
month) with their lines (accounts, licences, devices and template tasks, about 12 each), closed on time,
late or still open, and the reconciliation findings such an organisation carries (leavers still active,
licence waste, orphans, dormant accounts); then times the monthly report for the last full month, in
each format. Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordna.settings")
os.environ.setdefault("ORDNA_DATA_DIR", tempfile.mkdtemp(prefix="ordna-bench-reports-"))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

TODAY = date(2026, 11, 22)
CHURN = int(os.environ.get("BENCH_CHURN", "3600"))
TARGET_SECONDS = 2.0


def _at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock(hour)))


def generate(rng: random.Random) -> dict[str, int]:
    from ordna.accounts.models import Account, Finding
    from ordna.applications.models import Application, License
    from ordna.core.business_days import add_business_days
    from ordna.core.models import Supplier
    from ordna.lifecycle.models import Case, Line
    from ordna.people.models import Person

    suppliers = [Supplier.objects.create(name=f"Supplier {n}") for n in range(4)]
    apps = [
        Application.objects.create(slug=f"app-{n}", name=f"Application {n}", supplier=suppliers[n % 4])
        for n in range(12)
    ]
    for app in apps:
        License.objects.create(application=app, name="Standard", monthly_cost=Decimal("120.00"), currency="SEK")
    first_day = TODAY.replace(day=1) - timedelta(days=365)
    people = Person.objects.bulk_create(
        Person(
            employee_id=f"B{n:05d}",
            first_name="Bench",
            last_name=f"Leaver {n}",
            department=f"Consulting {n % 6}",
            start_date=date(2020, 1, 1),
            end_date=first_day + timedelta(days=n * 365 // CHURN),
        )
        for n in range(CHURN)
    )
    cases = Case.objects.bulk_create(
        Case(
            person=p,
            effective_date=p.end_date,
            status="open",
            opened_by="bench",
            opened_at=_at(p.end_date - timedelta(days=14)),
        )
        for p in people
    )
    now = timezone.now()
    accounts = Account.objects.bulk_create(
        Account(
            application=apps[(i * 7 + j) % len(apps)],
            key=f"b{i:05d}-{j}",
            key_display=f"b{i:05d}-{j}",
            person=people[i],
            status="disabled" if rng.random() < 0.9 else "active",
            licenses=["Standard"],
            first_seen=now,
            last_seen=now,
        )
        for i in range(CHURN)
        for j in range(4)
    )
    lines: list[Line] = []
    completed: list[int] = []
    for index, case in enumerate(cases):
        last = case.effective_date
        mine = accounts[index * 4 : index * 4 + 4]
        planned = [("account", a.key, a.application, "supplier", add_business_days(last, 1, "SE")) for a in mine]
        planned += [("licence", "Standard", a.application, "supplier", add_business_days(last, 1, "SE")) for a in mine]
        planned += [("device", f"LT-{index:05d}", None, "manager", add_business_days(last, 0, "SE"))]
        planned += [
            ("task", title, None, role, add_business_days(last, offset, "SE"))
            for title, role, offset in (
                ("Handover", "manager", -5),
                ("Final pay", "hr", 0),
                ("Mailbox", "coordinator", 1),
            )
        ]
        all_closed = True
        for kind, subject, app, role, due in planned:
            draw = rng.random()
            closed = None
            if last < TODAY - timedelta(days=20) or draw < 0.6:
                closed = due + timedelta(days=0 if draw < 0.8 else rng.randint(1, 12))
                closed = min(closed, TODAY)
            if draw > 0.97 and last > TODAY - timedelta(days=90):
                closed = None
            all_closed &= closed is not None
            lines.append(
                Line(
                    case=case,
                    kind=kind,
                    application=app,
                    subject=subject,
                    responsible=role,
                    responsible_supplier=app.supplier if app is not None else None,
                    due=due,
                    state="verified" if closed else "open",
                    verified_by="import" if closed else "",
                    closed_by="bench" if closed else "",
                    closed_at=_at(closed) if closed else None,
                    proof_taken_at=_at(closed) if closed else None,
                )
            )
        if all_closed:
            completed.append(case.pk)
    Line.objects.bulk_create(lines, batch_size=5000)
    Case.objects.filter(pk__in=completed).update(status="completed", completed_at=_at(TODAY))
    findings = []
    for account in accounts:
        since = max(account.person.end_date, first_day)  # type: ignore[union-attr]
        resolved = _at(since + timedelta(days=rng.randint(1, 60))) if rng.random() < 0.7 else None
        state = "resolved" if resolved else "open"
        if account.status == "active":
            findings.append(
                Finding(
                    kind="leaver_active",
                    application=account.application,
                    account=account,
                    person=account.person,
                    since=since,
                    state=state,
                    resolved_at=resolved,
                )
            )
        findings.append(
            Finding(
                kind="license_waste",
                application=account.application,
                account=account,
                license="Standard",
                person=account.person,
                monthly_cost=Decimal("120.00"),
                currency="SEK",
                since=since,
                state=state,
                resolved_at=resolved,
            )
        )
    Finding.objects.bulk_create(findings, batch_size=5000)
    return {"cases": len(cases), "lines": len(lines), "findings": len(findings)}


def main() -> None:
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with transaction.atomic():
        counts = generate(random.Random(7))
    generated = time.perf_counter() - started
    from ordna.reports import documents, selectors
    from ordna.reports.figures import previous_month

    month = previous_month(TODAY)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        report = selectors.monthly_report(month=month, today=TODAY)
        timings.append(time.perf_counter() - started)
    formats = {}
    for fmt in ("html", "pdf", "xlsx"):
        started = time.perf_counter()
        documents.monthly_file(selectors.monthly_report(month=month, today=TODAY), fmt)
        formats[fmt] = time.perf_counter() - started
    print(
        json.dumps(
            {
                **counts,
                "churn": CHURN,
                "month": report.label,
                "leavers_in_month": report.figures.leavers,
                "generate_seconds": generated,
                "report_seconds": min(timings),
                "format_seconds": formats,
            }
        )
    )


if __name__ == "__main__":
    main()
