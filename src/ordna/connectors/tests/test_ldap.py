"""The LDAP connector against a real slapd: OpenLDAP-shaped (ppolicy, move, replace) and Active Directory-shaped
(userAccountControl bit 2, lastLogonTimestamp), through the `ordna` commands."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import ldap3
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ordna.accounts.models import Account
from ordna.applications.services import application_create
from ordna.conftest import TODAY, hr_row
from ordna.connectors.models import Action, Connector
from ordna.connectors.tests.conftest import PASSWORD, ldap_branch
from ordna.core.actor import Actor
from ordna.core.models import ImportRun
from ordna.lifecycle.models import Line

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_server("slapd")]

PEOPLE = [
    {"uid": "asa.oberg", "first": "Åsa", "last": "Öberg", "mail": "asa.oberg@example.org", "employee": "E1"},
    {"uid": "bo.lind", "first": "Bo", "last": "Lind", "mail": "bo.lind@example.org", "employee": "E2"},
    {"uid": "cilla.ek", "first": "Cilla", "last": "Ek", "mail": "cilla.ek@example.org"},
    {"uid": "svc-backup", "first": "Backup", "last": "Service"},
    {"uid": "old.timer", "first": "Old", "last": "Timer", "disabled": True},
]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def org(load_people, slapd):
    """Three people: E2 (Bo) left yesterday; an LDAP branch with their accounts, a service and a locked one."""
    load_people(
        [
            hr_row("E1", "Åsa", "Öberg", email="asa.oberg@example.org"),
            hr_row("E2", "Bo", "Lind", email="bo.lind@example.org", end_date=(TODAY - timedelta(days=1)).isoformat()),
            hr_row("E3", "Cilla", "Ek", email="cilla.ek@example.org"),
        ]
    )
    application_create(slug="dir", name="Directory", actor=Actor.system("test"))
    return ldap_branch(slapd, "dc=example,dc=org", PEOPLE)


def configure(slapd, branch: str, *extra: str) -> str:
    return run(
        "connector",
        "set",
        "dir",
        "ldap",
        "--option",
        f"url={slapd.url}",
        "--option",
        "bind_dn=cn=admin,dc=example,dc=org",
        "--option",
        f"password={PASSWORD}",
        "--option",
        f"base_dn={branch}",
        *extra,
    )


def test_sync_links_accounts_and_deprovision_locks_and_verifies_by_read_back(org, slapd) -> None:
    # Given a configured connector
    assert "ldap connector saved" in configure(slapd, org)
    assert "OK" in run("connector", "test", "dir")

    # When the accounts are synced
    out = run("sync", "dir")

    # Then every account is in, linked by the rules of 3.1, the locked one disabled
    assert "synced" in out and "new 5" in out
    accounts = {a.key: a for a in Account.objects.select_related("person")}
    assert {k: (a.person.employee_id if a.person else None, a.status) for k, a in accounts.items()} == {
        "asa.oberg": ("E1", "active"),
        "bo.lind": ("E2", "active"),
        "cilla.ek": ("E3", "active"),
        "svc-backup": (None, "active"),
        "old.timer": (None, "disabled"),
    }
    assert accounts["asa.oberg"].match_rule == "employee_id" and accounts["cilla.ek"].match_rule == "email"
    line = Line.objects.get(account=accounts["bo.lind"])
    assert line.state == "open"

    # A dry run says what it would do and changes nothing
    out = run("deprovision", "dir", "bo.lind", "--dry-run")
    assert "dry run" in out and "pwdAccountLockedTime" in out
    assert Action.objects.count() == 0
    ldap3.Connection(slapd.url, user=f"uid=bo.lind,{org}", password="pw-bo.lind", auto_bind=True).unbind()

    # When the leaver's account is deprovisioned
    out = run("deprovision", "dir", "bo.lind")

    # Then the directory itself refuses the leaver's bind (ppolicy lock), Ordna shows it disabled and the
    # case line is verified by read-back
    assert "done" in out and "verified by read-back" in out
    with pytest.raises(ldap3.core.exceptions.LDAPBindError):
        ldap3.Connection(slapd.url, user=f"uid=bo.lind,{org}", password="pw-bo.lind", auto_bind=True)
    admin = slapd.admin("dc=example,dc=org")
    admin.search(f"uid=bo.lind,{org}", "(objectClass=*)", attributes=["pwdAccountLockedTime"])
    assert admin.entries[0].pwdAccountLockedTime.value is not None
    line.refresh_from_db()
    assert (line.state, line.verified_by) == ("verified", "read-back")
    assert Account.objects.get(key="bo.lind").status == "disabled"
    assert Action.objects.get().state == "done"

    # And a second deprovision is idempotent: disabled already, nothing else changes
    out = run("deprovision", "dir", "bo.lind")
    assert "disabled already" in out
    assert Action.objects.count() == 2 and set(Action.objects.values_list("state", flat=True)) == {"done"}


def test_a_filter_value_is_escaped(org, slapd) -> None:
    configure(slapd, org)
    run("sync", "dir")
    from ordna.connectors.services import client_open

    client = client_open(Connector.objects.get())
    try:
        assert client.account("*") is None
        assert client.account("bo.lind)(uid=*") is None
        assert client.account("bo.lind").key == "bo.lind"  # type: ignore[union-attr]
    finally:
        client.close()


def test_a_wrong_password_is_answered_clearly(org, slapd) -> None:
    run(
        "connector",
        "set",
        "dir",
        "ldap",
        "--option",
        f"url={slapd.url}",
        "--option",
        "bind_dn=cn=admin,dc=example,dc=org",
        "--option",
        "password=wrong",
        "--option",
        f"base_dn={org}",
    )
    with pytest.raises(CommandError, match="refused the bind DN or password"):
        run("connector", "test", "dir")
    with pytest.raises(CommandError, match="nothing was imported"):
        run("sync", "dir")
    assert Account.objects.count() == 0
    assert ImportRun.objects.get(source="accounts").outcome == "rejected"


def test_the_server_stopped_mid_sync_applies_nothing_and_a_deprovision_says_so(org, slapd, monkeypatch) -> None:
    configure(slapd, org)
    run("sync", "dir")
    before = sorted(Account.objects.values_list("key", "status", "last_seen"))
    from ordna.connectors import ldap_client

    # When the server stops after the first page
    real = ldap_client.LdapClient._search
    monkeypatch.setattr(ldap_client, "PAGE_SIZE", 2)

    def stopping(self, base, search_filter):
        for number, found in enumerate(real(self, base, search_filter)):
            if number == 1:
                slapd.stop()
            yield found

    monkeypatch.setattr(ldap_client.LdapClient, "_search", stopping)
    try:
        with pytest.raises(CommandError, match="nothing was imported"):
            run("sync", "dir")
        # Then nothing was applied (no account gone, none changed)
        assert sorted(Account.objects.values_list("key", "status", "last_seen")) == before
        monkeypatch.setattr(ldap_client.LdapClient, "_search", real)
        # And a deprovision while it is down fails clearly and stays in the outbox to retry
        with pytest.raises(CommandError, match="cannot connect"):
            run("deprovision", "dir", "bo.lind")
        action = Action.objects.get()
        assert action.state == "queued" and action.attempts == 1 and "cannot connect" in action.last_error
    finally:
        slapd.start()


def test_move_and_replace_locks(load_people, slapd) -> None:
    branch = ldap_branch(slapd, "dc=example,dc=org", PEOPLE[:2])
    conn = slapd.admin("dc=example,dc=org")
    conn.add(f"ou=disabled,{branch}", ["organizationalUnit"], {"ou": "disabled"})
    application_create(slug="dir", name="Directory", actor=Actor.system("test"))
    configure(slapd, branch, "--option", f"lock=move:ou=disabled,{branch}")
    run("sync", "dir")
    run("deprovision", "dir", "asa.oberg")
    assert conn.search(f"ou=disabled,{branch}", "(uid=asa.oberg)")
    assert Account.objects.get(key="asa.oberg").status == "disabled"

    configure(slapd, branch, "--option", "lock=replace:employeeType=disabled")
    run("sync", "dir", "--allow-mass-change")
    run("deprovision", "dir", "bo.lind")
    conn.search(branch, "(uid=bo.lind)", attributes=["employeeType"])
    assert conn.entries[0].employeeType.value == "disabled"
    assert Account.objects.get(key="bo.lind").status == "disabled"


def test_active_directory_shape(load_people, slapd) -> None:
    load_people([hr_row("E7", "Dirk", "Jansen", email="dirk.jansen@example.se")])
    logon = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    ticks = int((logon - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds() * 10_000_000)
    branch = ldap_branch(
        slapd,
        "dc=example,dc=se",
        [
            {"uid": "djansen", "first": "Dirk", "last": "Jansen", "employee": "E7", "last_logon": ticks},
            {"uid": "gone.user", "first": "Gone", "last": "User", "disabled": True},
        ],
        ad=True,
    )
    application_create(slug="ad", name="Active Directory", actor=Actor.system("test"))
    run(
        "connector",
        "set",
        "ad",
        "ldap",
        "--option",
        f"url={slapd.url}",
        "--option",
        "bind_dn=cn=admin,dc=example,dc=se",
        "--option",
        f"password={PASSWORD}",
        "--option",
        f"base_dn={branch}",
        "--option",
        "flavour=ad",
    )
    run("sync", "ad")
    dirk = Account.objects.get(key="djansen")
    assert (dirk.person.employee_id, dirk.status) == ("E7", "active")  # type: ignore[union-attr]
    # lastLogonTimestamp lags up to 14 days: counted in the person's favour
    assert dirk.last_login == logon + timedelta(days=14)
    assert Account.objects.get(key="gone.user").status == "disabled"

    run("deprovision", "ad", "djansen")
    conn = slapd.admin("dc=example,dc=se")
    conn.search(branch, "(sAMAccountName=djansen)", attributes=["userAccountControl"])
    assert int(conn.entries[0].userAccountControl.value) == 514
    assert Account.objects.get(key="djansen").status == "disabled"
