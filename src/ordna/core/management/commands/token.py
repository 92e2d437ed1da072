"""`ordna token create USERNAME`: print a new API token (shown once)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from ordna.core.actor import Actor
from ordna.core.management.base import InvalidInput, OrdnaCommand
from ordna.core.models import User
from ordna.core.services import UserError, token_create


class Command(OrdnaCommand):
    help = "Manage API tokens: create."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create}")
        create = sub.add_parser("create", help="print a new API token for a user")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username__iexact=options["username"]).first()
        if user is None:
            raise InvalidInput(f"no user named {options['username']!r}")
        try:
            token = token_create(user=user, actor=Actor.command_line(), name=options["name"])
        except UserError as exc:
            raise InvalidInput(str(exc)) from exc
        self.stdout.write(token)
