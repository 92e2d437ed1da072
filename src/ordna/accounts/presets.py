"""Account export presets: each reads one vendor's own download (headers, values, encodings) into records.

Pure: a preset turns a header and row cells into `AccountRecord`s or row errors, nothing else. The
vendors' own words are kept here ("Block credential", "Unlicensed", "Suspended", "Deactivated", "Never
logged in"), so that a real export imports without editing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from ordna.core.tabular import header_index
from ordna.core.text import Text
from ordna.core.text import later as _

ACTIVE, DISABLED = "active", "disabled"
# Values that mean "this account cannot sign in", across vendors and in the organisation's own exports.
DISABLED_WORDS = frozenset(
    {
        "disabled",
        "inactive",
        "deactivated",
        "suspended",
        "blocked",
        "locked",
        "false",
        "0",
        "no",
        "nej",
        "nee",
        "inaktiv",
        "inactief",
        "avstängd",
        "geblokkeerd",
        "archived",
    }
)
# Exports that name no licence (Google, Slack) mark a billed account with this; it stands for the
# application's only licence, when exactly one is registered.
IMPLICIT_LICENSE = "*"
NEVER_WORDS = frozenset({"", "never", "never logged in", "aldrig", "nooit", "-", "n/a", "null", "none"})


class AccountRecord(NamedTuple):
    """One account as an export states it, normalised: `key` case-folded, email lower-case."""

    row: int
    key: str
    key_display: str
    username: str
    email: str
    display_name: str
    first_name: str
    last_name: str
    employee_id: str
    status: str
    last_login: datetime | None
    licenses: tuple[str, ...]
    guest: bool = False


class RowProblem(ValueError):
    def __init__(self, column: str, reason: Text) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def parse_login(text: str, column: str) -> datetime | None:
    """A last sign-in time in the forms exports use; 'Never logged in' and blanks are None."""
    if not text:
        return None
    value = text.strip()
    if value.lower() in NEVER_WORDS:
        return None
    parsed = _parse_time(value)
    if parsed is None:
        raise RowProblem(
            column,
            _("%(value)s is not a date and time (expected e.g. 2026-11-20 or 2026-11-20T07:55:12Z)", value=repr(text)),
        )
    return parsed


@lru_cache(maxsize=65536)
def _parse_time(value: str) -> datetime | None:
    """ISO 8601 first (C speed; also "2026-11-20 07:55:12" and a trailing Z), then Google's slashes.

    Cached: a million accounts have only a few thousand distinct sign-in times at day precision.
    """
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        for pattern in ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d", "%d-%m-%Y %H:%M", "%d-%m-%Y"):
            try:
                parsed = datetime.strptime(value, pattern)  # noqa: DTZ007 - exports give UTC; made aware below
                break
            except ValueError:
                continue
        else:
            return None
    # In UTC, as stored: a sign-in then falls on the same day whether it was read now or from storage.
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _status(text: str, column: str, *, disabled_words: frozenset[str] = DISABLED_WORDS) -> str:
    known = _STATUS.get(text) if disabled_words is DISABLED_WORDS else None
    if known is not None:
        return known
    value = text.strip().lower()
    if value in disabled_words:
        return DISABLED
    if value in {"active", "enabled", "true", "1", "yes", "ja", "actief", "aktiv", ""}:
        return ACTIVE
    raise RowProblem(column, _("%(value)s is not a status Ordna knows (active or disabled)", value=repr(text)))


_STATUS = {"active": ACTIVE, "Active": ACTIVE, "disabled": DISABLED, "Disabled": DISABLED, "": ACTIVE}


@lru_cache(maxsize=8192)
def _licenses(text: str, separator: str = "+") -> tuple[str, ...]:
    """Licence names of one cell; cached, since a million accounts hold a few dozen combinations."""
    if not text:
        return ()
    names = [name.strip() for name in text.split(separator)]
    return tuple(sorted({n for n in names if n and n.lower() != "unlicensed"}))


@lru_cache(maxsize=65536)
def _split_name(display_name: str) -> tuple[str, str]:
    if "," in display_name:  # "Öberg, Åsa"
        last, _, first = display_name.partition(",")
        return first.strip(), last.strip()
    parts = display_name.split()
    if len(parts) < 2:
        return "", display_name.strip()
    return parts[0], " ".join(parts[1:])


# How an export states an account's licences: in a column of its own, implicitly (every billed account holds
# the application's only licence: Google, Slack), or not at all (Entra's user list, a mapping without one).
LICENCES_COLUMN, LICENCES_IMPLICIT, LICENCES_NONE = "column", "implicit", "none"


@dataclass(frozen=True)
class Preset:
    """How one export is read: its required headers and a function from a row (by header) to a record.

    `shows_status` and `licences` say which facts its rows can state at all (`Proves`): a reading of a file
    without a status column calls every account active, and one without licences names none, so an import
    must not take either for evidence.
    """

    name: str
    title: str
    required: tuple[str, ...]
    read: Callable[[Mapping[str, str], int], AccountRecord | None]
    optional: tuple[str, ...] = ()
    # Everything besides the cells that decides what a row reads as (a saved mapping's settings).
    fingerprint: str = ""
    shows_status: bool = True
    licences: str = LICENCES_COLUMN

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column it reads, required first."""
        return (*self.required, *self.optional)


@dataclass(frozen=True)
class Proves:
    """Which facts an import can prove (docs/offboarding.md, issue 28): that accounts are disabled (a status column,
    or a vendor export that encodes it), that licences are removed (a licence column, or the only licence of
    an export that states it implicitly), that accounts are gone (a full snapshot). The lifecycle verifies,
    and finds contradicted, only these; facts it cannot show an import keeps as they were stored."""

    status: bool = True
    licences: bool = True
    gone: bool = True

    def as_json(self) -> dict[str, bool]:
        return {"status": self.status, "licences": self.licences, "gone": self.gone}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Proves:
        """As an import run stored it; a run from before issue 28 stored nothing and is taken to prove all."""
        data = data or {}
        return cls(bool(data.get("status", True)), bool(data.get("licences", True)), bool(data.get("gone", True)))


def preset_proves(preset: Preset, *, full: bool, only_licence: bool) -> Proves:
    """What an import read with `preset` can prove; `only_licence`: the application has exactly one licence in
    its price list, the one an export that names none stands for."""
    licences = preset.licences == LICENCES_COLUMN or (preset.licences == LICENCES_IMPLICIT and only_licence)
    return Proves(status=preset.shows_status, licences=licences, gone=full)


def header_fit(preset: Preset, header: Sequence[str]) -> tuple[list[str], list[str]]:
    """How a file's header differs from what `preset` reads: the columns it needs and the file lacks, and the
    file's columns it does not read (case and surrounding spaces ignored, as a header is read)."""
    index = header_index(header)
    known = {name.strip().lower() for name in preset.columns}
    missing = [name for name in preset.required if name.strip().lower() not in index]
    unexpected = [name for name in header if name.strip() and name.strip().lower() not in known]
    return missing, unexpected


def _record(
    *,
    row: int,
    key: str,
    username: str = "",
    email: str = "",
    display_name: str = "",
    first_name: str = "",
    last_name: str = "",
    employee_id: str = "",
    status: str = ACTIVE,
    last_login: datetime | None = None,
    licenses: tuple[str, ...] = (),
    guest: bool = False,
) -> AccountRecord:
    key = key.strip()
    if not key:
        raise RowProblem("", _("the account's key is empty"))
    display_name = display_name.strip()
    if not (first_name or last_name) and display_name:
        first_name, last_name = _split_name(display_name)
    return AccountRecord(
        row,
        key.casefold(),
        key,
        username.strip(),
        email.strip().lower(),
        display_name,
        first_name.strip(),
        last_name.strip(),
        employee_id.strip(),
        status,
        last_login,
        licenses,
        guest,
    )


def _generic(v: Mapping[str, str], row: int) -> AccountRecord:
    key = v["account_id"]
    if not key:
        raise RowProblem("account_id", _("missing account id"))
    return _record(
        row=row,
        key=key,
        username=key,
        email=v["email"],
        display_name=v["display_name"],
        employee_id=v["employee_id"],
        status=_status(v["status"], "status"),
        last_login=parse_login(v["last_login"], "last_login"),
        licenses=_licenses(v["license"]),
    )


def _m365(v: Mapping[str, str], row: int) -> AccountRecord:
    upn = v["User principal name"]
    if not upn:
        raise RowProblem("User principal name", _("missing"))
    blocked = v["Block credential"].strip().lower()
    if blocked not in {"true", "false", ""}:
        raise RowProblem("Block credential", _("%(value)s is not True or False", value=repr(v["Block credential"])))
    return _record(
        row=row,
        key=upn,
        username=upn.split("@")[0],
        email=upn,
        display_name=v["Display name"],
        first_name=v["First name"],
        last_name=v["Last name"],
        status=DISABLED if blocked == "true" else ACTIVE,
        licenses=_licenses(v["Licenses"]),
        guest="#ext#" in upn.lower(),
    )


def _entra(v: Mapping[str, str], row: int) -> AccountRecord:
    upn = v["userPrincipalName"]
    if not upn:
        raise RowProblem("userPrincipalName", _("missing"))
    enabled = v["accountEnabled"].strip().lower()
    if enabled not in {"true", "false"}:
        raise RowProblem("accountEnabled", _("%(value)s is not True or False", value=repr(v["accountEnabled"])))
    mail = v["mail"] or upn
    return _record(
        row=row,
        key=upn,
        username=upn.split("@")[0],
        email=mail,
        display_name=v["displayName"],
        first_name=v["givenName"],
        last_name=v["surname"],
        employee_id=v["employeeId"],
        status=ACTIVE if enabled == "true" else DISABLED,
        last_login=parse_login(v["lastSignInDateTime"], "lastSignInDateTime"),
        guest=v["userType"].strip().lower() == "guest" or "#ext#" in upn.lower(),
    )


def _google(v: Mapping[str, str], row: int) -> AccountRecord:
    email = v["Email Address [Required]"]
    if not email:
        raise RowProblem("Email Address [Required]", _("missing"))
    status = v["Status [READ ONLY]"].strip().lower()
    if status not in {"active", "suspended", "archived"}:
        raise RowProblem(
            "Status [READ ONLY]", _("%(value)s is not Active or Suspended", value=repr(v["Status [READ ONLY]"]))
        )
    # Google bills suspended users too, so every listed user holds the Workspace licence.
    return _record(
        row=row,
        key=email,
        username=email.split("@")[0],
        email=email,
        first_name=v["First Name [Required]"],
        last_name=v["Last Name [Required]"],
        display_name=f"{v['First Name [Required]']} {v['Last Name [Required]']}".strip(),
        employee_id=v["Employee ID"],
        status=ACTIVE if status == "active" else DISABLED,
        last_login=parse_login(v["Last Sign In [READ ONLY]"], "Last Sign In [READ ONLY]"),
        licenses=(IMPLICIT_LICENSE,) if status != "archived" else (),
    )


def _slack(v: Mapping[str, str], row: int) -> AccountRecord:
    userid = v["userid"]
    if not userid:
        raise RowProblem("userid", _("missing"))
    status = v["status"].strip().lower()
    if not status:
        raise RowProblem("status", _("missing"))
    billing = v["billing-active"].strip()
    if billing not in {"0", "1", ""}:
        raise RowProblem("billing-active", _("%(value)s is not 0 or 1", value=repr(billing)))
    return _record(
        row=row,
        key=userid,
        username=v["username"],
        email=v["email"],
        display_name=v["fullname"] or v["displayname"],
        status=DISABLED if status == "deactivated" else ACTIVE,
        licenses=(IMPLICIT_LICENSE,) if billing == "1" else (),
        guest="guest" in status,
    )


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "generic",
            "Ordna generic",
            ("account_id", "email", "display_name", "employee_id", "status", "last_login", "license"),
            _generic,
        ),
        Preset(
            "m365",
            "Microsoft 365 admin centre, Active users export",
            ("User principal name", "Display name", "Block credential", "Licenses"),
            _m365,
            optional=("First name", "Last name"),
        ),
        Preset(
            "entra",
            "Microsoft Entra ID, Download users",
            ("userPrincipalName", "displayName", "accountEnabled"),
            _entra,
            optional=("givenName", "surname", "mail", "userType", "employeeId", "lastSignInDateTime"),
            licences=LICENCES_NONE,  # the user list names no licences
        ),
        Preset(
            "google",
            "Google Workspace, Download users",
            ("Email Address [Required]", "Status [READ ONLY]", "Last Sign In [READ ONLY]"),
            _google,
            optional=("First Name [Required]", "Last Name [Required]", "Employee ID"),
            licences=LICENCES_IMPLICIT,
        ),
        Preset(
            "slack",
            "Slack, Export member list",
            ("userid", "email", "status", "billing-active"),
            _slack,
            optional=("username", "fullname", "displayname"),
            licences=LICENCES_IMPLICIT,
        ),
    )
}

# Fields a saved column mapping can fill, and the generic reading they get.
MAPPING_FIELDS = (
    "key",
    "email",
    "display_name",
    "first_name",
    "last_name",
    "employee_id",
    "status",
    "last_login",
    "licenses",
)


@dataclass
class ColumnMapping:
    """A column mapping saved per application for exports no preset knows."""

    columns: dict[str, str]  # field -> header in the file
    disabled_values: tuple[str, ...] = ()
    license_separator: str = "+"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ColumnMapping:
        return cls(
            columns=dict(data.get("columns", {})),
            disabled_values=tuple(data.get("disabled_values", ())),
            license_separator=str(data.get("license_separator") or "+"),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "disabled_values": list(self.disabled_values),
            "license_separator": self.license_separator,
        }

    def problems(self) -> list[str]:
        unknown = sorted(set(self.columns) - set(MAPPING_FIELDS))
        problems = [f"unknown field {name!r}" for name in unknown]
        if not self.columns.get("key"):
            problems.append("choose the column that identifies the account (key)")
        return problems


def mapping_preset(mapping: ColumnMapping) -> Preset:
    columns = mapping.columns
    disabled = DISABLED_WORDS | {v.strip().lower() for v in mapping.disabled_values if v.strip()}

    def read(v: Mapping[str, str], row: int) -> AccountRecord:
        def get(name: str) -> str:
            header = columns.get(name)
            return v.get(header, "") if header else ""

        key = get("key")
        if not key:
            raise RowProblem(columns["key"], _("the account's key is empty"))
        status = _status(get("status"), columns.get("status", "status"), disabled_words=frozenset(disabled))
        return _record(
            row=row,
            key=key,
            username=key.split("@")[0],
            email=get("email"),
            display_name=get("display_name"),
            first_name=get("first_name"),
            last_name=get("last_name"),
            employee_id=get("employee_id"),
            status=status,
            last_login=parse_login(get("last_login"), columns.get("last_login", "last_login")),
            licenses=_licenses(get("licenses"), mapping.license_separator),
        )

    # Every column the mapping names is required: a file without one of them is not the export it was made
    # for (a missing status column would read every account as active).
    headers = [columns[f] for f in MAPPING_FIELDS if columns.get(f)]
    return Preset(
        "mapping",
        "Column mapping",
        tuple(dict.fromkeys(headers)),
        read,
        fingerprint=json.dumps(mapping.as_json(), sort_keys=True),
        shows_status=bool(columns.get("status")),
        licences=LICENCES_COLUMN if columns.get("licenses") else LICENCES_NONE,
    )


def detect_preset(header: Sequence[str]) -> str | None:
    """The preset whose required headers a file has, or None."""
    index = header_index(header)
    for preset in PRESETS.values():
        if all(h.lower() in index for h in preset.required):
            return preset.name
    return None


def account_record(**fields: Any) -> AccountRecord:
    """One record built from named fields and normalised as every preset's are (for connectors, which read no
    file); a blank key raises ValueError."""
    return _record(**fields)
