"""`ordna company add CODE NAME [--country SE|NL] [--language en|sv|nl] [--domain D ...]` and `ordna company list`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from ordna.core.actor import Actor
from ordna.core.companies import CompanyError, company_save
from ordna.core.management.base import InvalidInput, OrdnaCommand
from ordna.core.models import Company

OPTION_OF = {
    "code": "CODE",
    "name": "NAME",
    "country": "--country",
    "language": "--language",
    "mail_domains": "--domain",
}


class Command(OrdnaCommand):
    help = "Manage the companies of the group (docs/companies.md): add, change, list."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{add,set,list}")
        for action, text in (("add", "add a company of the group"), ("set", "change a company, by its code")):
            command = sub.add_parser(action, help=text)
            command.add_argument("code", help="a short code, as the HR file's company column names it")
            command.add_argument("name")
            command.add_argument("--country", default="", help="SE or NL: its people's public holidays")
            command.add_argument("--language", default="en", help="en, sv or nl: its people's language")
            command.add_argument(
                "--domain", action="append", default=[], help="a mail domain of its people (repeat for more)"
            )
        sub.add_parser("list", help="the companies, one a line: code, name, country, language, domains")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for company in Company.objects.all():
                default = " (default)" if company.is_default else ""
                domains = " ".join(company.mail_domains)
                self.stdout.write(
                    f"{company.code}\t{company.name}{default}\t{company.country or '-'}\t{company.language}\t{domains}"
                )
            return
        existing = None
        if options["action"] == "set":
            existing = Company.objects.filter(code=options["code"].strip().lower()).first()
            if existing is None:
                raise InvalidInput(f"CODE: no company has the code {options['code']!r}")
        try:
            company = company_save(
                actor=Actor.command_line(),
                code=options["code"],
                name=options["name"],
                country=options["country"],
                language=options["language"],
                mail_domains=options["domain"],
                company=existing,
            )
        except CompanyError as exc:
            flag = OPTION_OF.get(exc.field)
            raise InvalidInput(f"{flag}: {exc}" if flag else str(exc)) from exc
        self.stdout.write(f"company {company.code} ({company.name}) {'added' if existing is None else 'changed'}")
