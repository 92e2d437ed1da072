"""Sign-in that resists guessing: failures counted per client address whatever names it tries, one sentence for
every refusal, the same password-hash work for each, audited locks and unlocks, idle sessions ending, and
signing out everywhere."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth import hashers
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from ordna.core.models import AuditEvent, SignInThrottle, User

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
REFUSED = "Wrong username or password, or too many attempts: try again later."


def attempt(username: str, password: str, *, address: str = "203.0.113.7") -> Any:
    return Client(REMOTE_ADDR=address).post("/login/", {"username": username, "password": password})


def refusal(response: Any) -> str:
    """The page's error sentence, compared whole: the rest of the page may not differ either."""
    assert response.status_code == 200
    text = response.content.decode()
    assert REFUSED in text
    return text.replace('value="' + response.wsgi_request.POST["username"] + '"', 'value=""')


def test_unknown_wrong_and_locked_answer_the_same_page(make_user, settings) -> None:
    settings.ORDNA_LOGIN_MAX_FAILURES = 2
    make_user("hr", password=PASSWORD)
    wrong = refusal(attempt("hr1", "wrong-password"))
    refusal(attempt("hr1", "wrong-password"))  # now locked
    locked = refusal(attempt("hr1", PASSWORD))
    unknown = refusal(attempt("nobody-at-all", "wrong-password"))
    strip = [page.split('name="csrfmiddlewaretoken" value="')[0] for page in (wrong, locked, unknown)]
    assert strip[0] == strip[1] == strip[2]


def test_every_refusal_checks_one_password_hash(make_user, settings, monkeypatch) -> None:
    """The same work, so the time does not tell unknown names or locked users from wrong passwords."""
    settings.ORDNA_LOGIN_MAX_FAILURES = 1
    make_user("hr", password=PASSWORD)
    provider_user = User.objects.create(username="from-provider")
    provider_user.set_unusable_password()
    provider_user.save()
    checks: list[str] = []
    real = hashers.PBKDF2PasswordHasher.verify

    def counted(self: Any, password: str, encoded: str) -> bool:
        checks.append(password)
        return real(self, password, encoded)

    monkeypatch.setattr(hashers.PBKDF2PasswordHasher, "verify", counted)
    for username, password in [
        ("hr1", "wrong-password"),  # wrong, and now locked
        ("hr1", PASSWORD),  # locked
        ("nobody", "x-password"),  # unknown
        ("from-provider", "y-password"),  # no password of its own
    ]:
        refusal(attempt(username, password))
    assert checks == ["wrong-password", PASSWORD, "x-password", "y-password"]


def test_an_address_is_locked_whichever_names_it_tries(make_user, settings) -> None:
    settings.ORDNA_LOGIN_ADDRESS_MAX_FAILURES = 30
    make_user("hr", password=PASSWORD)
    for n in range(30):
        refusal(attempt(f"guess{n}", "wrong-password"))
    throttle = SignInThrottle.objects.get(address="203.0.113.7")
    assert throttle.failures == 30 and throttle.locked_until is not None
    # The right password of a real user from that address is refused with the same sentence ...
    refusal(attempt("hr1", PASSWORD))
    # ... while another address signs in, and the user itself was never locked by others' guesses.
    assert attempt("hr1", PASSWORD, address="198.51.100.4").status_code == 302
    assert User.objects.get(username="hr1").locked_until is None
    events = list(AuditEvent.objects.filter(action="sign_in.address_locked").values_list("target_id", flat=True))
    assert events == ["203.0.113.7"]


def test_the_address_lock_ends_and_its_count_starts_again(make_user, settings) -> None:
    settings.ORDNA_LOGIN_ADDRESS_MAX_FAILURES = 3
    settings.ORDNA_LOGIN_LOCKOUT_MINUTES = 15
    make_user("hr", password=PASSWORD)
    for n in range(3):
        attempt(f"guess{n}", "wrong-password")
    refusal(attempt("hr1", PASSWORD))
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert attempt("hr1", PASSWORD).status_code == 302
        attempt("guess", "wrong-password")
        assert SignInThrottle.objects.get(address="203.0.113.7").failures == 1


def test_failures_spread_over_more_than_the_window_never_lock(settings) -> None:
    settings.ORDNA_LOGIN_ADDRESS_MAX_FAILURES = 3
    start = timezone.now()
    for n in range(6):
        with time_machine.travel(start + timedelta(minutes=16 * n)):
            attempt(f"guess{n}", "wrong-password")
    assert SignInThrottle.objects.get(address="203.0.113.7").locked_until is None


def test_a_user_lock_is_audited_and_the_unlock_command_lifts_it(make_user, settings, capsys) -> None:
    settings.ORDNA_LOGIN_MAX_FAILURES = 2
    make_user("hr", password=PASSWORD)
    for _ in range(2):
        attempt("hr1", "wrong-password")
    locked = AuditEvent.objects.get(action="user.locked")
    assert (locked.target_id, locked.after["address"]) == (str(User.objects.get(username="hr1").pk), "203.0.113.7")
    call_command("user", "unlock", "hr1")
    assert "user hr1 unlocked" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="user.unlocked").count() == 1
    assert attempt("hr1", PASSWORD).status_code == 302


def test_the_unlock_address_command_lifts_an_address_lock_and_audits_it(settings, capsys) -> None:
    settings.ORDNA_LOGIN_ADDRESS_MAX_FAILURES = 2
    for n in range(2):
        attempt(f"guess{n}", "wrong-password")
    call_command("user", "unlock-address", "203.0.113.7")
    call_command("user", "unlock-address", "192.0.2.1")
    assert capsys.readouterr().out.splitlines() == ["address 203.0.113.7 unlocked", "address 192.0.2.1 was not locked"]
    assert not SignInThrottle.objects.exists()
    assert list(AuditEvent.objects.filter(action="sign_in.address_unlocked").values_list("target_id", flat=True)) == [
        "203.0.113.7"
    ]


def test_the_users_page_lists_locked_addresses_and_unlocks_one(make_user, settings) -> None:
    settings.ORDNA_LOGIN_ADDRESS_MAX_FAILURES = 1
    attempt("guess", "wrong-password")
    admin = Client()
    admin.force_login(make_user("admin"))
    assert "203.0.113.7" in admin.get("/users/").content.decode()
    response = admin.post("/users/addresses/unlock/", {"address": "203.0.113.7"}, follow=True)
    assert "Sign-in from 203.0.113.7 is possible again." in response.content.decode()
    assert "<code>203.0.113.7</code>" not in admin.get("/users/").content.decode()


def test_a_session_ends_after_the_idle_minutes(make_user, settings) -> None:
    settings.ORDNA_SESSION_IDLE_MINUTES = 30
    make_user("hr", password=PASSWORD)
    client = Client()
    assert client.post("/login/", {"username": "hr1", "password": PASSWORD}).status_code == 302
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=29)):
        assert client.get("/people/").status_code == 200  # in use: the idle clock starts again
    with time_machine.travel(start + timedelta(minutes=58)):
        assert client.get("/people/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=89)):
        response = client.get("/people/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_no_idle_timeout_when_set_to_zero(make_user, settings) -> None:
    settings.ORDNA_SESSION_IDLE_MINUTES = 0
    make_user("hr", password=PASSWORD)
    client = Client()
    client.post("/login/", {"username": "hr1", "password": PASSWORD})
    with time_machine.travel(timezone.now() + timedelta(hours=5)):
        assert client.get("/people/").status_code == 200


def test_sign_out_everywhere_ends_every_session_of_the_user_only(make_user) -> None:
    hr = make_user("hr", password=PASSWORD)
    make_user("coordinator", password=PASSWORD)
    laptop, phone, colleague = Client(), Client(), Client()
    for client, name in ((laptop, "hr1"), (phone, "hr1"), (colleague, "coordinator2")):
        assert client.post("/login/", {"username": name, "password": PASSWORD}).status_code == 302
    response = phone.post("/account/sign-out-everywhere/")
    assert response["Location"] == "/login/"
    assert laptop.get("/people/").status_code == 302 and phone.get("/people/").status_code == 302
    assert colleague.get("/people/").status_code == 200
    event = AuditEvent.objects.get(action="user.signed_out_everywhere")
    assert (event.target_id, event.after) == (str(hr.pk), {"sessions": 2})


def test_an_administrator_signs_a_user_out_everywhere_in_the_web_and_the_command(make_user, capsys) -> None:
    hr = make_user("hr", password=PASSWORD)
    browser = Client()
    browser.post("/login/", {"username": "hr1", "password": PASSWORD})
    admin = Client()
    admin.force_login(make_user("admin"))
    response = admin.post(f"/users/{hr.pk}/sign-out-everywhere/", follow=True)
    assert "User hr1 was signed out of 1 session." in response.content.decode()
    assert browser.get("/people/").status_code == 302
    browser.post("/login/", {"username": "hr1", "password": PASSWORD})
    call_command("user", "sign-out", "hr1")
    assert "user hr1 signed out everywhere: 1 session(s) ended" in capsys.readouterr().out
    assert browser.get("/people/").status_code == 302
    assert Session.objects.count() == 1  # the administrator's own


def test_the_api_signs_a_user_out_everywhere_for_themselves_and_on_their_behalf(make_user) -> None:
    from ordna.core.actor import Actor
    from ordna.core.services import token_create

    hr = make_user("hr", password=PASSWORD)
    browser = Client()
    browser.post("/login/", {"username": "hr1", "password": PASSWORD})
    own = Client(headers={"Authorization": f"Bearer {token_create(user=hr, actor=Actor.system('test'))}"})
    answer = own.post("/api/v1/me/sign-out-everywhere")
    assert (answer.status_code, answer.json()) == (200, {"username": "hr1", "sessions_ended": 1})
    assert browser.get("/people/").status_code == 302
    assert own.get("/api/v1/me").status_code == 200  # the token stays
    browser.post("/login/", {"username": "hr1", "password": PASSWORD})
    admin = make_user("admin")
    by_admin = Client(headers={"Authorization": f"Bearer {token_create(user=admin, actor=Actor.system('test'))}"})
    answer = by_admin.post("/api/v1/users/HR1/sign-out-everywhere")
    assert (answer.status_code, answer.json()["sessions_ended"]) == (200, 1)
    assert browser.get("/people/").status_code == 302
    assert by_admin.post("/api/v1/users/nobody/sign-out-everywhere").status_code == 404
    coordinator = make_user("coordinator")
    by_coordinator = Client(
        headers={"Authorization": f"Bearer {token_create(user=coordinator, actor=Actor.system('test'))}"}
    )
    refused = by_coordinator.post(f"/api/v1/users/{admin.username}/sign-out-everywhere")
    assert refused.status_code == 422 and "administrator" in refused.json()["detail"]
    assert AuditEvent.objects.filter(action="user.signed_out_everywhere").count() == 2


def test_a_coordinator_cannot_sign_an_administrator_out(make_user) -> None:
    target = make_user("admin", password=PASSWORD)
    coordinator = Client()
    coordinator.force_login(make_user("coordinator"))
    response = coordinator.post(f"/users/{target.pk}/sign-out-everywhere/", follow=True)
    assert "Only an administrator can grant or change the administrator role." in response.content.decode()
    assert not AuditEvent.objects.filter(action="user.signed_out_everywhere").exists()


def test_pages_carry_a_strict_content_security_policy_and_a_permissions_policy(make_user) -> None:
    response = Client().get("/login/")
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert policy["frame-ancestors"] == "'none'"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response


def test_hsts_is_sent_on_secure_requests_when_set(settings) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    assert Client().get("/login/", secure=True)["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in Client().get("/login/")


# Templates that are never served as pages, so the page's Content-Security-Policy does not reach them: mail
# bodies (mail clients drop style sheets) and the reports downloaded as self-contained HTML files.
STANDALONE = {
    "notifications/digest.html",
    "lifecycle/service_desk_mail.html",
    "reports/partials/document_style.html",
}


def test_no_page_template_has_inline_scripts_styles_or_handlers() -> None:
    """What the policy would block: <script> without src, <style>, style="...", on...= handlers."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=", re.IGNORECASE)
    found = [
        f"{path.relative_to(root)}: {match.group(0).strip()}"
        for path in sorted(root.glob("*/templates/**/*.html"))
        if str(path.relative_to(root / path.relative_to(root).parts[0] / "templates")) not in STANDALONE
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
