"""Real servers on loopback for the reminder tests: an SMTP server (aiosmtpd), a chat webhook, Redis."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from ordna.conftest import TODAY, Inbox, free_port, hr_row, require_server  # noqa: F401 - the tests import them here
from ordna.core.actor import Actor


class Hook:
    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.url = ""


@pytest.fixture
def webhook() -> Iterator[Hook]:
    """A chat webhook on loopback that records the JSON bodies posted to it (as Slack and Teams accept)."""
    hook = Hook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            hook.posts.append(json.loads(body))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    hook.url = f"http://127.0.0.1:{server.server_port}/hooks/abc"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A private redis-server on a free loopback port, stopped (by its own shutdown) after the test."""
    exe = require_server("Redis", "redis-server", "apt-get install redis-server")
    cli = require_server("Redis", "redis-cli", "apt-get install redis-server")
    port = free_port()
    subprocess.run(
        [
            exe,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--daemonize",
            "yes",
            "--dir",
            str(tmp_path),
            "--pidfile",
            str(tmp_path / "redis.pid"),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
    )
    try:
        for _ in range(100):
            ping = subprocess.run([cli, "-p", str(port), "ping"], capture_output=True, text=True, check=False)
            if ping.stdout.strip() == "PONG":
                break
            threading.Event().wait(0.05)
        else:
            pytest.fail("redis-server did not answer PONG")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        subprocess.run([cli, "-p", str(port), "shutdown", "nosave"], capture_output=True, check=False)


@pytest.fixture
def unseen_org(load_people, make_user, actor) -> dict[str, Any]:
    """D1 manages M1, who manages two leavers whose last day is today; every leaver case has a handover task
    (manager), a payroll task (HR) and a badge to return (the employee). L2's handover is already attested."""
    from ordna.lifecycle.case_templates import template_save, template_task_add
    from ordna.lifecycle.closing import line_attest
    from ordna.lifecycle.models import Line
    from ordna.people.models import Person

    template = template_save(actor=actor, name="Leavers")
    for title, role in (("Handover", "manager"), ("Payroll", "hr"), ("Return badge", "employee")):
        template_task_add(template=template, actor=actor, title=title, responsible=role, offset_days=0)
    load_people(
        [
            hr_row("D1", "Dirk", "Director"),
            hr_row("M1", "Maja", "Manager", manager_employee_id="D1"),
            hr_row("L1", "Lena", "Leaver", manager_employee_id="M1", end_date=TODAY.isoformat()),
            hr_row("L2", "Lars", "Leaver", manager_employee_id="M1", end_date=TODAY.isoformat()),
        ]
    )
    people = {p.employee_id: p for p in Person.objects.all()}
    users = {
        "director": make_user("manager", person=people["D1"]),
        "manager": make_user("manager", person=people["M1"]),
        "leaver": make_user("employee", person=people["L1"]),
        "hr": make_user("hr"),
    }
    for name, user, locale in (
        ("director", users["director"], "nl"),
        ("manager", users["manager"], "sv"),
        ("leaver", users["leaver"], "en"),
        ("hr", users["hr"], "en"),
    ):
        user.email, user.locale = f"{name}@example.org", locale
        user.save(update_fields=["email", "locale"])
    done = Line.objects.get(case__person=people["L2"], subject="Handover")
    line_attest(line=done, actor=Actor.for_user(users["manager"]), today=TODAY, note="Handed over")
    return users
