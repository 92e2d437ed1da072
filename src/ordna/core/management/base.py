"""What Ordna's commands share: the exit statuses (0 done, 1 invalid input, 2 wrong usage) and printing row errors."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from django.core.management.base import BaseCommand, CommandError

MAX_ERRORS_PRINTED = 200


class InvalidInput(CommandError):
    """Exit status 1: the input was wrong (a file, a value); the message says which row, field or value."""

    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=1)


class OrdnaCommand(BaseCommand):
    requires_system_checks: list[str] = []

    def execute(self, *args: Any, **options: Any) -> Any:
        """Errors on the command line read "ordna: message" (Django would name the exception class)."""
        try:
            return super().execute(*args, **options)
        except CommandError as exc:
            if not getattr(self, "_called_from_command_line", False) or options.get("traceback"):
                raise
            self.stderr.write(f"ordna: {exc}")
            sys.exit(exc.returncode)

    def print_errors(self, errors: Iterable[Any]) -> int:
        """Print errors to stderr, at most MAX_ERRORS_PRINTED, and return how many there were."""
        errors = list(errors)
        for error in errors[:MAX_ERRORS_PRINTED]:
            self.stderr.write(f"  {error}")
        if len(errors) > MAX_ERRORS_PRINTED:
            self.stderr.write(f"  … and {len(errors) - MAX_ERRORS_PRINTED} more")
        return len(errors)
