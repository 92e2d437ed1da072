"""`ordna token create USERNAME [--name N]`, `ordna token list [--user USERNAME]`, `ordna token revoke ID`
(docs/api.md)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.utils import timezone

from ordna.core.actor import Actor
from ordna.core.management.base import InvalidInput, OrdnaCommand
from ordna.core.models import ApiToken, User
from ordna.core.selectors import api_tokens
from ordna.core.services import UserError, token_create, token_revoke


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


class Command(OrdnaCommand):
    help = "Manage API tokens: create, list, revoke."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = sub.add_parser("create", help="print a new API token for a user (shown once)")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for")
        listing = sub.add_parser("list", help="the tokens: id, user, name, created, last used, expires, state")
        listing.add_argument("--user", help="only this user's tokens")
        revoke = sub.add_parser("revoke", help="stop one token at once")
        revoke.add_argument("id", type=int, help="the token's id, as `ordna token list` shows it")

    def _user(self, username: str) -> User:
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise InvalidInput(f"no user named {username!r}")
        return user

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self._list(options["user"])
        elif options["action"] == "revoke":
            token = ApiToken.objects.select_related("user").filter(pk=options["id"]).first()
            if token is None:
                raise InvalidInput(f"ID: no token has id {options['id']} (`ordna token list` shows them)")
            token_revoke(token=token, actor=Actor.command_line())
            self.stdout.write(f"token {token.pk} ({token.prefix}…) of {token.user.username} revoked")
        else:
            user = self._user(options["username"])
            try:
                secret = token_create(user=user, actor=Actor.command_line(), name=options["name"])
            except UserError as exc:
                raise InvalidInput(str(exc)) from exc
            self.stdout.write(secret)

    def _list(self, username: str | None) -> None:
        now = timezone.now()
        self.stdout.write("id\tuser\tname\tprefix\tcreated\tlast used\texpires\tstate")
        for token in api_tokens(user=self._user(username) if username else None):
            self.stdout.write(
                f"{token.pk}\t{token.user.username}\t{token.name or '-'}\t{token.prefix}…\t{_when(token.created_at)}\t"
                f"{_when(token.last_used_at)}\t{_when(token.expires_at)}\t{token.state(now)}"
            )
