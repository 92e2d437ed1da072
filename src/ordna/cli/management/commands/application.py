"""`ordna application add SLUG [--name N] [--owner EMPLOYEE_ID] [--supplier NAME] ...`, `ordna application list`
and `ordna application price SLUG LICENCE --monthly-cost X --currency C [--seats N]`: the catalogue and its prices
without an import (the same services as the web page and the API)."""

from __future__ import annotations

from argparse import ArgumentParser
from decimal import Decimal, InvalidOperation
from typing import Any

from ordna.applications.models import Application, Criticality
from ordna.applications.services import ApplicationError, application_create, license_save
from ordna.core.actor import Actor
from ordna.core.management.base import InvalidInput, OrdnaCommand
from ordna.core.models import Supplier
from ordna.people.models import Person

OPTION_OF = {
    "slug": "SLUG",
    "criticality": "--criticality",
    "currency": "--currency",
    "monthly_cost": "--monthly-cost",
    "seats": "--seats",
}


def _refused(exc: ApplicationError) -> InvalidInput:
    flag = OPTION_OF.get(exc.field)
    return InvalidInput(f"{flag}: {exc}" if flag else str(exc))


class Command(OrdnaCommand):
    help = "The applications: add one, list them with their licences, set a licence's price."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{add,list,price}")
        add = sub.add_parser("add", help="add an application")
        add.add_argument("slug", metavar="SLUG", help="the short name imports and the API use (m365, slack)")
        add.add_argument("--name", default="", help="the name people know it by (default: the short name)")
        add.add_argument("--owner", help="employee id of the application's owner")
        add.add_argument("--supplier", help="name of the supplier company that runs it")
        add.add_argument("--criticality", default=Criticality.MEDIUM, help=", ".join(Criticality.values))
        add.add_argument(
            "--deprovision-days", type=int, default=1, help="business days to close a leaver's account (default 1)"
        )
        add.add_argument(
            "--attest-only", action="store_true", help="no export and no connector: leaver lines are attested"
        )
        sub.add_parser("list", help="every application, its accounts and licence prices")
        price = sub.add_parser("price", help="add or change a licence's price and seats")
        price.add_argument("slug", metavar="SLUG")
        price.add_argument("licence", metavar="LICENCE", help="the licence's name as the export names it")
        price.add_argument("--monthly-cost", required=True, help="per seat and month, e.g. 129.50")
        price.add_argument("--currency", required=True, help="three letters: SEK, EUR ...")
        price.add_argument("--seats", type=int, help="seats bought (leave out when not counted)")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _add(self, options: dict[str, Any]) -> None:
        owner_id = supplier_id = None
        if options["owner"]:
            owner_id = Person.objects.filter(employee_id=options["owner"]).values_list("id", flat=True).first()
            if owner_id is None:
                raise InvalidInput(f"--owner: no person has employee id {options['owner']!r}")
        if options["supplier"]:
            supplier_id = Supplier.objects.filter(name__iexact=options["supplier"]).values_list("id", flat=True).first()
            if supplier_id is None:
                raise InvalidInput(
                    f"--supplier: no supplier is named {options['supplier']!r} (ordna supplier add registers one)"
                )
        if not 0 <= options["deprovision_days"] <= 60:
            raise InvalidInput(f"--deprovision-days: {options['deprovision_days']} is outside 0 to 60")
        try:
            app = application_create(
                slug=options["slug"],
                name=options["name"],
                actor=Actor.command_line(),
                owner_id=owner_id,
                supplier_id=supplier_id,
                criticality=options["criticality"],
                deprovision_days=options["deprovision_days"],
                attest_only=options["attest_only"],
            )
        except ApplicationError as exc:
            raise _refused(exc) from exc
        self.stdout.write(f"application {app.slug} ({app.name}) added")

    def _list(self, options: dict[str, Any]) -> None:
        apps = Application.objects.select_related("owner", "supplier").prefetch_related("licenses").order_by("slug")
        for app in apps:
            who = ", ".join(
                part
                for part in (
                    f"owner {app.owner.employee_id}" if app.owner else "",
                    f"supplier {app.supplier.name}" if app.supplier else "",
                )
                if part
            )
            accounts = "attested only" if app.attest_only else f"{app.accounts_active} active accounts"
            self.stdout.write(f"{app.slug}\t{app.name}\t{accounts}" + (f"\t{who}" if who else ""))
            for licence in app.licenses.all():
                seats = f", {licence.seats} seats" if licence.seats is not None else ""
                self.stdout.write(f"  {licence.name}: {licence.monthly_cost} {licence.currency} a month{seats}")
        if not apps:
            self.stdout.write("no applications yet: ordna application add SLUG, or import an export")

    def _price(self, options: dict[str, Any]) -> None:
        app = Application.objects.filter(slug=options["slug"]).first()
        if app is None:
            raise InvalidInput(f"SLUG: no application {options['slug']!r} (ordna application list shows them)")
        try:
            cost = Decimal(options["monthly_cost"].replace(",", "."))
        except InvalidOperation:
            raise InvalidInput(f"--monthly-cost: {options['monthly_cost']!r} is not an amount") from None
        try:
            licence, changed = license_save(
                application=app,
                name=options["licence"],
                actor=Actor.command_line(),
                monthly_cost=cost,
                currency=options["currency"],
                seats=options["seats"],
            )
        except ApplicationError as exc:
            raise _refused(exc) from exc
        verb = "saved" if changed else "unchanged"
        self.stdout.write(f"{app.slug} {licence.name}: {licence.monthly_cost} {licence.currency} a month, {verb}")
