"""A connector's failure says in words what failed and what to check, in the reader's language, with the
technical detail folded away: the errors of the network, TLS and the servers mapped in one place."""

from __future__ import annotations

import socket
import ssl
from datetime import timedelta

import httpx
import pytest
from django.test import Client
from django.utils import translation

from ordna.accounts.importing import accounts_import_records
from ordna.accounts.presets import account_record
from ordna.applications.services import application_create
from ordna.conftest import TODAY, hr_row
from ordna.connectors import services
from ordna.connectors.base import ConnectorError
from ordna.connectors.failures import Failure, Place, explain, failure_of, failure_of_status
from ordna.connectors.graph_client import GraphClient
from ordna.connectors.models import Action
from ordna.core.actor import Actor
from ordna.lifecycle.models import Case

ACTOR = Actor.system("test")
TENANT = "00000000-0000-0000-0000-00000000aaaa"


def raised(error: BaseException, wrapper: type[Exception] = httpx.ConnectError) -> BaseException:
    """`error` as a client library reports it: wrapped, with the original as its cause."""
    try:
        try:
            raise error
        except BaseException as inner:
            raise wrapper(str(inner)) from inner
    except BaseException as outer:
        return outer


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (raised(socket.gaierror(-2, "Name or service not known")), Failure.DNS),
        (raised(ConnectionRefusedError(111, "Connection refused")), Failure.REFUSED),
        (raised(TimeoutError("timed out"), httpx.ConnectTimeout), Failure.TIMEOUT),
        (httpx.ReadTimeout("The read operation timed out"), Failure.TIMEOUT),
        (raised(ssl.SSLCertVerificationError(1, "certificate verify failed")), Failure.TLS),
        # ldap3 and msal keep only the words
        (
            ValueError("socket connection error while opening: [Errno -3] Temporary failure in name resolution"),
            Failure.DNS,
        ),
        (ValueError("socket connection error while opening: [Errno 111] Connection refused"), Failure.REFUSED),
        (ValueError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), Failure.TLS),
        (ValueError("something else entirely"), Failure.OTHER),
    ],
)
def test_network_errors_are_classified(error: BaseException, failure: Failure) -> None:
    assert failure_of(error) == failure


@pytest.mark.parametrize(
    ("status", "failure"),
    [
        (401, Failure.UNAUTHORISED),
        (403, Failure.FORBIDDEN),
        (404, Failure.NOT_FOUND),
        (429, Failure.THROTTLED),
        (503, Failure.THROTTLED),
        (500, Failure.OTHER),
        (None, Failure.OTHER),
    ],
)
def test_answers_are_classified(status: int | None, failure: Failure) -> None:
    assert failure_of_status(status) == failure


def test_each_failure_is_said_in_words_with_what_to_check() -> None:
    dns = explain(Failure.DNS, Place.ENTRA_SIGN_IN, "cannot get a token: [Errno -2] Name or service not known")
    assert dns.what == (
        "The tenant's sign-in address (login.microsoftonline.com) cannot be reached from this server: "
        "its name does not resolve."
    )
    assert dns.check == "Check that this server can resolve and reach the internet (DNS, or a proxy it must use)."
    assert dns.detail == "cannot get a token: [Errno -2] Name or service not known"
    assert (
        explain(Failure.REFUSED, Place.DIRECTORY).what
        == "The directory server (LDAP) refused the connection from this server."
    )
    assert explain(Failure.THROTTLED, Place.GRAPH).check == (
        "Nothing to do: Ordna tries again after the wait the server asked for."
    )
    assert (
        explain(Failure.UNAUTHORISED, Place.SCIM).what == "The SCIM server did not accept the connector's credentials."
    )
    with translation.override("sv"):
        swedish = explain(Failure.DNS, Place.ENTRA_SIGN_IN)
    assert swedish.what.startswith("Klientorganisationens inloggningsadress (login.microsoftonline.com) ")
    with translation.override("nl"):
        dutch = explain(Failure.TIMEOUT, Place.SCIM)
    assert dutch.what == "De SCIM-server antwoordde niet op tijd."


def unresolvable(request: httpx.Request) -> httpx.Response:
    """A server whose name this machine cannot resolve, as httpx reports it."""
    raise httpx.ConnectError("[Errno -2] Name or service not known", request=request) from socket.gaierror(
        -2, "Name or service not known"
    )


@pytest.fixture
def leaver_case(load_people, monkeypatch):
    """E1 leaves in five days; Entra ID (Graph) holds e1's account, but login.microsoftonline.com does not
    resolve from here."""
    load_people([hr_row(f"E{i}", email=f"e{i}@example.org") for i in range(5)])
    app = application_create(slug="m365", name="Microsoft 365", actor=ACTOR)
    records = [account_record(row=i, key=f"e{i}", email=f"e{i}@example.org") for i in range(5)]
    accounts_import_records(application=app, records=records, actor=ACTOR, today=TODAY, source="test")
    monkeypatch.setitem(
        services.CLIENT_OVERRIDES,
        "graph",
        lambda options, secret, timeout: GraphClient(options, secret, transport=httpx.MockTransport(unresolvable)),
    )
    services.connector_set(
        application=app,
        kind="graph",
        options={"tenant_id": TENANT, "client_id": "app", "client_secret": "s3cret"},
        actor=ACTOR,
    )
    end = (TODAY + timedelta(days=5)).isoformat()
    load_people([hr_row(f"E{i}", email=f"e{i}@example.org", end_date=end if i == 1 else "") for i in range(5)])
    return Case.objects.get(person__employee_id="E1")


@pytest.mark.django_db
def test_disable_through_the_connector_says_what_failed_and_keeps_the_detail_folded(leaver_case, make_user) -> None:
    it = Client()
    it.force_login(make_user("coordinator"))

    response = it.post("/connectors/m365/deprovision/", {"account": "e1", "case": leaver_case.pk}, follow=True)

    assert response.redirect_chain[-1][0] == f"/cases/{leaver_case.pk}/"
    page = response.content.decode()
    assert (
        "<strong>e1:</strong> The tenant&#x27;s sign-in address (login.microsoftonline.com) cannot be reached from "
        "this server: its name does not resolve. Check that this server can resolve and reach the internet (DNS, "
        "or a proxy it must use).</p><details><summary>Technical detail</summary><pre>Entra ID tenant "
        f"{TENANT}: cannot get a token: [Errno -2] Name or service not known</pre></details>"
    ) in page
    action = Action.objects.get()
    assert (action.failure, action.failure_place) == ("dns", "entra_sign_in")
    # The outbox says it the same way, in the reader's language.
    outbox = it.get("/connectors/outbox/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "cannot be reached from this server: its name does not resolve." in outbox
    assert "<summary>Technical detail</summary>" in outbox


@pytest.mark.django_db
def test_the_api_gives_the_failure_code_and_the_words(leaver_case, make_user) -> None:
    from ordna.core.services import token_create

    user = make_user("coordinator")
    token = token_create(user=user, actor=ACTOR)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    answer = api.post("/api/v1/connectors/m365/deprovision", {"account": "e1"}, content_type="application/json").json()
    assert (answer["failure"], answer["place"]) == ("dns", "entra_sign_in")
    assert answer["explanation"].startswith(
        "The tenant's sign-in address (login.microsoftonline.com) cannot be reached"
    )
    assert answer["error"] == f"Entra ID tenant {TENANT}: cannot get a token: [Errno -2] Name or service not known"


@pytest.mark.django_db
def test_a_failed_connection_test_is_said_in_words(leaver_case, make_user) -> None:
    admin = Client()
    admin.force_login(make_user("admin"))
    page = admin.post("/connectors/m365/test/", follow=True).content.decode()
    assert "The tenant&#x27;s sign-in address (login.microsoftonline.com) cannot be reached" in page
    assert "<summary>Technical detail</summary>" in page


def test_a_read_back_that_still_shows_the_account_active_says_so() -> None:
    error = ConnectorError("the read-back shows the account still active", failure=Failure.STILL_ACTIVE, place="scim")
    said = explain(error.failure, error.place, str(error))
    assert said.what == "The SCIM server still shows the account as active after disabling it."
