"""The navigation, showing only what the signed-in user may open."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ordna.core.access import can

# (url name, label, capability, view names that belong to the item: exact names or "prefix*")
NAVIGATION = (
    ("home:dashboard", _("Dashboard"), "dashboard", ("home:dashboard",)),
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
    ("suppliers:list", _("Suppliers"), "suppliers.view", ("suppliers:list", "reviews:supplier_detail")),
    ("suppliers:contracts", _("Contracts"), "contracts.list", ("suppliers:contract*", "suppliers:service_level*")),
    (
        "suppliers:agreements",
        _("Processors"),
        "processors.list",
        ("suppliers:agreement*", "suppliers:subprocessor*", "suppliers:processing*"),
    ),
    (
        "reviews:list",
        _("Reviews"),
        "reviews.list",
        ("reviews:list", "reviews:add", "reviews:detail", "reviews:action*"),
    ),
    ("releases:list", _("Releases"), "releases.list", ("releases:*",)),
    ("accounts:findings", _("Findings"), "findings.list", ("accounts:finding*",)),
    ("accounts:review", _("Review"), "accounts.review", ("accounts:review*",)),
    ("reports:dashboard", _("Reports"), "reports.view", ("reports:*",)),
    ("connectors:outbox", _("Outbox"), "outbox.list", ("connectors:*",)),
    ("people:import", _("HR import"), "people.import", ("people:import*",)),
    ("core:imports", _("Imports"), "imports.history", ("core:imports", "accounts:import*")),
    ("feeds:health", _("Source health"), "feeds.view", ("feeds:*",)),
    ("lifecycle:templates", _("Templates"), "templates.view", ("lifecycle:template*",)),
    ("home:users", _("Users"), "users.manage", ("home:user*",)),
    ("core:companies", _("Companies"), "companies.list", ("core:compan*",)),
    ("core:audit", _("Audit log"), "audit.view", ("core:audit",)),
    ("notifications:log", _("Reminders"), "notifications.log", ("notifications:*",)),
    ("home:privacy", _("Privacy"), "privacy.manage", ("home:privacy", "home:erasure*")),
)


# Sections of the top bar: (label, url names of their items in NAVIGATION, in order). A section shows when the user
# may open one of its items; with only one, the item itself stands in the top bar. The current section's items
# are a second row.
SECTIONS = (
    (_("Overview"), ("home:dashboard", "reports:dashboard")),
    (_("People"), ("people:list", "people:import", "devices:list")),
    (_("Joiners and leavers"), ("lifecycle:my_tasks", "lifecycle:board", "lifecycle:templates", "connectors:outbox")),
    (_("Accounts"), ("applications:list", "accounts:findings", "accounts:review", "core:imports", "feeds:health")),
    (_("Key users"), ("support:questions", "support:wishes", "support:surveys", "support:workload", "support:insight")),
    (
        _("Suppliers"),
        ("suppliers:list", "suppliers:contracts", "suppliers:agreements", "reviews:list", "releases:list"),
    ),
    (_("Administration"), ("home:users", "core:companies", "core:audit", "notifications:log", "home:privacy")),
)


# The key users' section as everyone else meets it: an employee asks questions, proposes wishes and answers
# surveys there, and is no key user.
KEY_USERS_SECTION = "support:questions"
ASKERS_LABEL = _("Questions, wishes and surveys")


def _belongs(view_name: str, patterns: tuple[str, ...]) -> bool:
    return any(view_name.startswith(p[:-1]) if p.endswith("*") else view_name == p for p in patterns)


def navigation(request: HttpRequest) -> dict[str, object]:
    """`navigation`: the top bar's sections (label, url, current); `subnavigation`: the current section's
    items when it has more than one, with `subnavigation_label` naming it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    current = request.resolver_match.view_name if request.resolver_match else ""
    items = {
        name: {"url": reverse(name), "label": label, "current": _belongs(current, views)}
        for name, label, cap, views in NAVIGATION
        if can(user, cap)
    }
    sections, subnavigation, subnavigation_label = [], [], ""
    for label, names in SECTIONS:
        visible = [items[name] for name in names if name in items]
        if not visible:
            continue
        here = any(item["current"] for item in visible)
        if names[0] == KEY_USERS_SECTION and not can(user, "questions.handle"):
            label = ASKERS_LABEL
        if len(visible) == 1:
            sections.append(visible[0])
            continue
        sections.append({"url": visible[0]["url"], "label": label, "current": here})
        if here:
            subnavigation, subnavigation_label = visible, str(label)
    return {"navigation": sections, "subnavigation": subnavigation, "subnavigation_label": subnavigation_label}
