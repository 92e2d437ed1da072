"""`ordna worker`: background jobs and schedules only (huey; SQLite by default, Redis when configured)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command

from ordna.core.management.base import OrdnaCommand


class Command(OrdnaCommand):
    help = "Run background jobs and schedules."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("run_huey")
