"""Releases (docs/releases.md): an update of an application, configured, tested by named key users, approved by a
key user and the owner, taken live and announced; then watched for a spike in questions."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReleaseStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    TESTING = "testing", _("Testing")
    APPROVED = "approved", _("Approved")
    LIVE = "live", _("Live")
    CANCELLED = "cancelled", _("Cancelled")


class Release(models.Model):
    """One update of an application. Approval needs every test case passed; going live needs both approvals
    (a key user's and the owner's). The announcement goes to the people with an active account in it."""

    application = models.ForeignKey("applications.Application", on_delete=models.CASCADE, related_name="releases")
    version = models.CharField(max_length=100)
    supplier_notes = models.TextField(blank=True)
    configuration = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=ReleaseStatus.choices, default=ReleaseStatus.PLANNED)
    planned_go_live = models.DateField(null=True, blank=True)
    went_live_on = models.DateField(null=True, blank=True)
    key_user_approved_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    key_user_approved_at = models.DateTimeField(null=True, blank=True)
    owner_approved_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_approved_at = models.DateTimeField(null=True, blank=True)
    announcement = models.TextField(blank=True)
    announced_at = models.DateTimeField(null=True, blank=True)
    announced_by = models.CharField(max_length=150, blank=True)
    announced_to = models.PositiveIntegerField(default=0)  # people with an active account when announced
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "version"], name="release_unique_version"),
            models.CheckConstraint(name="release_known_status", condition=Q(status__in=ReleaseStatus.values)),
            models.CheckConstraint(name="release_version_not_blank", condition=~Q(version="")),
            models.CheckConstraint(
                name="release_live_has_date_and_approvals",
                condition=~Q(status="live")
                | (
                    Q(went_live_on__isnull=False)
                    & Q(key_user_approved_at__isnull=False)
                    & Q(owner_approved_at__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.version}"


class TestResult(models.TextChoices):
    PENDING = "pending", _("Not run")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class ReleaseTest(models.Model):
    """A test case of a release, assigned to a named key user of the application, with its result."""

    __test__ = False  # not a pytest class

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="tests")
    title = models.CharField(max_length=200)
    steps = models.TextField(blank=True)
    assignee = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="release_tests")
    result = models.CharField(max_length=10, choices=TestResult.choices, default=TestResult.PENDING)
    note = models.TextField(blank=True)
    tested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["release_id", "id"]
        constraints = [
            models.CheckConstraint(name="releasetest_known_result", condition=Q(result__in=TestResult.values)),
            models.CheckConstraint(name="releasetest_title_not_blank", condition=~Q(title="")),
            models.CheckConstraint(name="releasetest_failed_says_why", condition=~Q(result="failed") | ~Q(note="")),
        ]
        indexes = [models.Index(fields=["assignee", "result"], name="releasetest_assignee_idx")]

    def __str__(self) -> str:
        return self.title
