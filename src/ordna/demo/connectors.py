"""The demo organisation's connectors: Microsoft 365 read through Graph (a placeholder tenant: the demo has
none, so a test or sync answers with a clear error) and leavers' accounts waiting for approval in the outbox."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from ordna.accounts.models import Account, AccountStatus
from ordna.applications.models import Application
from ordna.connectors import deprovisioning, services
from ordna.connectors.models import DisablePolicy
from ordna.core.actor import Actor
from ordna.core.clock import today


def connectors_demo_load(*, actor: Actor) -> int:
    """Configure the demo's connector and fill the outbox from the leavers' cases; returns the actions made."""
    application = Application.objects.filter(slug="m365").first()
    if application is None:
        return 0
    services.connector_set(
        application=application,
        kind="graph",
        options={
            "tenant_id": "00000000-0000-0000-0000-000000000000",
            "client_id": "11111111-1111-1111-1111-111111111111",
            "client_secret": "demo-secret-not-a-real-one",
        },
        actor=actor,
        policy=DisablePolicy.APPROVAL,
        sync_hours=0,  # no tenant behind it: pulled only when someone asks
    )
    counts = deprovisioning.leavers_enqueue(actor=actor, today=today())
    made = counts["queued"] + counts["pending_approval"]
    # People who left long ago have no case, but their active accounts are findings: a coordinator asked to
    # disable a few, which wait for approval.
    leftovers = Account.objects.filter(
        application=application, status=AccountStatus.ACTIVE, person__end_date__lt=today()
    ).order_by("key")[:3]
    for account in leftovers:
        _action, created = deprovisioning.action_request(
            account=account,
            actor=actor,
            approved=False,
            reason=gettext_noop("the application's policy asks for approval"),
        )
        made += int(created)
    return made
