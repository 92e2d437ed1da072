"""A real `ordna serve` for the tests that need one (the browser journeys, the API fuzzer, failing politely under a
held write lock): on a free loopback port, over its own data folder and SQLite file whatever database the rest of
the suite uses, until the block ends."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ordna.conftest import free_port


def ordna_executable() -> str:
    """The `ordna` command of the Python running the tests."""
    return str(Path(sys.executable).with_name("ordna"))


def site_env(data: Path, **settings: str) -> dict[str, str]:
    """The environment of `ordna` commands for a site in `data`: SQLite there, and any ORDNA_* `settings`."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["ORDNA_DATA_DIR"] = str(data)
    env.update(settings)
    return env


def ordna_run(env: dict[str, str], *args: str) -> str:
    """Run `ordna args` in `env`; its output (a failure ends the test with the command's own words)."""
    done = subprocess.run([ordna_executable(), *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        pytest.fail(f"ordna {' '.join(args)} ended with {done.returncode}: {done.stderr[-2000:]}")
    return done.stdout


_migrated: Path | None = None


def migrated_site(data: Path, **settings: str) -> dict[str, str]:
    """`site_env(data, **settings)` for a site whose database is migrated: a copy of a site migrated once per test
    run (its SQLite file and keys), as a migrate of all Ordna's apps costs about 25 s a time."""
    global _migrated
    if _migrated is None:
        template = Path(tempfile.mkdtemp(prefix="ordna-migrated-site-"))
        atexit.register(shutil.rmtree, template, True)
        ordna_run(site_env(template), "migrate", "--verbosity", "0")
        _migrated = template
    shutil.copytree(_migrated, data, dirs_exist_ok=True)
    return site_env(data, **settings)


@contextmanager
def serving(data: Path, env: dict[str, str], *extra: str) -> Iterator[str]:
    """`ordna serve` (with `extra` options) for the site in `data`; yields its address once /healthz answers."""
    port = free_port()
    log_path = data / "serve.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [ordna_executable(), "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"ordna serve did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:  # noqa: S310 - loopback
            return bool(answer.status == 200)
    except OSError:
        return False
