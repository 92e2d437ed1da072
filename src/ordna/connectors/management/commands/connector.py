"""`ordna connector set APP KIND --option KEY=VALUE ...` and `ordna connector test APP`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from ordna.applications.models import Application
from ordna.connectors.models import Connector, DisablePolicy
from ordna.connectors.services import (
    ConnectorSetupError,
    connector_display,
    connector_set,
    connector_test,
    options_parse,
)
from ordna.core.actor import Actor
from ordna.core.management.base import InvalidInput, OrdnaCommand


def application_of(slug: str) -> Application:
    application = Application.objects.filter(slug=slug).first()
    if application is None:
        raise InvalidInput(f"no application {slug!r}")
    return application


class Command(OrdnaCommand):
    help = "Configure an application's connector (ldap, scim, graph, google) or test it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, metavar="{set,test,show}")
        set_ = sub.add_parser("set", help="configure: ordna connector set APP KIND --option KEY=VALUE ...")
        set_.add_argument("app")
        set_.add_argument("kind", help="ldap, scim, graph or google")
        set_.add_argument("--option", action="append", default=[], metavar="KEY=VALUE")
        set_.add_argument("--policy", choices=DisablePolicy.values, help="how leavers' accounts are disabled")
        set_.add_argument("--sync-hours", type=int, help="pull every N hours (0: on demand only)")
        test = sub.add_parser("test", help="connect, sign in and read a little")
        test.add_argument("app")
        show = sub.add_parser("show", help="the configuration (secrets are never shown)")
        show.add_argument("app")

    def handle(self, *args: Any, **options: Any) -> None:
        application = application_of(options["app"])
        if options["what"] == "set":
            if options["sync_hours"] is not None and options["sync_hours"] < 0:
                raise InvalidInput("--sync-hours: must be 0 or more")
            try:
                connector = connector_set(
                    application=application,
                    kind=options["kind"],
                    options=options_parse(options["option"]),
                    actor=Actor.command_line(),
                    policy=options["policy"],
                    sync_hours=options["sync_hours"],
                    from_files=True,
                )
            except ConnectorSetupError as exc:  # the option at fault first, as it was typed
                raise InvalidInput(f"{exc.field}: {exc}" if exc.field else str(exc)) from exc
            self.stdout.write(f"{application.slug}: {connector.kind} connector saved (policy {connector.policy})")
            return
        found = Connector.objects.filter(application=application).first()
        if found is None:
            raise InvalidInput(f"{application.slug} has no connector: set one with `ordna connector set`")
        if options["what"] == "show":
            self.stdout.write(f"{application.slug}: {found.kind}, policy {found.policy}")
            for key, value in connector_display(found):
                self.stdout.write(f"  {key} = {value}")
            return
        ok, message = connector_test(connector=found, actor=Actor.command_line())
        if not ok:
            raise InvalidInput(f"{application.slug}: {message}")
        self.stdout.write(f"{application.slug}: OK, {message}")
