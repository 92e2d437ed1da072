"""`ordna init [--username NAME] [--email E] [--password-file F]`: a clean instance for real use.

Sets up the database, adds the first user as administrator and IT coordinator (every case line that no one else
holds is the coordinator's, and the reminders of unreached items go to the coordinators), adds the default leaver
template, and prints what to do next. Run again on an instance that has users, it changes nothing and says so.
"""

from __future__ import annotations

import getpass
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, transaction

from ordna.cli.management.commands.user import OPTION_OF
from ordna.core.actor import Actor
from ordna.core.management.base import InvalidInput, OrdnaCommand
from ordna.core.models import Role, User
from ordna.core.services import UserError, user_add
from ordna.lifecycle.case_templates import leaver_template_default_add

FIRST_ROLES = (Role.ADMIN, Role.COORDINATOR)


def password_read(source: Path | None, *, prompt: bool) -> str:
    """The password from `source` ('-' is standard input), else asked twice at the terminal."""
    if source is not None:
        try:
            text = sys.stdin.read() if str(source) == "-" else source.read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(f"--password-file: cannot read {source}: {exc.strerror}") from exc
        password = text.rstrip("\r\n")
        if not password:
            raise InvalidInput(f"--password-file: {source} is empty")
        return password
    if not prompt:
        raise InvalidInput("--password-file: give the first user's password in a file ('-' reads standard input)")
    password = getpass.getpass("Password for the first user: ")
    if password != getpass.getpass("The same password again: "):
        raise InvalidInput("the two passwords differ; nothing was set up")
    if not password:
        raise InvalidInput("the password is empty; nothing was set up")
    return password


def where() -> str:
    database = settings.DATABASES[DEFAULT_DB_ALIAS]
    if str(database["ENGINE"]).endswith("sqlite3"):
        return f"the data folder {settings.DATA_DIR}"
    return "the database of DATABASE_URL"


class Command(OrdnaCommand):
    help = (
        "Set up a clean instance for real use: the database, the first user (administrator and IT coordinator) "
        "and the default leaver template; then say what to do next. Changes nothing where users exist."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--username", default="admin", help="the first user's name (default admin)")
        parser.add_argument("--email", default="", help="the first user's address: their reminders go there")
        parser.add_argument(
            "--password-file",
            type=Path,
            help="file holding the first user's password ('-' reads standard input); without it, asked twice",
        )
        parser.add_argument("--url", default="", help="the address Ordna is served at, for the next steps")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", verbosity=0, interactive=False)
        existing = User.objects.count()
        if existing:
            self.stdout.write(
                f"Ordna is already set up in {where()} ({existing} user{'s' if existing != 1 else ''}); "
                "nothing changed. To start clean, give ORDNA_DATA_DIR a new folder."
            )
            return
        password = password_read(options["password_file"], prompt=sys.stdin.isatty())
        actor = Actor.command_line()
        try:
            with transaction.atomic():
                user = user_add(
                    username=options["username"],
                    roles=FIRST_ROLES,
                    actor=actor,
                    email=options["email"],
                    password=password,
                    locale=settings.LANGUAGE_CODE,
                )
                template = leaver_template_default_add(actor=actor, language=settings.LANGUAGE_CODE)
        except UserError as exc:
            flag = OPTION_OF.get(exc.field)
            raise InvalidInput(f"{flag}: {exc}" if flag else str(exc)) from exc
        url = options["url"] or (settings.BASE_URL if settings.BASE_URL_SET else "the address `ordna serve` prints")
        lines = [
            f"Ordna is set up in {where()}.",
            f"  user {user.username}: administrator and IT coordinator",
        ]
        if template is not None:
            lines.append(f"  leaver template {template.name!r}: tasks for the manager, HR and the leaver")
        if not user.email:
            lines.append("  no address for reminders yet: add one on the user's page (or give --email)")
        lines += [
            "",
            "Next:",
            "  1. ordna serve                       (or `make start`), then sign in at " + url,
            "  2. The start page's checklist leads the way: the HR file, licence prices, one account export per",
            "     application, the unlinked accounts, the leaver template, mail and users, the first report.",
            "  The same from the command line:",
            "     ordna import people hr.csv --dry-run",
            '     ordna application add m365 --name "Microsoft 365"',
            "     ordna import licenses prices.csv",
            "     ordna import accounts m365 users.csv --preset m365",
        ]
        self.stdout.write("\n".join(lines))
