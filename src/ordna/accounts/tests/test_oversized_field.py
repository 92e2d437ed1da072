"""A field over 1 MB in an account file (issue 26, item 4): the web, the API and the command line answer with
the sentence the HR import gives, naming the row, and import nothing; no server error, no traceback. The price
list and the contract list read their rows the same way."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ordna.accounts.models import Account
from ordna.core.actor import Actor
from ordna.core.services import token_create
from ordna.core.tests.served import migrated_site, ordna_executable

pytestmark = pytest.mark.django_db

HEADER = "account_id,email,display_name,employee_id,status,last_login,license\n"
SENTENCE = "row 3: the CSV is malformed (field larger than field limit (1048576))"


def oversized() -> str:
    return (
        HEADER
        + "kli01,karin@example.org,Karin Lindqvist,E1001,active,2026-11-20,Standard\n"
        + f"kli02,johan@example.org,{'J' * 1_100_000},E1002,active,2026-11-20,Standard\n"
    )


def test_the_web_and_the_api_name_the_row(make_user) -> None:
    client = Client()
    client.force_login(make_user("coordinator"))
    data = {"application": "crm", "create_application": "on", "preset": "generic", "full": "1"}
    data["file"] = SimpleUploadedFile("big.csv", oversized().encode(), "text/csv")
    page = client.post("/accounts/import/", data)
    assert page.status_code == 200 and SENTENCE in page.content.decode()

    token = token_create(user=make_user("coordinator"), actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    answer = api.post(
        "/api/v1/imports/accounts/crm",
        {
            "create_application": "true",
            "file": SimpleUploadedFile("big.csv", oversized().encode()),
            "preset": "generic",
        },
    )
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"row": 0, "column": "", "reason": SENTENCE}]
    assert Account.objects.count() == 0


@pytest.mark.own_site
def test_the_command_line_says_it_in_a_sentence(tmp_path: Path) -> None:
    """As a person runs it, in a data folder of its own: exit status 1 (invalid input), no traceback."""
    env = migrated_site(tmp_path)
    ordna = ordna_executable()
    big = tmp_path / "big.csv"
    big.write_text(oversized(), encoding="utf-8")
    prices = tmp_path / "prices.csv"
    prices.write_text(
        "application,license,monthly_cost,currency,seats\ncrm,Pro,10,SEK,1\n" + f"crm,{'P' * 1_100_000},1,SEK,1\n",
        encoding="utf-8",
    )
    for args, file in ((["accounts", "--create-application", "crm"], big), (["licenses"], prices)):
        done = subprocess.run(
            [ordna, "import", *args, str(file), "--dry-run"], env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert done.stderr.startswith(f"ordna: {file.name}: ") and SENTENCE in done.stderr
