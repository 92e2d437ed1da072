"""Digests (the notification log), the daily reminder runs, and personal calendar feeds (docs/notifications.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    MAIL = "mail", _("Mail")
    WEBHOOK = "webhook", _("Chat webhook")


class DigestState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")


class Step(models.TextChoices):
    """The rungs of the ladder (see notifications.ladder), as digests and the log name them."""

    BEFORE = "before", _("Coming up")
    DUE = "due", _("Due today")
    OVERDUE = "overdue", _("Overdue")
    MANAGER = "manager", _("Escalated to you as manager or lead")
    COORDINATOR = "coordinator", _("Escalated to you as IT coordinator")
    CIO = "cio", _("Weekly summary: overdue at the IT coordinator")


class Origin(models.TextChoices):
    """Where a digest's address came from: why this address got it."""

    USER = "user", _("The Ordna user's address")
    HR_FILE = "hr_file", _("The address in the HR file")
    MAILBOX = "mailbox", _("The role's shared mailbox")


class Digest(models.Model):
    """One day's reminders for one address (mail) or one role's chat channel (webhook): the evidence that
    people were reminded, and at which address.

    The unique (address, day) and (role, day) constraints are the idempotent claim: two runs or two workers
    on the same day plan the same rows and only one insert wins; sending claims the row with a conditional
    update (pending to sending), so a digest is sent once. A failed send returns it to pending with a later
    `next_attempt_at`: delayed, never lost. `recipient` is the Ordna user at the address and `person` the HR
    file's person, when there is one; `mailbox` the role whose shared mailbox it is.
    """

    day = models.DateField()
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.MAIL)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="digests"
    )
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    mailbox = models.CharField(max_length=20, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, blank=True)
    name = models.CharField(max_length=150, blank=True)  # how the digest greeted them
    role = models.CharField(max_length=20, blank=True)  # the webhook's role
    address = models.CharField(max_length=254, blank=True)  # the mail address, in lower case
    language = models.CharField(max_length=2, default="en")
    items = models.JSONField(default=list)
    item_count = models.PositiveIntegerField(default=0)
    top_step = models.CharField(max_length=12, choices=Step.choices)
    state = models.CharField(max_length=10, choices=DigestState.choices, default=DigestState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["address", "day"], condition=Q(channel="mail"), name="digest_one_per_address_day"
            ),
            models.UniqueConstraint(
                fields=["role", "day"], condition=Q(channel="webhook"), name="digest_one_per_role_day"
            ),
            models.CheckConstraint(name="digest_known_state", condition=Q(state__in=DigestState.values)),
            models.CheckConstraint(name="digest_known_channel", condition=Q(channel__in=Channel.values)),
            models.CheckConstraint(name="digest_mail_has_address", condition=~Q(channel="mail") | ~Q(address="")),
            models.CheckConstraint(name="digest_sent_has_time", condition=~Q(state="sent") | Q(sent_at__isnull=False)),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="digest_state_next_idx"),
            models.Index(fields=["recipient", "day"], name="digest_recipient_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.address or self.role} {self.day}"


class AddressNotice(models.Model):
    """A person someone must remind who has no usable address in the HR file, and the day the IT
    coordinators were told (once: the notice is not repeated while it stands). Removed when the HR file
    gives the person a usable address again, so a later breakage is told again."""

    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="+")
    value = models.CharField(max_length=254, blank=True)  # what the HR file held
    first_seen = models.DateField()
    told_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"no address {self.person_id}"


class ReminderRun(models.Model):
    """One reminder run: when, what it found and how many digests it planned. The scheduled run claims its
    day (one per day, however many workers); runs from the command line or the web are recorded too."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        COMMAND = "command", _("Command line")
        WEB = "web", _("Web or API")

    day = models.DateField()
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    items = models.PositiveIntegerField(default=0)
    digests_planned = models.PositiveIntegerField(default=0)
    digests_new = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["day"], condition=Q(trigger="schedule"), name="reminderrun_one_scheduled")
        ]

    def __str__(self) -> str:
        return f"{self.trigger} {self.day}"


class CalendarFeed(models.Model):
    """A user's personal iCalendar feed: only the SHA-256 digest of its secret is stored (the URL is shown
    once); making a new one replaces the old URL."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"calendar {self.user_id}"
