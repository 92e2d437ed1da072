"""Sign-in with the organisation's identity provider, end to end against a real OpenID Connect provider process
on loopback (oidc-provider-mock): discovery, the code flow with state, nonce and PKCE, the ID token verified
against the provider's keys; the user made from the HR file, roles from groups and reports; leavers refused."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from ordna.conftest import TODAY, free_port, hr_row
from ordna.core.actor import Actor
from ordna.core.models import ApiToken, User
from ordna.core.oidc import claim_groups, roles_from_groups
from ordna.core.services import token_create, token_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[None]:
    """The real clock here: the provider is another process and stamps its tokens with the real time (a frozen
    clock in the past would see them as issued in the future, and rightly refuse them)."""
    yield


class Provider:
    def __init__(self, url: str) -> None:
        self.url = url

    def person(self, sub: str, **claims: Any) -> None:
        """What the provider says about `sub` at the next sign-in."""
        httpx.put(f"{self.url}/users/{sub}", json=claims, timeout=5).raise_for_status()


@pytest.fixture(scope="module")
def provider_process() -> Iterator[str]:
    """`python -m oidc_provider_mock` on a free loopback port, stopped by its process id afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{url}/.well-known/openid-configuration", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            pytest.fail("the OpenID Connect provider did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def provider(provider_process: str, settings) -> Provider:
    settings.ORDNA_OIDC_ISSUER = provider_process
    settings.ORDNA_OIDC_CLIENT_ID = "ordna"
    settings.ORDNA_OIDC_CLIENT_SECRET = "a-client-secret"
    settings.ORDNA_OIDC_ROLE_GROUPS = {"coordinator": ["it-admins"], "hr": ["hr-team"]}
    return Provider(provider_process)


def days_from_now(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


@pytest.fixture
def staff(load_people) -> None:
    load_people(
        [
            hr_row("M1", "Maja", "Manager"),
            hr_row("L1", "Lena", "Leaver", manager_employee_id="M1", end_date=days_from_now(30)),
        ],
        today=timezone.localdate(),
    )


def sign_in(client: Client, sub: str, *, next_url: str = "") -> Any:
    """The browser's part: to the provider, who signs `sub` in (its form), and back with the code."""
    start = client.get("/login/oidc/", {"next": next_url} if next_url else {})
    assert start.status_code == 302, start.content.decode()[:500]
    authorize = start["Location"]
    assert authorize.startswith(f"{urlsplit(authorize).scheme}://127.0.0.1:")
    assert "code_challenge=" in authorize and "nonce=" in authorize and "state=" in authorize
    answer = httpx.post(authorize, data={"sub": sub}, timeout=5)
    assert answer.status_code == 302, answer.text[:500]
    back = urlsplit(answer.headers["Location"])
    assert back.path == "/login/oidc/callback/"
    return client.get(f"{back.path}?{back.query}")


def test_the_first_sign_in_makes_the_user_of_the_person_with_roles_from_groups_and_reports(provider, staff) -> None:
    provider.person("maja-1", email="Maja.Manager.M1@example.org", email_verified=True, groups=["hr-team"])
    client = Client()
    response = sign_in(client, "maja-1", next_url="/cases/")
    assert (response.status_code, response["Location"]) == (302, "/cases/")
    maja = User.objects.get(oidc_subject="maja-1")
    assert (maja.username, maja.email, maja.person.employee_id) == (
        "maja.manager.m1@example.org",
        "maja.manager.m1@example.org",
        "M1",
    )
    assert maja.role_set == {"hr", "manager", "employee"}  # hr from the group, manager from Lena reporting to her
    assert client.get("/cases/").status_code == 200

    # The next sign-in finds her by the subject and follows the provider's groups.
    provider.person("maja-1", email="maja.manager.m1@example.org", email_verified=True, groups=["it-admins"])
    assert sign_in(Client(), "maja-1").status_code == 302
    maja = User.objects.get(pk=maja.pk)
    assert maja.role_set == {"coordinator", "manager", "employee"}
    assert User.objects.count() == 1


def test_roles_given_in_ordna_outside_the_rules_are_kept(provider, staff, make_user) -> None:
    from ordna.people.models import Person

    auditor = make_user("auditor", "employee", person=Person.objects.get(employee_id="L1"))
    auditor.email = "lena.leaver.l1@example.org"
    auditor.save(update_fields=["email"])
    provider.person("lena-1", email="lena.leaver.l1@example.org", groups=[])
    assert sign_in(Client(), "lena-1").status_code == 302
    lena = User.objects.get(pk=auditor.pk)
    assert (lena.oidc_subject, lena.role_set) == ("lena-1", {"auditor", "employee"})


def test_a_leaver_is_refused_and_loses_sessions_and_tokens_at_once(provider, staff, load_people, make_user) -> None:
    from ordna.people.models import Person

    provider.person("lena-1", email="lena.leaver.l1@example.org", groups=[])
    assert sign_in(Client(), "lena-1").status_code == 302
    lena = User.objects.get(oidc_subject="lena-1")
    token = token_create(user=lena, actor=Actor.system("test"))
    other = Client()
    other.force_login(lena)
    # Her last day moves to last week: she has left.
    load_people(
        [
            hr_row("M1", "Maja", "Manager"),
            hr_row("L1", "Lena", "Leaver", manager_employee_id="M1", end_date=days_from_now(-7)),
        ],
        today=timezone.localdate(),
    )
    assert Person.objects.get(employee_id="L1").end_date < timezone.localdate()
    refused = sign_in(Client(), "lena-1")
    assert refused.status_code == 403
    assert "The HR file says this person has left." in refused.content.decode()
    lena.refresh_from_db()
    assert lena.is_active is False
    assert token_user(token) is None and ApiToken.objects.get().revoked_at is not None
    assert not any(s.get_decoded().get("_auth_user_id") == str(lena.pk) for s in Session.objects.all())
    assert other.get("/cases/").status_code == 302  # back to the sign-in page


def test_a_disabled_user_and_someone_without_a_role_are_refused(provider, staff) -> None:
    provider.person("maja-1", email="maja.manager.m1@example.org", groups=[])
    assert sign_in(Client(), "maja-1").status_code == 302
    User.objects.filter(oidc_subject="maja-1").update(is_active=False)
    refused = sign_in(Client(), "maja-1")
    assert refused.status_code == 403 and "This user is disabled in Ordna." in refused.content.decode()

    provider.person("visitor", email="visitor@example.org", groups=["sales"])
    refused = sign_in(Client(), "visitor")
    assert refused.status_code == 403 and "No role" in refused.content.decode()
    assert not User.objects.filter(email="visitor@example.org").exists()

    provider.person("unverified", email="maja.manager.m1@example.org", email_verified=False)
    assert sign_in(Client(), "unverified").status_code == 403


def test_a_callback_with_a_forged_state_signs_nobody_in(provider, staff) -> None:
    provider.person("maja-1", email="maja.manager.m1@example.org", groups=["hr-team"])
    client = Client()
    start = client.get("/login/oidc/")
    answer = httpx.post(start["Location"], data={"sub": "maja-1"}, timeout=5)
    back = urlsplit(answer.headers["Location"])
    forged = back.query.replace("state=", "state=x")
    response = client.get(f"{back.path}?{forged}")
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == 0


def test_the_sign_in_page_offers_the_provider_and_local_passwords_stay(provider, make_user, settings) -> None:
    page = Client().get("/login/").content.decode()
    assert 'href="/login/oidc/"' in page and 'name="password"' in page
    settings.ORDNA_OIDC_ISSUER = ""
    assert 'href="/login/oidc/"' not in Client().get("/login/").content.decode()
    assert Client().get("/login/oidc/").status_code == 404


def test_roles_from_groups_and_the_groups_claim(settings) -> None:
    mapping = {"coordinator": ["it-admins", "IT"], "hr": ["hr-team"]}
    assert roles_from_groups(["IT", "sales"], mapping) == {"coordinator"}
    assert roles_from_groups(["it"], mapping) == set()  # as the provider sends them, case and all
    settings.ORDNA_OIDC_GROUPS_CLAIM = "roles"
    assert claim_groups({"roles": "hr-team"}) == ["hr-team"]
    assert claim_groups({"groups": ["x"]}) == []


def test_the_daily_job_ends_the_sign_in_of_people_who_left(load_people, make_user) -> None:
    from ordna.people.models import Person
    from ordna.people.services import leavers_sign_in_end

    load_people([hr_row("L1", "Lena", "Leaver", end_date=(TODAY - timedelta(days=1)).isoformat()), hr_row("A1")])
    lena = make_user("employee", person=Person.objects.get(employee_id="L1"))
    anna = make_user("employee", person=Person.objects.get(employee_id="A1"))
    token = token_create(user=lena, actor=Actor.system("test"))
    assert leavers_sign_in_end(today=TODAY, actor=Actor.system("test")) == [lena.username]
    assert leavers_sign_in_end(today=TODAY, actor=Actor.system("test")) == []
    assert token_user(token) is None
    assert User.objects.get(pk=anna.pk).is_active is True
