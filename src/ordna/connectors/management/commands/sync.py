"""`ordna sync APP`: pull every account through the application's connector, as a full import."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from ordna.connectors.management.commands.connector import application_of
from ordna.connectors.services import ConnectorSetupError, connector_sync
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.management.base import InvalidInput, OrdnaCommand
from ordna.core.models import ImportRun


class Command(OrdnaCommand):
    help = "Pull all accounts through the application's connector into a full import (atomic, with the breaker)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("app")
        parser.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
        parser.add_argument(
            "--allow-mass-change", action="store_true", help="apply even when the safety breaker would stop it"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        application = application_of(options["app"])
        try:
            result = connector_sync(
                application=application,
                actor=Actor.command_line(),
                today=today(),
                dry_run=options["dry_run"],
                allow_mass_change=options["allow_mass_change"],
            )
        except ConnectorSetupError as exc:
            raise InvalidInput(str(exc)) from exc
        if len(result.errors) == 1 and not result.errors[0].column:
            raise InvalidInput(f"{application.slug}: {result.errors[0].reason}")
        if result.errors:
            self.print_errors(result.errors)
            raise InvalidInput(f"{application.slug}: the sync failed; nothing was imported")
        counts = ", ".join(f"{k} {v}" for k, v in result.counts.items())
        if result.outcome == ImportRun.Outcome.STOPPED:
            raise InvalidInput(
                f"{application.slug}: stopped by the safety breaker ({counts}); nothing was applied. "
                "Check the directory, then run again with --allow-mass-change"
            )
        verb = "would change" if result.outcome == ImportRun.Outcome.DRY_RUN else "synced"
        self.stdout.write(f"{application.slug}: {verb}: {counts}")
