"""`ordna reconcile [APP]`: re-link accounts with the people as they are now and recompute findings."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from ordna.accounts.services import reconcile
from ordna.applications.models import Application
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.management.base import InvalidInput, OrdnaCommand


class Command(OrdnaCommand):
    help = "Recompute links and findings for one application, or all."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("app", nargs="?", help="an application's short name (default: every application)")

    def handle(self, *args: Any, **options: Any) -> None:
        applications = Application.objects.order_by("slug")
        if options["app"]:
            applications = applications.filter(slug=options["app"])
            if not applications.exists():
                raise InvalidInput(f"no application {options['app']!r}")
        for application in applications:
            counts = reconcile(application=application, actor=Actor.command_line(), today=today())
            if counts["nothing_changed"]:
                self.stdout.write(
                    f"{application.slug}: {counts['accounts']} accounts, unchanged since the last reconcile"
                )
                continue
            self.stdout.write(
                f"{application.slug}: {counts['accounts']} accounts, {counts['relinked']} changed, "
                f"{counts['needs_review']} need review; findings {counts['findings_opened']} opened, "
                f"{counts['findings_resolved']} resolved"
            )
