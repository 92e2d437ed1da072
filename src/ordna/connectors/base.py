"""What every connector client offers, the errors they raise, and the options of each kind (the interface of
`ordna connector set APP KIND --option KEY=VALUE`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

from ordna.accounts.presets import AccountRecord
from ordna.connectors.failures import Failure, Place


class ConnectorError(Exception):
    """A connector could not do its work. The message is the technical detail; `failure` and `place`
    (ordna.connectors.failures) say in words what failed where, and what to check."""

    def __init__(self, message: str, *, failure: str = Failure.OTHER, place: str = Place.UNKNOWN) -> None:
        super().__init__(message)
        self.failure = failure
        self.place = place


class RetryLater(ConnectorError):
    """The server asked to come back later (429 or 503 with Retry-After): `seconds` says when."""

    def __init__(self, message: str, seconds: float, *, place: str = Place.UNKNOWN) -> None:
        super().__init__(message, failure=Failure.THROTTLED, place=place)
        self.seconds = seconds


def retry_after_seconds(value: str | None, default: float = 60.0) -> float:
    """A Retry-After header's wait in seconds: a number of seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return default
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max((when - datetime.now(when.tzinfo or UTC)).total_seconds(), 0.0)


@dataclass
class DisableOutcome:
    """What disabling did: the steps taken, whether the account was disabled already, tasks left for people."""

    steps: list[str] = field(default_factory=list)
    already: bool = False
    tasks: list[str] = field(default_factory=list)


class Client(Protocol):
    """A connection to one application's directory. Reads page through everything; `disable` is idempotent."""

    def test(self) -> str: ...

    def accounts(self) -> Iterator[AccountRecord]: ...

    def account(self, key: str) -> AccountRecord | None: ...

    def plan_disable(self, key: str) -> list[str]: ...

    def disable(self, key: str) -> DisableOutcome: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class KindSpec:
    """The options of one kind: required and optional names, defaults, and the options that give its secret
    (the value itself, or `NAME_file`: a file read once, when the connector is set)."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    secret_options: tuple[str, ...] = ()
    defaults: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.required, *self.optional, *self.secret_options)


KINDS: dict[str, KindSpec] = {
    "ldap": KindSpec(
        required=("url", "bind_dn", "base_dn"),
        optional=("flavour", "user_filter", "starttls", "lock", "ca_file"),
        secret_options=("password", "password_file"),
        defaults={"flavour": "openldap", "starttls": "false"},
    ),
    "scim": KindSpec(required=("url",), secret_options=("token", "token_file")),
    "graph": KindSpec(required=("tenant_id", "client_id"), secret_options=("client_secret", "client_secret_file")),
    "google": KindSpec(
        required=("admin_subject",),
        optional=("customer",),
        secret_options=("credentials", "credentials_file"),  # the service account's JSON key, or its file
        defaults={"customer": "my_customer"},
    ),
}
