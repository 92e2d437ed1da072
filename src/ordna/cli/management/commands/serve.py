"""`ordna serve [--host H] [--port P]`: the web server (waitress) and the background worker together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command

from ordna.core.management.base import OrdnaCommand

# Hosts that mean "every interface": a browser on this machine reaches them at the loopback address.
EVERY_INTERFACE = {"", "0.0.0.0", "::"}  # noqa: S104 - names of the wildcard, not a bind


def served_url(host: str, port: int) -> str:
    """The address a browser on this machine opens for a server on `host` and `port`."""
    shown = "127.0.0.1" if host in EVERY_INTERFACE else host
    if ":" in shown:  # an IPv6 address
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


class Command(OrdnaCommand):
    help = "Serve the web app and run the background worker."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="serve the web app only")

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from ordna.wsgi import application

        call_command("collectstatic", interactive=False, verbosity=0)
        address = served_url(options["host"], options["port"])
        if not settings.BASE_URL_SET:
            # Links in mail follow the address served; the worker started below sends them, so it inherits it.
            settings.BASE_URL = address
            os.environ["ORDNA_BASE_URL"] = address
        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "ordna.cli", "worker"])
        try:
            self.stdout.write(f"Ordna serves on {address}/ (data in {settings.DATA_DIR})")
            if address != settings.BASE_URL:
                self.stdout.write(f"Links in mail point at {settings.BASE_URL}/ (ORDNA_BASE_URL)")
            elif options["host"] in EVERY_INTERFACE:
                self.stdout.write(
                    "Serving on every interface: set ORDNA_BASE_URL to the address people use, "
                    f"or links in mail point at {address}/"
                )
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            serve(
                application,
                host=options["host"],
                port=options["port"],
                threads=options["threads"],
                ident="ordna",
                # A larger body is refused with 413 before it is read (waitress refuses from this size on).
                max_request_body_size=settings.REQUEST_BODY_MAX_BYTES + 1,
            )
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
