"""`ordna user add USERNAME --role ROLE [--person EMPLOYEE_ID] [--supplier NAME] [--company CODE] [--email E]
[--password-file F]`."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ordna.core.actor import Actor
from ordna.core.companies import CompanyError, companies_by_code, user_companies_set
from ordna.core.management.base import InvalidInput, OrdnaCommand
from ordna.core.models import Role
from ordna.core.services import SupplierError, UserError, supplier_get_or_add, user_add
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
    help = "Manage users: add."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{add}")
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
        roles = [r.strip() for value in options["role"] for r in value.split(",") if r.strip()]
        person = None
        if options["person"]:
            person = Person.objects.filter(employee_id=options["person"]).only("id", "locale").first()
            if person is None:
                raise InvalidInput(f"--person: no person has employee id {options['person']!r}")
        password = None
        source: Path | None = options["password_file"]
        if source is not None:
            try:
                text = sys.stdin.read() if str(source) == "-" else source.read_text(encoding="utf-8")
            except OSError as exc:
                raise InvalidInput(f"--password-file: cannot read {source}: {exc.strerror}") from exc
            password = text.rstrip("\r\n")
            if not password:
                raise InvalidInput(f"--password-file: {source} is empty")
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
