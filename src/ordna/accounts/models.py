"""Accounts as each application's source reports them, linked to people by the rules of DESIGN.md 3.1."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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

    application = models.ForeignKey("applications.Application", on_delete=models.CASCADE,
                                    related_name="accounts")
    key = models.CharField(max_length=255)
    key_display = models.CharField(max_length=255)
    username = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=254, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    employee_id_attr = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=AccountStatus.choices, default=AccountStatus.ACTIVE)
    last_login = models.DateTimeField(null=True, blank=True)
    licenses = models.JSONField(default=list, blank=True)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="accounts")
    match_rule = models.CharField(max_length=20, choices=MatchRule.choices, blank=True)
    match_confidence = models.FloatField(null=True, blank=True)
    needs_review = models.BooleanField(default=False)
    non_personal = models.BooleanField(default=False)
    owner = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="owned_accounts")
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["application_id", "key"]
        constraints = [
            models.UniqueConstraint(fields=["application", "key"], name="account_unique_key_per_application"),
            models.CheckConstraint(name="account_key_not_blank", condition=~Q(key="")),
            models.CheckConstraint(name="account_known_status", condition=Q(status__in=AccountStatus.values)),
            # A service or shared account has an accountable owner and no personal link.
            models.CheckConstraint(
                name="account_non_personal_has_owner_not_person",
                condition=Q(non_personal=False) | (Q(owner__isnull=False) & Q(person__isnull=True)),
            ),
            # Never guess: an account under review is linked to nobody (DESIGN.md 3.1).
            models.CheckConstraint(name="account_review_unlinked",
                                   condition=Q(needs_review=False) | Q(person__isnull=True)),
        ]
        indexes = [models.Index(fields=["person"], name="account_person_idx"),
                   models.Index(fields=["application", "status"], name="account_app_status_idx")]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.key_display}"
