"""Web journeys: sign-in with lockout, language, the HR upload with preview, budgets (the user administration
is in ordna/home/tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ordna.conftest import hr_csv, hr_row
from ordna.core.models import ImportRun, User
from ordna.people.models import Person

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_sign_in_and_out(make_user) -> None:
    make_user("hr", password=PASSWORD)
    client = Client()
    assert client.get("/").status_code == 302
    response = client.post("/login/", {"username": "HR1", "password": PASSWORD})  # username is case-insensitive
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_wrong_password_then_lockout(make_user, settings) -> None:
    settings.ORDNA_LOGIN_MAX_FAILURES = 3
    make_user("hr", password=PASSWORD)
    client = Client()
    refused = "Wrong username or password, or too many attempts: try again later."
    for _ in range(3):
        response = client.post("/login/", {"username": "hr1", "password": "wrong-password"})
        assert refused in response.content.decode()
    response = client.post("/login/", {"username": "hr1", "password": PASSWORD})  # locked: the same sentence
    assert refused in response.content.decode() and "_auth_user_id" not in client.session
    assert User.objects.get(username="hr1").locked_until is not None


def test_next_url_is_kept_but_never_off_site(make_user) -> None:
    make_user("hr", password=PASSWORD)
    response = Client().post("/login/", {"username": "hr1", "password": PASSWORD, "next": "/people/"})
    assert response["Location"] == "/people/"
    response = Client().post("/login/", {"username": "hr1", "password": PASSWORD, "next": "https://evil.example.net/"})
    assert response["Location"] == "/"


def test_language_choice_is_remembered_for_the_user(make_user) -> None:
    user = make_user("hr")
    client = signed_in(user)
    client.post("/language/", {"language": "sv", "next": "/people/"})
    assert User.objects.get(pk=user.pk).locale == "sv"
    response = client.get("/people/")
    assert response["Content-Language"] == "sv"
    assert '<html lang="sv">' in response.content.decode()


def upload(client: Client, content: str, name: str = "hr.csv") -> Any:
    return client.post("/people/import/", {"file": SimpleUploadedFile(name, content.encode(), "text/csv")})


def test_hr_upload_preview_then_confirm(make_user) -> None:
    client = signed_in(make_user("hr"))
    response = upload(client, hr_csv([hr_row("E1", "Åsa", "Öberg"), hr_row("E2", end_date="2026-12-01")]))
    page = response.content.decode()
    assert "Preview: nothing has been applied yet" in page and "Åsa Öberg (E1)" in page
    assert Person.objects.count() == 0
    response = client.post("/people/import/confirm/")
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{run.pk}/"
    assert Person.objects.count() == 2
    follow = client.get("/imports/").content.decode()
    assert "created: 2" in follow


def test_hr_upload_with_errors_lists_rows_and_applies_nothing(make_user) -> None:
    client = signed_in(make_user("hr"))
    page = upload(client, hr_csv([hr_row("E1"), hr_row("E1"), hr_row("E3", start_date="2026-13-01")])).content.decode()
    assert "The file has 2 errors; nothing was applied" in page
    assert "duplicate employee id &#x27;E1&#x27; (also on row 2)" in page
    assert "&#x27;2026-13-01&#x27; is not a date" in page
    assert client.post("/people/import/confirm/").status_code == 302
    assert Person.objects.count() == 0


def test_hr_upload_rejects_other_file_types(make_user) -> None:
    client = signed_in(make_user("hr"))
    page = upload(client, "x", name="payroll.pdf").content.decode()
    assert "payroll.pdf is not a CSV or XLSX file." in page


def test_mass_change_needs_the_confirmation_box(make_user, load_people) -> None:
    rows = [hr_row(f"E{i}") for i in range(100)]
    load_people(rows)
    for row in rows[:20]:
        row["end_date"] = "2026-11-30"
    client = signed_in(make_user("hr"))
    page = upload(client, hr_csv(rows)).content.decode()
    assert "20 current people would be ended" in page
    page = client.post("/people/import/confirm/").content.decode()
    assert "Stopped by the safety breaker" in page
    assert Person.objects.filter(end_date__isnull=False).count() == 0
    assert client.post("/people/import/confirm/", {"allow_mass_change": "1"}).status_code == 302
    assert Person.objects.filter(end_date__isnull=False).count() == 20


def test_file_changed_between_preview_and_confirm_is_refused(make_user, settings) -> None:
    client = signed_in(make_user("hr"))
    upload(client, hr_csv([hr_row("E1")]))
    token = client.session["people_import"]["token"]
    (settings.UPLOAD_DIR / f"{token}.upload").write_text(hr_csv([hr_row("E9")]), encoding="utf-8")
    client.post("/people/import/confirm/")
    assert Person.objects.count() == 0


def test_people_list_filters_and_pages(make_user, load_people) -> None:
    rows = [hr_row(f"E{i:03}", "Anna", f"Name{i:03}", department="Sales" if i % 2 else "IT") for i in range(120)]
    rows[5]["end_date"] = "2026-11-20"
    load_people(rows)
    client = signed_in(make_user("hr"))
    page = client.get("/people/", {"department": "Sales"}).content.decode()
    assert "60 people" in page and "Page 1 of 2" in page
    page = client.get("/people/", {"status": "leaving"}).content.decode()
    assert "1 person" in page and "E005" in page
    page = client.get("/people/", {"q": "name007"}).content.decode()
    assert "1 person" in page


# What the feeds add to the dashboard (issue 18): the stale sources (2 queries without applications to expect)
# and, in the count of open items that reach nobody, the feeds' two reminder sources (problems 1, stale 3).
FEEDS = 6
# What the processors add (issue 27): their gaps (applications, agreements with their applications, oversights,
# sub-processors: 5 at most, whatever the number) and their reminder source (4 at most).
PROCESSORS = 9
# The coordinator's own work first on the start page (issue 23): one count each of the lines to close, the
# accounts of leavers still active and the questions nobody could be routed to (their items only when counted).
OWN_WORK = 3


@pytest.mark.parametrize(
    ("url", "budget"),
    [
        # With the four figures of every surface, one query each (issue 16), and the unused seats beside them;
        # for the coordinator, the first-run checklist (5) and the reminder engine's count of the open items that
        # reach nobody: its directory (3) and one query per reminder source (issue 29); the stale sources (2, 18)
        # and the feeds' two reminder sources (FEEDS).
        ("/", 30 + FEEDS + PROCESSORS + OWN_WORK),
        ("/people/", 10),
        ("/people/E050/", 12),
        ("/applications/", 10),
        ("/devices/", 10),
        ("/imports/", 10),
        ("/audit/", 10),
        ("/users/", 10),
        ("/questions/", 10),
        ("/wishes/", 10),
        ("/surveys/", 10),
        ("/knowledge/", 10),
        ("/workload/", 12),
        ("/insight/", 21),  # with the department list, the effort per question, the latest survey (issue 23)
        # with where the data starts (2) and the unused seats (issue 29); what the routine achieved (5, issue 23:
        # money no longer paid, leavers' accounts, devices collected, hours logged, budgets), whatever the span
        ("/reports/", 22),
        # the four figures at 12 month ends, how lines closed, overrides, the same; stale sources (2, issue 18);
        # the value section (5, issue 23), and the processors' gaps (5 at most, issue 27)
        ("/reports/monthly/", 26 + 5),
        ("/reports/licenses/", 7),
        ("/notifications/", 10),
        ("/notifications/calendar/", 10),
        ("/connectors/outbox/", 10),
        ("/feeds/", 12),
        ("/suppliers/", 10),
        ("/contracts/", 12),
        ("/processors/", 12),
        ("/reports/processing-record/", 12),
        ("/reviews/", 12),
        ("/releases/", 10),
        ("/cases/?view=all&kind=joiner", 14),
        ("/cases/exit-survey/", 10),
        ("/cases/access/E050/", 14),
    ],
)
def test_pages_stay_within_their_query_budget(make_user, load_people, url: str, budget: int) -> None:
    load_people([hr_row(f"E{i:03}", manager_employee_id="E000" if i else "") for i in range(200)])
    client = signed_in(make_user("admin"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(queries) <= budget, [q["sql"][:120] for q in queries.captured_queries]


def test_export_download(make_user, load_people) -> None:
    load_people([hr_row("E1", "Åsa", "Öberg")])
    response = signed_in(make_user("hr")).get("/people/export/", {"format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="people.csv"'
    assert "E1,Åsa,Öberg" in response.content.decode()


def test_health_needs_no_sign_in() -> None:
    assert Client().get("/healthz").json() == {"status": "ok"}


def test_api_docs_are_served_without_a_cdn() -> None:
    page = Client().get("/api/docs").content.decode()
    assert "swagger-ui" in page and "cdn" not in page.lower()


Factory = Callable[..., Any]


def test_not_found_page_speaks_the_users_language(make_user, load_people, settings) -> None:
    settings.DEBUG = False
    load_people([hr_row("E1")])
    employee = make_user("employee", person=Person.objects.get(employee_id="E1"))
    client = signed_in(employee)
    client.post("/language/", {"language": "nl"})
    response = client.get("/people/")
    assert response.status_code == 404
    assert "Niet gevonden" in response.content.decode()
    assert "/people/E1/" in client.get("/").content.decode()  # the way to one's own page


def test_every_navigation_item_is_in_exactly_one_section() -> None:
    from ordna.core.context_processors import NAVIGATION, SECTIONS

    in_sections = [name for _, names in SECTIONS for name in names]
    assert sorted(in_sections) == sorted(name for name, *_ in NAVIGATION)


def test_the_top_bar_shows_sections_and_the_current_sections_items(make_user, load_people) -> None:
    load_people([hr_row("E001")])
    admin = signed_in(make_user("admin"))
    page = admin.get("/accounts/findings/").content.decode()
    top = page[page.index('<nav aria-label="Main">') : page.index("</nav>")]
    sections = ["Overview", "People", "Joiners and leavers", "Accounts", "Key users", "Suppliers", "Administration"]
    assert [label for label in sections if f">{label}</a>" in top] == sections
    assert 'aria-current="true">Accounts</a>' in top
    sub = page[page.index('<nav class="subnav" aria-label="Accounts">') :]
    sub = sub[: sub.index("</nav>")]
    assert [label for label in ("Applications", "Findings", "Review", "Imports") if f">{label}</a>" in sub] == [
        "Applications", "Findings", "Review", "Imports",
    ]  # fmt: skip
    assert 'aria-current="page">Findings</a>' in sub
    # An employee has one item in most sections: the item itself stands in the top bar, without a second row.
    employee = signed_in(make_user("employee", person=Person.objects.get(employee_id="E001")))
    page = employee.get("/cases/mine/").content.decode()
    assert 'aria-current="page">My tasks</a>' in page and 'class="subnav"' not in page


# /readyz: the database and the worker's heartbeat (docs/operations.md) ---------------------------------------------


@pytest.fixture
def with_a_worker(settings: Any) -> Iterator[None]:
    """As in production: jobs go to a worker, not run in the calling process."""
    from huey.contrib.djhuey import HUEY

    from ordna.core.heartbeat import KEY

    settings.HUEY = {**settings.HUEY, "immediate": False}
    HUEY.delete(KEY)
    yield
    HUEY.delete(KEY)


@pytest.mark.django_db
@pytest.mark.usefixtures("with_a_worker")
def test_readyz_is_not_ready_before_a_worker_beat() -> None:
    answer = Client().get("/readyz")
    assert (answer.status_code, answer.json()) == (
        503,
        {"status": "not ready", "database": "ok", "worker": "no worker has run yet (start `ordna worker`)"},
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("with_a_worker")
def test_readyz_is_ready_after_the_workers_heartbeat_and_not_when_it_stops() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from ordna.core.heartbeat import heartbeat_beat
    from ordna.core.tasks import worker_heartbeat

    worker_heartbeat.call_local()
    answer = Client().get("/readyz")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok", "database": "ok", "worker": "ok"})
    heartbeat_beat(now=timezone.now() - timedelta(minutes=5, seconds=10))
    answer = Client().get("/readyz")
    assert (answer.status_code, answer.json()["worker"]) == (
        503,
        "no heartbeat for 5 minutes (is `ordna worker` running?)",
    )


@pytest.mark.django_db
def test_readyz_without_a_worker_when_jobs_run_in_the_process(settings: Any) -> None:
    settings.HUEY = {**settings.HUEY, "immediate": True}
    answer = Client().get("/readyz")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok", "database": "ok", "worker": "immediate"})
