"""Feeds: sources that deliver the HR file or one application's account export by themselves (docs/feeds.md).

A feed is defined once (kind, what it delivers, format, schedule) and run by the worker when due. Every run is
the same import as `ordna import`; a run that fails, or a mass change the breaker stopped, leaves the feed with
a problem that the reminder engine chases until a later run succeeds or someone confirms the change.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FeedKind(models.TextChoices):
    FOLDER = "folder", _("Watch folder")
    HTTPS = "https", _("HTTPS pull")
    SFTP = "sftp", _("SFTP pull")


class FeedTarget(models.TextChoices):
    HR = "hr", _("HR file")
    ACCOUNTS = "accounts", _("Account export")


class RunOutcome(models.TextChoices):
    APPLIED = "applied", _("Imported")
    NOTHING = "nothing", _("Nothing new arrived")
    REJECTED = "rejected", _("Refused (errors in the file)")
    STOPPED = "stopped", _("Stopped by the safety breaker")
    FAILED = "failed", _("Could not fetch")


PROBLEM_OUTCOMES = (RunOutcome.REJECTED, RunOutcome.STOPPED, RunOutcome.FAILED)


class Feed(models.Model):
    """One source: where the file comes from (options without secrets; the secret encrypted like the
    connectors'), what it delivers, its format and schedule, and its state between runs.

    `lease_until` is the claim of the run in progress (one conditional update, so several workers run a feed
    once); `problem` is the open item of a failed or stopped run, until a later run succeeds or the held file
    is confirmed.
    """

    name = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=10, choices=FeedKind.choices)
    target = models.CharField(max_length=10, choices=FeedTarget.choices)
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.CASCADE, related_name="feeds"
    )
    preset = models.CharField(max_length=40, blank=True)  # empty: the application's saved format (or "ordna")
    full = models.BooleanField(default=True)  # an account export lists every account
    options = models.JSONField(default=dict, blank=True)
    secret = models.TextField(blank=True)  # a Fernet token (ordna.core.encryption); never shown
    schedule = models.CharField(max_length=100, default="daily at 06:00")
    enabled = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=40, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=10, choices=RunOutcome.choices, blank=True)
    last_error = models.TextField(blank=True)  # the technical detail of the last problem
    last_failure = models.CharField(max_length=20, blank=True)  # what it ran into (ordna.feeds.failures)
    problem = models.CharField(max_length=10, choices=RunOutcome.choices, blank=True)
    problem_since = models.DateTimeField(null=True, blank=True)
    # The file a stopped run holds until someone confirms the mass change (a path under the data directory).
    held_file = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(name="feed_known_kind", condition=Q(kind__in=FeedKind.values)),
            models.CheckConstraint(name="feed_known_target", condition=Q(target__in=FeedTarget.values)),
            models.CheckConstraint(
                name="feed_accounts_have_application",
                condition=Q(target="hr", application__isnull=True) | Q(target="accounts", application__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["enabled", "next_run_at"], name="feed_due_idx")]

    def __str__(self) -> str:
        return self.name


class FeedRun(models.Model):
    """One run of a feed: what it fetched, what the import made of it, and the report beside the file."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=RunOutcome.choices)
    file_name = models.CharField(max_length=255, blank=True)
    rows = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)  # the technical detail, or the file's first errors
    failure = models.CharField(max_length=20, blank=True)  # what it ran into (ordna.feeds.failures)
    import_run = models.ForeignKey(
        "core.ImportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    actor_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["feed", "-started_at"], name="feedrun_feed_idx")]

    def __str__(self) -> str:
        return f"{self.feed_id}:{self.outcome}"
