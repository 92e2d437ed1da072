"""`ordna backup`, a fresh data folder, `ordna restore`: the same data, the connector secret readable, the evidence
file and the upload back, and `ordna audit verify` ok with the restored key; on SQLite, and on PostgreSQL when
the suite runs there (`make test-postgres`)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

MAKE_DATA = """
from pathlib import Path
from django.conf import settings
from ordna.applications.services import application_create
from ordna.connectors.models import Connector
from ordna.core.encryption import secret_encrypt
from ordna.core.actor import Actor
from ordna.core.services import token_create, user_add
actor = Actor.command_line()
user = user_add(username="lisa", roles=["hr"], actor=actor, email="lisa@example.org")
token_create(user=user, actor=actor, name="payroll sync")
application = application_create(slug="ad", name="Active Directory", actor=actor)
Connector.objects.create(application=application, kind="scim", secret=secret_encrypt("s3cret-token"))
(Path(settings.MEDIA_ROOT) / "evidence").mkdir(parents=True, exist_ok=True)
(Path(settings.MEDIA_ROOT) / "evidence" / "receipt.pdf").write_bytes(b"%PDF-1.4 returned laptop")
Path(settings.UPLOAD_DIR).mkdir(parents=True, exist_ok=True)
(Path(settings.UPLOAD_DIR) / "hr.csv").write_text("employee_id,first_name\\nE1,Anna\\n")
"""
READ_DATA = """
from pathlib import Path
from django.conf import settings
from ordna.connectors.models import Connector
from ordna.core.encryption import secret_decrypt
from ordna.core.models import ApiToken, User
print(User.objects.get(username="lisa").email)
print(ApiToken.objects.get().name)
print(secret_decrypt(Connector.objects.get(application__slug="ad").secret))
print((Path(settings.MEDIA_ROOT) / "evidence" / "receipt.pdf").read_bytes().decode())
print((Path(settings.UPLOAD_DIR) / "hr.csv").read_text().splitlines()[1])
"""


def postgres_server() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@pytest.fixture(params=[pytest.param("sqlite", marks=pytest.mark.own_site), "postgresql"])
def databases(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """The DATABASE_URL of the installation backed up and of the fresh one restored into ("" is SQLite in each
    data folder); on PostgreSQL, two scratch databases on the server the suite runs on, dropped after."""
    if request.param == "sqlite":
        yield "", ""
        return
    server = postgres_server()
    if server is None:
        pytest.skip("the PostgreSQL variant runs in `make test-postgres` (DATABASE_URL names a PostgreSQL server)")
    import psycopg

    base, _sep, _name = server.rpartition("/")
    names = [f"ordna_backup_{secrets.token_hex(4)}" for _ in range(2)]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def ordna(data_dir: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("ORDNA_") and key != "DATABASE_URL"
    }
    environment["ORDNA_DATA_DIR"] = str(data_dir)
    if database_url:
        environment["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "ordna.cli", *args], env=environment, capture_output=True, text=True, check=False
    )


def test_backup_then_restore_into_a_fresh_data_folder(tmp_path: Path, databases: tuple[str, str]) -> None:
    source_url, fresh_url = databases
    source, fresh, archive = tmp_path / "source", tmp_path / "fresh", tmp_path / "ordna.tar.gz"
    # Given an installation with a user and a token, a connector with a secret, an evidence file, an upload and a
    # checkpoint of its audit chain
    assert ordna(source, source_url, "migrate", "-v0").returncode == 0
    made = ordna(source, source_url, "shell", "--no-imports", "-c", MAKE_DATA)
    assert made.returncode == 0, made.stderr
    assert ordna(source, source_url, "audit", "checkpoint").returncode == 0
    # and a feed's file held in its watch folder until someone confirms it
    held = source / "inbox" / "hr" / "held"
    held.mkdir(parents=True)
    (held / "hr-2026-12-07.csv").write_text("employee_id,first_name\nE1,Anna\n", encoding="utf-8")
    # When it is backed up
    backed_up = ordna(source, source_url, "backup", "-o", str(archive))
    assert backed_up.returncode == 0, backed_up.stderr
    kind = "sqlite" if not source_url else "postgresql"
    assert backed_up.stdout.startswith(f"backup written to {archive}: the {kind} database, keys (audit_key, ")
    with tarfile.open(archive) as members:
        names = set(members.getnames())
    assert {"manifest.json", "keys/secret_key", "keys/audit_key", "keys/connector_key"} <= names
    assert {"files/evidence/receipt.pdf", "uploads/hr.csv", "audit/checkpoints.jsonl"} <= names
    assert "inbox/hr/held/hr-2026-12-07.csv" in names
    # and restored into a fresh data folder and database
    restored = ordna(fresh, fresh_url, "restore", str(archive))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert restored.stdout.splitlines()[-1].startswith("audit verify: ok (")
    # Then the data, the secret, the files and the audit chain are back
    read = ordna(fresh, fresh_url, "shell", "--no-imports", "-c", READ_DATA)
    assert read.returncode == 0, read.stderr
    assert read.stdout.splitlines() == [
        "lisa@example.org",
        "payroll sync",
        "s3cret-token",
        "%PDF-1.4 returned laptop",
        "E1,Anna",
    ]
    assert (fresh / "inbox" / "hr" / "held" / "hr-2026-12-07.csv").read_text(encoding="utf-8").endswith("E1,Anna\n")
    verified = ordna(fresh, fresh_url, "audit", "verify")
    assert (verified.returncode, verified.stdout.startswith("ok (")) == (0, True)
    # and a second restore over it is refused without --replace
    again = ordna(fresh, fresh_url, "restore", str(archive))
    assert (again.returncode, again.stderr) == (
        1,
        "ordna: the database already holds an installation: restore into a fresh data folder and database, "
        "or give --replace to overwrite it\n",
    )


def test_a_damaged_archive_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    archive = tmp_path / "broken.tar.gz"
    archive.write_bytes(b"not a backup")
    refused = ordna(tmp_path / "fresh", "", "restore", str(archive))
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"ordna: {archive}: cannot be read as an Ordna backup")
    assert not (tmp_path / "fresh" / "ordna.sqlite3").exists()
