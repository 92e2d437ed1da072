"""Presets read the vendors' own exports (the samples carry their real headers and values)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ordna.accounts.presets import (
    IMPLICIT_LICENSE,
    PRESETS,
    ColumnMapping,
    detect_preset,
    mapping_preset,
    parse_login,
)
from ordna.accounts.rows import read_accounts
from ordna.core.tabular import open_table

SAMPLES = Path(__file__).resolve().parent / "samples"


def read(name: str, preset: str):
    table = open_table(SAMPLES / name)
    return read_accounts(table, PRESETS[preset])


def test_m365_export_with_bom_and_block_credential() -> None:
    result = read("m365-users.csv", "m365")
    assert result.errors == []
    by_key = {r.key: r for r in result.records}
    johan = by_key["johan.berg@example.org"]  # the UPN is upper-case in the export
    assert (johan.key_display, johan.status, johan.licenses) == (
        "JOHAN.BERG@EXAMPLE.ORG",
        "active",
        ("Microsoft 365 F3", "Power BI Pro"),
    )
    assert by_key["asa.oberg@example.org"].status == "disabled"
    assert by_key["reception@example.org"].licenses == ()  # "Unlicensed"
    assert (johan.first_name, johan.last_name) == ("Johan", "Berg")


def test_entra_download_with_guest() -> None:
    result = read("entra-users.csv", "entra")
    assert result.errors == []
    by_key = {r.key: r for r in result.records}
    assert by_key["asa.oberg@example.org"].status == "disabled"
    guest = by_key["partner_example.net#ext#@example.onmicrosoft.com"]
    assert (guest.guest, guest.email) == (True, "partner@example.net")


def test_google_download_with_suspended_and_never_logged_in() -> None:
    result = read("google-users.csv", "google")
    assert result.errors == []
    by_key = {r.key: r for r in result.records}
    karin = by_key["karin.lindqvist@example-group.org"]
    assert (karin.employee_id, karin.last_login) == ("E1001", datetime(2026, 11, 20, 7, 55, 12, tzinfo=UTC))
    assert by_key["johan.berg2@example-group.org"].last_login is None
    assert by_key["asa.oberg@example-group.org"].status == "disabled"
    assert karin.licenses == (IMPLICIT_LICENSE,)


def test_slack_members_export() -> None:
    result = read("slack-members.csv", "slack")
    assert result.errors == []
    by_key = {r.key_display: r for r in result.records}
    assert by_key["U03ASA0000"].status == "disabled" and by_key["U03ASA0000"].licenses == ()
    assert by_key["U02JOHAN00"].licenses == (IMPLICIT_LICENSE,)
    assert by_key["U04GUEST00"].guest is True


def test_generic_format() -> None:
    result = read("accounts-generic.csv", "generic")
    assert result.errors == []
    assert [(r.key, r.display_name, r.employee_id) for r in result.records][:2] == [
        ("kli01", "Karin Lindqvist", "E1001"),
        ("jbe02", "Berg, Johan", ""),
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("m365-users.csv", "m365"),
        ("entra-users.csv", "entra"),
        ("google-users.csv", "google"),
        ("slack-members.csv", "slack"),
        ("accounts-generic.csv", "generic"),
        ("hr.csv", None),
    ],
)
def test_detect_preset_from_the_header(name: str, expected: str | None) -> None:
    assert detect_preset(open_table(SAMPLES / name).header) == expected


def test_wrong_preset_names_the_missing_headers() -> None:
    result = read("slack-members.csv", "m365")
    (error,) = result.errors
    assert error.row == 1
    assert "missing column(s) User principal name, Display name, Block credential, Licenses" in error.reason
    assert "the m365 preset expects: User principal name" in error.reason


def test_bad_rows_are_reported_with_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        "account_id,email,display_name,employee_id,status,last_login,license\n"
        "a1,,A,,active,2026-13-45,\n"
        ",,B,,active,,\n"
        "a1,,C,,active,,\n"
        "a4,,D,,maybe,,\n",
        encoding="utf-8",
    )
    result = read_accounts(open_table(path), PRESETS["generic"])
    assert [(e.row, e.column) for e in result.errors] == [(2, "last_login"), (3, "account_id"), (5, "status")]
    path.write_text(
        "account_id,email,display_name,employee_id,status,last_login,license\na1,,A,,active,,\nA1,,A again,,active,,\n",
        encoding="utf-8",
    )
    result = read_accounts(open_table(path), PRESETS["generic"])
    assert [str(e) for e in result.errors] == ["row 3, column account_id: duplicate account 'A1' (also on row 2)"]


def test_saved_column_mapping(tmp_path: Path) -> None:
    path = tmp_path / "visma.csv"
    path.write_text(
        "Användare;E-post;Namn;Anst.nr;Tillstånd;Licenstyp\n"
        "KARLIN;karin.lindqvist@example.org;Karin Lindqvist;E1001;Aktiv;Lön|HR\n"
        "OBEASA;asa.oberg@example.org;Åsa Öberg;E1004;Spärrad;Lön\n",
        encoding="utf-8",
    )
    mapping = ColumnMapping(
        columns={
            "key": "Användare",
            "email": "E-post",
            "display_name": "Namn",
            "employee_id": "Anst.nr",
            "status": "Tillstånd",
            "licenses": "Licenstyp",
        },
        disabled_values=("Spärrad",),
        license_separator="|",
    )
    assert mapping.problems() == []
    result = read_accounts(open_table(path), mapping_preset(mapping))
    assert result.errors == []
    assert [(r.key, r.status, r.licenses) for r in result.records] == [
        ("karlin", "active", ("HR", "Lön")),
        ("obeasa", "disabled", ("Lön",)),
    ]
    assert ColumnMapping(columns={"email": "E-post"}).problems() == [
        "choose the column that identifies the account (key)"
    ]


def test_sign_ins_with_an_offset_are_read_in_utc_as_they_are_stored() -> None:
    # The day decides dormancy: it must not depend on whether the time was read from the file or from storage.
    assert parse_login("2026-05-01T00:30:00+01:00", "last_login") == datetime(2026, 4, 30, 23, 30, tzinfo=UTC)
    assert parse_login("2026-05-01T00:30:00+01:00", "last_login").tzinfo is UTC
