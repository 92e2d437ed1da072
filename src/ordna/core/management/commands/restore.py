"""`ordna restore FILE [--replace]`: an archive of `ordna backup` into this data folder and database, then
`ordna audit verify` with the restored key; docs/operations.md."""

from __future__ import annotations

import subprocess
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from ordna.core.backup import BackupError, backup_restore
from ordna.core.management.base import InvalidInput, OrdnaCommand


class Command(OrdnaCommand):
    help = "Restore a backup into the data folder and database configured here, then verify the audit log."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("archive", type=Path, help="a file written by `ordna backup`")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="overwrite a database that already holds an installation (stop the server and worker first)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["archive"]
        if not source.is_file():
            raise InvalidInput(f"{source}: no such file")
        try:
            result = backup_restore(source=source, replace=options["replace"])
        except BackupError as exc:
            raise InvalidInput(str(exc)) from exc
        self.stdout.write(
            f"restored the {result.database} database, keys ({', '.join(result.keys) or 'none'}), "
            f"{result.files} file{'s' if result.files != 1 else ''}" + (", the job store" if result.jobs else "")
        )
        # In a process of its own: this one started with the keys the data folder had before the restore.
        verify = subprocess.run(
            [sys.executable, "-m", "ordna.cli", "audit", "verify"], capture_output=True, text=True, check=False
        )
        sentence = (verify.stdout or verify.stderr).strip().removeprefix("ordna: ")
        self.stdout.write(f"audit verify: {sentence}")
        if verify.returncode != 0:
            raise InvalidInput("the restored audit log did not verify (see above)")
