"""Who may sign in, with which roles, and the tamper-evident record of every change."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The roles of docs/roles.md; a user can hold several."""

    ADMIN = "admin", _("Administrator")
    COORDINATOR = "coordinator", _("IT coordinator")
    HR = "hr", _("HR")
    MANAGER = "manager", _("Manager")
    KEY_USER = "key_user", _("Key user")
    SUPPLIER = "supplier", _("Supplier user")
    EMPLOYEE = "employee", _("Employee")
    AUDITOR = "auditor", _("Auditor")


class Locale(models.TextChoices):
    EN = "en", "English"
    SV = "sv", "Svenska"
    NL = "nl", "Nederlands"


class Supplier(models.Model):
    """A supplier company: it runs applications and services for the organisation, and its portal users
    (User.supplier) see only its own work.

    Kept in core, below every app that names a supplier (applications, lines, questions, contracts), in the
    table it had in the suppliers app, so moving it here changed no data.
    """

    # The audit chain has named suppliers "suppliers.supplier" since before the move; its events keep that name.
    audit_type: ClassVar[str] = "suppliers.supplier"

    name = models.CharField(max_length=200, unique=True)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    # Where the accounts it must disable for a leaver go, one mail per case (lifecycle/service_desk.py): the
    # address its service desk opens tickets from. Blank: its lines reach its portal users' digests only.
    service_desk_email = models.EmailField(blank=True, db_default="")
    phone = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "suppliers_supplier"
        ordering = ["name"]
        constraints = [models.CheckConstraint(name="supplier_name_not_blank", condition=~models.Q(name=""))]

    def __str__(self) -> str:
        return self.name


class Company(models.Model):
    """A company of the group (docs/companies.md): its people, its own applications and mail domains, and the
    users scoped to it. Every person belongs to one; the default company holds everyone an HR file without a
    `company` column names.

    Kept in core, beside Supplier, because people, applications and users all name it.
    """

    name = models.CharField(max_length=200, unique=True)
    code = models.SlugField(max_length=40, unique=True)
    # Holidays and language default for the company's people when the HR file does not say (SE, NL or empty).
    country = models.CharField(max_length=2, blank=True, default="")
    language = models.CharField(max_length=2, choices=Locale.choices, default=Locale.EN)
    # Its people's mail domains: correlation tries a company's own domains for its people first.
    mail_domains = models.JSONField(default=list, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"
        constraints = [
            models.CheckConstraint(name="company_name_not_blank", condition=~models.Q(name="")),
            models.CheckConstraint(name="company_code_not_blank", condition=~models.Q(code="")),
            models.CheckConstraint(name="company_known_country", condition=models.Q(country__in=["", "SE", "NL"])),
            models.CheckConstraint(name="company_known_language", condition=models.Q(language__in=["en", "sv", "nl"])),
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="company_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


DEFAULT_COMPANY_CODE = "group"


def default_company_id() -> int:
    """The default company's id, made when missing (a test database flushed after the data migration)."""
    pk = Company.objects.filter(is_default=True).values_list("pk", flat=True).first()
    if pk is None:
        pk = Company.objects.create(name="Group", code=DEFAULT_COMPANY_CODE, is_default=True).pk
    return pk


class User(AbstractUser):
    """A person or supplier employee who signs in to Ordna.

    Linked to a Person when it is one of the organisation's own people (managers see their reports and
    employees themselves through that link), or to a Supplier for supplier staff.
    """

    person = models.OneToOneField(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="user"
    )
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="portal_users")
    locale = models.CharField(max_length=2, choices=Locale.choices, default=Locale.EN)
    # The identity provider's subject ("sub") of a user who signs in with OpenID Connect: stable across a
    # change of address, and how a returning user is found (docs/sign-in.md).
    oidc_subject = models.CharField(max_length=255, null=True, blank=True, unique=True)
    # The companies whose people this user works on (docs/companies.md); none: the whole group.
    companies = models.ManyToManyField(Company, blank=True, related_name="users")
    failed_logins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A supplier user belongs to exactly one company; the scope of the portal depends on it.
            models.CheckConstraint(
                name="user_supplier_not_person",
                condition=models.Q(supplier__isnull=True) | models.Q(person__isnull=True),
            ),
        ]

    def _access_load(self) -> None:
        """The user's roles and companies, and how many companies the group has, in one query (every request
        asks for the first two; the pages that offer a choice of company, for the third)."""
        rows = (
            list(
                User.objects.filter(pk=self.pk).values_list(
                    "roles__role", "companies__id", RawSQL("SELECT COUNT(*) FROM core_company", ())
                )
            )
            if self.pk
            else []
        )
        self._role_cache = frozenset(role for role, _company, _n in rows if role)
        self._company_cache = frozenset(company for _role, company, _n in rows if company) or None
        self._group_size = rows[0][2] if rows else 0

    @property
    def group_size(self) -> int:
        """How many companies the group has (one for an organisation that is no group)."""
        if not hasattr(self, "_group_size"):
            self._access_load()
        size: int = self._group_size
        return size

    @property
    def role_set(self) -> frozenset[str]:
        """The user's role slugs, loaded once per request."""
        cached: frozenset[str] | None = getattr(self, "_role_cache", None)
        if cached is None:
            self._access_load()
            cached = self._role_cache
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set.intersection(roles))

    @property
    def company_ids(self) -> frozenset[int] | None:
        """The companies this user is scoped to, loaded once per request; None for the whole group."""
        if not hasattr(self, "_company_cache"):
            self._access_load()
        cached: frozenset[int] | None = self._company_cache
        return cached


class UserRole(models.Model):
    """One role held by one user."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="userrole_unique"),
            models.CheckConstraint(name="userrole_known_role", condition=models.Q(role__in=Role.values)),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


class ApiToken(models.Model):
    """An API token; only its SHA-256 digest is stored, the token itself is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # After this moment the token no longer works (ORDNA_TOKEN_DAYS after it was made; null: never expires).
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}…"

    def state(self, now: datetime) -> str:
        """ "active", "expired" or "revoked"."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


class AuditEvent(models.Model):
    """One change, append-only, chained to the previous one by a keyed hash (docs/audit.md).

    The link is an HMAC over the ids, the action, the time and a salted digest of what people see (before,
    after and the actor's name), with a key kept outside the database. Erasing personal data blanks those
    fields and the salt, marks the event erased and records an `audit.erased` event naming it; verification
    accepts an erased event only where such a later event does.
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_ref = models.CharField(max_length=80)  # "user:12", "system:hr-import"
    actor_label = models.CharField(max_length=150, blank=True)  # shown to people; inside the salted digest
    action = models.CharField(max_length=80)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=80)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    payload_salt = models.CharField(max_length=32, blank=True)
    payload_digest = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    erased = models.BooleanField(default=False)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_type}:{self.target_id}"


class AuditChainHead(models.Model):
    """The newest link of the audit chain, in one row.

    Every writer locks this row (SELECT ... FOR UPDATE) to take the next number, so writers on PostgreSQL
    queue behind each other and each sees the head the one before it left; SQLite's write lock already
    serialises them. `ordna audit verify` also compares it with the newest event.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.CheckConstraint(name="auditchainhead_one_row", condition=models.Q(id=1))]

    def __str__(self) -> str:
        return f"#{self.seq}"


class ImportRun(models.Model):
    """One file or connector pull for the HR source or one application: what it changed and who ran it."""

    class Source(models.TextChoices):
        HR = "hr", _("HR")
        ACCOUNTS = "accounts", _("Accounts")
        LICENSES = "licenses", _("Licences")

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        DRY_RUN = "dry_run", _("Dry run")
        REJECTED = "rejected", _("Rejected (errors)")
        STOPPED = "stopped", _("Stopped by the safety breaker")

    source = models.CharField(max_length=20, choices=Source.choices)
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.CASCADE, related_name="import_runs"
    )
    file_name = models.CharField(max_length=255, blank=True)
    preset = models.CharField(max_length=40, blank=True)
    full = models.BooleanField(default=True)
    checksum = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    counts = models.JSONField(default=dict)
    # What changed: account keys new, changed and gone (new ones capped, see accounts.planning.DIFF_SAMPLE).
    diff = models.JSONField(default=dict)
    errors = models.JSONField(default=list)
    actor_label = models.CharField(max_length=150, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    # The columns of an account file that its format read, when that is the application's format (null for a
    # file read in another format for this import only, a connector's records, and runs before issue 28): the
    # application's next file is stopped when it lacks one of them.
    columns = models.JSONField(null=True, blank=True)
    # Which facts the run could prove: {"status", "licences", "gone"} (accounts.presets.Proves; empty: all).
    proves = models.JSONField(default=dict, blank=True)
    # When the accounts it read were taken from their source: the export file written, or the connector's read
    # (null before issue 28: its start then). Reconciling re-uses it as the time of what it proves.
    taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M} {self.outcome}"


class ActionLink(models.Model):
    """A signed link that lets one recipient do one thing without signing in (docs/notifications.md): confirm a
    handover, record a device's return, a supplier's ticket. Only the SHA-256 digest of the token is stored.

    `purpose` names the action and the page that does it (registered by the app that owns the action),
    `target_id` what it acts on (a line, a supplier request). Single use: using it sets `used_at` with a
    conditional update; it expires at `expires_at` (ORDNA_ACTION_LINK_DAYS) and is revoked when its target no
    longer needs it (the line closed, the case cancelled). `sent_in` is the digest that carried it.
    """

    purpose = models.CharField(max_length=60)
    target_id = models.PositiveBigIntegerField()
    address = models.CharField(max_length=254)
    name = models.CharField(max_length=150, blank=True)
    language = models.CharField(max_length=2, blank=True)  # the page's language: the mail's
    digest = models.CharField(max_length=64, unique=True)
    sent_in = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_because = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="actionlink_used_or_revoked_not_both",
                condition=models.Q(used_at__isnull=True) | models.Q(revoked_at__isnull=True),
            ),
            models.CheckConstraint(name="actionlink_has_address", condition=~models.Q(address="")),
        ]
        indexes = [
            models.Index(
                fields=["purpose", "target_id"],
                condition=models.Q(used_at__isnull=True, revoked_at__isnull=True),
                name="actionlink_live_target_idx",
            ),
            models.Index(fields=["sent_in"], name="actionlink_sent_in_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.target_id}"


class SignInThrottle(models.Model):
    """Failed sign-ins from one client address over the last ORDNA_LOGIN_LOCKOUT_MINUTES, whatever user names it
    tried; at ORDNA_LOGIN_ADDRESS_MAX_FAILURES the address is locked until `locked_until` (docs/sign-in.md)."""

    address = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.address}: {self.failures}"


class SecondFactor(models.Model):
    """A local user's TOTP key (RFC 6238, 30-second steps, 6 digits). Unconfirmed until the user has entered one
    code from it; `last_step` is the newest time step used, so a code works once."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="second_factor")
    # The base32 key as authenticator apps take it, encrypted at rest (ordna.core.encryption): read it with
    # ordna.core.second_factor, never from here.
    key = models.TextField()
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.user_id}: {'confirmed' if self.confirmed_at else 'unconfirmed'}"


class RecoveryCode(models.Model):
    """A one-time code that stands in for the TOTP code (a lost phone); only its SHA-256 digest is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "digest"], name="recoverycode_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}: {'used' if self.used_at else 'unused'}"


class DataVersion(models.Model):
    """One row whose token changes after every committed write to the organisation's data
    (ordna.core.data_version): counts and totals are cached against it, so a list page does not count a
    whole table on every request."""

    token = models.CharField(max_length=32)
