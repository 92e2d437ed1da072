"""ORDNA_SMTP_URL into Django's email settings, and role=value settings; errors name the variable."""

from __future__ import annotations

import pytest

from ordna.environment import SettingError, assignments, smtp_settings


def test_a_full_smtp_url_with_starttls() -> None:
    assert smtp_settings("smtp://ordna%40example.org:p%40ss@mail.example.org:587?starttls=1&timeout=5") == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.org",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "ordna@example.org",
        "EMAIL_HOST_PASSWORD": "p@ss",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 5,
    }


def test_smtps_defaults_to_port_465_and_plain_smtp_to_25() -> None:
    assert (smtp_settings("smtps://mail.example.org")["EMAIL_PORT"], smtp_settings("smtps://m")["EMAIL_USE_SSL"]) == (
        465,
        True,
    )
    assert smtp_settings("smtp://127.0.0.1")["EMAIL_PORT"] == 25


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.example.org", "expected smtp:// or smtps://"),
        ("smtp://", "no host name"),
        ("smtp://mail.example.org?tls=1", "unknown option 'tls'"),
        ("smtp://mail.example.org?timeout=soon", "timeout must be whole seconds"),
        ("smtps://mail.example.org?starttls=1", "drop starttls"),
        ("smtp://mail.example.org:99999", "ORDNA_SMTP_URL"),
    ],
)
def test_bad_smtp_urls_are_refused_with_the_reason(url: str, message: str) -> None:
    with pytest.raises(SettingError, match="ORDNA_SMTP_URL") as error:
        smtp_settings(url)
    assert message in str(error.value)


def test_role_assignments(monkeypatch) -> None:
    monkeypatch.setenv("ORDNA_ROLE_LEADS", "hr=anna, supplier=bo,hr=carl")
    assert assignments("ORDNA_ROLE_LEADS") == {"hr": ["anna", "carl"], "supplier": ["bo"]}
    monkeypatch.setenv("ORDNA_ROLE_LEADS", "hr")
    with pytest.raises(SettingError, match="ORDNA_ROLE_LEADS: expected role=value"):
        assignments("ORDNA_ROLE_LEADS")


def test_the_ordna_command_refuses_a_bad_smtp_url(tmp_path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "ORDNA_DATA_DIR": str(tmp_path), "ORDNA_SMTP_URL": "mail.example.org"}
    done = subprocess.run(
        [sys.executable, "-m", "ordna.cli", "remind", "--dry-run"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "ordna: configuration error: ORDNA_SMTP_URL: expected smtp:// or smtps://" in done.stderr


def test_role_mailboxes_are_roles_and_addresses_in_lower_case() -> None:
    from ordna.environment import role_mailboxes

    assert role_mailboxes({"hr": ["HR@Example.org"], "coordinator": ["it@example.org"]}) == {
        "hr": ["hr@example.org"],
        "coordinator": ["it@example.org"],
    }
    with pytest.raises(SettingError, match="ORDNA_ROLE_MAILBOXES: unknown role 'it'"):
        role_mailboxes({"it": ["it@example.org"]})
    with pytest.raises(SettingError, match="ORDNA_ROLE_MAILBOXES: 'hr-team' is not a mail address"):
        role_mailboxes({"hr": ["hr-team"]})


def test_the_settings_parser_knows_every_role() -> None:
    from ordna.core.models import Role
    from ordna.environment import ROLES

    assert list(ROLES) == Role.values
