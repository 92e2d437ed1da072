"""Writers at once on PostgreSQL: two account imports and API writes take the next links of the audit chain
one after the other, all succeed, and the chain verifies (issue 26, item 5); a request that cannot get the
chain's head in time answers 503 (item 3).

SQLite serialises writers with its one write lock, which hid the fault this guards against: under READ
COMMITTED a writer that waited for a row lock on the newest event read that same event afterwards, took a
number already taken and failed on the unique `seq`.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from ordna.accounts import staging
from ordna.accounts.importing import accounts_import
from ordna.accounts.models import Account, AccountStage, StagedAccount
from ordna.conftest import TODAY, hr_row
from ordna.core.actor import Actor
from ordna.core.audit import audit_verify
from ordna.core.models import AuditChainHead, AuditEvent
from ordna.core.services import token_create

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL's row locks (make test-postgres); SQLite's one write lock is tested in test_limits.py",
    ),
]

ROWS = 3000
API_THREADS = 3
API_WRITES = 8


def export(app: str, people: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["account_id", "email", "display_name", "employee_id", "status", "last_login", "license"])
    for i in range(ROWS):
        person = f"E{i % people}"
        writer.writerow([f"{app}-{i}", f"{app}.{i}@example.org", f"{app} {i}", person, "active", "2026-11-10", "E3"])
    return out.getvalue()


def in_thread(work: Callable[[], Any], start: threading.Barrier, results: list[Any]) -> threading.Thread:
    def run() -> None:
        try:
            start.wait(timeout=30)
            results.append(work())
        except Exception as exc:  # every failure is the test's finding
            results.append(exc)
        finally:
            connections.close_all()

    return threading.Thread(target=run)


@pytest.mark.parametrize("staged", [False, True], ids=["in-one-step", "staged"])
def test_two_imports_and_api_writes_at_once_all_succeed_and_the_chain_verifies(
    load_people, make_user, write_file, monkeypatch, staged: bool
) -> None:
    """Also with the new accounts staged in bounded transactions first (ordna.accounts.staging), both at once."""
    if staged:
        monkeypatch.setattr(staging, "STAGE_FROM_ROWS", 1000)
        monkeypatch.setattr(staging, "STAGE_BATCH_ROWS", 500)
    load_people([hr_row(f"E{i}", "Test", f"Person{i}") for i in range(50)])
    token = token_create(user=make_user("coordinator"), actor=Actor.system("test"))
    files = {app: write_file(f"{app}.csv", export(app, 50)) for app in ("alpha", "beta")}
    events_before = AuditEvent.objects.count()

    def import_accounts(app: str) -> Callable[[], Any]:
        def run() -> str:
            result = accounts_import(
                create_application=True,
                application_slug=app,
                path=files[app],
                actor=Actor.system("test"),
                today=TODAY,
                preset="generic",
            )
            return f"{result.outcome} {[str(e) for e in result.errors]}"

        return run

    def api_writes(thread: int) -> Callable[[], Any]:
        def write() -> list[int]:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
            return [
                client.post(
                    "/api/v1/applications", {"slug": f"app-{thread}-{n}"}, content_type="application/json"
                ).status_code
                for n in range(API_WRITES)
            ]

        return write

    work = [import_accounts("alpha"), import_accounts("beta"), *(api_writes(t) for t in range(API_THREADS))]
    start = threading.Barrier(len(work))
    results: list[Any] = []
    threads = [in_thread(job, start, results) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert sorted(r for r in results if isinstance(r, str)) == ["applied []", "applied []"]
    assert [r for r in results if isinstance(r, list)] == [[201] * API_WRITES] * API_THREADS
    actions = list(AuditEvent.objects.filter(seq__gt=events_before).values_list("action", flat=True))
    assert actions.count("import.accounts") == 2
    assert actions.count("application.created") == 2 + API_THREADS * API_WRITES
    result = audit_verify()
    assert (result.ok, result.checked) == (True, AuditEvent.objects.count())
    assert Account.objects.count() == 2 * ROWS
    assert not StagedAccount.objects.exists() and not AccountStage.objects.exists()


def test_a_request_waits_for_the_chain_head_only_as_long_as_a_request_may(make_user, settings) -> None:
    settings.ORDNA_DB_LOCK_TIMEOUT_SECONDS = 1
    token = token_create(user=make_user("coordinator"), actor=Actor.system("test"))
    locked, release = threading.Event(), threading.Event()

    def hold_the_head() -> None:  # as an HR import does from its first audited change until it commits
        try:
            with transaction.atomic():
                list(AuditChainHead.objects.select_for_update().filter(pk=1))
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_head)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        answer = client.post("/api/v1/applications", {"slug": "crm"}, content_type="application/json")
        assert (answer.status_code, answer["Retry-After"]) == (503, "1")
        assert answer.json()["detail"].startswith("Another change, such as a large import, is being saved")
        assert client.get("/api/v1/me").status_code == 200
    finally:
        release.set()
        holder.join(timeout=30)
        connection.close()  # the next test's connection waits as long as it always did
    answer = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
        "/api/v1/applications", {"slug": "crm"}, content_type="application/json"
    )
    assert answer.status_code == 201
