"""`ordna serve [--host H] [--port P]`: the web server (waitress) and the background worker together."""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from ordna.core.management.base import OrdnaCommand

# Hosts that mean "every interface": a browser on this machine reaches them at the loopback address.
EVERY_INTERFACE = {"", "0.0.0.0", "::"}  # noqa: S104 - names of the wildcard, not a bind


def port_number(text: str) -> int:
    """--port: a TCP port, 1-65535 (0 would let the system choose one that nobody is told)."""
    try:
        port = int(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not a port number (1-65535)") from None
    if not 1 <= port <= 65535:
        raise ArgumentTypeError(f"{port} is not a port number (1-65535)")
    return port


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
        parser.add_argument("--port", type=port_number, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="serve the web app only")

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import create_server

        from ordna.wsgi import application

        call_command("collectstatic", interactive=False, verbosity=0)
        address = served_url(options["host"], options["port"])
        try:
            # Binding first: a port in use ends here, in a sentence, before the worker starts.
            server = create_server(
                application,
                host=options["host"],
                port=options["port"],
                threads=options["threads"],
                ident="ordna",
                # A larger body is refused with 413 before it is read (waitress refuses from this size on).
                max_request_body_size=settings.REQUEST_BODY_MAX_BYTES + 1,
                **proxy_options(settings.ORDNA_TRUSTED_PROXY),
            )
        except OSError as exc:
            raise CommandError(cannot_serve(options["host"], options["port"], exc), returncode=2) from None
        except ValueError:  # waitress: a host it cannot resolve, or a port out of range
            raise CommandError(
                f"cannot listen on {options['host']} port {options['port']}: no such address on this machine, or "
                "a port outside 1-65535; use --host 127.0.0.1 (or 0.0.0.0) and a free --port",
                returncode=2,
            ) from None
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
            server.run()
        finally:
            server.close()
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)


def proxy_options(trusted_proxy: str) -> dict[str, Any]:
    """Waitress's options to take the client's address (REMOTE_ADDR) from the last X-Forwarded-For entry of
    requests from `trusted_proxy`; none without one. Other forwarded headers are left for Django, which reads
    X-Forwarded-Proto only when ORDNA_PROXY_SSL_HEADER says so."""
    if not trusted_proxy:
        return {}
    return {
        "trusted_proxy": trusted_proxy,
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": {"x-forwarded-for"},
        "clear_untrusted_proxy_headers": False,
    }


def cannot_serve(host: str, port: int, error: OSError) -> str:
    """Why `ordna serve` cannot listen on `host`:`port`, in a sentence that says what to do."""
    if error.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is in use by another program (another ordna serve?): stop it, "
            f"or choose another port with --port (make run PORT=...)"
        )
    if error.errno == errno.EACCES:
        return f"port {port} on {host} needs more rights than this user has: choose a port above 1023 with --port"
    if isinstance(error, socket.gaierror) or error.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {host}: this machine has no such address; use --host 127.0.0.1 or 0.0.0.0"
    reason = error.strerror or str(error)
    return f"cannot listen on {host} port {port}: {reason}"
