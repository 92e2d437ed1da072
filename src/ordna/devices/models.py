"""Devices the organisation hands out and must collect when people leave."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DeviceKind(models.TextChoices):
    LAPTOP = "laptop", _("Laptop")
    PHONE = "phone", _("Phone")
    TABLET = "tablet", _("Tablet")
    TOKEN = "token", _("Security token")
    BADGE = "badge", _("Badge")


class DeviceStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    ISSUED = "issued", _("Issued")
    LOST = "lost", _("Lost")
    RETIRED = "retired", _("Retired")


class Device(models.Model):
    """A device with an asset tag; an issued device has a holder, whose leaver case must collect it."""

    asset_tag = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=10, choices=DeviceKind.choices)
    model = models.CharField(max_length=150, blank=True)
    serial = models.CharField(max_length=100, blank=True)
    holder = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="devices"
    )
    status = models.CharField(max_length=10, choices=DeviceStatus.choices, default=DeviceStatus.IN_STOCK)
    expected_return = models.DateField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["asset_tag"]
        constraints = [
            models.CheckConstraint(name="device_asset_tag_not_blank", condition=~Q(asset_tag="")),
            models.CheckConstraint(name="device_known_kind", condition=Q(kind__in=DeviceKind.values)),
            models.CheckConstraint(name="device_known_status", condition=Q(status__in=DeviceStatus.values)),
            # Issued means held by someone; in stock or retired means held by nobody; a lost device keeps
            # the holder who lost it.
            models.CheckConstraint(
                name="device_holder_matches_status",
                condition=Q(status="issued", holder__isnull=False)
                | Q(status__in=["in_stock", "retired"], holder__isnull=True)
                | Q(status="lost"),
            ),
        ]

    def __str__(self) -> str:
        return self.asset_tag


class DeviceHolding(models.Model):
    """One hand-out of a device to a person, from `issued_at` until it ended (`ended_at`: checked in, lost or
    retired): the history that says who held what at the end of any day, so a month's figure of devices not
    returned is the state at that month's end. Written by the device services; one open holding per device."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="holdings")
    holder = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="device_holdings")
    issued_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    # The day the device is expected back from this hand-out (a loan's end), when one was set; without one the
    # holder's last day is when it is due (devices.selectors.devices_not_returned).
    expected_return = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["device_id", "issued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["device"], condition=Q(ended_at__isnull=True), name="deviceholding_one_open_per_device"
            ),
            models.CheckConstraint(
                name="deviceholding_ends_after_it_starts",
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("issued_at")),
            ),
        ]
        indexes = [models.Index(fields=["holder", "issued_at"], name="deviceholding_holder_idx")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.holder_id} {self.issued_at:%Y-%m-%d}"
