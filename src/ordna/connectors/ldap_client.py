"""LDAP and Active Directory through ldap3: paged reads, and disabling by the directory's own means.

OpenLDAP-shaped directories lock with the ppolicy overlay (`pwdAccountLockedTime`), by a move to a disabled
branch, or by replacing an attribute; Active Directory sets bit 2 (ACCOUNTDISABLE) of `userAccountControl`.
Every value put into a filter is escaped (RFC 4515).
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import ldap3
from ldap3.core import exceptions as ldap_errors
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import parse_dn, safe_dn

from ordna.accounts.presets import ACTIVE, DISABLED, AccountRecord, account_record
from ordna.connectors.base import ConnectorError, DisableOutcome
from ordna.connectors.failures import Failure, Place, failure_of
from ordna.connectors.netguard import url_check

ACCOUNTDISABLE = 2
# pwdAccountLockedTime of 000001010000Z locks an entry until an administrator unlocks it (ppolicy).
PERMANENT_LOCK = "000001010000Z"
# Active Directory replicates lastLogonTimestamp lazily: the real last sign-in can be up to 14 days later.
AD_LOGON_LAG = timedelta(days=14)
FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
DEFAULT_FILTERS = {
    "openldap": "(objectClass=inetOrgPerson)",
    "ad": "(&(objectClass=user)(!(objectClass=computer)))",
}
PAGE_SIZE = 500


def _first(entry: Mapping[str, Any], name: str) -> str:
    value = entry.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def filetime(value: str) -> datetime | None:
    """An AD FILETIME (100 ns ticks since 1601) as an aware datetime; 0 and blank are None."""
    try:
        ticks = int(value)
    except (TypeError, ValueError):
        return None
    if ticks <= 0:
        return None
    return FILETIME_EPOCH + timedelta(microseconds=ticks // 10)


def generalized_time(value: str) -> datetime | None:
    text = value.strip()
    if not text:
        return None
    try:
        return datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _failure(exc: ldap_errors.LDAPException) -> Failure:
    """A refused operation is a missing permission; anything else is the connection's."""
    if isinstance(exc, ldap_errors.LDAPInsufficientAccessRightsResult | ldap_errors.LDAPUnwillingToPerformResult):
        return Failure.FORBIDDEN
    return failure_of(exc)


class LdapClient:
    """One bound connection; `options` are the connector's (see base.KINDS["ldap"])."""

    def __init__(self, options: Mapping[str, str], secret: str, *, timeout: float = 30) -> None:
        self.url = url_check(options["url"], schemes=("ldap", "ldaps"))
        self.flavour = options.get("flavour", "openldap")
        self.base_dn = options["base_dn"]
        self.user_filter = options.get("user_filter") or DEFAULT_FILTERS[self.flavour]
        self.lock = options.get("lock") or "ppolicy"
        self.ad = self.flavour == "ad"
        self.key_attr = "sAMAccountName" if self.ad else "uid"
        self.branch = self.lock[len("move:") :] if not self.ad and self.lock.startswith("move:") else ""
        parts = urlsplit(self.url)
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=options.get("ca_file") or None)
        server = ldap3.Server(
            parts.hostname or "",
            port=parts.port,
            use_ssl=parts.scheme.lower() == "ldaps",
            tls=tls,
            get_info=ldap3.NONE,
            connect_timeout=int(timeout),
        )
        self.connection = ldap3.Connection(
            server,
            user=options["bind_dn"],
            password=secret,
            auto_bind=ldap3.AUTO_BIND_NONE,
            receive_timeout=int(timeout),
            raise_exceptions=True,
            read_only=False,
        )
        try:
            self.connection.open()
            if options.get("starttls", "false") == "true":
                self.connection.start_tls()
            self.connection.bind()
        except ldap_errors.LDAPInvalidCredentialsResult as exc:
            raise ConnectorError(
                f"{self.url}: the directory refused the bind DN or password (invalid credentials)",
                failure=Failure.UNAUTHORISED,
                place=Place.DIRECTORY,
            ) from exc
        except ldap_errors.LDAPException as exc:
            raise ConnectorError(
                f"{self.url}: cannot connect: {exc}", failure=failure_of(exc), place=Place.DIRECTORY
            ) from exc

    @property
    def attributes(self) -> list[str]:
        common = ["mail", "displayName", "givenName", "sn", "cn"]
        if self.ad:
            return [
                *common,
                "sAMAccountName",
                "userPrincipalName",
                "employeeID",
                "userAccountControl",
                "lastLogonTimestamp",
            ]
        extra = [self.lock.split(":", 1)[1].split("=", 1)[0]] if self.lock.startswith("replace:") else []
        return [*common, "uid", "employeeNumber", "pwdAccountLockedTime", "authTimestamp", *extra]

    def _search(self, base: str, search_filter: str) -> Iterator[tuple[str, dict[str, Any]]]:
        try:
            for entry in self.connection.extend.standard.paged_search(
                base,
                search_filter,
                search_scope=ldap3.SUBTREE,
                attributes=self.attributes,
                paged_size=PAGE_SIZE,
                generator=True,
            ):
                if entry.get("type") == "searchResEntry":
                    yield entry["dn"], entry["attributes"]
        except ldap_errors.LDAPNoSuchObjectResult:
            return
        except ldap_errors.LDAPException as exc:
            raise ConnectorError(
                f"{self.url}: the search under {base} failed: {exc}", failure=_failure(exc), place=Place.DIRECTORY
            ) from exc

    def _in_branch(self, dn: str) -> bool:
        if not self.branch:
            return False
        return safe_dn(dn).lower().endswith("," + safe_dn(self.branch).lower())

    def _branch_outside_base(self) -> bool:
        return bool(self.branch) and not safe_dn(self.branch).lower().endswith(safe_dn(self.base_dn).lower())

    def _record(self, row: int, dn: str, entry: Mapping[str, Any]) -> AccountRecord | None:
        key = _first(entry, self.key_attr)
        if not key:
            return None
        status = ACTIVE
        last_login: datetime | None
        if self.ad:
            control = _first(entry, "userAccountControl")
            if control and int(control) & ACCOUNTDISABLE:
                status = DISABLED
            stamp = filetime(_first(entry, "lastLogonTimestamp")) if entry.get("lastLogonTimestamp") else None
            # Count the replication lag in the person's favour, so an account is dormant only when it surely is.
            last_login = min(stamp + AD_LOGON_LAG, datetime.now(UTC)) if stamp else None
            employee_id = _first(entry, "employeeID")
            email = _first(entry, "mail") or _first(entry, "userPrincipalName")
        else:
            if entry.get("pwdAccountLockedTime") or self._in_branch(dn):
                status = DISABLED
            if self.lock.startswith("replace:"):
                name, _, value = self.lock[len("replace:") :].partition("=")
                if _first(entry, name).lower() == value.lower():
                    status = DISABLED
            last_login = generalized_time(_first(entry, "authTimestamp"))
            employee_id = _first(entry, "employeeNumber")
            email = _first(entry, "mail")
        return account_record(
            row=row,
            key=key,
            username=key,
            email=email,
            display_name=_first(entry, "displayName") or _first(entry, "cn"),
            first_name=_first(entry, "givenName"),
            last_name=_first(entry, "sn"),
            employee_id=employee_id,
            status=status,
            last_login=last_login,
        )

    def _bases(self) -> list[str]:
        return [self.base_dn, self.branch] if self._branch_outside_base() else [self.base_dn]

    def test(self) -> str:
        count = sum(1 for base in self._bases() for _ in self._search(base, self.user_filter))
        return f"connected to {self.url} as {self.connection.user}; {count} accounts under {self.base_dn}"

    def accounts(self) -> Iterator[AccountRecord]:
        row = 0
        for base in self._bases():
            for dn, entry in self._search(base, self.user_filter):
                row += 1
                record = self._record(row, dn, entry)
                if record is not None:
                    yield record

    def _find(self, key: str) -> tuple[str, dict[str, Any]] | None:
        search_filter = f"(&{self.user_filter}({self.key_attr}={escape_filter_chars(key)}))"
        for base in self._bases():
            for found in self._search(base, search_filter):
                return found
        return None

    def account(self, key: str) -> AccountRecord | None:
        found = self._find(key)
        return self._record(1, *found) if found else None

    def _steps(self, dn: str, entry: Mapping[str, Any]) -> tuple[list[str], bool]:
        if self.ad:
            control = int(_first(entry, "userAccountControl") or 512)
            return [f"set userAccountControl bit 2 on {dn}"], bool(control & ACCOUNTDISABLE)
        if self.branch:
            return [f"move {dn} to {self.branch}"], self._in_branch(dn)
        if self.lock.startswith("replace:"):
            name, _, value = self.lock[len("replace:") :].partition("=")
            return [f"set {name}={value} on {dn}"], _first(entry, name).lower() == value.lower()
        return [f"lock {dn} (pwdAccountLockedTime)"], bool(entry.get("pwdAccountLockedTime"))

    def plan_disable(self, key: str) -> list[str]:
        found = self._find(key)
        if found is None:
            raise ConnectorError(
                f"no account {key!r} under {self.base_dn}", failure=Failure.NOT_FOUND, place=Place.DIRECTORY
            )
        steps, already = self._steps(*found)
        return ["nothing: the account is disabled already"] if already else steps

    def disable(self, key: str) -> DisableOutcome:
        found = self._find(key)
        if found is None:
            raise ConnectorError(
                f"no account {key!r} under {self.base_dn}", failure=Failure.NOT_FOUND, place=Place.DIRECTORY
            )
        dn, entry = found
        steps, already = self._steps(dn, entry)
        if already:
            return DisableOutcome(already=True)
        try:
            if self.ad:
                control = int(_first(entry, "userAccountControl") or 512)
                self.connection.modify(
                    dn, {"userAccountControl": [(ldap3.MODIFY_REPLACE, [str(control | ACCOUNTDISABLE)])]}
                )
            elif self.branch:
                rdn = "+".join(f"{a}={v}" for a, v, _ in parse_dn(dn)[:1])
                self.connection.modify_dn(dn, rdn, new_superior=self.branch)
            elif self.lock.startswith("replace:"):
                name, _, value = self.lock[len("replace:") :].partition("=")
                self.connection.modify(dn, {name: [(ldap3.MODIFY_REPLACE, [value])]})
            else:
                self.connection.modify(dn, {"pwdAccountLockedTime": [(ldap3.MODIFY_REPLACE, [PERMANENT_LOCK])]})
        except ldap_errors.LDAPException as exc:
            raise ConnectorError(
                f"{self.url}: disabling {dn} failed: {exc}", failure=_failure(exc), place=Place.DIRECTORY
            ) from exc
        return DisableOutcome(steps=steps)

    def close(self) -> None:
        with contextlib.suppress(ldap_errors.LDAPException):
            self.connection.unbind()
