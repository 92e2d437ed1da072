"""`make bench` part `busy`: how long a small API write waits while a large account import runs.

Into a fresh SQLite database: the HR import of the bench's people (made once and kept beside the data as
busy-people-site/, then copied and migrated), then `ordna serve --no-worker`, then one
account import of every bench account file joined into one file (1,000,000 rows at the default size) for one
application, as `ordna import accounts` runs it, then the same file with 1 % of its rows changed (the daily
case). While each runs, a client changes another application's
description through the API every quarter of a second and times each answer. The import reads and plans
outside the write lock and writes in one transaction (all or nothing); the write waits only for that.

Usage: busy.py DATA_DIR (the folder bench/run.py generated). Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

PAUSE_SECONDS = 0.25
IMPORT_OPTIONS = ("--preset", "generic", "--allow-mass-change")
PASSWORD = "a long enough bench password"  # noqa: S105 - a throw-away database's user


def joined(files: list[Path], target: Path) -> int:
    """The bench's exports (accounts-NN.csv or changed-NN.csv) as one file, each account id prefixed with NN;
    returns its rows."""
    rows = 0
    with target.open("w", encoding="utf-8", newline="") as out:
        for number, path in enumerate(files):
            with path.open(encoding="utf-8", newline="") as inp:
                header = inp.readline()
                if number == 0:
                    out.write(header)
                for line in inp:
                    out.write(f"{number:02}-{line}")  # account ids are unique per application only
                    rows += 1
    return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call(url: str, token: str, method: str, path: str, payload: dict[str, Any]) -> tuple[int, float]:
    request = urllib.request.Request(  # noqa: S310 - loopback
        url + "/api/v1" + path,
        data=json.dumps(payload).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310 - loopback
            status = answer.status
            answer.read()
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(data: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="ordna-bench-busy-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["ORDNA_DATA_DIR"] = str(work)
    ordna = str(Path(sys.executable).with_name("ordna"))

    def run(*args: str) -> str:
        return subprocess.run([ordna, *args], env=env, capture_output=True, text=True, check=True).stdout  # noqa: S603

    # The site with the bench's people imported is kept beside the data (the HR import of 100,000 people
    # takes minutes and is not what is measured): a copy of it is migrated to the code's schema and used.
    people_site = data / "busy-people-site"
    if not (people_site / "ordna.sqlite3").exists():
        run("migrate", "--verbosity", "0")
        run("import", "people", str(data / "people.csv"), "--allow-mass-change")
        shutil.copytree(work, people_site, ignore=shutil.ignore_patterns("*.sqlite3-*", "jobs.sqlite3*", "static"))
    else:
        for name in ("ordna.sqlite3", "audit_key", "secret_key"):
            shutil.copy2(people_site / name, work / name)
    run("migrate", "--verbosity", "0")
    (work / "password").write_text(PASSWORD, encoding="utf-8")
    run("user", "add", "bench", "--role", "admin", "--password-file", str(work / "password"))
    token = run("token", "create", "bench").strip().split()[-1]
    big, changed = data / "accounts-all.csv", data / "changed-all.csv"  # joined once, kept with the data
    if not big.exists() or not changed.exists():
        joined(sorted(data.glob("accounts-??.csv")), big)
        joined(sorted(data.glob("changed-??.csv")), changed)
    with big.open(encoding="utf-8") as lines:
        rows = sum(1 for _line in lines) - 1

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (work / "serve.log").open("w")
    server = subprocess.Popen(  # noqa: S603
        [ordna, "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 - loopback
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("ordna serve did not start") from None
                time.sleep(0.3)
        status, _seconds = call(url, token, "POST", "/applications", {"slug": "probe", "name": "Probe"})
        assert status == 201, status  # noqa: S101
        idle = [call(url, token, "PATCH", "/applications/probe", {"description": f"idle {i}"})[1] for i in range(20)]

        phases = {
            name: while_importing(
                url,
                token,
                [ordna, "import", "accounts", "--create-application", "all", str(path), *IMPORT_OPTIONS],
                env,
            )
            for name, path in (("first", big), ("changed_1pct", changed))
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    print(json.dumps({"rows": rows, "idle_p95": percentile(idle, 0.95), **phases}))
    shutil.rmtree(work, ignore_errors=True)  # the database


def while_importing(url: str, token: str, command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run the import `command`; meanwhile send a small write every PAUSE_SECONDS and time each answer."""
    started = time.perf_counter()
    importing = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
    waits: list[float] = []
    statuses: dict[int, int] = {}
    while importing.poll() is None:
        status, seconds = call(url, token, "PATCH", "/applications/probe", {"description": f"busy {len(waits)}"})
        waits.append(seconds)
        statuses[status] = statuses.get(status, 0) + 1
        time.sleep(PAUSE_SECONDS)
    out, err = importing.communicate()
    if importing.returncode != 0:
        raise SystemExit(f"the import failed: {err[-2000:]}")
    return {
        "import_seconds": time.perf_counter() - started,
        "import_said": out.strip().splitlines()[0] if out.strip() else "",
        "writes": len(waits),
        "statuses": statuses,
        "p50": statistics.median(waits) if waits else 0.0,
        "p95": percentile(waits, 0.95) if waits else 0.0,
        "max": max(waits, default=0.0),
    }


if __name__ == "__main__":
    main(Path(sys.argv[1]))
