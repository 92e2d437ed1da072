"""The outbox, the policy, the breaker and secrets, with a fake client (the real ones are tested against servers)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from ordna.accounts.presets import account_record
from ordna.applications.services import application_create
from ordna.conftest import TODAY, hr_row
from ordna.connectors import deprovisioning, services
from ordna.connectors.base import ConnectorError, DisableOutcome
from ordna.connectors.models import Action, Connector
from ordna.core.actor import Actor
from ordna.core.encryption import secret_decrypt
from ordna.core.models import AuditEvent

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


class FakeDirectory:
    """A directory in memory: key -> active; `fail` makes the next disables raise."""

    def __init__(self, keys: list[str]) -> None:
        self.active = dict.fromkeys(keys, True)
        self.fail = 0
        self.disables = 0

    def client(self, options, secret, timeout):  # the CLIENT_OVERRIDES signature
        directory = self

        class Client:
            def test(self) -> str:
                return "fake"

            def accounts(self):
                for row, (key, active) in enumerate(directory.active.items(), start=1):
                    yield account_record(
                        row=row, key=key, email=f"{key}@example.org", status="active" if active else "disabled"
                    )

            def account(self, key):
                return next((r for r in self.accounts() if r.key == key.casefold()), None)

            def plan_disable(self, key):
                return [f"disable {key}"]

            def disable(self, key):
                if directory.fail:
                    directory.fail -= 1
                    raise ConnectorError("server unavailable")
                directory.disables += 1
                already = not directory.active[key]
                directory.active[key] = False
                return DisableOutcome(steps=[] if already else [f"disable {key}"], already=already)

            def close(self) -> None:
                pass

        return Client()


@pytest.fixture
def directory(load_people, monkeypatch) -> FakeDirectory:
    people = [hr_row(f"P{i}", "Per", f"Son{i}", email=f"p{i}@example.org") for i in range(20)]
    for i in (0, 1):
        people[i]["end_date"] = (TODAY - timedelta(days=1)).isoformat()
    load_people(people)
    fake = FakeDirectory([f"p{i}" for i in range(20)])
    monkeypatch.setitem(services.CLIENT_OVERRIDES, "scim", fake.client)
    app = application_create(slug="hub", name="Hub", actor=ACTOR)
    services.connector_set(
        application=app, kind="scim", options={"url": "http://127.0.0.1:9/v2", "token": "s3cret-token"}, actor=ACTOR
    )
    services.connector_sync(application=app, actor=ACTOR, today=TODAY)
    return fake


def test_the_secret_is_encrypted_at_rest_and_never_shown(directory) -> None:
    connector = Connector.objects.get()
    assert "s3cret-token" not in connector.secret and secret_decrypt(connector.secret) == "s3cret-token"
    out = io.StringIO()
    call_command("connector", "show", "hub", stdout=out)
    assert "s3cret-token" not in out.getvalue() and "token = (set)" in out.getvalue()
    assert not any("s3cret-token" in str(e.after) for e in AuditEvent.objects.all())
    # Setting other options keeps the secret
    services.connector_set(
        application=connector.application, kind="scim", options={"url": "http://127.0.0.1:10/v2"}, actor=ACTOR
    )
    assert secret_decrypt(Connector.objects.get().secret) == "s3cret-token"


def test_bad_options_name_the_option(directory) -> None:
    app = Connector.objects.get().application
    with pytest.raises(
        services.ConnectorSetupError, match=r"^Unknown option\(s\) passwd for ldap; its options are url, bind_dn"
    ):
        services.connector_set(application=app, kind="ldap", options={"passwd": "x"}, actor=ACTOR)
    with pytest.raises(services.ConnectorSetupError, match=r"^The flavour is openldap or ad, not 'novell'\.$"):
        services.connector_set(
            application=app,
            kind="ldap",
            options={
                "url": "ldap://127.0.0.1",
                "bind_dn": "cn=a",
                "base_dn": "dc=x",
                "password": "p",
                "flavour": "novell",
            },
            actor=ACTOR,
        )
    with pytest.raises(
        services.ConnectorSetupError,
        match=r"^The lock is ppolicy, move:<dn of the disabled branch> or replace:<attribute>=<value>, not 'delete'\.$",
    ):
        services.connector_set(
            application=app,
            kind="ldap",
            options={
                "url": "ldap://127.0.0.1",
                "bind_dn": "cn=a",
                "base_dn": "dc=x",
                "password": "p",
                "lock": "delete",
            },
            actor=ACTOR,
        )
    with pytest.raises(services.ConnectorSetupError, match=r"^/nonexistent cannot be read: No such file or directory"):
        services.connector_set(
            application=app, kind="ldap", options={"password_file": "/nonexistent"}, actor=ACTOR, from_files=True
        )
    # From the web or the API no file of the server can be named: it would be sent out as the secret.
    with pytest.raises(services.ConnectorSetupError, match=r"^A file can be named only on the server") as refused:
        services.connector_set(application=app, kind="ldap", options={"password_file": "/etc/hostname"}, actor=ACTOR)
    assert refused.value.field == "password_file"
    assert Connector.objects.get().kind == "scim"


@pytest.mark.parametrize(
    ("policy", "expected"), [("automatic", "queued"), ("approval", "pending_approval"), ("never", None)]
)
def test_leavers_are_put_in_the_outbox_by_policy(directory, policy, expected) -> None:
    Connector.objects.update(policy=policy)
    deprovisioning.leavers_enqueue(actor=ACTOR, today=TODAY)
    assert sorted(Action.objects.values_list("account__key", "state")) == (
        [("p0", expected), ("p1", expected)] if expected else []
    )
    # Idempotent: a second run adds nothing
    deprovisioning.leavers_enqueue(actor=ACTOR, today=TODAY)
    assert Action.objects.count() == (2 if expected else 0)


def test_approval_then_the_outbox_disables_and_reads_back(directory) -> None:
    deprovisioning.leavers_enqueue(actor=ACTOR, today=TODAY)
    action = Action.objects.get(account__key="p0")
    assert deprovisioning.outbox_run(actor=ACTOR, today=TODAY)["done"] == 0  # waits for approval
    assert deprovisioning.action_approve(action=action, actor=Actor.system("coordinator"))
    assert deprovisioning.outbox_run(actor=ACTOR, today=TODAY) == {"done": 1, "retrying": 0, "failed": 0}
    action.refresh_from_db()
    assert action.state == "done" and directory.active["p0"] is False
    assert action.line.state == "verified" and action.line.verified_by == "read-back"  # type: ignore[union-attr]


def test_retries_back_off_then_fail(directory, settings) -> None:
    settings.ORDNA_CONNECTOR_MAX_ATTEMPTS = 3
    Connector.objects.update(policy="automatic")
    deprovisioning.leavers_enqueue(actor=ACTOR, today=TODAY)
    directory.fail = 10
    now = timezone.now()
    Action.objects.exclude(account__key="p0").delete()
    waits = []
    for _ in range(3):
        deprovisioning.outbox_run(actor=ACTOR, today=TODAY, now=now)
        action = Action.objects.get()
        waits.append(round((action.next_attempt_at - now).total_seconds()))
        now = action.next_attempt_at
    assert waits[:2] == [60, 120]  # ORDNA_CONNECTOR_RETRY_SECONDS, doubling
    action = Action.objects.get()
    assert (action.state, action.attempts, action.last_error) == ("failed", 3, "server unavailable")
    assert deprovisioning.action_retry(action=action, actor=ACTOR)
    directory.fail = 0
    deprovisioning.outbox_run(actor=ACTOR, today=TODAY)
    assert Action.objects.get().state == "done"


def test_the_mass_disable_breaker_holds_a_batch_for_approval(directory, settings) -> None:
    settings.ORDNA_MASS_CHANGE_MINIMUM = 2
    Connector.objects.update(policy="automatic")
    deprovisioning.leavers_enqueue(actor=ACTOR, today=TODAY)  # 2 of 20 = 10 %, not more than 10 %
    assert set(Action.objects.values_list("state", flat=True)) == {"queued"}
    Action.objects.all().delete()
    settings.ORDNA_MASS_CHANGE_ACCOUNTS_PERCENT = 5.0
    counts = deprovisioning.leavers_enqueue(actor=ACTOR, today=TODAY)
    assert counts == {"queued": 0, "pending_approval": 2, "held_by_breaker": 2}
    assert set(Action.objects.values_list("reason", flat=True)) == {"held by the mass-disable breaker"}


def test_a_second_request_for_the_same_account_is_the_same_action(directory) -> None:
    account = Connector.objects.get().application.accounts.get(key="p5")
    first, created = deprovisioning.action_request(account=account, actor=ACTOR, approved=False)
    again, created_again = deprovisioning.action_request(account=account, actor=ACTOR, approved=True)
    assert created and not created_again and first.pk == again.pk
    assert Action.objects.get().state == "queued"  # the explicit request approved it
