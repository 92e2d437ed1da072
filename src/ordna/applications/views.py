"""Application pages: the catalogue and one application with its licences and accounts."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ordna.core import access
from ordna.core.web import capability, paginate, query_without_page, user_of


@capability("applications.list")
def application_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    apps = access.applications_scope(user_of(request))
    if q:
        apps = apps.filter(Q(name__icontains=q) | Q(slug__icontains=q))
    apps = apps.select_related("owner", "supplier").order_by("name")
    return render(
        request,
        "applications/list.html",
        {"page": paginate(request, apps), "q": q, "query": query_without_page(request)},
    )


@capability("applications.view")
def application_detail(request: HttpRequest, slug: str) -> HttpResponse:
    user = user_of(request)
    app = access.get_in_scope(access.applications_scope(user).select_related("owner", "supplier"), slug=slug)
    accounts = None
    if access.can(user, "accounts.list"):
        accounts = paginate(request, access.accounts_scope(user).filter(application=app).select_related("person"))
    counts = {
        "active": app.accounts_active,
        "disabled": app.accounts_disabled,
        "total": app.accounts_active + app.accounts_disabled + app.accounts_gone,
    }
    return render(
        request,
        "applications/detail.html",
        {
            "app": app,
            "licenses": app.licenses.all(),
            "accounts": accounts,
            "counts": counts,
            "show_licenses": access.can(user, "licenses.list"),
        },
    )
