"""`ordna supplier add NAME [--contact-name N] [--contact-email E] [--phone P] [--service-desk-email E]`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from ordna.core.actor import Actor
from ordna.core.management.base import InvalidInput, OrdnaCommand
from ordna.core.services import SupplierError, supplier_add


class Command(OrdnaCommand):
    help = "Manage suppliers: add."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{add}")
        add = sub.add_parser("add", help="register a supplier company")
        add.add_argument("name")
        add.add_argument("--contact-name", default="")
        add.add_argument("--contact-email", default="")
        add.add_argument("--phone", default="")
        add.add_argument(
            "--service-desk-email", default="", help="where the accounts to disable for each leaver go, one mail a case"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            supplier = supplier_add(
                name=options["name"],
                actor=Actor.command_line(),
                contact_name=options["contact_name"],
                contact_email=options["contact_email"],
                phone=options["phone"],
                service_desk_email=options["service_desk_email"],
            )
        except SupplierError as exc:
            raise InvalidInput(str(exc)) from exc
        self.stdout.write(f"supplier {supplier.name} added")
