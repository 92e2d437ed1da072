"""Where the real servers and tools of the test suite live, and what to install when one is missing.

One table for the fixtures (`require_server` in ordna/conftest.py) and the scripts (`scripts/ensure-packages.sh`,
`scripts/with-postgres.sh` ask `python -m ordna.core.tests.servers`): each is looked up on PATH first, under
every name it goes by, then where Debian, Homebrew (Apple silicon and Intel) and the vendors' installers put it.
`ORDNA_SERVER_ROOT` moves those fixed places under another folder (the tests of this module give a fake tree).

No Django here: the scripts run it before anything is set up.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

HOMEBREW_PREFIXES = ("opt/homebrew", "usr/local")  # Apple silicon, Intel


@dataclass(frozen=True)
class Server:
    """One server or tool: the names it has on PATH, the fixed places it may be (globs under the root, the
    highest version first), and how to install it."""

    name: str
    executables: tuple[str, ...]
    places: tuple[str, ...]
    debian: str
    homebrew: str

    @property
    def install(self) -> str:
        hint = f"`sudo apt-get install {self.debian}`"
        return f"{hint} (Homebrew: `{self.homebrew}`)" if self.homebrew else hint


def _brew(*paths: str) -> tuple[str, ...]:
    return tuple(f"{prefix}/{path}" for path in paths for prefix in HOMEBREW_PREFIXES)


SERVERS: dict[str, Server] = {
    "chromium": Server(
        "Chromium",
        ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"),
        (
            "usr/bin/chromium",
            "usr/lib/chromium/chromium",
            "snap/bin/chromium",
            "Applications/Chromium.app/Contents/MacOS/Chromium",
            "Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
        ),
        "chromium",
        "brew install --cask chromium",
    ),
    "slapd": Server(
        "OpenLDAP slapd",
        ("slapd",),
        ("usr/sbin/slapd", "usr/libexec/slapd", *_brew("opt/openldap/libexec/slapd", "sbin/slapd")),
        "slapd ldap-utils",
        "brew install openldap",
    ),
    "redis-server": Server(
        "Redis",
        ("redis-server",),
        ("usr/bin/redis-server", *_brew("bin/redis-server", "opt/redis/bin/redis-server")),
        "redis-server",
        "brew install redis",
    ),
    "redis-cli": Server(
        "Redis",
        ("redis-cli",),
        ("usr/bin/redis-cli", *_brew("bin/redis-cli", "opt/redis/bin/redis-cli")),
        "redis-server",
        "brew install redis",
    ),
    # PostgreSQL's server programs are off PATH on Debian and keg-only in Homebrew: pg_ctl names the folder.
    "pg_ctl": Server(
        "PostgreSQL",
        ("pg_ctl",),
        (
            "usr/lib/postgresql/*/bin/pg_ctl",
            *_brew("opt/postgresql@*/bin/pg_ctl", "opt/postgresql/bin/pg_ctl"),
            "Applications/Postgres.app/Contents/Versions/*/bin/pg_ctl",
            "usr/pgsql-*/bin/pg_ctl",
            "usr/local/pgsql/bin/pg_ctl",
        ),
        "postgresql",
        "brew install postgresql@15",
    ),
    # SFTP feeds (ordna.feeds): a real OpenSSH server on loopback, and ssh-keygen for its host and client keys.
    "sshd": Server(
        "OpenSSH server",
        ("sshd",),
        ("usr/sbin/sshd", *_brew("opt/openssh/sbin/sshd", "sbin/sshd")),
        "openssh-server",
        "brew install openssh",
    ),
    "ssh-keygen": Server(
        "OpenSSH's ssh-keygen",
        ("ssh-keygen",),
        ("usr/bin/ssh-keygen", *_brew("opt/openssh/bin/ssh-keygen", "bin/ssh-keygen")),
        "openssh-client",
        "brew install openssh",
    ),
    "npm": Server("npm", ("npm",), ("usr/bin/npm", *_brew("bin/npm")), "npm", "brew install node"),
    "xgettext": Server(
        "gettext",
        ("xgettext",),
        ("usr/bin/xgettext", *_brew("opt/gettext/bin/xgettext")),
        "gettext",
        "brew install gettext",
    ),
    "pdftotext": Server(
        "pdftotext (poppler-utils)",
        ("pdftotext",),
        ("usr/bin/pdftotext", *_brew("bin/pdftotext")),
        "poppler-utils",
        "brew install poppler",
    ),
    "pdftoppm": Server(
        "pdftoppm (poppler-utils)",
        ("pdftoppm",),
        ("usr/bin/pdftoppm", *_brew("bin/pdftoppm")),
        "poppler-utils",
        "brew install poppler",
    ),
    "ldapsearch": Server(
        "OpenLDAP's tools",
        ("ldapsearch",),
        ("usr/bin/ldapsearch", *_brew("opt/openldap/bin/ldapsearch")),
        "ldap-utils",
        "brew install openldap",
    ),
}


def _version_key(path: Path) -> tuple[int, ...]:
    """postgresql@15 and 15/bin sort as 15, so the newest version comes first."""
    digits = "".join(c if c.isdigit() else " " for c in str(path)).split()
    return tuple(int(d) for d in digits)


def find(
    key: str, *, path: str | None = None, root: Path | None = None, environ: Mapping[str, str] | None = None
) -> Path | None:
    """The executable of `SERVERS[key]`: on PATH (any of its names), else at one of its fixed places."""
    environ = os.environ if environ is None else environ
    server = SERVERS[key]
    search = environ.get("PATH", os.defpath) if path is None else path
    for name in server.executables:
        found = shutil.which(name, path=search)
        if found:
            return Path(found)
    base = root if root is not None else Path(environ.get("ORDNA_SERVER_ROOT") or "/")
    for place in server.places:
        matches = sorted(base.glob(place), key=_version_key, reverse=True)
        for match in matches:
            if match.is_file() and os.access(match, os.X_OK):
                return match
    return None


@dataclass(frozen=True)
class SlapdLayout:
    """Where an OpenLDAP install keeps its schemas, and its loadable modules (None: built into slapd)."""

    schemas: Path
    modules: Path | None


def slapd_layout(slapd: Path, *, root: Path | None = None) -> SlapdLayout | None:
    """The schema folder holding msuser.schema (Active Directory's attributes) and the module folder of the
    OpenLDAP that `slapd` belongs to: Debian's /etc/ldap and /usr/lib/ldap, Red Hat's /etc/openldap, or the
    Homebrew keg's etc and libexec; None without the schemas."""
    base = root if root is not None else Path(os.environ.get("ORDNA_SERVER_ROOT") or "/")
    prefix = slapd.parent.parent  # .../sbin/slapd or .../libexec/slapd
    schema_places = [
        base / "etc/ldap/schema",
        base / "etc/openldap/schema",
        prefix / "etc/openldap/schema",
        *(base / p / "etc/openldap/schema" for p in HOMEBREW_PREFIXES),
    ]
    schemas = next((p for p in schema_places if (p / "msuser.schema").is_file()), None)
    if schemas is None:
        return None
    module_places = [
        base / "usr/lib/ldap",
        base / "usr/lib64/openldap",
        base / "usr/lib/openldap",
        prefix / "libexec/openldap",
        prefix / "lib/openldap",
    ]
    modules = next((p for p in module_places if any(p.glob("back_mdb.*"))), None)
    return SlapdLayout(schemas, modules)


def missing_line(key: str) -> str:
    """The one line a skipped test gives when the server is missing."""
    server = SERVERS[key]
    return f"{server.name} not found: install it with {server.install}"


def main(argv: list[str]) -> int:
    """For the scripts: `find KEY` prints the executable (or, missing, the install line on stderr and exit 1);
    `debian-packages KEY...` prints the Debian packages of the missing ones; `missing KEY...` their lines."""
    command, keys = (argv[0], argv[1:]) if argv else ("", [])
    if not keys or any(key not in SERVERS for key in keys) or command not in ("find", "debian-packages", "missing"):
        print(f"usage: find KEY | debian-packages KEY... | missing KEY...; keys: {', '.join(SERVERS)}", file=sys.stderr)
        return 2
    absent = [key for key in keys if find(key) is None]
    if command == "find":
        if absent:
            print(missing_line(keys[0]), file=sys.stderr)
            return 1
        print(find(keys[0]))
    elif command == "debian-packages":
        print(" ".join(dict.fromkeys(package for key in absent for package in SERVERS[key].debian.split())))
    else:
        for line in dict.fromkeys(missing_line(key) for key in absent):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
