"""`ordna serve` and `make run`: every printed address and every link in mail follows the host and port served,
unless ORDNA_BASE_URL says where people reach the site."""

from __future__ import annotations

import os
import subprocess
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from pytest_django.fixtures import Settings

from ordna.cli.management.commands import serve as serve_command
from ordna.cli.management.commands.serve import served_url

REPOSITORY = Path(__file__).resolve().parents[4]


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 18111, "http://127.0.0.1:18111"),
        ("localhost", 8000, "http://localhost:8000"),
        ("0.0.0.0", 9000, "http://127.0.0.1:9000"),
        ("::", 9000, "http://127.0.0.1:9000"),
        ("::1", 9000, "http://[::1]:9000"),
    ],
)
def test_the_served_address(host: str, port: int, url: str) -> None:
    assert served_url(host, port) == url


class Served:
    """What `ordna serve` would have started: the worker's environment and waitress's arguments."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.worker_base_url: str | None = None
        self.base_url_while_serving = ""
        self.served: dict[str, Any] = {}
        monkeypatch.setattr(serve_command.subprocess, "Popen", self.popen)
        monkeypatch.setattr("waitress.create_server", self.create_server)
        monkeypatch.setattr(serve_command.signal, "signal", lambda *args: None)
        monkeypatch.setattr(serve_command, "call_command", lambda *args, **kwargs: None)  # collectstatic

    def popen(self, args: list[str], **kwargs: Any) -> Any:
        self.worker_base_url = (kwargs.get("env") or os.environ).get("ORDNA_BASE_URL")
        served = self

        class Worker:
            def terminate(self) -> None:
                served.terminated = True

            def wait(self, timeout: float) -> int:
                return 0

        return Worker()

    def create_server(self, application: Any, **options: Any) -> Any:
        self.served = options
        served = self

        class Server:
            def run(self) -> None:
                served.base_url_while_serving = django_settings.BASE_URL

            def close(self) -> None:
                served.closed = True

        return Server()


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Served:
    monkeypatch.setenv("ORDNA_BASE_URL", "")  # restored (removed) after the test, whatever serve sets
    return Served(monkeypatch)


def test_serve_on_another_port_links_to_that_port_in_the_web_process_and_the_worker(
    served: Served, settings: Settings
) -> None:
    settings.BASE_URL_SET = False
    settings.BASE_URL = "http://127.0.0.1:8000"
    out = StringIO()

    call_command("serve", "--host", "127.0.0.1", "--port", "18111", stdout=out)

    assert out.getvalue().splitlines()[0].startswith("Ordna serves on http://127.0.0.1:18111/ (data in ")
    assert len(out.getvalue().splitlines()) == 1
    assert {k: served.served[k] for k in ("host", "port")} == {"host": "127.0.0.1", "port": 18111}
    assert served.base_url_while_serving == "http://127.0.0.1:18111"
    assert served.worker_base_url == "http://127.0.0.1:18111"
    assert served.closed and served.terminated  # the port and the worker are given back when serving ends


def test_a_configured_base_url_is_kept_and_said(served: Served, settings: Settings) -> None:
    settings.BASE_URL_SET = True
    settings.BASE_URL = "https://ordna.example.org"
    os.environ["ORDNA_BASE_URL"] = "https://ordna.example.org"
    out = StringIO()

    call_command("serve", "--host", "127.0.0.1", "--port", "18111", stdout=out)

    assert out.getvalue().splitlines()[1] == "Links in mail point at https://ordna.example.org/ (ORDNA_BASE_URL)"
    assert served.base_url_while_serving == "https://ordna.example.org"
    assert served.worker_base_url == "https://ordna.example.org"


def test_every_interface_asks_for_the_address_people_use(served: Served, settings: Settings) -> None:
    settings.BASE_URL_SET = False
    out = StringIO()

    call_command("serve", "--host", "0.0.0.0", "--port", "9000", "--no-worker", stdout=out)

    assert out.getvalue().splitlines()[1:] == [
        "Serving on every interface: set ORDNA_BASE_URL to the address people use, "
        "or links in mail point at http://127.0.0.1:9000/"
    ]
    assert served.worker_base_url is None  # --no-worker: none started


def test_make_run_prints_and_links_the_port_it_serves() -> None:
    """`make -n` shows what `make run PORT=18111` runs: the demo's digests, the printed address and the
    server agree on the port, and nothing says 8000."""
    planned = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", "PORT=18111"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")},
    ).stdout
    assert ":8000" not in planned
    assert 'ORDNA_BASE_URL="${ORDNA_BASE_URL:-http://127.0.0.1:18111}" .venv/bin/ordna demo' in planned
    assert 'echo "Ordna: open http://127.0.0.1:18111/ and sign in as admin / ordna-demo-2026"' in planned
    assert planned.rstrip().endswith(".venv/bin/ordna serve --host 127.0.0.1 --port 18111")


def _remote_addr_seen(options: dict[str, Any], headers: dict[str, str]) -> str:
    """The REMOTE_ADDR a WSGI app sees behind waitress started with `options`, for one request on loopback."""
    import contextlib
    import threading
    import urllib.request

    from waitress import create_server

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ["REMOTE_ADDR"].encode()]

    server = create_server(app, host="127.0.0.1", port=0, **options)

    def run() -> None:
        with contextlib.suppress(OSError, ValueError):  # the loop ends as the test closes the server under it
            server.run()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        port = server.effective_port  # type: ignore[union-attr]
        request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers=headers)
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            return str(answer.read().decode())
    finally:
        server.close()


def test_behind_a_trusted_proxy_the_client_address_comes_from_x_forwarded_for() -> None:
    forwarded = {"X-Forwarded-For": "198.51.100.23"}
    assert _remote_addr_seen(serve_command.proxy_options("127.0.0.1"), forwarded) == "198.51.100.23"
    # Without the setting a client cannot choose its address with a header.
    assert _remote_addr_seen(serve_command.proxy_options(""), forwarded) == "127.0.0.1"
    # Nor from an address other than the proxy's.
    assert _remote_addr_seen(serve_command.proxy_options("192.0.2.1"), forwarded) == "127.0.0.1"
