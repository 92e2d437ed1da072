"""The navigation, showing only what the signed-in user may open."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ordna.core.access import can

NAVIGATION = (
    ("core:dashboard", _("Dashboard"), "dashboard"),
    ("people:list", _("People"), "people.list"),
    ("applications:list", _("Applications"), "applications.list"),
    ("devices:list", _("Devices"), "devices.list"),
    ("core:imports", _("Imports"), "imports.history"),
    ("core:users", _("Users"), "users.manage"),
    ("core:audit", _("Audit log"), "audit.view"),
)


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    current = request.resolver_match.view_name if request.resolver_match else ""
    items = [{"url": reverse(name), "label": label, "current": current.split(":")[0] == name.split(":")[0]
              and (current == name or name.split(":")[0] not in {"core", "people"})}
             for name, label, cap in NAVIGATION if can(user, cap)]
    return {"navigation": items}
