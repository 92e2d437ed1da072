"""The navigation, showing only what the signed-in user may open."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ordna.core.access import can

# (url name, label, capability, view names that belong to the item: exact names or "prefix*")
NAVIGATION = (
    ("core:dashboard", _("Dashboard"), "dashboard", ("core:dashboard",)),
    ("people:list", _("People"), "people.list", ("people:list", "people:detail", "people:export")),
    ("applications:list", _("Applications"), "applications.list", ("applications:*",)),
    ("devices:list", _("Devices"), "devices.list", ("devices:*", "lifecycle:check_in")),
    ("lifecycle:board", _("Cases"), "cases.list", ("lifecycle:board", "lifecycle:detail", "lifecycle:certificate")),
    ("lifecycle:my_tasks", _("My tasks"), "tasks.mine", ("lifecycle:my_tasks",)),
    ("support:questions", _("Questions"), "questions.list", ("support:question*", "support:knowledge")),
    ("support:wishes", _("Wishes"), "wishes.list", ("support:wish*",)),
    ("support:surveys", _("Surveys"), "surveys.list", ("support:survey*",)),
    ("support:workload", _("Workload"), "workload.view", ("support:workload",)),
    ("support:insight", _("Insight"), "insight.view", ("support:insight",)),
    ("suppliers:list", _("Suppliers"), "suppliers.view", ("suppliers:list", "suppliers:detail")),
    ("suppliers:contracts", _("Contracts"), "contracts.list", ("suppliers:contract*", "suppliers:service_level*")),
    ("suppliers:reviews", _("Reviews"), "reviews.list", ("suppliers:review*", "suppliers:action*")),
    ("releases:list", _("Releases"), "releases.list", ("releases:*",)),
    ("accounts:findings", _("Findings"), "findings.list", ("accounts:finding*",)),
    ("accounts:review", _("Review"), "accounts.review", ("accounts:review*",)),
    ("reports:dashboard", _("Reports"), "reports.view", ("reports:*",)),
    ("connectors:outbox", _("Outbox"), "outbox.list", ("connectors:*",)),
    ("core:imports", _("Imports"), "imports.history", ("core:imports", "people:import*", "accounts:import*")),
    ("lifecycle:templates", _("Templates"), "templates.view", ("lifecycle:template*",)),
    ("core:users", _("Users"), "users.manage", ("core:user*",)),
    ("core:audit", _("Audit log"), "audit.view", ("core:audit",)),
    ("notifications:log", _("Reminders"), "notifications.log", ("notifications:*",)),
)


def _belongs(view_name: str, patterns: tuple[str, ...]) -> bool:
    return any(view_name.startswith(p[:-1]) if p.endswith("*") else view_name == p for p in patterns)


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    current = request.resolver_match.view_name if request.resolver_match else ""
    items = [
        {"url": reverse(name), "label": label, "current": _belongs(current, views)}
        for name, label, cap, views in NAVIGATION
        if can(user, cap)
    ]
    return {"navigation": items}
