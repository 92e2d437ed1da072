"""Issue 18's pulls: SFTP from a real OpenSSH sshd on loopback with the host key pinned (a changed key is
refused), and an HTTPS report URL (served on loopback over plain HTTP, which only loopback may use) with a
header secret, a JSON report and an unreachable server."""

from __future__ import annotations

import getpass
import http.server
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from ordna.conftest import free_port, require_server
from ordna.core.actor import Actor
from ordna.core.errors import ServiceError
from ordna.feeds.models import Feed
from ordna.feeds.services import feed_run, feed_save
from ordna.feeds.tests.conftest import HR_FILE, LEAVERS, STAYERS, m365, person_row

pytestmark = pytest.mark.django_db


def keygen(keygen_path: str, path: Path) -> str:
    subprocess.run([keygen_path, "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path.with_suffix(".pub").read_text().strip() if path.suffix else Path(f"{path}.pub").read_text().strip()


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """OpenSSH's sshd on a free loopback port, serving SFTP of tmp_path/remote to this user with a key."""
    server, keygen_path = require_server("sshd"), require_server("ssh-keygen")
    folder = tmp_path / "sshd"
    folder.mkdir()
    host_public = keygen(keygen_path, folder / "host")
    client_public = keygen(keygen_path, folder / "client")
    (folder / "authorized_keys").write_text(client_public + "\n")
    os.chmod(folder / "authorized_keys", 0o600)
    remote = tmp_path / "remote"
    remote.mkdir()
    port = free_port()
    config = folder / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {folder / 'host'}\nPidFile {folder / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {folder / 'authorized_keys'}\nPasswordAuthentication no\nPubkeyAuthentication yes\n"
        "KbdInteractiveAuthentication no\nStrictModes no\nUsePAM no\nPermitRootLogin prohibit-password\n"
        "Subsystem sftp internal-sftp\n"
    )
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(exist_ok=True)  # its privilege separation directory, which Debian makes at boot
    process = subprocess.Popen([server, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            if process.poll() is not None:
                pytest.fail(f"sshd did not start: {process.stderr.read().decode() if process.stderr else ''}")
            try:
                import socket

                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield {
            "port": port,
            "host_key": " ".join(host_public.split()[:2]),
            "client_key": (folder / "client").read_text(),
            "remote": remote,
            "other_key": " ".join(keygen(keygen_path, folder / "other").split()[:2]),
        }
    finally:
        process.terminate()
        process.wait(timeout=10)


def sftp_feed(sshd: dict[str, Any], *, host_key: str, name: str = "hr-sftp") -> Feed:
    return feed_save(
        name=name,
        kind="sftp",
        target="hr",
        options={
            "host": "127.0.0.1",
            "port": sshd["port"],
            "username": getpass.getuser(),
            "path": str(sshd["remote"] / "hr.csv"),
            "host_key": host_key,
        },
        secret=sshd["client_key"],
        actor=Actor.system("test"),
        now=timezone.now(),
    )


def test_the_sftp_feed_pulls_the_hr_file_from_a_real_sshd(sshd, data_dir) -> None:
    (sshd["remote"] / "hr.csv").write_text(HR_FILE)
    feed = sftp_feed(sshd, host_key=sshd["host_key"])
    result = feed_run(feed=feed, actor=Actor.system("test"), today=timezone.localdate())
    assert result.outcome == "applied", result.runs[-1].error
    assert result.runs[-1].rows == len(LEAVERS) + len(STAYERS)
    assert (data_dir / "feeds" / "hr-sftp" / "processed" / "hr.csv.report.txt").exists()
    assert Feed.objects.get(name="hr-sftp").secret != sshd["client_key"]  # encrypted at rest


def test_the_sftp_feed_refuses_a_changed_host_key_and_reads_nothing(sshd, data_dir) -> None:
    (sshd["remote"] / "hr.csv").write_text(HR_FILE)
    feed = sftp_feed(sshd, host_key=sshd["other_key"])
    result = feed_run(feed=feed, actor=Actor.system("test"), today=timezone.localdate())
    assert result.outcome == "failed"
    feed.refresh_from_db()
    assert (feed.problem, feed.last_failure) == ("failed", "host_key")
    assert f"127.0.0.1:{sshd['port']} offered ssh-ed25519 SHA256:" in feed.last_error
    from ordna.people.models import Person

    assert Person.objects.count() == 0


def test_a_missing_remote_file_is_a_failed_run_saying_so(sshd, data_dir) -> None:
    feed = sftp_feed(sshd, host_key=sshd["host_key"])
    result = feed_run(feed=feed, actor=Actor.system("test"), today=timezone.localdate())
    assert (result.outcome, result.runs[-1].failure) == ("failed", "not_found")


class _Report(http.server.BaseHTTPRequestHandler):
    body: bytes = b""
    content_type = "text/csv"
    token = "Bearer report-token"

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != self.token:
            self.send_response(401)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", self.content_type)
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def report_server() -> Iterator[tuple[str, type[_Report]]]:
    handler = type("Handler", (_Report,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def https_feed(url: str, secret: str) -> Feed:
    return feed_save(
        name="m365-report", kind="https", target="accounts", application="m365", preset="m365",
        options={"url": url}, secret=secret, actor=Actor.system("test"), now=timezone.now(),
    )  # fmt: skip


def test_the_https_feed_pulls_a_json_report_with_a_header_secret(report_server, m365_app, data_dir, load_people):
    base, handler = report_server
    load_people([person_row(eid) for eid in (*LEAVERS, *STAYERS)])
    header, *rows = [line.split(",") for line in m365().splitlines()]
    handler.body = json.dumps({"value": [dict(zip(header, row, strict=True)) for row in rows]}).encode()
    handler.content_type = "application/json"
    feed = https_feed(f"{base}/reports/users.json", "Bearer report-token")
    result = feed_run(feed=feed, actor=Actor.system("test"), today=timezone.localdate())
    assert result.outcome == "applied", result.runs[-1].error
    assert m365_app.accounts.count() == 15


def test_the_https_feed_says_when_its_secret_is_refused_or_the_server_is_down(report_server, m365_app, data_dir):
    base, _handler = report_server
    feed = https_feed(f"{base}/users.csv", "Bearer wrong")
    result = feed_run(feed=feed, actor=Actor.system("test"), today=timezone.localdate())
    assert (result.outcome, result.runs[-1].failure) == ("failed", "unauthorised")
    feed = https_feed(f"http://127.0.0.1:{free_port()}/users.csv", "Bearer report-token")
    result = feed_run(feed=feed, actor=Actor.system("test"), today=timezone.localdate())
    assert (result.outcome, result.runs[-1].failure) == ("failed", "refused")


def test_a_report_url_must_be_https_and_not_a_metadata_address(m365_app, data_dir) -> None:
    with pytest.raises(ServiceError) as refused:
        https_feed("http://reports.example.org/users.csv", "x")
    assert refused.value.field == "url"
    with pytest.raises(ServiceError) as refused:
        https_feed("https://169.254.169.254/latest/meta-data", "x")
    assert "metadata" in str(refused.value)
