"""Reviews with a supplier: the (quarterly) meeting, its agenda generated from the data, its minutes, and the
action items agreed there (docs/suppliers.md).

Moved here from the suppliers app without touching data: the tables keep their names, and the audit chain keeps
naming these objects as it did before the move (`audit_type`).
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ordna.core.models import Supplier


class ReviewStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Review(models.Model):
    """A (quarterly) review meeting with a supplier: an agenda generated from the data and then edited,
    minutes, and the action items agreed."""

    audit_type: ClassVar[str] = "suppliers.review"

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="reviews")
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=90)
    location = models.CharField(max_length=200, blank=True)
    agenda = models.TextField(blank=True)
    minutes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PLANNED)
    # The iCalendar UID, stable over updates so calendars replace the invitation rather than add one.
    uid = models.CharField(max_length=100, unique=True)
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "suppliers_review"
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(name="review_known_status", condition=Q(status__in=ReviewStatus.values)),
            models.CheckConstraint(name="review_title_not_blank", condition=~Q(title="")),
        ]

    def __str__(self) -> str:
        return self.title


class ActionOwner(models.TextChoices):
    OURS = "ours", _("Ours")
    THEIRS = "theirs", _("The supplier's")


class ActionItem(models.Model):
    """Something agreed at a review, owned by us (a named person) or by the supplier, with a due date; open
    items are carried to the supplier's next agenda until closed."""

    audit_type: ClassVar[str] = "suppliers.actionitem"

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="action_items")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(max_length=300)
    owner_side = models.CharField(max_length=6, choices=ActionOwner.choices)
    owner_person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="review_actions"
    )
    due = models.DateField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=150, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        db_table = "suppliers_actionitem"
        ordering = ["due", "id"]
        constraints = [
            models.CheckConstraint(name="action_known_owner", condition=Q(owner_side__in=ActionOwner.values)),
            models.CheckConstraint(name="action_title_not_blank", condition=~Q(title="")),
            models.CheckConstraint(
                name="action_closed_says_who", condition=Q(closed_at__isnull=True) | ~Q(closed_by="")
            ),
        ]
        indexes = [
            models.Index(fields=["due"], condition=Q(closed_at__isnull=True), name="action_open_due_idx"),
            models.Index(fields=["supplier", "closed_at"], name="action_supplier_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
