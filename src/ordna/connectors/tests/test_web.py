"""The connector pages: configuring through the form (the secret never shown again), the outbox and approvals,
and the outbox's fixed query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ordna.accounts.importing import accounts_import_records
from ordna.accounts.presets import account_record
from ordna.applications.services import application_create
from ordna.conftest import TODAY, hr_row
from ordna.connectors import deprovisioning, services
from ordna.connectors.base import ConnectorError
from ordna.connectors.models import Action, Connector
from ordna.core.actor import Actor

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def app(load_people):
    load_people([hr_row(f"E{i}", email=f"e{i}@example.org") for i in range(40)])
    application = application_create(slug="wiki", name="Wiki", actor=ACTOR)
    records = [account_record(row=i, key=f"e{i}", email=f"e{i}@example.org") for i in range(40)]
    accounts_import_records(application=application, records=records, actor=ACTOR, today=TODAY, source="test")
    return application


def test_configure_through_the_form_keeps_the_secret_hidden(app, make_user) -> None:
    client = signed_in(make_user("coordinator"))
    response = client.post(
        "/connectors/wiki/",
        {
            "kind": "scim",
            "options": "url=http://127.0.0.1:9/v2\n",
            "secret": "very-secret-token",
            "policy": "automatic",
            "sync_hours": "6",
        },
    )
    assert response.status_code == 302
    connector = Connector.objects.get()
    assert (connector.kind, connector.policy, connector.sync_hours) == ("scim", "automatic", 6)
    page = client.get("/connectors/wiki/").content.decode()
    assert "very-secret-token" not in page and "(set)" in page
    # A bad option is named and nothing changes
    page = client.post(
        "/connectors/wiki/",
        {"kind": "scim", "options": "url=http://169.254.169.254/latest\n", "policy": "never", "sync_hours": "6"},
    ).content.decode()
    assert "metadata" in page and Connector.objects.get().policy == "automatic"


def test_test_connection_reports_the_reason(app, make_user, monkeypatch) -> None:
    def offline(options, secret, timeout):
        raise ConnectorError("http://127.0.0.1:9/v2: cannot reach the server")

    monkeypatch.setitem(services.CLIENT_OVERRIDES, "scim", offline)
    services.connector_set(
        application=app, kind="scim", options={"url": "http://127.0.0.1:9/v2", "token": "t"}, actor=ACTOR
    )
    client = signed_in(make_user("admin"))
    page = client.post("/connectors/wiki/test/", follow=True).content.decode()
    assert "cannot reach the server" in page
    assert Connector.objects.get().last_test_ok is False


def test_outbox_lists_and_approves(app, make_user) -> None:
    services.connector_set(
        application=app, kind="scim", options={"url": "http://127.0.0.1:9/v2", "token": "t"}, actor=ACTOR
    )
    action, _ = deprovisioning.action_request(account=app.accounts.get(key="e1"), actor=ACTOR, approved=False)
    client = signed_in(make_user("coordinator"))
    page = client.get("/connectors/outbox/", {"state": "pending_approval"}).content.decode()
    assert "e1" in page and "Approve" in page
    client.post(f"/connectors/outbox/{action.pk}/", {"decision": "approve"})
    action.refresh_from_db()
    assert action.state == "queued" and action.approved_by.startswith("coordinator")
    # The auditor sees the outbox but cannot decide
    auditor = signed_in(make_user("auditor"))
    assert "Approve" not in auditor.get("/connectors/outbox/").content.decode()
    assert auditor.post(f"/connectors/outbox/{action.pk}/", {"decision": "cancel"}).status_code == 404


def test_the_outbox_query_count_does_not_grow_with_its_length(app, make_user) -> None:
    services.connector_set(
        application=app, kind="scim", options={"url": "http://127.0.0.1:9/v2", "token": "t"}, actor=ACTOR
    )
    client = signed_in(make_user("admin"))
    counts = []
    for keys in (range(0, 3), range(3, 40)):
        for i in keys:
            deprovisioning.action_request(account=app.accounts.get(key=f"e{i}"), actor=ACTOR, approved=False)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/connectors/outbox/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] and Action.objects.count() == 40


def test_the_api_configures_lists_without_secrets_and_decides(app, make_user) -> None:
    from ordna.core.services import token_create

    token = token_create(user=make_user("admin"), actor=ACTOR)
    api = Client(headers={"Authorization": f"Bearer {token}"})
    response = api.put(
        "/api/v1/connectors/wiki",
        {"kind": "scim", "options": {"url": "http://127.0.0.1:9/v2", "token": "api-secret"}, "policy": "approval"},
        content_type="application/json",
    )
    assert response.status_code == 200 and "api-secret" not in response.content.decode()
    assert response.json()["secret_set"] is True and response.json()["options"] == {"url": "http://127.0.0.1:9/v2"}
    bad = api.put(
        "/api/v1/connectors/wiki", {"kind": "scim", "options": {"passwd": "x"}}, content_type="application/json"
    )
    assert bad.status_code == 400 and "passwd" in bad.json()["reason"]
    action, _ = deprovisioning.action_request(account=app.accounts.get(key="e2"), actor=ACTOR, approved=False)
    items = api.get("/api/v1/outbox", {"state": "pending_approval"}).json()["items"]
    assert [(i["account"], i["person"], i["state"]) for i in items] == [("e2", "E2", "pending_approval")]
    assert api.post(f"/api/v1/outbox/{action.pk}/cancel").json()["state"] == "cancelled"
    assert api.post(f"/api/v1/outbox/{action.pk}/approve").status_code == 409


def test_a_leavers_account_line_can_be_disabled_from_the_case_page(app, load_people, make_user, monkeypatch) -> None:
    from datetime import timedelta

    from ordna.lifecycle.models import Case

    def offline(options, secret, timeout):
        raise ConnectorError("the test server is offline")

    monkeypatch.setitem(services.CLIENT_OVERRIDES, "scim", offline)
    services.connector_set(
        application=app, kind="scim", options={"url": "http://127.0.0.1:9/v2", "token": "t0ken"}, actor=ACTOR
    )
    end = (TODAY + timedelta(days=5)).isoformat()
    load_people([hr_row(f"E{i}", email=f"e{i}@example.org", end_date=end if i == 1 else "") for i in range(40)])
    case = Case.objects.get(person__employee_id="E1")
    it = signed_in(make_user("coordinator"))
    page = it.get(f"/cases/{case.pk}/").content.decode()
    assert "Disable through the connector" in page
    response = it.post("/connectors/wiki/deprovision/", {"account": "e1", "case": case.pk}, follow=True)
    assert response.redirect_chain[-1][0] == f"/cases/{case.pk}/"
    assert "the test server is offline" in response.content.decode()
    hr = signed_in(make_user("hr"))  # sees the case, may not use connectors
    assert "Disable through the connector" not in hr.get(f"/cases/{case.pk}/").content.decode()


def test_the_case_page_offers_the_disable_through_the_connector_app() -> None:
    from ordna.connectors.selectors import lines_disable_offered
    from ordna.lifecycle.line_actions import registered_line_actions

    action = registered_line_actions()["connectors.disable"]
    assert (action.template, action.offered_on) == ("connectors/partials/line_disable.html", lines_disable_offered)
