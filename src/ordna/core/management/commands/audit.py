"""`ordna audit verify | checkpoint`: check the audit chain with the key and against the checkpoints, or record
a checkpoint of its head now."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.utils import timezone

from ordna.core.audit import audit_verify
from ordna.core.audit_checkpoints import checkpoint_file, checkpoint_write, checkpoints_mail_pending, checkpoints_read
from ordna.core.management.base import InvalidInput, OrdnaCommand


class Command(OrdnaCommand):
    help = "Audit log: verify the chain, or write a checkpoint of its head."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{verify,checkpoint}")
        verify = sub.add_parser("verify", help="check every event with the audit key and against the checkpoints")
        verify.add_argument(
            "--checkpoints",
            action="append",
            default=[],
            metavar="FILE",
            help="also check against the checkpoints in FILE (for example the mailed copies); may repeat",
        )
        sub.add_parser("checkpoint", help="append the chain's head to the checkpoint file now (and mail it)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "checkpoint":
            self._checkpoint()
        else:
            self._verify([checkpoint_file(), *(Path(p) for p in options["checkpoints"])])

    def _checkpoint(self) -> None:
        checkpoint = checkpoint_write(now=timezone.now())
        if checkpoint is None:
            self.stdout.write("the audit log is empty: there is no head to record yet")
            return
        mailed = checkpoints_mail_pending()
        self.stdout.write(
            f"checkpoint of event #{checkpoint.seq} written to {checkpoint_file()}"
            + (f" and mailed ({mailed} line{'s' if mailed != 1 else ''})" if mailed else "")
        )

    def _verify(self, paths: list[Path]) -> None:
        for path in paths[1:]:
            if not path.is_file():
                raise InvalidInput(f"{path}: no such file")
        checkpoints, problems = checkpoints_read(paths)
        result = audit_verify(checkpoints=checkpoints)
        if not result.ok:
            raise InvalidInput(result.sentence())
        if problems:
            raise InvalidInput(
                f"the chain verified ({result.checked} event{'s' if result.checked != 1 else ''}), "
                f"but a checkpoint does not: {problems[0]}"
                + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
            )
        self.stdout.write(result.sentence())
