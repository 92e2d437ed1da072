"""The second factor for local accounts: TOTP enrolment with a QR code, sign-in with a code, one-time recovery
codes, a wrong code counted as a failed sign-in, the per-role requirement (ORDNA_REQUIRE_2FA), and users of the
identity provider left to the provider."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pyotp
import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from ordna.core import second_factor, sign_in_guard
from ordna.core.encryption import secret_decrypt
from ordna.core.models import AuditEvent, RecoveryCode, SecondFactor, SignInThrottle

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
REFUSED = "Wrong username or password, or too many attempts: try again later."


def code_now(key: str, *, later: int = 0) -> str:
    return pyotp.TOTP(key).at(timezone.now() + timedelta(seconds=later))


def sign_in(username: str, *, address: str = "203.0.113.7") -> Client:
    client = Client(REMOTE_ADDR=address)
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def enrol(client: Client) -> tuple[str, list[str]]:
    """Set up the second factor as a user does: open the page, read the key, enter a code; the codes shown."""
    page = client.get("/account/second-factor/").content.decode()
    key = re.search(r'<code class="key">([A-Z2-7]+)</code>', page).group(1)  # type: ignore[union-attr]
    response = client.post("/account/second-factor/", {"code": code_now(key)})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([0-9a-f]{8}-[0-9a-f]{8})</code></li>", response.content.decode())
    return key, codes


def test_enrolment_shows_a_qr_code_and_a_code_confirms_it(make_user) -> None:
    user = make_user("hr", password=PASSWORD)
    client = sign_in("hr1")
    page = client.get("/account/second-factor/").content.decode()
    assert re.search(r'<img class="qr" src="data:image/svg\+xml;charset=utf-8,%3Csvg[^"]+"', page)
    factor = SecondFactor.objects.get(user=user)
    assert factor.confirmed_at is None
    # The key is kept encrypted (a copy of the database alone gives no codes).
    plain = secret_decrypt(factor.key)
    assert re.fullmatch(r"[A-Z2-7]{32}", plain) and plain not in factor.key
    # A wrong code changes nothing.
    response = client.post("/account/second-factor/", {"code": "000000" if code_now(plain) != "000000" else "1"})
    assert "is not the one the app shows now" in response.content.decode()
    assert SecondFactor.objects.get(user=user).confirmed_at is None
    key, codes = enrol(client)
    assert key == plain and len(codes) == 10 and len(set(codes)) == 10
    assert SecondFactor.objects.get(user=user).confirmed_at is not None
    assert RecoveryCode.objects.filter(user=user).count() == 10
    assert not RecoveryCode.objects.filter(digest__in=codes).exists()  # only digests are kept
    assert AuditEvent.objects.filter(action="user.second_factor_added", target_id=str(user.pk)).count() == 1


def test_sign_in_asks_for_the_code_after_the_password(make_user) -> None:
    make_user("hr", password=PASSWORD)
    key, _codes = enrol(sign_in("hr1"))
    client = Client(REMOTE_ADDR="203.0.113.7")
    response = client.post("/login/", {"username": "hr1", "password": PASSWORD, "next": "/people/"})
    assert response["Location"] == "/login/code/"
    assert client.get("/people/").status_code == 302  # not signed in yet
    response = client.post("/login/code/", {"code": code_now(key, later=30)})
    assert response.status_code == 302 and response["Location"] == "/people/"
    assert client.get("/people/").status_code == 200


def test_a_code_works_once(make_user) -> None:
    make_user("hr", password=PASSWORD)
    key, _codes = enrol(sign_in("hr1"))
    first = Client(REMOTE_ADDR="203.0.113.7")
    first.post("/login/", {"username": "hr1", "password": PASSWORD})
    code = code_now(key, later=30)
    assert first.post("/login/code/", {"code": code}).status_code == 302
    second = Client(REMOTE_ADDR="203.0.113.7")
    second.post("/login/", {"username": "hr1", "password": PASSWORD})
    assert REFUSED in second.post("/login/code/", {"code": code}).content.decode()


def test_a_recovery_code_signs_in_once(make_user) -> None:
    user = make_user("hr", password=PASSWORD)
    _key, codes = enrol(sign_in("hr1"))
    client = Client(REMOTE_ADDR="203.0.113.7")
    client.post("/login/", {"username": "hr1", "password": PASSWORD})
    assert client.post("/login/code/", {"code": codes[3].upper()}).status_code == 302
    again = Client(REMOTE_ADDR="203.0.113.7")
    again.post("/login/", {"username": "hr1", "password": PASSWORD})
    assert REFUSED in again.post("/login/code/", {"code": codes[3]}).content.decode()
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=True).count() == 9
    assert "You have 9 unused recovery codes." in client.get("/account/").content.decode()
    assert AuditEvent.objects.filter(action="user.recovery_code_used").count() == 1


def test_new_recovery_codes_replace_the_old_ones(make_user) -> None:
    make_user("hr", password=PASSWORD)
    client = sign_in("hr1")
    _key, old = enrol(client)
    response = client.post("/account/recovery-codes/")
    new = re.findall(r"<li><code>([0-9a-f]{8}-[0-9a-f]{8})</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    other = Client(REMOTE_ADDR="203.0.113.7")
    other.post("/login/", {"username": "hr1", "password": PASSWORD})
    assert REFUSED in other.post("/login/code/", {"code": old[0]}).content.decode()
    assert other.post("/login/code/", {"code": new[0]}).status_code == 302


def test_a_wrong_code_counts_as_a_failed_sign_in(make_user, settings) -> None:
    settings.ORDNA_LOGIN_MAX_FAILURES = 3
    user = make_user("hr", password=PASSWORD)
    key, _codes = enrol(sign_in("hr1"))
    client = Client(REMOTE_ADDR="198.51.100.9")
    client.post("/login/", {"username": "hr1", "password": PASSWORD})
    wrong = "123456" if code_now(key) != "123456" else "654321"
    for _ in range(3):
        assert REFUSED in client.post("/login/code/", {"code": wrong}).content.decode()
    user.refresh_from_db()
    assert user.locked_until is not None
    assert SignInThrottle.objects.get(address="198.51.100.9").failures == 3
    # Locked: even the right code is refused, with the same sentence.
    assert REFUSED in client.post("/login/code/", {"code": code_now(key, later=30)}).content.decode()


def test_the_code_step_expires(make_user) -> None:
    make_user("hr", password=PASSWORD)
    key, _codes = enrol(sign_in("hr1"))
    client = Client()
    client.post("/login/", {"username": "hr1", "password": PASSWORD})
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        response = client.post("/login/code/", {"code": code_now(key)})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/people/").status_code == 302


def test_a_required_role_must_set_up_the_second_factor_before_anything_else(make_user, settings) -> None:
    settings.ORDNA_REQUIRE_2FA = ["admin", "coordinator"]
    make_user("coordinator", password=PASSWORD)
    make_user("hr", password=PASSWORD)
    client = sign_in("coordinator1")
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"] == "/account/second-factor/"
    assert client.get("/api/me").status_code == 403
    assert (
        "Your role requires a second factor before you can go on."
        in client.get("/account/second-factor/").content.decode()
    )
    enrol(client)
    assert client.get("/people/").status_code == 200
    # A role not in the list signs in with the password alone.
    assert sign_in("hr2").get("/people/").status_code == 200


def test_a_required_role_cannot_remove_its_own_second_factor(make_user, settings) -> None:
    settings.ORDNA_REQUIRE_2FA = ["coordinator"]
    user = make_user("coordinator", password=PASSWORD)
    client = sign_in("coordinator1")
    enrol(client)
    response = client.post("/account/second-factor/remove/", follow=True)
    assert "Your role requires a second factor" in response.content.decode()
    assert SecondFactor.objects.filter(user=user).exists()


def test_an_optional_second_factor_can_be_removed_by_its_user(make_user) -> None:
    user = make_user("hr", password=PASSWORD)
    client = sign_in("hr1")
    enrol(client)
    client.post("/account/second-factor/remove/")
    assert not SecondFactor.objects.filter(user=user).exists() and not RecoveryCode.objects.exists()
    assert sign_in("hr1").get("/people/").status_code == 200


def test_an_administrator_removes_a_lost_second_factor_in_the_web_and_the_command(make_user, capsys) -> None:
    hr = make_user("hr", password=PASSWORD)
    enrol(sign_in("hr1"))
    admin = Client()
    admin.force_login(make_user("admin"))
    assert "Signs in with a second factor" in admin.get(f"/users/{hr.pk}/").content.decode()
    admin.post(f"/users/{hr.pk}/second-factor/remove/")
    assert not SecondFactor.objects.filter(user=hr).exists()
    assert AuditEvent.objects.filter(action="user.second_factor_removed", actor_ref__startswith="user:").count() == 1
    enrol(sign_in("hr1"))
    call_command("user", "remove-2fa", "hr1")
    call_command("user", "remove-2fa", "hr1")
    assert capsys.readouterr().out.splitlines() == [
        "second factor of hr1 removed",
        "second factor of hr1 was not set up",
    ]


def test_users_of_the_identity_provider_are_left_to_the_provider(make_user, settings) -> None:
    """A session opened through the provider owes no second factor, whatever the role; the account page says
    whose it is."""
    settings.ORDNA_REQUIRE_2FA = ["coordinator"]
    user = make_user("coordinator")
    user.set_unusable_password()
    user.save()
    client = Client()
    client.force_login(user)
    session = client.session
    session[sign_in_guard.VIA_PROVIDER] = True
    session.save()
    assert client.get("/people/").status_code == 200
    page = client.get("/account/").content.decode()
    assert "identity provider; it decides how you prove who you are" in page
    assert client.get("/account/second-factor/")["Location"] == "/account/"


def test_the_qr_code_holds_the_provisioning_address(make_user) -> None:
    from ordna.core.second_factor import enrolment_start

    user = make_user("hr", password=PASSWORD)
    enrolment = enrolment_start(user=user)
    parsed: Any = pyotp.parse_uri(enrolment.uri)
    assert (parsed.secret, parsed.name, parsed.issuer) == (enrolment.key, "hr1", "Ordna")
    assert enrolment.qr_svg_data_uri.startswith("data:image/svg+xml;charset=utf-8,%3Csvg")


def test_a_session_older_than_the_set_up_signs_in_again_with_a_code(make_user, settings) -> None:
    """Set up in one browser while another was signed in with the password alone: the other, owing the code,
    is sent to sign in again rather than round in circles."""
    settings.ORDNA_REQUIRE_2FA = ["coordinator"]
    make_user("coordinator", password=PASSWORD)
    older = sign_in("coordinator1")
    enrol(sign_in("coordinator1"))
    response = older.get("/people/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/"
    assert "_auth_user_id" not in older.session


def test_keys_kept_in_clear_before_are_encrypted_by_the_migration_and_still_give_codes(make_user) -> None:
    import importlib

    from django.apps import apps

    user = make_user("hr", password=PASSWORD)
    key, _codes = enrol(sign_in("hr1"))
    SecondFactor.objects.filter(user=user).update(key=key, last_step=0)  # as stored before the migration
    importlib.import_module("ordna.core.migrations.0012_second_factor_key_encrypted").encrypt_keys(apps, None)
    stored = SecondFactor.objects.get(user=user).key
    assert key not in stored and secret_decrypt(stored) == key
    assert second_factor.code_verify(user=user, code=code_now(key))


def test_a_key_that_cannot_be_decrypted_refuses_the_code_but_not_a_recovery_code(make_user, settings) -> None:
    from cryptography.fernet import Fernet

    user = make_user("hr", password=PASSWORD)
    key, codes = enrol(sign_in("hr1"))
    assert second_factor.code_verify(user=user, code=code_now(key, later=30))  # the next step's code
    settings.ORDNA_CONNECTOR_KEY = Fernet.generate_key().decode()  # the key was changed
    assert not second_factor.code_verify(user=user, code=code_now(key, later=60))
    assert second_factor.code_verify(user=user, code=codes[0])
