"""Failing politely (issue 26, items 3 and 6): against a real `ordna serve`, a request that cannot get SQLite's
write lock within ORDNA_DB_LOCK_TIMEOUT_SECONDS answers 503 with Retry-After and a sentence while reads go on,
and a body larger than Ordna accepts is refused with 413 before it is sent.

The served site has its own SQLite file in a temporary folder, whatever database the rest of the suite uses.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from ordna.core.tests.served import migrated_site, ordna_run, serving, site_env

LOCK_SECONDS = 2
PASSWORD = "a long enough password 26"


@dataclass
class Site:
    url: str
    data: Path
    token: str
    cookies: CookieJar = field(default_factory=CookieJar)

    def opener(self) -> urllib.request.OpenerDirector:
        return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(
        self,
        method: str,
        path: str,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        cookies: bool = True,
    ) -> tuple[int, dict[str, str], str, float]:
        """Status, headers, body and seconds taken; an error status is an answer like any other here."""
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers or {})  # noqa: S310 - loopback
        opener = self.opener() if cookies else urllib.request.build_opener()
        started = time.monotonic()
        try:
            with opener.open(request, timeout=60) as answer:
                status, found, body = answer.status, dict(answer.headers), answer.read().decode()
        except urllib.error.HTTPError as error:
            status, found, body = error.code, dict(error.headers), error.read().decode()
        return status, found, body, time.monotonic() - started

    def api(self, method: str, path: str, payload: object = None) -> tuple[int, dict[str, str], str, float]:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        data = None if payload is None else json.dumps(payload).encode()
        return self.request(method, "/api/v1" + path, data=data, headers=headers, cookies=False)

    def csrf(self) -> str:
        return next(c.value for c in self.cookies if c.name == "csrftoken")

    def form(self, path: str, fields: dict[str, str]) -> tuple[int, dict[str, str], str, float]:
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": self.csrf()}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": self.url + path}
        return self.request("POST", path, data=body, headers=headers)


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[None]:
    """The served site runs on the real clock (overrides the suite-wide freeze)."""
    yield


@contextmanager
def busy_site(data: Path, **settings: str) -> Iterator[Site]:
    """`ordna serve` (no worker) over an empty database with an admin and their token."""
    env = migrated_site(data, **settings)
    (data / "password").write_text(PASSWORD, encoding="utf-8")
    ordna_run(env, "user", "add", "admin", "--role", "admin", "--password-file", str(data / "password"))
    token = ordna_run(env, "token", "create", "admin").strip().split()[-1]
    with serving(data, env, "--no-worker") as url:
        yield Site(url=url, data=data, token=token)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with busy_site(
        tmp_path_factory.mktemp("busy-site"), ORDNA_DB_LOCK_TIMEOUT_SECONDS=str(LOCK_SECONDS), ORDNA_UPLOAD_MAX_MB="20"
    ) as site:
        yield site


def sign_in(site: Site, *, language: str) -> None:
    status, _headers, page, _seconds = site.request("GET", "/login/")
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    body = urllib.parse.urlencode({"username": "admin", "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)})
    status, _headers, _page, _seconds = site.request(
        "POST", "/login/", data=body.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 200  # the dashboard, after the redirect
    assert site.form("/language/", {"language": language, "next": "/"})[0] == 200


def token_last_used(site: Site) -> str | None:
    with sqlite3.connect(site.data / "ordna.sqlite3") as db:
        return db.execute("SELECT last_used_at FROM core_apitoken").fetchone()[0]


@pytest.mark.own_site
def test_while_an_import_holds_the_write_lock_writes_answer_503_and_reads_200(site: Site) -> None:
    sign_in(site, language="sv")
    assert token_last_used(site) is None
    holder = sqlite3.connect(site.data / "ordna.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # what an import's write phase holds, here for longer than the timeout
    try:
        status, headers, body, seconds = site.api("POST", "/applications", {"slug": "crm"})
        assert (status, headers["Retry-After"], headers["Content-Type"]) == (503, "2", "application/json")
        # The API answers in the language the token's user chose (Swedish, above), as the web does.
        assert json.loads(body) == {
            "detail": "En annan ändring, till exempel en stor import, sparas just nu och din kunde inte vänta längre "
            "än 2 sekunder på den. Ingenting sparades. Försök igen om en minut."
        }
        assert LOCK_SECONDS <= seconds < LOCK_SECONDS + 5

        status, headers, page, _seconds = site.form("/users/new/", {"username": "lisa", "roles": "auditor"})
        assert (status, headers["Retry-After"], headers["Content-Language"]) == (503, "2", "sv")
        assert "<h1>Ordna är upptaget</h1>" in page and "Ingenting sparades." in page

        # Reads go on, and the token's use is not recorded rather than waited for.
        status, _headers, body, seconds = site.api("GET", "/me")
        assert (status, json.loads(body)["username"]) == (200, "admin") and seconds < LOCK_SECONDS
        status, _headers, page, seconds = site.request("GET", "/audit/")
        assert status == 200 and "user.created" in page and seconds < LOCK_SECONDS
        assert token_last_used(site) is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert site.api("POST", "/applications", {"slug": "crm"})[0] == 201
    assert token_last_used(site) is not None
    assert site.form("/users/new/", {"username": "lisa", "roles": "auditor"})[0] == 200


HOLD_SECONDS = 40  # the figure: longer than the default lock timeout (30 s) that writes wait


@pytest.mark.slow
@pytest.mark.own_site
def test_a_write_lock_held_for_40_s_gives_writes_503_and_reads_200(site: Site) -> None:
    """With the real busy timeout (ORDNA_DB_LOCK_TIMEOUT_SECONDS unset: 30 s), something holds SQLite's write
    lock for 40 s: a web and an API write sent meanwhile wait the 30 s and answer 503 with Retry-After (not
    500), reads answer 200 at once all along, and once the lock is free the same writes are saved."""
    env = site_env(site.data)
    env.pop("ORDNA_DB_LOCK_TIMEOUT_SECONDS", None)
    with serving(site.data, env, "--no-worker") as url:  # the same site, served with the default timeout
        site = Site(url=url, data=site.data, token=site.token)
        sign_in(site, language="en")
        holding = threading.Event()

        def hold() -> float:
            holder = sqlite3.connect(site.data / "ordna.sqlite3", isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
            started = time.monotonic()
            holding.set()
            time.sleep(HOLD_SECONDS)
            holder.execute("ROLLBACK")
            holder.close()
            return started

        with ThreadPoolExecutor(max_workers=3) as pool:
            held = pool.submit(hold)
            assert holding.wait(timeout=30)
            api_write = pool.submit(site.api, "POST", "/applications", {"slug": "hr"})
            web_write = pool.submit(site.form, "/users/new/", {"username": "nils", "roles": "auditor"})
            reads = []
            while not api_write.done() or not web_write.done():
                reads.append(site.api("GET", "/me")[::3])
                reads.append(site.request("GET", "/audit/")[::3])
                time.sleep(2)
            started = held.result()
            for status, headers, _body, seconds in (api_write.result(), web_write.result()):
                assert (status, headers["Retry-After"]) == (503, "30")
                assert 30 <= seconds < HOLD_SECONDS  # the timeout ended the wait, not the lock's release
        assert time.monotonic() - started >= HOLD_SECONDS
        assert len(reads) >= 2 * 10  # every two seconds for the 30 s the writes waited
        assert {status for status, _seconds in reads} == {200}
        assert max(seconds for _status, seconds in reads) < 5
        # Afterwards the same writes are saved.
        assert site.api("POST", "/applications", {"slug": "hr"})[0] == 201
        assert site.form("/users/new/", {"username": "nils", "roles": "auditor"})[0] == 200


@pytest.mark.own_site
def test_a_body_larger_than_the_limit_is_refused_before_it_is_sent(site: Site) -> None:
    limit = (20 + 1) * 1024 * 1024  # ORDNA_UPLOAD_MAX_MB and 1 MB for the form around the file
    for length in (limit + 1, 2 * 1024**3):
        connection = http.client.HTTPConnection("127.0.0.1", int(site.url.rsplit(":", 1)[1]), timeout=10)
        connection.putrequest("POST", "/api/v1/imports/accounts")
        connection.putheader("Authorization", f"Bearer {site.token}")
        connection.putheader("Content-Type", "multipart/form-data; boundary=x")
        connection.putheader("Content-Length", str(length))
        connection.endheaders()  # the headers only: the answer comes before any of the body
        answer = connection.getresponse()
        assert answer.status == 413
        assert f"exceeds max_body of {limit + 1}" in answer.read().decode()
        connection.close()


# The same limits under any WSGI server: the middleware answers from the Content-Length, before the body.


@pytest.mark.django_db
def test_the_api_answers_413_with_a_sentence_before_reading_the_body(client, settings) -> None:
    settings.REQUEST_BODY_MAX_BYTES = 6 * 1024 * 1024  # a 5 MB file and the form around it
    upload = client.post(
        "/api/v1/imports/accounts",
        data=b"--x--",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(6 * 1024 * 1024 + 1),
    )
    assert (upload.status_code, upload.json()) == (
        413,
        {"detail": "The upload is larger than Ordna accepts: files of up to 5 MB. Nothing was saved."},
    )
    body = client.post(
        "/api/v1/applications", data=b"{}", content_type="application/json", CONTENT_LENGTH=str(10 * 1024 * 1024 + 1)
    )
    assert (body.status_code, body.json()) == (
        413,
        {"detail": "The request is larger than Ordna accepts (10 MB). Nothing was saved."},
    )
    # At the limit the request goes on (to the token check).
    assert client.post("/api/v1/applications", data=b"{}", content_type="application/json").status_code == 401


@pytest.mark.django_db
def test_the_web_answers_413_with_a_page_in_the_readers_language(client) -> None:
    page = client.post(
        "/accounts/import/",
        data=b"--x--",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(10**10),
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert (page.status_code, page["Content-Language"]) == (413, "nl")
    assert "<h1>Te groot</h1>" in page.content.decode()
    assert "bestanden van hoogstens 200 MB. Er is niets opgeslagen." in page.content.decode()


def test_the_limits_follow_the_upload_setting() -> None:
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.REQUEST_BODY_MAX_BYTES, s.DATA_UPLOAD_MAX_MEMORY_SIZE, s.FILE_UPLOAD_MAX_MEMORY_SIZE)"
    )
    found = {}
    for upload_mb in ("1", "50"):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ordna.settings", "ORDNA_UPLOAD_MAX_MB": upload_mb}
        result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        found[upload_mb] = [int(n) // 1024 for n in result.stdout.split()]
    # 1 MB: attachments and evidence (10 MB) stay the largest file; memory never above the upload limit.
    assert found == {"1": [11 * 1024, 1024, 1024], "50": [51 * 1024, 10 * 1024, 10 * 1024]}


def test_a_lock_timeout_outside_a_view_is_the_busy_answer_too(rf) -> None:
    """Saving the session after the view answered also writes; Django's 500 handler then gives the 503."""
    from django.db import OperationalError

    from ordna.core.views import server_error

    request = rf.post("/users/new/")
    try:
        raise OperationalError("database is locked")
    except OperationalError:
        busy = server_error(request)
    try:
        raise OperationalError("no such table: core_user")
    except OperationalError:
        broken = server_error(request)
    assert (busy.status_code, busy["Retry-After"]) == (503, "30")
    assert broken.status_code == 500 and "Something went wrong" in broken.content.decode()
