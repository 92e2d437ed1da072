"""`ordna serve [--host H] [--port P]`: the web server (waitress) and the background worker together."""

from __future__ import annotations

import signal
import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command

from ordna.core.management.base import OrdnaCommand


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
        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "ordna.cli", "worker"])
        try:
            self.stdout.write(
                f"Ordna serves on http://{options['host']}:{options['port']}/ (data in {settings.DATA_DIR})"
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
