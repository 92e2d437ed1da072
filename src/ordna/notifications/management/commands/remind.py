"""`ordna remind [--dry-run]`: plan today's digests and send them; with --dry-run, only print them."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from typing import Any

from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.management.base import OrdnaCommand
from ordna.notifications.models import ReminderRun
from ordna.notifications.services import digests_send_due, reminders_run


class Command(OrdnaCommand):
    help = "Send today's reminder digests (one per address and day); --dry-run prints them instead."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="print recipients, items and steps; send nothing")
        parser.add_argument("--day", type=date.fromisoformat, help="plan as if today were DAY (YYYY-MM-DD)")
        parser.add_argument("--quiet", action="store_true", help="print the totals only")

    def handle(self, *args: Any, **options: Any) -> None:
        day = options["day"] or today()
        result = reminders_run(
            actor=Actor.command_line(), today=day, trigger=ReminderRun.Trigger.COMMAND, dry_run=options["dry_run"]
        )
        plan = result.plan
        assert plan is not None  # noqa: S101 - only scheduled runs return no plan
        recipients = plan.directory.recipients
        if not options["quiet"]:
            for key, digest in sorted(plan.digests.items()):
                recipient = recipients[key]
                address = recipient.address or "(no mail address: not sent)"
                self.stdout.write(
                    f"{address} [{recipient.language}] {recipient.describe()}: {len(digest.entries)} item(s)"
                )
                for entry in digest.sorted_entries():
                    item = entry.item
                    signed = " [link]" if entry.acts and item.action and recipient.personal else ""
                    self.stdout.write(
                        f"  {entry.step:<11} {item.due.isoformat()}  {item.kind:<18} {item.title}  {item.url}{signed}"
                    )
            for role, entries in sorted(plan.webhooks.items()):
                self.stdout.write(f"webhook {role}: {len(entries)} item(s)")
        sources = ", ".join(f"{name} {count}" for name, count in plan.by_source.items())
        self.stdout.write(f"{day.isoformat()}: {plan.items} open item(s) ({sources}), {len(plan.digests)} digest(s)")
        if options["dry_run"]:
            self.stdout.write("dry run: nothing claimed or sent")
            return
        outcome = digests_send_due()
        self.stdout.write(
            f"claimed {result.created} new digest(s); sent {outcome['sent']}, "
            f"to retry {outcome['retry']} (the worker retries with backoff)"
        )
