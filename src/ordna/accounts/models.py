"""Accounts as each application's source reports them, linked to people by the rules of docs/accounts.md."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ordna.core.constraints import one_of


class AccountStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISABLED = "disabled", _("Disabled")
    GONE = "gone", _("Gone")


class MatchRule(models.TextChoices):
    MANUAL = "manual", _("Manual link")
    EMPLOYEE_ID = "employee_id", _("Employee id")
    EMAIL = "email", _("Email or UPN")
    USERNAME = "username", _("Username")
    NAME = "name", _("Full name")


class Account(models.Model):
    """One account in one application. `key` is the source's key, case-folded so exports that differ in
    case (UPNs) still meet; `key_display` keeps the source's spelling."""

    # Indexed by the unique (application, key) constraint; a separate index would only slow imports.
    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="accounts", db_index=False
    )
    key = models.CharField(max_length=255)
    key_display = models.CharField(max_length=255)
    username = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=254, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    employee_id_attr = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=AccountStatus.choices, default=AccountStatus.ACTIVE)
    last_login = models.DateTimeField(null=True, blank=True)
    licenses = models.JSONField(default=list, blank=True)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )
    match_rule = models.CharField(max_length=20, choices=MatchRule.choices, blank=True)
    match_confidence = models.FloatField(null=True, blank=True)
    needs_review = models.BooleanField(default=False)
    non_personal = models.BooleanField(default=False)
    owner = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
        db_index=False,  # few accounts have one; not worth an index write on every imported row
    )
    first_seen = models.DateTimeField()
    # A digest of the export row this account was last read from (ordna.accounts.rows.row_digester):
    # the next import of the same row recognises it without reading it again. Empty for connector reads.
    source_digest = models.BigIntegerField(null=True, blank=True)
    # When an import last wrote this account (new, changed, seen in a delta, or gone); a present account
    # was also seen at its application's last full import: `seen` gives the later of the two.
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["application_id", "key"]
        constraints = [
            models.UniqueConstraint(fields=["application", "key"], name="account_unique_key_per_application"),
            models.CheckConstraint(name="account_key_not_blank", condition=~Q(key="")),
            models.CheckConstraint(name="account_known_status", condition=one_of("status", AccountStatus.values)),
            # A service or shared account has an accountable owner and no personal link.
            models.CheckConstraint(
                name="account_non_personal_has_owner_not_person",
                condition=Q(non_personal=False) | (Q(owner__isnull=False) & Q(person__isnull=True)),
            ),
            # Never guess: an account under review is linked to nobody (docs/accounts.md).
            models.CheckConstraint(
                name="account_review_unlinked", condition=Q(needs_review=False) | Q(person__isnull=True)
            ),
        ]
        # The review queue: a small partial index over the few accounts that wait for a decision.
        indexes = [
            models.Index(fields=["application"], condition=Q(needs_review=True), name="account_review_idx"),
            # The review queue in its order (application, key), its deep pages skipped through this index alone.
            models.Index(
                fields=["application", "key"],
                condition=(Q(needs_review=True) | Q(person__isnull=True, non_personal=False, status="active"))
                & ~Q(status="gone"),
                name="account_review_queue_idx",
            ),
            # The licence report's seats assigned: a GROUP BY over this index alone (the few distinct licence
            # lists per application), not a read of every licensed account (issue 24).
            models.Index(
                fields=["application", "licenses"],
                condition=~Q(status="gone") & ~Q(licenses=[]),
                name="account_licences_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.key_display}"

    @property
    def seen(self) -> datetime:
        """When the account was last seen in its application's exports."""
        full = self.application.accounts_seen_at
        if self.status == AccountStatus.GONE or full is None:
            return self.last_seen
        return max(self.last_seen, full)


class FindingKind(models.TextChoices):
    LEAVER_ACTIVE = "leaver_active", _("Leaver still active")
    ORPHAN = "orphan", _("Orphan account")
    DORMANT = "dormant", _("Dormant account")
    LICENSE_WASTE = "license_waste", _("Licence waste")
    SEAT_OVERBUY = "seat_overbuy", _("Seats bought but unused")
    NEEDS_REVIEW = "needs_review", _("Needs review")
    # Raised by offboarding (ordna.lifecycle), not by reconciliation: a verified or attested line a later import
    # contradicts (the account active again, or the licence assigned again).
    CONTRADICTED = "contradicted", _("Closed, but a later export contradicts it")
    # Raised by ordna.lifecycle's expected-versus-actual after each import: access no joiner template gives
    # and nobody approved (accepting the finding is the approval), reviewed by the application's owner or key user.
    EXCESS_ACCESS = "excess_access", _("Access beyond the templates")


class FindingState(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    ACCEPTED = "accepted", _("Accepted")


class Finding(models.Model):
    """Something in an application's accounts that should not be so, with its cost per month.

    Opened and resolved by reconciliation only; a person may accept it (with a reason and an expiry), after
    which it stays accepted until it expires or its condition ends. One live finding per identity
    (kind, account, licence) is a database constraint.
    """

    kind = models.CharField(max_length=20, choices=FindingKind.choices)
    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="findings", db_index=False
    )
    # Indexed through the unique (account, kind, license) constraint below.
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="findings", db_index=False
    )
    license = models.CharField(max_length=200, blank=True)
    # The account's person when the finding opened, for reports; not indexed (looked up through accounts).
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="findings", db_index=False
    )
    monthly_cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, blank=True)
    state = models.CharField(max_length=10, choices=FindingState.choices, default=FindingState.OPEN)
    since = models.DateField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.CharField(max_length=150, blank=True)
    accepted_reason = models.TextField(blank=True)
    accepted_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["application_id", "kind", "id"]
        constraints = [
            # One live finding per identity: per account (and licence), or per application for seat counts.
            models.UniqueConstraint(
                fields=["account", "kind", "license"],
                condition=Q(state__in=["open", "accepted"], account__isnull=False),
                name="finding_one_live_per_account",
            ),
            models.UniqueConstraint(
                fields=["kind", "application", "license"],
                condition=Q(state__in=["open", "accepted"], account__isnull=True),
                name="finding_one_live_per_application",
            ),
            models.CheckConstraint(name="finding_known_kind", condition=one_of("kind", FindingKind.values)),
            models.CheckConstraint(name="finding_known_state", condition=one_of("state", FindingState.values)),
            models.CheckConstraint(
                name="finding_accepted_has_reason",
                condition=~Q(state="accepted") | (~Q(accepted_reason="") & ~Q(accepted_by="")),
            ),
            models.CheckConstraint(name="finding_cost_not_negative", condition=Q(monthly_cost__gte=0)),
        ]
        indexes = [
            # The findings list in its order (kind, id): on PostgreSQL an index without the id sorted each kind.
            models.Index(fields=["state", "kind", "id"], name="finding_state_kind_id_idx"),
            # The start page's oldest open findings of a kind, read in this order without a sort (issue 24).
            models.Index(fields=["state", "kind", "since", "id"], name="finding_state_kind_since_idx"),
            models.Index(fields=["application", "state"], name="finding_app_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.application_id}:{self.account_id or self.license}"


class AccountStage(models.Model):
    """A large import's new accounts being written in bounded steps (ordna.accounts.staging): who writes them,
    so that the rows of an import that died are swept by the next."""

    application_slug = models.CharField(max_length=100)
    started_at = models.DateTimeField()
    host = models.CharField(max_length=255)
    pid = models.IntegerField()


class StagedAccount(models.Model):
    """A new account an import has written but not applied: no reader of accounts sees this table. Applying
    copies a stage's rows into accounts in one statement, in `position` order, then the rows are deleted."""

    stage_id = models.BigIntegerField()
    position = models.IntegerField()
    key = models.CharField(max_length=255)
    key_display = models.CharField(max_length=255)
    username = models.CharField(max_length=255)
    email = models.CharField(max_length=254)
    display_name = models.CharField(max_length=255)
    employee_id_attr = models.CharField(max_length=64)
    status = models.CharField(max_length=10)
    last_login = models.DateTimeField(null=True)
    licenses = models.JSONField(default=list)
    person_id = models.BigIntegerField(null=True)
    match_rule = models.CharField(max_length=20)
    match_confidence = models.FloatField(null=True)
    needs_review = models.BooleanField()
    source_digest = models.BigIntegerField(null=True)

    class Meta:
        indexes = [models.Index(fields=["stage_id", "position"], name="stagedaccount_stage_idx")]


class StagedFinding(models.Model):
    """A finding a staged new account implies (ordna.accounts.staging): written with the stage, outside the
    write lock, and copied into findings by the account's key in the applying transaction."""

    stage_id = models.BigIntegerField()
    key = models.CharField(max_length=255)  # the new account's key in the import's application
    kind = models.CharField(max_length=20)
    license = models.CharField(max_length=200, blank=True)
    person_id = models.BigIntegerField(null=True)
    monthly_cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, blank=True)

    class Meta:
        indexes = [models.Index(fields=["stage_id"], name="stagedfinding_stage_idx")]


class AccountsCheckPending(models.Model):
    """An `accounts.changed` announcement not yet made: written in the transaction that changed the accounts,
    deleted in the one that announces it (ordna.accounts.announcing), so that one killed in between is made by
    the next import or reconcile instead of being lost."""

    application_id = models.BigIntegerField()
    accounts_version = models.PositiveBigIntegerField()  # the application's, as the change left it
    change = models.JSONField()  # the AccountsChanged payload, as plain values
    created_at = models.DateTimeField()


class IdentityKey(models.Model):
    """One value that identifies a person for correlation (ordna.accounts.correlation: an address, a mailbox
    name, a username pattern, a full name), stored so that the review queue looks up an account's possible
    people by index instead of building the whole people index in memory after every start
    (ordna.accounts.identity_keys). Several people may share a value: they are the candidates."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    value = models.CharField(max_length=400)

    class Meta:
        indexes = [models.Index(fields=["kind", "value"], name="identity_key_lookup_idx")]


class IdentityKeysStamp(models.Model):
    """What the stored identity keys were made from: the people's version (count, highest id, last change) and
    the mail domains; one row."""

    people_count = models.IntegerField(default=0)
    last_id = models.BigIntegerField(null=True)
    changed = models.DateTimeField(null=True)
    domains = models.JSONField(default=list)
