"""`ordna user add USERNAME --role ROLE [--person EMPLOYEE_ID] [--supplier NAME] [--company CODE] [--email E]
[--password-file F]`, `ordna user list`, `ordna user disable|enable|unlock|sign-out|remove-2fa USERNAME`,
`ordna user unlock-address ADDRESS`, `ordna user reset-password USERNAME --password-file F` (docs/operations.md,
docs/companies.md, docs/sign-in.md)."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordna.core.actor import Actor
from ordna.core.companies import CompanyError, companies_by_code, user_companies_set
from ordna.core.management.base import InvalidInput, OrdnaCommand
from ordna.core.models import Role, User
from ordna.core.second_factor import second_factor_remove
from ordna.core.services import (
    SupplierError,
    UserError,
    login_locked,
    supplier_get_or_add,
    user_add,
    user_set_active,
    user_set_password,
    user_sign_out_everywhere,
    user_unlock,
)
from ordna.core.sign_in_guard import address_unlock
from ordna.people.models import Person

# The command's option for each input a user service names (`field`), so its errors point at what to change.
OPTION_OF = {
    "roles": "--role",
    "person": "--person",
    "supplier": "--supplier",
    "password": "--password-file",
    "email": "--email",
    "username": "USERNAME",
    "companies": "--company",
}


class Command(OrdnaCommand):
    help = "Manage users: add, list, disable, enable, reset-password, unlock, unlock-address, sign-out, remove-2fa."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(
            dest="action",
            required=True,
            metavar="{add,list,disable,enable,reset-password,unlock,unlock-address,sign-out,remove-2fa}",
        )
        sub.add_parser("list", help="every user: roles, linked to, may sign in, locked until")
        for action, what in (
            ("disable", "stop a user signing in; their sessions and API tokens end at once"),
            ("enable", "let a disabled user sign in again"),
            ("unlock", "lift the lock of too many failed sign-ins"),
            ("sign-out", "sign the user out everywhere: every session ends (API tokens stay)"),
            ("remove-2fa", "remove the user's second factor and recovery codes (a lost phone)"),
        ):
            sub.add_parser(action, help=what).add_argument("username")
        sub.add_parser(
            "unlock-address", help="lift the lock of a client address after too many failed sign-ins from it"
        ).add_argument("address")
        reset = sub.add_parser("reset-password", help="set a new password (also lifts a lock)")
        reset.add_argument("username")
        reset.add_argument(
            "--password-file", type=Path, required=True, help="file holding the password ('-' reads standard input)"
        )
        add = sub.add_parser("add", help="add a user")
        add.add_argument("username")
        add.add_argument(
            "--role",
            action="append",
            required=True,
            help=f"a role (repeat, or separate with commas): {', '.join(Role.values)}",
        )
        add.add_argument("--person", help="employee id of the linked person (managers, employees)")
        add.add_argument("--supplier", help="name of the supplier company (supplier users); registered when new")
        add.add_argument(
            "--company",
            action="append",
            default=[],
            help="scope the user to a company of the group, by its code (repeat, or separate with commas); "
            "without it the user sees the whole group",
        )
        add.add_argument("--email", default="")
        add.add_argument(
            "--password-file",
            type=Path,
            help="file holding the password ('-' reads standard input); without it the user "
            "cannot sign in with a password yet",
        )

    new_supplier = False

    def _supplier(self, options: dict[str, Any], roles: list[str]) -> int | None:
        if not options["supplier"]:
            return None
        if "supplier" not in roles:
            raise UserError(_("Only supplier users belong to a supplier (add --role supplier)."), field="supplier")
        supplier, self.new_supplier = supplier_get_or_add(name=options["supplier"], actor=Actor.command_line())
        return supplier.pk

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "add":
            self._add(options)
        elif action == "list":
            self._list()
        elif action == "unlock-address":
            was_locked = address_unlock(address=options["address"], actor=Actor.command_line())
            self.stdout.write(f"address {options['address']} " + ("unlocked" if was_locked else "was not locked"))
        else:
            self._change(action, options)

    def _user(self, username: str) -> User:
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise InvalidInput(f"USERNAME: no user named {username!r} (`ordna user list` shows the users)")
        return user

    def _list(self) -> None:
        users = User.objects.select_related("person", "supplier").prefetch_related("roles").order_by("username")
        self.stdout.write("user\troles\tlinked to\tmay sign in\tlocked until")
        for user in users:
            linked = (
                f"{user.person.full_name} ({user.person.employee_id})"
                if user.person
                else (user.supplier.name if user.supplier else "-")
            )
            locked = timezone.localtime(user.locked_until).strftime("%Y-%m-%d %H:%M") if login_locked(user) else "-"
            roles = ",".join(sorted(r.role for r in user.roles.all()))
            self.stdout.write(f"{user.username}\t{roles}\t{linked}\t{'yes' if user.is_active else 'no'}\t{locked}")

    def _change(self, action: str, options: dict[str, Any]) -> None:
        user = self._user(options["username"])
        actor = Actor.command_line()
        try:
            if action in {"disable", "enable"}:
                user_set_active(user=user, active=action == "enable", actor=actor)
                self.stdout.write(
                    f"user {user.username} disabled: signed out, API tokens revoked"
                    if action == "disable"
                    else f"user {user.username} may sign in again"
                )
            elif action == "unlock":
                was_locked = user_unlock(user=user, actor=actor)
                self.stdout.write(f"user {user.username} " + ("unlocked" if was_locked else "was not locked"))
            elif action == "sign-out":
                ended = user_sign_out_everywhere(user=user, actor=actor)
                self.stdout.write(f"user {user.username} signed out everywhere: {ended} session(s) ended")
            elif action == "remove-2fa":
                removed = second_factor_remove(user=user, actor=actor)
                self.stdout.write(f"second factor of {user.username} " + ("removed" if removed else "was not set up"))
            else:
                user_set_password(user=user, password=self._password(options["password_file"]), actor=actor)
                self.stdout.write(f"password of {user.username} set; any lock lifted")
        except UserError as exc:
            flag = OPTION_OF.get(exc.field)
            raise InvalidInput(f"{flag}: {exc}" if flag else str(exc)) from exc

    def _password(self, source: Path) -> str:
        try:
            text = sys.stdin.read() if str(source) == "-" else source.read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(f"--password-file: cannot read {source}: {exc.strerror}") from exc
        password = text.rstrip("\r\n")
        if not password:
            raise InvalidInput(f"--password-file: {source} is empty")
        return password

    def _add(self, options: dict[str, Any]) -> None:
        roles = [r.strip() for value in options["role"] for r in value.split(",") if r.strip()]
        person = None
        if options["person"]:
            person = Person.objects.filter(employee_id=options["person"]).only("id", "locale").first()
            if person is None:
                raise InvalidInput(f"--person: no person has employee id {options['person']!r}")
        source: Path | None = options["password_file"]
        password = self._password(source) if source is not None else None
        try:
            with transaction.atomic():  # a new supplier only stays if its user is made
                supplier_id = self._supplier(options, roles)
                user = user_add(
                    username=options["username"],
                    roles=roles,
                    actor=Actor.command_line(),
                    person_id=person.pk if person else None,
                    supplier_id=supplier_id,
                    email=options["email"],
                    password=password,
                    locale=person.locale if person else "",
                )
                codes = [c for value in options["company"] for c in value.split(",")]
                if codes:
                    user_companies_set(user=user, companies=companies_by_code(codes), actor=Actor.command_line())
        except (UserError, SupplierError, CompanyError) as exc:
            flag = OPTION_OF.get(exc.field)
            raise InvalidInput(f"{flag}: {exc}" if flag else str(exc)) from exc
        if self.new_supplier:
            self.stdout.write(f"supplier {options['supplier']} added (it was new)")
        scope = ", ".join(sorted(user.companies.values_list("code", flat=True)))
        self.stdout.write(
            f"user {user.username} added with role(s) {', '.join(sorted(user.role_set))}"
            + (f", scoped to {scope}" if scope else "")
        )
