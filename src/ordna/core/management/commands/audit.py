"""`ordna audit verify`: check the audit hash chain; print "ok" or the first broken link."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from ordna.core.audit import audit_verify
from ordna.core.management.base import InvalidInput, OrdnaCommand


class Command(OrdnaCommand):
    help = "Audit log: verify the hash chain."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{verify}")
        sub.add_parser("verify", help="check every link of the chain")

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if not result.ok:
            raise InvalidInput(
                f"broken at event #{result.broken_seq}: {result.reason} ({result.checked} events before it verified)"
            )
        self.stdout.write(f"ok ({result.checked} events)")
