"""Which devices a user may see (docs/roles.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from ordna.core.access import ORG_WIDE_READERS, in_companies
from ordna.devices.models import Device
from ordna.people.scopes import people_scope

if TYPE_CHECKING:
    from ordna.core.models import User


def devices_scope(user: User) -> QuerySet[Device]:
    """All devices for HR, IT and auditors; else those held by the people the user sees. A user scoped to
    companies sees only the devices their people hold."""
    devices = Device.objects.filter(in_companies(user, "holder__company"))
    if user.has_role(*ORG_WIDE_READERS):
        return devices
    return devices.filter(holder__in=people_scope(user))
