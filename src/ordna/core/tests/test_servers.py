"""The suite's real servers are found outside Debian's paths too, and a missing one makes its tests skip with
one line saying how to install it (`sudo apt-get`, and Homebrew's formula): told with fake PATHs and fake
install trees, no network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ordna.conftest import require_server
from ordna.core.tests.browser.conftest import AXE_VERSION, AxeUnavailable, axe_fetch
from ordna.core.tests.servers import find, missing_line, slapd_layout

REPOSITORY = Path(__file__).resolve().parents[4]
PYTHON = str(Path(sys.executable))


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture
def nowhere(tmp_path: Path) -> Path:
    """An empty PATH folder and an empty install root: nothing is installed."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "root").mkdir()
    return tmp_path


@pytest.mark.parametrize("name", ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"])
def test_chromium_is_found_on_path_under_any_of_its_names(nowhere: Path, name: str) -> None:
    made = executable(nowhere / "bin" / name)
    assert find("chromium", path=str(nowhere / "bin"), root=nowhere / "root") == made


@pytest.mark.parametrize(
    ("key", "place"),
    [
        ("chromium", "usr/bin/chromium"),
        ("chromium", "Applications/Chromium.app/Contents/MacOS/Chromium"),
        ("slapd", "usr/sbin/slapd"),
        ("slapd", "opt/homebrew/opt/openldap/libexec/slapd"),
        ("slapd", "usr/local/opt/openldap/libexec/slapd"),
        ("redis-server", "opt/homebrew/bin/redis-server"),
        ("redis-server", "usr/local/bin/redis-server"),
        ("pg_ctl", "usr/lib/postgresql/15/bin/pg_ctl"),
        ("pg_ctl", "usr/local/opt/postgresql@15/bin/pg_ctl"),
        ("pg_ctl", "opt/homebrew/opt/postgresql@16/bin/pg_ctl"),
        ("pg_ctl", "Applications/Postgres.app/Contents/Versions/16/bin/pg_ctl"),
    ],
)
def test_servers_are_found_where_debian_and_homebrew_put_them(nowhere: Path, key: str, place: str) -> None:
    made = executable(nowhere / "root" / place)
    assert find(key, path=str(nowhere / "bin"), root=nowhere / "root") == made


def test_path_comes_first_and_the_newest_postgresql_wins(nowhere: Path) -> None:
    for version in ("13", "15", "9"):
        executable(nowhere / "root" / f"usr/lib/postgresql/{version}/bin/pg_ctl")
    assert find("pg_ctl", path=str(nowhere / "bin"), root=nowhere / "root") == (
        nowhere / "root/usr/lib/postgresql/15/bin/pg_ctl"
    )
    on_path = executable(nowhere / "bin" / "pg_ctl")
    assert find("pg_ctl", path=str(nowhere / "bin"), root=nowhere / "root") == on_path


def test_a_file_that_is_not_executable_is_not_a_server(nowhere: Path) -> None:
    (nowhere / "root/usr/sbin").mkdir(parents=True)
    (nowhere / "root/usr/sbin/slapd").write_text("", encoding="utf-8")
    assert find("slapd", path=str(nowhere / "bin"), root=nowhere / "root") is None


@pytest.mark.parametrize(
    ("key", "line"),
    [
        (
            "chromium",
            "Chromium not found: install it with `sudo apt-get install chromium` "
            "(Homebrew: `brew install --cask chromium`)",
        ),
        (
            "slapd",
            "OpenLDAP slapd not found: install it with `sudo apt-get install slapd ldap-utils` "
            "(Homebrew: `brew install openldap`)",
        ),
        (
            "pg_ctl",
            "PostgreSQL not found: install it with `sudo apt-get install postgresql` "
            "(Homebrew: `brew install postgresql@15`)",
        ),
        (
            "redis-server",
            "Redis not found: install it with `sudo apt-get install redis-server` (Homebrew: `brew install redis`)",
        ),
        ("npm", "npm not found: install it with `sudo apt-get install npm` (Homebrew: `brew install node`)"),
    ],
)
def test_a_missing_server_skips_with_one_line(
    nowhere: Path, monkeypatch: pytest.MonkeyPatch, key: str, line: str
) -> None:
    assert missing_line(key) == line
    monkeypatch.setenv("PATH", str(nowhere / "bin"))
    monkeypatch.setenv("ORDNA_SERVER_ROOT", str(nowhere / "root"))
    monkeypatch.delenv("ORDNA_REQUIRE_SERVERS", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_server(key)
    assert str(skipped.value) == line


def test_the_older_call_names_the_executable_and_gets_the_same_line(
    nowhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(nowhere / "bin"))
    monkeypatch.setenv("ORDNA_SERVER_ROOT", str(nowhere / "root"))
    monkeypatch.delenv("ORDNA_REQUIRE_SERVERS", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_server("Redis", "redis-server", "apt-get install redis-server")
    assert str(skipped.value) == missing_line("redis-server")
    made = executable(nowhere / "root/opt/homebrew/bin/redis-server")
    assert require_server("Redis", "redis-server", "apt-get install redis-server") == str(made)


def test_a_missing_server_fails_in_ci(nowhere: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(nowhere / "bin"))
    monkeypatch.setenv("ORDNA_SERVER_ROOT", str(nowhere / "root"))
    monkeypatch.setenv("ORDNA_REQUIRE_SERVERS", "1")
    with pytest.raises(pytest.fail.Exception) as failed:
        require_server("redis-server")
    assert str(failed.value) == missing_line("redis-server")


def test_openldaps_schemas_and_modules_are_found_for_debian_and_homebrew(tmp_path: Path) -> None:
    debian = tmp_path / "debian"
    slapd = executable(debian / "usr/sbin/slapd")
    (debian / "etc/ldap/schema").mkdir(parents=True)
    (debian / "etc/ldap/schema/msuser.schema").write_text("", encoding="utf-8")
    (debian / "usr/lib/ldap").mkdir(parents=True)
    (debian / "usr/lib/ldap/back_mdb.so").write_text("", encoding="utf-8")
    layout = slapd_layout(slapd, root=debian)
    assert layout is not None
    assert (layout.schemas, layout.modules) == (debian / "etc/ldap/schema", debian / "usr/lib/ldap")

    brew = tmp_path / "brew"
    slapd = executable(brew / "opt/homebrew/opt/openldap/libexec/slapd")
    (brew / "opt/homebrew/etc/openldap/schema").mkdir(parents=True)
    (brew / "opt/homebrew/etc/openldap/schema/msuser.schema").write_text("", encoding="utf-8")
    layout = slapd_layout(slapd, root=brew)
    assert layout is not None
    assert (layout.schemas, layout.modules) == (brew / "opt/homebrew/etc/openldap/schema", None)  # built in

    assert slapd_layout(slapd, root=tmp_path / "nothing") is None


def script(name: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(PYTHON=PYTHON, **env)
    return subprocess.run(
        ["bash", str(REPOSITORY / "scripts" / name), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_with_postgres_uses_the_database_url_already_set_and_says_so() -> None:
    result = script(
        "with-postgres.sh",
        "sh",
        "-c",
        'echo "tests run on $DATABASE_URL"',
        DATABASE_URL="postgres://ordna:s3cret@db.example.org:5432/ordna",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Using the PostgreSQL database DATABASE_URL names (postgres://ordna:***@db.example.org:5432/ordna); "
        "no private server is started",
        "tests run on postgres://ordna:s3cret@db.example.org:5432/ordna",
    ]


def test_with_postgres_refuses_a_database_url_that_is_not_postgresql() -> None:
    result = script("with-postgres.sh", "true", DATABASE_URL="sqlite:///tmp/ordna.sqlite3")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "DATABASE_URL is set but names no PostgreSQL database; unset it and this script starts its own\n"
    )


def test_with_postgres_without_postgresql_says_what_to_install(nowhere: Path) -> None:
    result = script(
        "with-postgres.sh",
        "true",
        PATH=f"{nowhere / 'bin'}:{Path('/usr/bin')}:{Path('/bin')}".replace("/usr/bin:", "/nonexistent:"),
        ORDNA_SERVER_ROOT=str(nowhere / "root"),
        ORDNA_NO_INSTALL="1",
    )
    assert result.returncode == 3
    assert result.stderr == (
        "PostgreSQL not found: install it with `sudo apt-get install postgresql` (Homebrew: `brew install "
        "postgresql@15`); or set DATABASE_URL to a PostgreSQL database to use\n"
    )


def test_ensure_packages_says_what_is_missing_and_how_to_install_it(nowhere: Path) -> None:
    result = script(
        "ensure-packages.sh",
        "slapd",
        "npm",
        PATH=str(nowhere / "bin") + ":/bin",
        ORDNA_SERVER_ROOT=str(nowhere / "root"),
        ORDNA_NO_INSTALL="1",
    )
    assert result.returncode == 0
    lines = result.stderr.splitlines()
    assert lines[0] == "Not installed (the tests that need them will skip):"
    assert "  OpenLDAP slapd not found: install it with `sudo apt-get install slapd ldap-utils` " in lines[1] + " "


def test_an_unreachable_npm_registry_is_one_line(tmp_path: Path) -> None:
    """As on a machine offline or behind a proxy: npm pointed at a port nothing listens on, its cache empty."""
    npm = require_server("npm")
    environ = {**os.environ, "npm_config_registry": "http://127.0.0.1:9", "npm_config_cache": str(tmp_path / "npm")}
    (tmp_path / "work").mkdir()
    with pytest.raises(AxeUnavailable) as refused:
        axe_fetch(tmp_path / "axe", npm=npm, work=tmp_path / "work", environ=environ)
    assert str(refused.value) == (
        f"axe-core {AXE_VERSION} could not be fetched from http://127.0.0.1:9 (ECONNREFUSED): the browser tests "
        f"need it once (then it is kept in {tmp_path / 'axe'})"
    )


def test_the_browser_suite_skips_with_one_line_without_the_npm_registry(tmp_path: Path) -> None:
    """The whole browser suite, offline from the npm registry with nothing cached: one skip line, exit 0, and
    the demo site is never loaded."""
    require_server("npm")
    environment = {k: v for k, v in os.environ.items() if k not in ("ORDNA_REQUIRE_SERVERS", "DATABASE_URL")}
    environment.update(
        ORDNA_DATA_DIR=str(tmp_path / "data"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        npm_config_registry="http://127.0.0.1:9",
        npm_config_cache=str(tmp_path / "npm"),
    )
    result = subprocess.run(
        [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", "src/ordna/core/tests/browser"],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    skipped = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
    if find("chromium") is None:
        expected = missing_line("chromium")
    else:
        expected = f"axe-core {AXE_VERSION} could not be fetched from http://127.0.0.1:9 (ECONNREFUSED)"
    assert len(skipped) == 1 and expected in skipped[0], result.stdout[-3000:]
    assert "passed" not in result.stdout.splitlines()[-1] and "error" not in result.stdout.splitlines()[-1]
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").glob("site*"))
