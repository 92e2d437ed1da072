"""`ordna deprovision APP ACCOUNT [--dry-run]`: disable one account through the connector, then read it back."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from ordna.connectors.deprovisioning import deprovision
from ordna.connectors.management.commands.connector import application_of
from ordna.connectors.services import ConnectorSetupError
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.management.base import InvalidInput, OrdnaCommand


class Command(OrdnaCommand):
    help = "Disable one account through the application's connector (through the outbox), then read it back."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("app")
        parser.add_argument("account", help="the account's key as Ordna shows it (username, UPN or e-mail)")
        parser.add_argument("--dry-run", action="store_true", help="read the account and say what would be done")

    def handle(self, *args: Any, **options: Any) -> None:
        application = application_of(options["app"])
        try:
            result = deprovision(
                application=application,
                account_key=options["account"],
                actor=Actor.command_line(),
                today=today(),
                dry_run=options["dry_run"],
            )
        except ConnectorSetupError as exc:
            raise InvalidInput(str(exc)) from exc
        if result.error:
            raise InvalidInput(f"{application.slug}: {result.account}: {result.error}")
        if result.dry_run:
            self.stdout.write(f"{application.slug}: {result.account}: dry run, nothing changed; would:")
            for step in result.steps:
                self.stdout.write(f"  {step}")
            return
        done = "; ".join(result.steps) or "disabled already"
        self.stdout.write(f"{application.slug}: {result.account}: {result.state} ({done}); read back: disabled")
        if result.lines_verified:
            self.stdout.write("  the leaver's case line is verified by read-back")
        for task in result.tasks:
            self.stdout.write(f"  task left: {task}")
