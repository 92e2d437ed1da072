"""Suppliers: the companies that run applications and services for the organisation."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Supplier(models.Model):
    """A supplier company; its portal users (core.User.supplier) see only its own work."""

    name = models.CharField(max_length=200, unique=True)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(name="supplier_name_not_blank", condition=~Q(name=""))]

    def __str__(self) -> str:
        return self.name
