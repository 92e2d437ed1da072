"""Backing up and restoring a whole installation (docs/operations.md): the database, the keys, the files and the
job store, in one archive.

What a restore needs besides the database: the secret key (sessions, signed links), the audit key and the
checkpoints (else `ordna audit verify` cannot vouch for the log), the connector key (else the stored connector
secrets cannot be decrypted), the evidence files people attached, the uploads of imports still to be applied,
and huey's job store (the queued jobs, when it is SQLite). The database is copied through SQLite's backup API
(a consistent copy while the server runs) or PostgreSQL's own tools (`pg_dump`, `pg_restore`).

The archive is a `.tar.gz` with `manifest.json` first. It holds the keys: keep it as safe as the keys are.
"""

from __future__ import annotations

import glob
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

import ordna

FORMAT = 1
MANIFEST = "manifest.json"
# The keys, by the file name they have in the data folder and the variable that can give them instead.
KEYS = {"secret_key": "ORDNA_SECRET_KEY", "audit_key": "ORDNA_AUDIT_KEY", "connector_key": "ORDNA_CONNECTOR_KEY"}
# The folders copied as they are: evidence files, uploads, audit checkpoints, and the feeds' watch folders and
# pulled files in the data folder (with what they hold, processed, held or failed; a watch folder set elsewhere
# with a feed's `path` option is the organisation's to back up).
FOLDERS = ("files", "uploads", "audit", "inbox", "feeds")


class BackupError(Exception):
    """A backup or restore cannot be done as asked; the message says why and what to do."""


@dataclass
class Manifest:
    """What an archive holds: the database's kind, the parts, and a digest of every member."""

    ordna_version: str
    created_at: str
    database: str  # "sqlite" or "postgresql"
    migrations: dict[str, str]  # app label: the latest migration applied
    jobs: bool  # whether huey's job store (SQLite) is in it
    digests: dict[str, str] = field(default_factory=dict)
    format: int = FORMAT


@dataclass(frozen=True)
class RestoreResult:
    database: str
    files: int
    keys: list[str]
    jobs: bool


# Where things are --------------------------------------------------------------------------------------------------


def _database_engine() -> str:
    engine = str(settings.DATABASES[DEFAULT_DB_ALIAS]["ENGINE"])
    return "sqlite" if engine.endswith("sqlite3") else "postgresql"


def _folder(name: str) -> Path:
    if name == "files":
        return Path(settings.MEDIA_ROOT)
    if name == "uploads":
        return Path(settings.UPLOAD_DIR)
    if name in ("inbox", "feeds"):
        return Path(settings.DATA_DIR) / name
    return Path(settings.ORDNA_AUDIT_CHECKPOINT_DIR)


def _jobs_file() -> Path | None:
    """huey's job store when it is a SQLite file (with Redis the jobs live in Redis, not in a backup)."""
    filename = settings.HUEY.get("filename")
    return Path(str(filename)) if filename else None


def _key_in_use(file_name: str) -> str:
    """The key Ordna uses now: the variable's value, else the file generated into the data folder."""
    if file_name == "secret_key":
        return str(settings.SECRET_KEY)
    if file_name == "audit_key":
        return str(settings.ORDNA_AUDIT_KEY)
    if settings.ORDNA_CONNECTOR_KEY:
        return str(settings.ORDNA_CONNECTOR_KEY)
    generated = Path(settings.DATA_DIR) / "connector_key"
    return generated.read_text(encoding="utf-8").strip() if generated.exists() else ""


def postgres_tool(name: str) -> str:
    """`pg_dump`, `pg_restore` or `psql`: on PATH, else the newest where Debian and Homebrew put them."""
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}") + glob.glob(
        f"/opt/homebrew/opt/postgresql@*/bin/{name}"
    )
    candidates.sort(key=lambda path: [int(part) for part in path.split("/") if part.isdigit()] or [0])
    candidates += glob.glob(f"/usr/local/opt/postgresql@*/bin/{name}")
    if candidates:
        return candidates[-1]
    raise BackupError(
        f"{name} is not installed: install the PostgreSQL client tools "
        "(sudo apt-get install postgresql-client, or brew install postgresql@15)"
    )


def _libpq_environment() -> dict[str, str]:
    """The configured PostgreSQL database as libpq's variables, so that no password shows in a process list."""
    database = settings.DATABASES[DEFAULT_DB_ALIAS]
    options = database.get("OPTIONS") or {}
    given = {
        "PGHOST": database.get("HOST"),
        "PGPORT": database.get("PORT"),
        "PGUSER": database.get("USER"),
        "PGPASSWORD": database.get("PASSWORD"),
        "PGDATABASE": database.get("NAME"),
        "PGSSLMODE": options.get("sslmode") if isinstance(options, dict) else None,
    }
    return {**os.environ, **{name: str(value) for name, value in given.items() if value}}


def _run(command: list[str], *, what: str) -> None:
    done = subprocess.run(  # noqa: S603 - our own arguments
        command, capture_output=True, text=True, check=False, env=_libpq_environment()
    )
    if done.returncode != 0:
        reason = next((line for line in done.stderr.splitlines() if line.strip()), f"exit status {done.returncode}")
        raise BackupError(f"{what} failed: {reason}")


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API (readers and a writer may go on meanwhile)."""
    with sqlite3.connect(source) as reading, sqlite3.connect(target) as writing:
        reading.backup(writing)
    reading.close()
    writing.close()


def _applied_migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            latest[app] = name
    return latest


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _files_under(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from sorted(path for path in root.rglob("*") if path.is_file())


# Backup ------------------------------------------------------------------------------------------------------------


def backup_write(*, target: Path) -> Manifest:
    """Write the archive `target`: the database, the keys, the evidence files, uploads, audit checkpoints and
    the job store. Written aside and moved into place, so a failed backup leaves no half archive."""
    engine = _database_engine()
    with tempfile.TemporaryDirectory(prefix="ordna-backup-") as scratch:
        staged = Path(scratch)
        members: list[tuple[str, Path]] = []
        if engine == "sqlite":
            _sqlite_copy(Path(str(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"])), staged / "database.sqlite3")
            members.append(("database.sqlite3", staged / "database.sqlite3"))
        else:
            dump = staged / "database.pgdump"
            _run(
                [
                    postgres_tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    "-f",
                    str(dump),
                ],
                what="pg_dump",
            )
            members.append(("database.pgdump", dump))
        jobs = _jobs_file()
        if jobs is not None and jobs.exists():
            _sqlite_copy(jobs, staged / "jobs.sqlite3")
            members.append(("jobs.sqlite3", staged / "jobs.sqlite3"))
        for file_name in KEYS:
            key = _key_in_use(file_name)
            if key:
                (staged / file_name).write_text(key + "\n", encoding="utf-8")
                members.append((f"keys/{file_name}", staged / file_name))
        for folder in FOLDERS:
            root = _folder(folder)
            members += [(f"{folder}/{path.relative_to(root).as_posix()}", path) for path in _files_under(root)]
        manifest = Manifest(
            ordna_version=ordna.__version__,
            created_at=timezone.now().isoformat(timespec="seconds"),
            database=engine,
            migrations=_applied_migrations(),
            jobs=any(name == "jobs.sqlite3" for name, _path in members),
            digests={name: _digest(path) for name, path in members},
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        draft = target.with_name(f".{target.name}.{os.getpid()}.part")
        try:
            with tarfile.open(draft, "w:gz") as archive:
                text = json.dumps(manifest.__dict__, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode, info.mtime = len(text), 0o600, int(timezone.now().timestamp())
                archive.addfile(info, io.BytesIO(text))
                for name, path in members:
                    archive.add(path, arcname=name, recursive=False)
            draft.chmod(0o600)
            draft.replace(target)
        finally:
            draft.unlink(missing_ok=True)
    return manifest


# Restore -----------------------------------------------------------------------------------------------------------


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts


def _read_archive(source: Path, into: Path) -> Manifest:
    """Unpack `source` into `into` after checking it: a manifest, no member outside, every digest right."""
    try:
        with tarfile.open(source, "r:gz") as archive:
            members = archive.getmembers()
            bad = [m.name for m in members if not (m.isfile() or m.isdir()) or not _safe_name(m.name)]
            if bad:
                raise BackupError(f"{source}: not an Ordna backup (it holds {bad[0]!r})")
            archive.extractall(into, filter="data")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"{source}: cannot be read as an Ordna backup: {exc}") from exc
    try:
        raw = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
        manifest = Manifest(**raw)
    except (OSError, ValueError, TypeError) as exc:
        raise BackupError(f"{source}: not an Ordna backup (no readable {MANIFEST})") from exc
    if manifest.format != FORMAT:
        raise BackupError(f"{source}: backup format {manifest.format}; this version of Ordna reads format {FORMAT}")
    for name, digest in manifest.digests.items():
        path = into / name
        if not path.is_file() or _digest(path) != digest:
            raise BackupError(f"{source}: {name} is missing or damaged (its digest does not match the manifest)")
    return manifest


def _database_in_use() -> bool:
    """Whether the configured database already holds an installation (any migration applied)."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            tables = connections[DEFAULT_DB_ALIAS].introspection.table_names(cursor)
            if "django_migrations" not in tables:
                return False
            cursor.execute("SELECT COUNT(*) FROM django_migrations")
            return bool(cursor.fetchone()[0])
    finally:
        connections[DEFAULT_DB_ALIAS].close()


def _check_keys(unpacked: Path) -> None:
    """A key given in the environment wins over the data folder's file: it must be the backup's."""
    for file_name, variable in KEYS.items():
        path = unpacked / "keys" / file_name
        configured = os.environ.get(variable) or (
            Path(os.environ[f"{variable}_FILE"]).read_text(encoding="utf-8").strip()
            if os.environ.get(f"{variable}_FILE")
            else ""
        )
        if path.exists() and configured and configured != path.read_text(encoding="utf-8").strip():
            raise BackupError(
                f"{variable} is set and differs from the backup's key: unset it to use the backup's "
                f"(restored to {Path(settings.DATA_DIR) / file_name}), or set it to the key the backup was made with"
            )


def backup_restore(*, source: Path, replace: bool = False) -> RestoreResult:
    """Restore the archive `source` into the configured database and data folder.

    Refuses a database that already holds an installation unless `replace`, and checks the whole archive (and
    the keys the environment gives) before it writes anything.
    """
    engine = _database_engine()
    with tempfile.TemporaryDirectory(prefix="ordna-restore-") as scratch:
        unpacked = Path(scratch)
        manifest = _read_archive(source, unpacked)
        if manifest.database != engine:
            raise BackupError(
                f"{source} holds a {manifest.database} database and this installation uses {engine} "
                "(DATABASE_URL): restore it into the same kind of database"
            )
        if not replace and _database_in_use():
            raise BackupError(
                "the database already holds an installation: restore into a fresh data folder and database, "
                "or give --replace to overwrite it"
            )
        _check_keys(unpacked)
        if engine == "sqlite":
            target = Path(str(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"]))
            connections[DEFAULT_DB_ALIAS].close()
            _sqlite_copy(unpacked / "database.sqlite3", target)
        else:
            _run(
                [
                    postgres_tool("pg_restore"),
                    "--no-owner",
                    "--no-privileges",
                    "--clean",
                    "--if-exists",
                    "--single-transaction",
                    "--exit-on-error",
                    "--dbname",
                    str(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"]),
                    str(unpacked / "database.pgdump"),
                ],
                what="pg_restore",
            )
        jobs = _jobs_file()
        if manifest.jobs and jobs is not None:
            _sqlite_copy(unpacked / "jobs.sqlite3", jobs)
        keys = []
        for file_name in KEYS:
            path = unpacked / "keys" / file_name
            if path.exists():
                destination = Path(settings.DATA_DIR) / file_name
                destination.unlink(missing_ok=True)
                descriptor = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                    handle.write(path.read_text(encoding="utf-8"))
                keys.append(file_name)
        copied = 0
        for folder in FOLDERS:
            root = unpacked / folder
            for path in _files_under(root):
                destination = _folder(folder) / path.relative_to(root)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, destination)
                copied += 1
    return RestoreResult(database=engine, files=copied, keys=keys, jobs=manifest.jobs and jobs is not None)
