"""`ordna backup -o FILE`: the whole installation in one archive (database, keys, files, uploads, audit
checkpoints, job store); docs/operations.md."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.utils import timezone

from ordna.core.backup import BackupError, backup_write
from ordna.core.management.base import InvalidInput, OrdnaCommand


class Command(OrdnaCommand):
    help = "Back up the database, the keys, the files and the job store into one archive (.tar.gz)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            help="the archive to write (default: ordna-backup-YYYY-MM-DD-HHMM.tar.gz here); it holds the keys",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        target: Path = options["output"] or Path(f"ordna-backup-{timezone.localtime():%Y-%m-%d-%H%M}.tar.gz")
        try:
            manifest = backup_write(target=target)
        except BackupError as exc:
            raise InvalidInput(str(exc)) from exc
        files = sum(1 for name in manifest.digests if name.split("/", 1)[0] in {"files", "uploads", "audit"})
        keys = sorted(name.removeprefix("keys/") for name in manifest.digests if name.startswith("keys/"))
        self.stdout.write(
            f"backup written to {target}: the {manifest.database} database, keys ({', '.join(keys)}), "
            f"{files} file{'s' if files != 1 else ''}"
            + (", the job store" if manifest.jobs else "")
            + "; keep it as safe as the keys"
        )
