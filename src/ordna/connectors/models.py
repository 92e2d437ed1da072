"""Connectors: how Ordna reads an application's accounts directly and disables one (docs/connectors.md).

A connector belongs to one application. Its options are plain settings; its secret (a password, token or
client secret) is stored encrypted (ordna.core.encryption) and never shown again. Every disable goes
through the outbox (`Action`): one live action per account, retried with backoff, then read back.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ordna.connectors.failures import Explanation, explain


class ConnectorKind(models.TextChoices):
    LDAP = "ldap", _("LDAP or Active Directory")
    SCIM = "scim", _("SCIM 2.0")
    GRAPH = "graph", _("Microsoft Entra ID (Graph)")
    GOOGLE = "google", _("Google Workspace")


class DisablePolicy(models.TextChoices):
    """What happens to a leaver's account in this application once the leaver's last day has passed."""

    AUTOMATIC = "automatic", _("Disable automatically")
    APPROVAL = "approval", _("Disable after approval by the IT coordinator")
    NEVER = "never", _("Never (a task only)")


class Connector(models.Model):
    """One application's connector: kind, options (no secrets), the encrypted secret and the disable policy."""

    application = models.OneToOneField("applications.Application", on_delete=models.CASCADE, related_name="connector")
    kind = models.CharField(max_length=10, choices=ConnectorKind.choices)
    options = models.JSONField(default=dict, blank=True)
    # A Fernet token of the secret option (password, token or client secret); never shown, never exported.
    secret = models.TextField(blank=True)
    policy = models.CharField(max_length=10, choices=DisablePolicy.choices, default=DisablePolicy.APPROVAL)
    # Pull every N hours (0: only on demand, `ordna sync APP` or the button).
    sync_hours = models.PositiveSmallIntegerField(default=24)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_sync_error = models.TextField(blank=True)
    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True)
    last_test_message = models.TextField(blank=True)
    # What the last failed test ran into, in words (ordna.connectors.failures); the message is its detail.
    last_test_failure = models.CharField(max_length=20, blank=True)
    last_test_place = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["application__name"]
        constraints = [
            models.CheckConstraint(name="connector_known_kind", condition=Q(kind__in=ConnectorKind.values)),
            models.CheckConstraint(name="connector_known_policy", condition=Q(policy__in=DisablePolicy.values)),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.kind}"

    @property
    def last_test_explanation(self) -> Explanation | None:
        """The last failed test in words, with its message as the detail."""
        if self.last_test_ok is not False:
            return None
        return explain(self.last_test_failure, self.last_test_place, self.last_test_message)


class ActionState(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done and read back")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


LIVE_STATES = (ActionState.PENDING_APPROVAL, ActionState.QUEUED, ActionState.RUNNING)


class Action(models.Model):
    """One disable in the outbox: claimed with a conditional update, tried until done or out of attempts.

    Idempotent: at most one live action per account (a database constraint), and disabling an account the
    server already shows disabled is a success.
    """

    application = models.ForeignKey("applications.Application", on_delete=models.CASCADE, related_name="actions")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="actions")
    line = models.ForeignKey(
        "lifecycle.Line", null=True, blank=True, on_delete=models.SET_NULL, related_name="actions", db_index=False
    )
    state = models.CharField(max_length=20, choices=ActionState.choices, default=ActionState.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    # What the last error was, in words (ordna.connectors.failures); `last_error` is its technical detail.
    failure = models.CharField(max_length=20, blank=True)
    failure_place = models.CharField(max_length=20, blank=True)
    # What the connector reported: steps done, and tasks left for people (Entra's group-based licences).
    result = models.JSONField(default=dict, blank=True)
    # Why it waits for approval: the policy, or the mass-disable breaker.
    reason = models.CharField(max_length=200, blank=True)
    requested_by = models.CharField(max_length=150)
    approved_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(state__in=["pending_approval", "queued", "running"]),
                name="action_one_live_per_account",
            ),
            models.CheckConstraint(name="action_known_state", condition=Q(state__in=ActionState.values)),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="action_due_idx")]

    def __str__(self) -> str:
        return f"disable {self.account_id} ({self.state})"

    @property
    def explanation(self) -> Explanation | None:
        """The last error in words, with its message as the detail."""
        return explain(self.failure, self.failure_place, self.last_error) if self.last_error else None
