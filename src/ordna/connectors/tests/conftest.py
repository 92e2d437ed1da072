"""Real servers for the connector tests, each started once per session on loopback and stopped after:
OpenLDAP's slapd (an OpenLDAP-shaped suffix with ppolicy, and an Active Directory-shaped one with msuser.schema)
and scim2-server (a tenant per test). Each test gets its own branch or tenant, so tests do not see each other."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import ldap3
import pytest

from ordna.conftest import require_server, unavailable
from ordna.core.tests.servers import SERVERS, slapd_layout

SLAPD_CONF = """
include {schemas}/core.schema
include {schemas}/cosine.schema
include {schemas}/inetorgperson.schema
include {schemas}/nis.schema
include {dir}/msuser.schema
{modules}
pidfile {dir}/slapd.pid
sizelimit 1000
database mdb
suffix "dc=example,dc=org"
rootdn "cn=admin,dc=example,dc=org"
rootpw {password}
directory {dir}/org
overlay ppolicy
ppolicy_default "cn=default,dc=example,dc=org"
database mdb
suffix "dc=example,dc=se"
rootdn "cn=admin,dc=example,dc=se"
rootpw {password}
directory {dir}/se
"""
PASSWORD = "ldap-test-secret"
TOKEN = "scim-test-token"
_branch = itertools.count(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port}")


@dataclass
class Slapd:
    url: str
    dir: Path
    port: int
    executable: str
    pid: int = 0

    def admin(self, suffix: str) -> ldap3.Connection:
        return ldap3.Connection(self.url, user=f"cn=admin,{suffix}", password=PASSWORD, auto_bind=True)

    def start(self) -> None:
        subprocess.run([self.executable, "-f", str(self.dir / "slapd.conf"), "-h", self.url + "/"], check=True)
        wait_for_port(self.port)
        self.pid = int((self.dir / "slapd.pid").read_text().strip())

    def stop(self) -> None:
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(self.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
            self.pid = 0


@pytest.fixture(scope="session")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    executable = require_server("slapd")
    layout = slapd_layout(Path(executable))
    if layout is None:
        unavailable(
            f"OpenLDAP's schemas (msuser.schema) not found for {executable}: install it with {SERVERS['slapd'].install}"
        )
    directory = tmp_path_factory.mktemp("slapd")
    (directory / "org").mkdir()
    (directory / "se").mkdir()
    # Debian's msuser.schema gives sAMAccountName no equality rule; Active Directory matches it case-insensitively.
    schema = (layout.schemas / "msuser.schema").read_text(encoding="utf-8")
    schema = schema.replace(
        "NAME 'sAMAccountName'\n\tSYNTAX", "NAME 'sAMAccountName'\n\tEQUALITY caseIgnoreMatch\n\tSYNTAX"
    )
    (directory / "msuser.schema").write_text(schema, encoding="utf-8")
    # A packaged slapd loads its database and overlay as modules; a static build has them inside.
    modules = f"modulepath {layout.modules}\nmoduleload back_mdb\nmoduleload ppolicy" if layout.modules else ""
    (directory / "slapd.conf").write_text(
        SLAPD_CONF.format(dir=directory, password=PASSWORD, schemas=layout.schemas, modules=modules),
        encoding="utf-8",
    )
    port = free_port()
    server = Slapd(url=f"ldap://127.0.0.1:{port}", dir=directory, port=port, executable=executable)
    server.start()
    try:
        org = server.admin("dc=example,dc=org")
        org.add("dc=example,dc=org", ["dcObject", "organization"], {"o": "Example", "dc": "example"})
        org.add(
            "cn=default,dc=example,dc=org",
            ["pwdPolicy", "device"],
            {"pwdAttribute": "userPassword", "pwdLockout": "TRUE"},
        )
        se = server.admin("dc=example,dc=se")
        se.add("dc=example,dc=se", ["dcObject", "organization"], {"o": "Exempel", "dc": "example"})
        yield server
    finally:
        server.stop()


def ldap_branch(server: Slapd, suffix: str, people: list[dict[str, Any]], *, ad: bool = False) -> str:
    """A fresh `ou=tN` under `suffix` holding `people` (keys: uid, first, last, mail, employee, disabled,
    last_logon); returns its DN."""
    branch = f"ou=t{next(_branch)},{suffix}"
    conn = server.admin(suffix)
    conn.add(branch, ["organizationalUnit"], {"ou": branch.split(",")[0][3:]})
    for person in people:
        cn = f"{person['first']} {person['last']}"
        if ad:
            attributes: dict[str, Any] = {
                "cn": cn,
                "sAMAccountName": person["uid"],
                "userPrincipalName": f"{person['uid']}@example.se",
                "givenName": person["first"],
                "sn": person["last"],
                "displayName": cn,
                "userAccountControl": str(512 | (2 if person.get("disabled") else 0)),
                "instanceType": "4",
                "objectCategory": "CN=Person,CN=Schema,CN=Configuration,DC=example,DC=se",
                "nTSecurityDescriptor": b"\x01\x00",
            }
            if person.get("mail"):
                attributes["mail"] = person["mail"]
            if person.get("employee"):
                attributes["employeeID"] = person["employee"]
            if person.get("last_logon"):
                attributes["lastLogonTimestamp"] = str(person["last_logon"])
            # msuser.schema names sAMAccountName in no object class (AD has it through securityPrincipal).
            ok = conn.add(
                f"cn={cn},{branch}", ["top", "person", "organizationalPerson", "user", "extensibleObject"], attributes
            )
        else:
            attributes = {
                "cn": cn,
                "uid": person["uid"],
                "givenName": person["first"],
                "sn": person["last"],
                "displayName": cn,
                "userPassword": person.get("password", "pw-" + person["uid"]),
            }
            if person.get("mail"):
                attributes["mail"] = person["mail"]
            if person.get("employee"):
                attributes["employeeNumber"] = person["employee"]
            ok = conn.add(f"uid={person['uid']},{branch}", ["inetOrgPerson"], attributes)
            if person.get("disabled"):
                conn.modify(
                    f"uid={person['uid']},{branch}",
                    {"pwdAccountLockedTime": [(ldap3.MODIFY_REPLACE, ["000001010000Z"])]},
                )
        assert ok, conn.result
    conn.unbind()
    return branch


@dataclass
class ScimServer:
    base: str
    port: int
    process: subprocess.Popen[bytes]
    tenants: itertools.count[int]

    def tenant(self, users: list[dict[str, Any]]) -> str:
        """A fresh tenant holding `users` (userName, emails, externalId, active, employeeNumber); its base URL."""
        url = f"{self.base}/t{next(self.tenants)}/v2"
        with httpx2.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as client:
            for user in users:
                body = {
                    "schemas": [
                        "urn:ietf:params:scim:schemas:core:2.0:User",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                    ],
                    "userName": user["userName"],
                    "active": user.get("active", True),
                    "displayName": user.get("displayName", ""),
                    "name": {"givenName": user.get("first", ""), "familyName": user.get("last", "")},
                    "emails": [{"value": user["email"], "primary": True}] if user.get("email") else [],
                    "externalId": user.get("externalId", ""),
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                        "employeeNumber": user.get("employeeNumber", "")
                    },
                }
                response = client.post(f"{url}/Users", json=body)
                assert response.status_code == 201, response.text
        return url


@pytest.fixture(scope="session")
def scim_server() -> Iterator[ScimServer]:
    executable = Path(sys.executable).parent / "scim2-server"
    if not executable.exists():
        unavailable(
            "scim2-server not found: install the dev dependencies (`make test` does, or pip install -e '.[dev]')"
        )
    port = free_port()
    process = subprocess.Popen(
        [str(executable), "--hostname", "127.0.0.1", "--port", str(port), "--bearer-token", TOKEN, "--dynamic-tenants"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield ScimServer(base=f"http://127.0.0.1:{port}", port=port, process=process, tenants=itertools.count(1))
    finally:
        process.terminate()
        process.wait(timeout=10)
