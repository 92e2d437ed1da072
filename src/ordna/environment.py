"""Typed readers of the environment: the only place Ordna's settings come from.

Every secret can also be given as ``NAME_FILE``, the path of a file that holds it (Docker and systemd
credentials), so it never has to sit in the process environment.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


class SettingError(ValueError):
    """An environment variable has a value Ordna cannot use; the message names the variable."""


def envstr(name: str, default: str = "") -> str:
    """The variable's value, or the first line of the file named by ``NAME_FILE``, or `default`."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SettingError(f"{name}_FILE: cannot read {file_name}: {exc.strerror}") from exc
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise SettingError(f"{name}: expected true or false, got {raw!r}")


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingError(f"{name}: expected a whole number, got {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise SettingError(f"{name}: must be at least {minimum}, got {value}")
    return value


def envfloat(name: str, default: float, *, minimum: float | None = None, maximum: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise SettingError(f"{name}: expected a number, got {raw!r}") from exc
    if value != value:  # NaN
        raise SettingError(f"{name}: expected a number, got {raw!r}")
    if minimum is not None and value < minimum:
        raise SettingError(f"{name}: must be at least {minimum:g}, got {raw.strip()}")
    if maximum is not None and value > maximum:
        raise SettingError(f"{name}: must be at most {maximum:g}, got {raw.strip()}")
    return value


def envchoice(name: str, default: str, choices: Iterable[str]) -> str:
    """One of `choices` (compared without case; the choice's own spelling is returned)."""
    raw = envstr(name, default).strip()
    for choice in choices:
        if raw.lower() == choice.lower():
            return choice
    raise SettingError(f"{name}: expected one of {', '.join(choices)}, got {raw!r}")


def addresses(name: str) -> list[str]:
    """A comma-separated list of mail addresses, each checked (lower case)."""
    found = [address.lower() for address in envlist(name)]
    for address in found:
        if not is_mail_address(address):
            raise SettingError(f"{name}: {address!r} is not a mail address")
    return found


def is_mail_address(address: str) -> bool:
    local, at, domain = address.partition("@")
    return bool(at and local and "." in domain.strip(".") and not any(c.isspace() or c in "<>,;@" for c in domain))


def web_address(name: str, value: str, *, https_only: bool = False) -> str:
    """An http(s) address with a host (`https_only`: http only on loopback, for tests)."""
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SettingError(f"{name}: expected an address such as https://ordna.example.org, got {value!r}")
    if https_only and parts.scheme != "https" and parts.hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise SettingError(f"{name}: expected an https:// address, got {value!r}")
    return value


def redis_url(value: str) -> str:
    """``ORDNA_REDIS_URL``: redis://, rediss:// (TLS) or unix:// (a socket), with a database number if any."""
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in {"redis", "rediss", "unix"}:
        raise SettingError(f"ORDNA_REDIS_URL: expected redis://host:6379/0 (or rediss://, unix://), got {value!r}")
    if parts.scheme != "unix" and not parts.hostname:
        raise SettingError(f"ORDNA_REDIS_URL: no host name in {value!r}")
    if parts.scheme == "unix" and not parts.path:
        raise SettingError(f"ORDNA_REDIS_URL: no socket path in {value!r}")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        raise SettingError(f"ORDNA_REDIS_URL: {exc}") from exc
    database = parts.path.strip("/")
    if parts.scheme != "unix" and database and not database.isdigit():
        raise SettingError(f"ORDNA_REDIS_URL: the database after the host is a number, got {database!r}")
    return value


def proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """``ORDNA_PROXY_SSL_HEADER``: the header a reverse proxy sets to ``https`` on requests that came encrypted
    (``X-Forwarded-Proto``), as Django's SECURE_PROXY_SSL_HEADER; empty when there is no proxy."""
    name = value.strip()
    if not name:
        return None
    if not all(c.isalnum() or c == "-" for c in name):
        raise SettingError(f"ORDNA_PROXY_SSL_HEADER: expected a header name such as X-Forwarded-Proto, got {value!r}")
    return ("HTTP_" + name.upper().replace("-", "_"), "https")


def envlist(name: str, default: str = "") -> list[str]:
    """A comma-separated list, blanks dropped."""
    return [item.strip() for item in envstr(name, default).split(",") if item.strip()]


def smtp_settings(url: str) -> dict[str, object]:
    """Django's email settings from ``ORDNA_SMTP_URL``: ``smtp://user:pass@host:587?starttls=1`` or
    ``smtps://host:465`` (TLS from the first byte); ``timeout=`` in seconds (default 20).

    User name and password may be percent-encoded (an ``@`` in a password is ``%40``).
    """
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"}:
        raise SettingError(f"ORDNA_SMTP_URL: expected smtp:// or smtps://, got {url.split(':', 1)[0]!r}")
    if not parts.hostname:
        raise SettingError("ORDNA_SMTP_URL: no host name")
    try:
        port = parts.port
    except ValueError as exc:
        raise SettingError(f"ORDNA_SMTP_URL: {exc}") from exc
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"starttls", "timeout"}
    if unknown:
        raise SettingError(f"ORDNA_SMTP_URL: unknown option {sorted(unknown)[0]!r}; expected starttls or timeout")
    starttls = query.get("starttls", "0").lower() in {"1", "true", "yes", "on"}
    try:
        timeout = int(query.get("timeout", "20"))
    except ValueError as exc:
        raise SettingError(f"ORDNA_SMTP_URL: timeout must be whole seconds, got {query['timeout']!r}") from exc
    ssl = parts.scheme == "smtps"
    if ssl and starttls:
        raise SettingError("ORDNA_SMTP_URL: smtps:// already encrypts; drop starttls")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if ssl else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": starttls,
        "EMAIL_USE_SSL": ssl,
        "EMAIL_TIMEOUT": timeout,
    }


def assignments(name: str) -> dict[str, list[str]]:
    """``role=value,role=value`` pairs (a role may repeat), as ``ORDNA_ROLE_LEADS`` and ``ORDNA_WEBHOOKS`` use;
    every key must be a role."""
    found: dict[str, list[str]] = {}
    for item in envlist(name):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise SettingError(f"{name}: expected role=value pairs separated by commas, got {item!r}")
        if key.strip() not in ROLES:
            raise SettingError(f"{name}: unknown role {key.strip()!r}; roles are: {', '.join(ROLES)}")
        found.setdefault(key.strip(), []).append(value.strip())
    return found


def webhooks(pairs: dict[str, list[str]]) -> dict[str, list[str]]:
    """``ORDNA_WEBHOOKS``: every value an https address (a chat's incoming webhook)."""
    for urls in pairs.values():
        for url in urls:
            web_address("ORDNA_WEBHOOKS", url, https_only=True)
    return pairs


ROLES = ("admin", "coordinator", "hr", "manager", "key_user", "supplier", "employee", "auditor")


def role_list(name: str) -> list[str]:
    """A comma-separated list of roles, as ``ORDNA_REQUIRE_2FA``: each must be a role."""
    found = envlist(name)
    for role in found:
        if role not in ROLES:
            raise SettingError(f"{name}: unknown role {role!r}; roles are: {', '.join(ROLES)}")
    return found


def role_mailboxes(pairs: dict[str, list[str]]) -> dict[str, list[str]]:
    """``ORDNA_ROLE_MAILBOXES``: every key a role, every value one address (lower case)."""
    for role, found in pairs.items():
        if role not in ROLES:
            raise SettingError(f"ORDNA_ROLE_MAILBOXES: unknown role {role!r}; roles are: {', '.join(ROLES)}")
        for address in found:
            if not is_mail_address(address) or any(c.isspace() for c in address):
                raise SettingError(f"ORDNA_ROLE_MAILBOXES: {address!r} is not a mail address")
    return {role: [a.lower() for a in found] for role, found in pairs.items()}


def role_groups(pairs: dict[str, list[str]]) -> dict[str, list[str]]:
    """``ORDNA_OIDC_ROLE_GROUPS``: role=group pairs (a role may repeat, for several groups)."""
    for role in pairs:
        if role not in ROLES:
            raise SettingError(f"ORDNA_OIDC_ROLE_GROUPS: unknown role {role!r}; roles are: {', '.join(ROLES)}")
    return pairs
