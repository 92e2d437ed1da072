"""Graph and Google cannot run on loopback: their clients are tested against answers built from the documented
formats (Microsoft Graph v1.0 users, subscribedSkus, assignLicense; Admin SDK Directory users; OAuth token
endpoints), with paging, throttling (429 with Retry-After) and errors."""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.management import call_command
from django.core.management.base import CommandError

from ordna.accounts.models import Account
from ordna.applications.services import application_create
from ordna.conftest import TODAY, hr_row
from ordna.connectors import deprovisioning, services
from ordna.connectors.google_client import GoogleClient
from ordna.connectors.graph_client import GraphClient
from ordna.connectors.models import Action
from ordna.core.actor import Actor
from ordna.lifecycle.models import Line

pytestmark = pytest.mark.django_db

TENANT = "00000000-0000-0000-0000-00000000aaaa"
E3 = "6fd1a6b2-0000-0000-0000-0000000000e3"  # Microsoft 365 E3 (group-based for Lotte)
VISIO = "c5928f49-0000-0000-0000-00000000c1c1"  # Visio (direct)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


class FakeGraph:
    """Microsoft's token endpoint and Graph v1.0 as documented, in memory."""

    def __init__(self) -> None:
        self.users: dict[str, dict[str, Any]] = {
            "u1": {
                "id": "u1",
                "userPrincipalName": "lotte.visser@example.nl",
                "mail": "lotte.visser@example.nl",
                "displayName": "Lotte Visser",
                "givenName": "Lotte",
                "surname": "Visser",
                "accountEnabled": True,
                "employeeId": "G1",
                "userType": "Member",
                "assignedLicenses": [{"disabledPlans": [], "skuId": E3}, {"disabledPlans": [], "skuId": VISIO}],
                "licenseAssignmentStates": [
                    {"skuId": E3, "assignedByGroup": "g-all-staff", "state": "Active", "error": "None"},
                    {"skuId": VISIO, "assignedByGroup": None, "state": "Active", "error": "None"},
                ],
                "signInActivity": {
                    "lastSignInDateTime": "2026-11-10T07:55:12Z",
                    "lastNonInteractiveSignInDateTime": "2026-11-12T08:00:00Z",
                },
            },
            "u2": {
                "id": "u2",
                "userPrincipalName": "sem.degroot@example.nl",
                "mail": None,
                "displayName": "Sem de Groot",
                "accountEnabled": False,
                "employeeId": None,
                "userType": "Member",
                "assignedLicenses": [],
                "licenseAssignmentStates": [],
                "signInActivity": None,
            },
            "u3": {
                "id": "u3",
                "userPrincipalName": "guest_example.com#EXT#@example.onmicrosoft.com",
                "displayName": "A Guest",
                "accountEnabled": True,
                "userType": "Guest",
                "assignedLicenses": [],
                "licenseAssignmentStates": [],
            },
        }
        self.throttled = False
        self.requests: list[tuple[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        self.requests.append((request.method, str(url)))
        if url.host == "login.microsoftonline.com":
            if url.path.endswith("/.well-known/openid-configuration"):
                base = f"https://login.microsoftonline.com/{TENANT}"
                return httpx.Response(
                    200,
                    json={
                        "token_endpoint": f"{base}/oauth2/v2.0/token",
                        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                        "issuer": f"https://login.microsoftonline.com/{TENANT}/v2.0",
                    },
                )
            form = parse_qs(request.content.decode())
            if form.get("client_secret") != ["right"]:
                return httpx.Response(
                    401,
                    json={
                        "error": "invalid_client",
                        "error_description": "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x",
                    },
                )
            return httpx.Response(200, json={"token_type": "Bearer", "expires_in": 3599, "access_token": "eyJ0eXAi"})
        assert request.headers["Authorization"] == "Bearer eyJ0eXAi"
        path = url.path.removeprefix("/v1.0")
        if path == "/subscribedSkus":
            return httpx.Response(
                200,
                json={
                    "value": [
                        {"skuId": E3, "skuPartNumber": "SPE_E3"},
                        {"skuId": VISIO, "skuPartNumber": "VISIOCLIENT"},
                    ]
                },
            )
        if path == "/users" and "$skiptoken" not in str(url):
            users = [self.users["u1"], self.users["u2"]]
            next_link = "https://graph.microsoft.com/v1.0/users?$select=id&$skiptoken=X2"
            return httpx.Response(200, json={"@odata.context": "...", "@odata.nextLink": next_link, "value": users})
        if path == "/users":
            if not self.throttled:
                self.throttled = True
                return httpx.Response(429, headers={"Retry-After": "3"}, json={"error": {"code": "TooManyRequests"}})
            return httpx.Response(200, json={"value": [self.users["u3"]]})
        if path.startswith("/users/"):
            parts = path.split("/")
            ident = parts[2]
            user = next((u for u in self.users.values() if ident in (u["id"], u["userPrincipalName"])), None)
            if user is None:
                return httpx.Response(404, json={"error": {"code": "Request_ResourceNotFound", "message": "not found"}})
            if request.method == "GET":
                return httpx.Response(200, json=user)
            if request.method == "PATCH":
                user.update(json.loads(request.content))
                return httpx.Response(204)
            if parts[-1] == "assignLicense":
                remove = json.loads(request.content)["removeLicenses"]
                user["assignedLicenses"] = [lic for lic in user["assignedLicenses"] if lic["skuId"] not in remove]
                user["licenseAssignmentStates"] = [
                    s for s in user["licenseAssignmentStates"] if s["skuId"] not in remove
                ]
                return httpx.Response(200, json=user)
        return httpx.Response(400, json={"error": {"code": "BadRequest", "message": str(url)}})


@pytest.fixture
def graph(load_people, monkeypatch) -> FakeGraph:
    fake = FakeGraph()
    waits: list[float] = []
    fake.waits = waits  # type: ignore[attr-defined]
    monkeypatch.setitem(
        services.CLIENT_OVERRIDES,
        "graph",
        lambda options, secret, timeout: GraphClient(
            options, secret, timeout=timeout, transport=httpx.MockTransport(fake), sleep=waits.append
        ),
    )
    load_people(
        [
            hr_row(
                "G1",
                "Lotte",
                "Visser",
                email="lotte.visser@example.nl",
                end_date=(TODAY - timedelta(days=1)).isoformat(),
            )
        ]
    )
    application_create(slug="m365", name="Microsoft 365", actor=Actor.system("test"))
    return fake


def configure_graph(secret: str = "right") -> None:  # noqa: S107 - the fake tenant's
    run(
        "connector", "set", "m365", "graph",
        "--option", f"tenant_id={TENANT}", "--option", "client_id=11111111-2222", "--option", f"client_secret={secret}",
    )  # fmt: skip


def test_graph_sync_pages_waits_for_retry_after_and_tells_direct_from_group_licences(graph) -> None:
    configure_graph()
    run("sync", "m365")
    assert graph.waits == [3.0]  # type: ignore[attr-defined]
    accounts = {a.key: a for a in Account.objects.all()}
    assert set(accounts) == {
        "lotte.visser@example.nl",
        "sem.degroot@example.nl",
        "guest_example.com#ext#@example.onmicrosoft.com",
    }
    lotte = accounts["lotte.visser@example.nl"]
    assert (lotte.person.employee_id, lotte.status, lotte.licenses) == ("G1", "active", ["SPE_E3", "VISIOCLIENT"])  # type: ignore[union-attr]
    assert lotte.last_login.isoformat() == "2026-11-12T08:00:00+00:00"  # type: ignore[union-attr]
    assert accounts["sem.degroot@example.nl"].status == "disabled"

    out = run("deprovision", "m365", "lotte.visser@example.nl", "--dry-run")
    assert "accountEnabled=false" in out and "VISIOCLIENT" in out and "g-all-staff" in out
    assert graph.users["u1"]["accountEnabled"] is True

    out = run("deprovision", "m365", "lotte.visser@example.nl")
    assert graph.users["u1"]["accountEnabled"] is False
    assert [lic["skuId"] for lic in graph.users["u1"]["assignedLicenses"]] == [E3]  # the group's stays
    assert "task left: licence SPE_E3 comes from group g-all-staff" in out
    assert Action.objects.get().result["tasks"] == [
        "licence SPE_E3 comes from group g-all-staff: remove the user from the group"
    ]
    line = Line.objects.get(kind="account", account__key="lotte.visser@example.nl")
    assert (line.state, line.verified_by) == ("verified", "read-back")


def test_graph_a_wrong_secret_is_answered_clearly(graph) -> None:
    configure_graph("wrong")
    with pytest.raises(CommandError, match="AADSTS7000215: Invalid client secret"):
        run("connector", "test", "m365")


def test_graph_throttled_disable_stays_queued_until_retry_after(graph, monkeypatch) -> None:
    configure_graph()
    run("sync", "m365")

    def busy(request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            return httpx.Response(429, headers={"Retry-After": "600"}, json={"error": {"code": "TooManyRequests"}})
        return graph(request)

    monkeypatch.setitem(
        services.CLIENT_OVERRIDES,
        "graph",
        lambda options, secret, timeout: GraphClient(options, secret, transport=httpx.MockTransport(busy)),
    )
    with pytest.raises(CommandError, match="throttling"):
        run("deprovision", "m365", "lotte.visser@example.nl")
    action = Action.objects.get()
    assert action.state == "queued" and action.attempts == 1
    assert (action.next_attempt_at - action.created_at).total_seconds() >= 599
    # Not due yet: the outbox leaves it alone
    assert deprovisioning.outbox_run(actor=Actor.system("test"), today=TODAY) == {"done": 0, "retrying": 0, "failed": 0}


def _service_account() -> tuple[str, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    info = {
        "type": "service_account",
        "project_id": "ordna-test",
        "private_key_id": "k1",
        "private_key": pem.decode(),
        "client_email": "ordna@ordna-test.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    return json.dumps(info), key


def test_google_sync_pages_suspends_and_reads_back(load_people, monkeypatch, write_file) -> None:
    text, key = _service_account()
    users = {
        "ines@example.se": {
            "primaryEmail": "ines@example.se",
            "name": {"givenName": "Ines", "familyName": "Holm", "fullName": "Ines Holm"},
            "suspended": False,
            "lastLoginTime": "2026-11-01T10:00:00.000Z",
            "externalIds": [{"value": "S1", "type": "organization"}],
        },
        "room@example.se": {"primaryEmail": "room@example.se", "name": {"fullName": "Room"}, "suspended": False,
                            "lastLoginTime": "1970-01-01T00:00:00.000Z"},
    }  # fmt: skip
    seen: list[str] = []

    def google(request: httpx.Request) -> httpx.Response:
        if request.url.host == "oauth2.googleapis.com":
            assertion = parse_qs(request.content.decode())["assertion"][0]
            head, body, signature = assertion.split(".")
            pad = "=" * (-len(signature) % 4)
            key.public_key().verify(
                base64.urlsafe_b64decode(signature + pad),
                f"{head}.{body}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
            claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            assert claims["sub"] == "admin@example.se" and claims["iss"].endswith("gserviceaccount.com")
            return httpx.Response(200, json={"access_token": "ya29.x", "expires_in": 3599, "token_type": "Bearer"})
        seen.append(str(request.url))
        path = request.url.path.removeprefix("/admin/directory/v1")
        if path == "/users":
            if "pageToken" not in str(request.url):
                return httpx.Response(200, json={"kind": "admin#directory#users", "users": [users["ines@example.se"]],
                                                 "nextPageToken": "p2"})  # fmt: skip
            return httpx.Response(200, json={"kind": "admin#directory#users", "users": [users["room@example.se"]]})
        email = path.removeprefix("/users/")
        if request.method == "PUT":
            users[email].update(json.loads(request.content))
        return httpx.Response(200, json=users[email])

    monkeypatch.setitem(
        services.CLIENT_OVERRIDES,
        "google",
        lambda options, secret, timeout: GoogleClient(options, secret, transport=httpx.MockTransport(google)),
    )
    load_people(
        [hr_row("S1", "Ines", "Holm", email="ines@example.se", end_date=(TODAY - timedelta(days=1)).isoformat())]
    )
    application_create(slug="gws", name="Google Workspace", actor=Actor.system("test"))
    path = write_file("sa.json", text)
    run(
        "connector",
        "set",
        "gws",
        "google",
        "--option",
        f"credentials_file={path}",
        "--option",
        "admin_subject=admin@example.se",
    )
    run("sync", "gws")
    ines = Account.objects.get(key="ines@example.se")
    assert (ines.person.employee_id, ines.status, ines.last_login.isoformat()) == (
        "S1",
        "active",
        "2026-11-01T10:00:00+00:00",
    )  # type: ignore[union-attr]
    assert Account.objects.get(key="room@example.se").last_login is None
    assert any("pageToken=p2" in url for url in seen)
    run("deprovision", "gws", "ines@example.se")
    assert users["ines@example.se"]["suspended"] is True
    assert Account.objects.get(key="ines@example.se").status == "disabled"
    line = Line.objects.get(kind="account", account=ines)
    assert line.verified_by == "read-back"
