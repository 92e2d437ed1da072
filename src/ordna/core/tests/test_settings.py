"""Every setting is checked when Ordna starts: a value it cannot use stops the start with a sentence that names
the variable (README.md, "Settings"). Each case runs settings.py as Django would import it, with one bad value."""

from __future__ import annotations

import ast
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from ordna.environment import SettingError

SETTINGS = Path(__file__).resolve().parents[2] / "settings.py"
READERS = {"envstr", "envbool", "envint", "envfloat", "envlist", "envchoice", "addresses", "assignments", "role_list"}
READERS |= {"_configured_or_generated"}

# One value each setting cannot use, and words the refusal must contain besides the variable's name.
BAD = {
    "ORDNA_DATA_DIR": ("/proc/no-such-folder/ordna", "cannot make the folder"),
    "DATABASE_URL": ("mysql://db/ordna", "only postgres"),
    "ORDNA_SECRET_KEY_FILE": ("/no/such/file", "cannot read"),
    "ORDNA_DEBUG": ("maybe", "true or false"),
    "ORDNA_AUDIT_KEY": ("short", "at least 32 characters"),
    "ORDNA_AUDIT_CHECKPOINT_MAIL": ("auditor", "not a mail address"),
    "ORDNA_ALLOWED_HOSTS": ("", ""),  # free text: see FREE
    "ORDNA_CSRF_TRUSTED_ORIGINS": ("ordna.example.org", "https://ordna.example.org"),
    "ORDNA_PROXY_SSL_HEADER": ("X-Forwarded-Proto: https", "header name"),
    "ORDNA_SECURE_COOKIES": ("sometimes", "true or false"),
    "ORDNA_TRUSTED_PROXY": ("proxy.example.org", "IP address"),
    "ORDNA_SESSION_HOURS": ("0", "at least 1"),
    "ORDNA_SESSION_IDLE_MINUTES": ("-1", "at least 0"),
    "ORDNA_HSTS_SECONDS": ("31536000", "only with ORDNA_SECURE_COOKIES"),
    "ORDNA_BASE_URL": ("ordna.example.org", "https://ordna.example.org"),
    "ORDNA_TOKEN_DAYS": ("-1", "at least 0"),
    "ORDNA_DB_LOCK_TIMEOUT_SECONDS": ("soon", "whole number"),
    "ORDNA_LANGUAGE": ("de", "en, sv, nl"),
    "ORDNA_TIME_ZONE": ("Mars/Base", "not a time zone"),
    "ORDNA_UPLOAD_MAX_MB": ("0", "at least 1"),
    "ORDNA_ATTACHMENT_MAX_MB": ("-3", "at least 1"),
    "ORDNA_LEAVER_LEAD_DAYS": ("-1", "at least 0"),
    "ORDNA_LEAVER_RECENT_DAYS": ("thirty", "whole number"),
    "ORDNA_WAIVER_APPROVAL": ("2", "true or false"),
    "ORDNA_JOINER_LEAD_DAYS": ("-2", "at least 0"),
    "ORDNA_EXIT_SURVEY_DAYS": ("0", "at least 1"),
    "ORDNA_MASS_CHANGE_PEOPLE_PERCENT": ("-5", "at least 0"),
    "ORDNA_MASS_CHANGE_ACCOUNTS_PERCENT": ("150", "at most 100"),
    "ORDNA_MASS_CHANGE_MINIMUM": ("0", "at least 1"),
    "ORDNA_DORMANT_DAYS": ("0", "at least 1"),
    "ORDNA_RETENTION_MONTHS": ("0", "at least 1"),
    "ORDNA_EVIDENCE_PACK_DAYS": ("0", "at least 1"),
    "ORDNA_SOURCE_MAX_AGE_DAYS": ("0", "at least 1"),
    "ORDNA_MAIL_DOMAINS": ("example", "not a domain"),
    "ORDNA_HOLIDAY_COUNTRY": ("DE", "SE or NL"),
    "ORDNA_KEY_USER_RESPONSE_HOURS": ("0", "at least 1"),
    "ORDNA_BUSINESS_HOURS": ("17:00-08:00", "end before they start"),
    "ORDNA_REPORT_RECIPIENTS": ("cio@example.org,cfo", "'cfo' is not a mail address"),
    "ORDNA_OIDC_ISSUER": ("https://login.example.org", "ORDNA_OIDC_CLIENT_ID"),
    "ORDNA_OIDC_CLIENT_ID": ("", ""),  # free text: see FREE
    "ORDNA_OIDC_CLIENT_SECRET_FILE": ("/no/such/secret", "cannot read"),
    "ORDNA_OIDC_ROLE_GROUPS": ("boss=it-admins", "unknown role 'boss'"),
    "ORDNA_LOGIN_MAX_FAILURES": ("0", "at least 1"),
    "ORDNA_LOGIN_LOCKOUT_MINUTES": ("0", "at least 1"),
    "ORDNA_LOGIN_ADDRESS_MAX_FAILURES": ("0", "at least 1"),
    "ORDNA_REQUIRE_2FA": ("admin,boss", "unknown role 'boss'"),
    "ORDNA_CONTRACT_ALERT_STAGES": ("90,soon", ""),
    "ORDNA_ACTION_REMINDER_DAYS": ("-7", "at least 0"),
    "ORDNA_CONNECTOR_KEY": ("not-a-fernet-key", "Fernet keys"),
    "ORDNA_CONNECTOR_ALLOW_LINK_LOCAL": ("perhaps", "true or false"),
    "ORDNA_CONNECTOR_MAX_ATTEMPTS": ("0", "at least 1"),
    "ORDNA_CONNECTOR_RETRY_SECONDS": ("0", "at least 1"),
    "ORDNA_CONNECTOR_TIMEOUT": ("0", "at least 1"),
    "ORDNA_REDIS_URL": ("foo", "redis://host:6379/0"),
    "ORDNA_JOBS_IMMEDIATE": ("now", "true or false"),
    "ORDNA_WORKERS": ("0", "at least 1"),
    "ORDNA_REMIND_HOUR": ("24", "0 to 23"),
    "ORDNA_REMIND_BEFORE_DAYS": ("-1", "at least 0"),
    "ORDNA_ESCALATE_MANAGER_DAYS": ("0", "at least 1"),
    "ORDNA_ESCALATE_COORDINATOR_DAYS": ("0", "at least 1"),
    "ORDNA_CIO_SUMMARY_WEEKDAY": ("8", "1 (Monday) to 7"),
    "ORDNA_CIO_USERS": ("", ""),  # user names: checked against the users when the server starts (test below)
    "ORDNA_ROLE_LEADS": ("boss=anna", "unknown role 'boss'"),
    "ORDNA_WEBHOOKS": ("hr=ftp://hooks.example.org/x", "https://"),
    "ORDNA_ROLE_MAILBOXES": ("hr=hr-at-example.org", "not a mail address"),
    "ORDNA_ACTION_LINK_DAYS": ("0", "at least 1"),
    "ORDNA_ACTION_LINK_REQUESTS_PER_HOUR": ("0", "at least 1"),
    "ORDNA_MAIL_RETRY_MAX_MINUTES": ("0", "at least 1"),
    "ORDNA_MAIL_FROM": ("Ordna", "Ordna <ordna@example.org>"),
    "ORDNA_SMTP_URL": ("http://mail.example.org", "smtp://"),
    "ORDNA_LOG_LEVEL": ("LOUD", "DEBUG, INFO"),
}
# Settings any value of which Ordna can use, and why.
FREE = {
    "ORDNA_ALLOWED_HOSTS": "host names, any (Django answers 400 to a request for another)",
    "ORDNA_OIDC_CLIENT_ID": "the provider's client id, any text (refused without a secret: ORDNA_OIDC_ISSUER)",
    "ORDNA_OIDC_GROUPS_CLAIM": "a claim's name, any text (empty is the default)",
    "ORDNA_AUDIT_CHECKPOINT_DIR": "a folder, made when the first checkpoint is written",
    "ORDNA_CIO_USERS": "user names, checked against the database at start (test_unknown_user_names_stop_the_start)",
}
# The secrets' file forms (read by envstr with the secret): any value of the secret itself is good; a file
# that cannot be read is not.
FILE_FORMS = {"ORDNA_SECRET_KEY_FILE": "ORDNA_SECRET_KEY", "ORDNA_OIDC_CLIENT_SECRET_FILE": "ORDNA_OIDC_CLIENT_SECRET"}


def settings_read() -> dict[str, object]:
    """Every variable settings.py reads, with the default it passes (None when it has none of its own)."""
    found: dict[str, object] = {}
    for node in ast.walk(ast.parse(SETTINGS.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in READERS):
            continue
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            default = node.args[1] if len(node.args) > 1 else None
            found[first.value] = default.value if isinstance(default, ast.Constant) else None
    return found


def load_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **environment: str) -> dict[str, object]:
    for name in list(os.environ):
        if name.startswith("ORDNA_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("ORDNA_DATA_DIR", str(tmp_path))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_the_table_of_bad_values_covers_every_setting_read() -> None:
    read = set(settings_read())
    assert read - set(BAD) - set(FREE) - set(FILE_FORMS.values()) == set()
    assert {name for name in BAD if BAD[name][0]} - read - set(FILE_FORMS) == set()


def test_good_defaults_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    loaded = load_settings(monkeypatch, tmp_path)
    assert loaded["TIME_ZONE"] == "Europe/Stockholm"
    assert loaded["SECURE_PROXY_SSL_HEADER"] is None
    assert loaded["ORDNA_TOKEN_DAYS"] == 365
    assert (loaded["SECURE_HSTS_SECONDS"], loaded["ORDNA_SESSION_IDLE_MINUTES"], loaded["ORDNA_REQUIRE_2FA"]) == (
        0,
        60,
        [],
    )


def test_hsts_and_the_second_factor_roles_as_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    loaded = load_settings(
        monkeypatch,
        tmp_path,
        ORDNA_SECURE_COOKIES="true",
        ORDNA_HSTS_SECONDS="31536000",
        ORDNA_REQUIRE_2FA="admin, coordinator",
    )
    assert (loaded["SECURE_HSTS_SECONDS"], loaded["ORDNA_REQUIRE_2FA"]) == (31536000, ["admin", "coordinator"])


@pytest.mark.parametrize("name", sorted(name for name, (value, _words) in BAD.items() if value))
def test_a_bad_value_stops_the_start_naming_the_variable(
    name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    value, words = BAD[name]
    with pytest.raises(SettingError) as refused:
        load_settings(monkeypatch, tmp_path, **{name: value})
    message = str(refused.value)
    assert message.startswith(f"{name}: ") or message.startswith(f"{name.removesuffix('_FILE')}_FILE: ")
    assert words in message


def test_the_proxy_header_becomes_djangos(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    loaded = load_settings(monkeypatch, tmp_path, ORDNA_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert loaded["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_the_command_line_prints_the_sentence_and_exits_2(tmp_path: Path) -> None:
    environment = {**os.environ, "ORDNA_DATA_DIR": str(tmp_path), "ORDNA_LOG_LEVEL": "LOUD"}
    done = subprocess.run(
        [sys.executable, "-m", "ordna.cli", "check"], env=environment, capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stderr) == (
        2,
        "ordna: configuration error: ORDNA_LOG_LEVEL: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL, "
        "got 'LOUD'\n",
    )


@pytest.mark.django_db
def test_unknown_user_names_stop_the_start(settings: object) -> None:
    from ordna.cli import settings_problem
    from ordna.core.actor import Actor
    from ordna.core.services import user_add

    user_add(username="anna", roles=["coordinator"], actor=Actor.command_line())
    settings.ORDNA_CIO_USERS = ["anna"]  # type: ignore[attr-defined]
    settings.ORDNA_ROLE_LEADS = {"hr": ["Anna"]}  # type: ignore[attr-defined]
    assert settings_problem() is None
    settings.ORDNA_ROLE_LEADS = {"hr": ["anna", "bob"]}  # type: ignore[attr-defined]
    assert settings_problem() == "ORDNA_ROLE_LEADS: no active user is named 'bob' (`ordna user list` shows the users)"
    settings.ORDNA_CIO_USERS = ["cio"]  # type: ignore[attr-defined]
    assert settings_problem() == "ORDNA_CIO_USERS: no active user is named 'cio' (`ordna user list` shows the users)"


def test_a_wsgi_server_stops_with_the_same_sentence(tmp_path: Path) -> None:
    environment = {**os.environ, "ORDNA_DATA_DIR": str(tmp_path), "ORDNA_TIME_ZONE": "Mars/Base"}
    done = subprocess.run(
        [sys.executable, "-c", "import ordna.wsgi"], env=environment, capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stderr) == (
        2,
        "ordna: configuration error: ORDNA_TIME_ZONE: 'Mars/Base' is not a time zone such as Europe/Stockholm\n",
    )
