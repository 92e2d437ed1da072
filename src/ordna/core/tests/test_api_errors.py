"""An API without server errors (issue 26, item 2): pages past the end, values the database would refuse and
impossible months answer with a status and a sentence naming the field, and the OpenAPI document says so."""

from __future__ import annotations

import subprocess

import pytest
from django.test import Client

from ordna.api import COMMON_ERRORS, api
from ordna.conftest import hr_row
from ordna.core.actor import Actor
from ordna.core.services import token_create
from ordna.core.tests.served import migrated_site, ordna_executable

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(make_user) -> Client:
    token = token_create(user=make_user("admin"), actor=Actor.system("test"))
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_a_page_past_the_end_is_empty_however_far(admin_api, load_people) -> None:
    load_people([hr_row("E1"), hr_row("E2")])
    for page in ("2", "99999999999999999999", str(2**63)):
        answer = admin_api.get("/api/v1/people", {"page": page})
        assert (answer.status_code, answer.json()) == (200, {"items": [], "count": 2, "next": None})
    answer = admin_api.get("/api/v1/people", {"page": "0"})
    assert answer.status_code == 422
    assert answer.json() == {
        "detail": "page: Give a number of at least 1.",
        "field": "page",
        "errors": [
            {
                "loc": ["query", "page"],
                "msg": "Input should be greater than or equal to 1",
                "type": "greater_than_equal",
            }
        ],
    }


def test_page_size_is_capped_at_the_documented_1000(admin_api, load_people) -> None:
    load_people([hr_row(f"E{i:04}") for i in range(1001)])
    for size in ("1000", "5000", "99999999999999999999"):
        body = admin_api.get("/api/v1/people", {"page_size": size}).json()
        assert (len(body["items"]), body["count"]) == (1000, 1001)
    assert len(admin_api.get("/api/v1/people").json()["items"]) == 50
    assert len(admin_api.get("/api/v1/people", {"page": 2, "page_size": 1000}).json()["items"]) == 1


def test_values_the_database_would_refuse_answer_422_naming_the_field(admin_api, load_people) -> None:
    load_people([hr_row("E1")])
    created = admin_api.post("/api/v1/applications", {"slug": "crm", "name": "CRM"}, content_type="application/json")
    assert created.status_code == 201

    answer = admin_api.post(
        "/api/v1/applications", {"slug": "erp", "deprovision_days": -5}, content_type="application/json"
    )
    assert (answer.status_code, answer.json()["field"]) == (422, "deprovision_days")
    answer = admin_api.patch("/api/v1/applications/crm", {"attest_only": None}, content_type="application/json")
    assert answer.status_code == 422
    assert answer.json() == {"detail": "attest_only cannot be null: leave it out to keep it.", "field": "attest_only"}
    answer = admin_api.patch("/api/v1/applications/crm", {"deprovision_days": 10**30}, content_type="application/json")
    assert (answer.status_code, answer.json()["field"]) == (422, "deprovision_days")
    # A null clears what may be empty.
    assert (
        admin_api.patch("/api/v1/applications/crm", {"owner": None}, content_type="application/json").status_code == 200
    )

    appointment = admin_api.post(
        "/api/v1/appointments",
        {"application": "crm", "person": "E1", "starts_on": "2026-01-01"},
        content_type="application/json",
    )
    assert appointment.status_code == 201, appointment.content
    url = f"/api/v1/appointments/{appointment.json()['id']}"
    for field in ("primary", "hours_per_month", "role"):
        answer = admin_api.patch(url, {field: None}, content_type="application/json")
        assert (answer.status_code, answer.json()["field"]) == (422, field)
    assert admin_api.patch(url, {"ends_on": None}, content_type="application/json").status_code == 200

    # Nothing half-applied: the refused application is not there, the others unchanged.
    listed = admin_api.get("/api/v1/applications").json()
    assert [(a["slug"], a["deprovision_days"], a["attest_only"]) for a in listed["items"]] == [("crm", 1, False)]


def test_an_impossible_month_is_a_usage_error_everywhere(admin_api, make_user, client, tmp_path) -> None:
    answer = admin_api.get("/api/v1/reports/monthly", {"month": "9999-12"})
    assert (answer.status_code, answer.json()) == (
        400,
        {"detail": "Give a month from 1900-01 to 9998-12, not '9999-12'.", "field": "month"},
    )
    client.force_login(make_user("coordinator"))
    page = client.get("/reports/monthly/", {"month": "9999-12"})
    assert page.status_code == 200
    assert "Give a month from 1900-01 to 9998-12, not &#x27;9999-12&#x27;." in page.content.decode()
    assert client.get("/reports/monthly/", {"month": "9999-12", "format": "pdf"}).status_code == 400


def test_the_invalid_input_answer_is_documented_as_sent() -> None:
    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    assert set(components["ValidationErrorOut"]["properties"]) == {"detail", "field", "errors"}
    assert components["ValidationErrorOut"]["properties"]["detail"]["type"] == "string"
    missing = [
        (method, path, status)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for status in COMMON_ERRORS
        if status not in operation["responses"]
    ]
    assert missing == []
    # Two schemas of one name would be one component, documented with one's fields: the outbox's actions and
    # the reviews' actions, the accounts' review and the suppliers' reviews, are apart.
    outbox = schema["paths"]["/api/v1/outbox"]["get"]["responses"][200]["content"]["application/json"]["schema"]
    actions = schema["paths"]["/api/v1/actions"]["get"]["responses"][200]["content"]["application/json"]["schema"]
    assert outbox != actions
    assert "supplier" not in components["OutboxActionOut"]["properties"]
    assert "supplier" in components["ReviewActionOut"]["properties"]


@pytest.mark.own_site
def test_the_cli_says_an_impossible_month_and_a_port_in_use_in_a_sentence(tmp_path) -> None:
    """Run as a person would, in a data folder of its own; no traceback, exit status 2 (usage)."""
    import socket

    env = migrated_site(tmp_path)
    ordna = ordna_executable()

    done = subprocess.run(
        [ordna, "report", "monthly", "--month", "9999-12", "-o", str(tmp_path / "m.pdf")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stderr) == (
        2,
        "ordna: --month: Give a month from 1900-01 to 9998-12, not '9999-12'.\n",
    )

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [ordna, "serve", "--no-worker", "--port", str(port)], env=env, capture_output=True, text=True, check=False
        )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr == (
        f"ordna: port {port} on 127.0.0.1 is in use by another program (another ordna serve?): stop it, "
        "or choose another port with --port (make run PORT=...)\n"
    )


def test_a_body_that_is_not_json_and_a_missing_body_field_name_what_to_send(admin_api) -> None:
    answer = admin_api.post("/api/v1/applications", "not json", content_type="application/json")
    assert (answer.status_code, answer.json()) == (
        400,
        {"detail": "The body cannot be read: send JSON with Content-Type: application/json.", "field": ""},
    )
    answer = admin_api.post("/api/v1/imports/accounts/crm", {"dry_run": "maybe"})
    assert answer.status_code == 422
    assert answer.json()["detail"] == "file: This is required."
    assert [(e["loc"], e["type"]) for e in answer.json()["errors"]] == [
        (["file", "file"], "missing"),
        (["form", "dry_run"], "bool_parsing"),
    ]
