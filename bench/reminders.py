"""The reminder budget (docs/performance.md): a reminder run over 100,000 open lines computes all digests in under 5 s.

In a fresh SQLite database: 25,000 people under 500 managers, every one with an address in the HR file; half the
managers also have an Ordna user (in English, Swedish or Dutch), the other half and every employee are reached at
the HR file's address (issue 17); HR and the IT coordinators have users and a role mailbox each. 10,000 leavers
with open cases and 10 open lines each, due from four weeks ago to two weeks ahead, for managers, HR, the IT
coordinators and the employees. Written set-based; then `ordna remind --dry-run`
is timed as a command (process start included) and the planning alone in this process. Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta

LINES = int(os.environ.get("BENCH_LINES", "100000"))
TODAY = date(2026, 11, 16)


def main() -> None:
    os.environ["ORDNA_DATA_DIR"] = tempfile.mkdtemp(prefix="ordna-bench-remind-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "ordna.settings"
    os.environ["ORDNA_ROLE_MAILBOXES"] = "hr=hr@example.org,coordinator=it@example.org"
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from ordna.core.models import User, UserRole
    from ordna.lifecycle.models import Case, Line
    from ordna.people.models import Person

    call_command("migrate", verbosity=0)
    cases_count = max(LINES // 10, 1)
    managers_count = 500
    now = timezone.now()
    Person.objects.bulk_create(
        [
            Person(employee_id=f"M{i}", first_name="Manager", last_name=str(i), email=f"m{i}@hr.example.org")
            for i in range(managers_count)
        ],
        batch_size=5000,
    )
    manager_ids = list(Person.objects.order_by("id").values_list("id", flat=True))
    Person.objects.bulk_create(
        [
            Person(
                employee_id=f"P{i}",
                first_name="Person",
                last_name=str(i),
                email=f"p{i}@example.org",
                manager_id=manager_ids[i % managers_count],
                end_date=TODAY - timedelta(days=i % 30),
            )
            for i in range(cases_count * 2)
        ],
        batch_size=5000,
    )
    leavers = list(Person.objects.filter(employee_id__startswith="P").order_by("id").values_list("id", "manager_id"))
    locales = ("en", "sv", "nl")
    User.objects.bulk_create(
        [
            User(username=f"manager{i}", email=f"manager{i}@example.org", person_id=pid, locale=locales[i % 3])
            for i, pid in enumerate(manager_ids)
            if i % 2 == 0
        ]
        + [User(username=f"staff{i}", email=f"staff{i}@example.org") for i in range(6)],
        batch_size=5000,
    )
    users = dict(User.objects.values_list("username", "id"))
    roles = [UserRole(user_id=users[f"manager{i}"], role="manager") for i in range(0, managers_count, 2)]
    roles += [UserRole(user_id=users[f"staff{i}"], role="coordinator" if i < 3 else "hr") for i in range(6)]
    UserRole.objects.bulk_create(roles)
    Case.objects.bulk_create(
        [
            Case(person_id=pid, effective_date=TODAY, opened_by="bench", opened_at=now)
            for pid, _manager in leavers[:cases_count]
        ],
        batch_size=5000,
    )
    cases = list(Case.objects.order_by("id").values_list("id", "person_id", "person__manager_id"))
    parties = ("manager", "manager", "hr", "coordinator", "employee")
    lines = []
    for number in range(LINES):
        case_id, person_id, manager_id = cases[number % len(cases)]
        role = parties[number % len(parties)]
        lines.append(
            Line(
                case_id=case_id,
                kind="task",
                subject=f"Task {number}",
                responsible=role,
                responsible_person_id=manager_id if role == "manager" else person_id if role == "employee" else None,
                due=TODAY + timedelta(days=(number % 42) - 28),
            )
        )
    Line.objects.bulk_create(lines, batch_size=5000)

    from ordna.notifications.selectors import reminders_plan

    started = time.perf_counter()
    plan = reminders_plan(today=TODAY)
    planning = time.perf_counter() - started
    started = time.perf_counter()
    completed = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "ordna.cli", "remind", "--dry-run", "--quiet", "--day", TODAY.isoformat()],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=True,
    )
    command = time.perf_counter() - started
    print(completed.stdout.strip().splitlines()[0], file=sys.stderr)
    print(
        json.dumps(
            {
                "open_lines": LINES,
                "items": plan.items,
                "digests": len(plan.digests),
                "entries": sum(len(d.entries) for d in plan.digests.values()),
                "planning_seconds": round(planning, 3),
                "command_seconds": round(command, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
