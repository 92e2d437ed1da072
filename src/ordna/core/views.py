"""Core pages: sign-in, dashboard, language, users, audit log, import history, health."""

from __future__ import annotations

import sys

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordna.core import selectors, services
from ordna.core.access import can
from ordna.core.actor import Actor
from ordna.core.busy import is_lock_timeout
from ordna.core.clock import today
from ordna.core.forms import LanguageForm, LoginForm, UserForm
from ordna.core.middleware import database_busy_response
from ordna.core.models import User
from ordna.core.web import capability, paginate, user_of
from ordna.suppliers.services import SupplierError, supplier_get_or_add


def health(request: HttpRequest) -> HttpResponse:
    """For load balancers and the page-speed benchmark: no database, no session."""
    return JsonResponse({"status": "ok"})


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        candidate = User.objects.filter(username__iexact=username).first()
        if candidate is not None and services.login_locked(candidate):
            form.add_error(None, _("Too many failed attempts. Try again later."))
        else:
            user = authenticate(
                request, username=candidate.username if candidate else username, password=form.cleaned_data["password"]
            )
            if user is None:
                if candidate is not None:
                    services.login_failed(candidate)
                form.add_error(None, _("Wrong username or password."))
            else:
                services.login_succeeded(user)
                login(request, user)
                if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                    next_url = ""
                return redirect(next_url or "core:dashboard")
    return render(request, "core/login.html", {"form": form, "next": next_url}, status=200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("core:login")


@require_POST
def language_view(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = redirect(target)
    if form.is_valid():
        language = form.cleaned_data["language"]
        if user_of(request).is_authenticated:
            services.user_set_locale(user=user_of(request), locale=language)
        response.set_cookie("django_language", language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@capability("dashboard")
def dashboard(request: HttpRequest) -> HttpResponse:
    from ordna.core import access
    from ordna.suppliers.selectors import contract_alerts

    user = user_of(request)
    figures = selectors.dashboard_figures(user, today=today())
    # Our decisions due on contracts: not for the supplier's own users (see suppliers.views.contract_detail).
    internal = access.can(user, "contracts.list") and user.supplier_id is None
    alerts = contract_alerts(access.contracts_scope(user), today=today()) if internal else []
    return render(request, "core/dashboard.html", {"figures": figures, "today": today(), "contract_alerts": alerts})


@capability("users.manage")
def users(request: HttpRequest) -> HttpResponse:
    return render(request, "core/users.html", {"page": paginate(request, selectors.users_list())})


def _form_links(form: UserForm, *, create_supplier: bool = False) -> tuple[int | None, int | None]:
    """Resolve the employee id and supplier name of the form to ids, adding field errors when unknown
    (an unknown supplier is no error when it is to be registered with the new user)."""
    from ordna.people.models import Person
    from ordna.suppliers.models import Supplier

    person_id = supplier_id = None
    employee_id = form.cleaned_data.get("person", "").strip()
    if employee_id:
        person_id = Person.objects.filter(employee_id=employee_id).values_list("id", flat=True).first()
        if person_id is None:
            form.add_error("person", _("No person has employee id %(id)s.") % {"id": employee_id})
    supplier_name = form.cleaned_data.get("supplier", "").strip()
    if supplier_name:
        supplier_id = Supplier.objects.filter(name__iexact=supplier_name).values_list("id", flat=True).first()
        if supplier_id is None and not create_supplier:
            form.add_error("supplier", _("No supplier is named %(name)s.") % {"name": supplier_name})
    return person_id, supplier_id


@capability("users.manage")
def user_add(request: HttpRequest) -> HttpResponse:
    form = UserForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        person_id, _supplier_id = _form_links(form, create_supplier=True)
        if not form.errors:
            actor = Actor.for_user(user_of(request))
            try:
                with transaction.atomic():  # a new supplier only stays if its user is made
                    supplier_id, created = None, False
                    if form.cleaned_data["supplier"].strip():
                        if "supplier" not in form.cleaned_data["roles"]:
                            raise services.UserError(_("Only supplier users belong to a supplier."))
                        supplier, created = supplier_get_or_add(name=form.cleaned_data["supplier"], actor=actor)
                        supplier_id = supplier.pk
                    user = services.user_add(
                        username=form.cleaned_data["username"],
                        roles=form.cleaned_data["roles"],
                        actor=actor,
                        person_id=person_id,
                        supplier_id=supplier_id,
                        email=form.cleaned_data["email"],
                        password=form.cleaned_data["password"] or None,
                    )
            except (services.UserError, SupplierError) as exc:
                form.add_error(None, str(exc))
            else:
                if created:
                    messages.info(request, _("Supplier %(name)s was registered.") % {"name": supplier.name})
                messages.success(request, _("User %(name)s was created.") % {"name": user.username})
                return redirect("core:users")
    return render(request, "core/user_form.html", {"form": form, "editing": None})


@capability("users.manage")
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    initial = {
        "username": user.username,
        "email": user.email,
        "roles": sorted(user.role_set),
        "person": user.person.employee_id if user.person else "",
        "supplier": user.supplier.name if user.supplier else "",
        "is_active": user.is_active,
    }
    form = UserForm(request.POST or None, initial=initial)
    form.fields["username"].disabled = True
    if request.method == "POST" and form.is_valid():
        person_id, supplier_id = _form_links(form)
        if not form.errors:
            actor = Actor.for_user(user_of(request))
            try:
                services.user_update(
                    user=user,
                    actor=actor,
                    roles=form.cleaned_data["roles"],
                    person_id=person_id,
                    supplier_id=supplier_id,
                    email=form.cleaned_data["email"],
                    is_active=form.cleaned_data["is_active"],
                )
                if form.cleaned_data["password"]:
                    services.user_set_password(user=user, password=form.cleaned_data["password"], actor=actor)
            except services.UserError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("User %(name)s was saved.") % {"name": user.username})
                return redirect("core:users")
    return render(request, "core/user_form.html", {"form": form, "editing": user})


@capability("audit.view")
def audit(request: HttpRequest) -> HttpResponse:
    return render(request, "core/audit.html", {"page": paginate(request, selectors.audit_events())})


@capability("imports.history")
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One import run: who ran it, its counts, its errors and its diff."""
    run = get_object_or_404(selectors.import_runs(), pk=pk)
    return render(request, "core/import_detail.html", {"run": run})


@capability("imports.history")
def imports(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/imports.html",
        {
            "page": paginate(request, selectors.import_runs()),
            "can_import": can(user_of(request), "people.import"),
            "can_import_accounts": can(user_of(request), "accounts.import"),
        },
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 page, unless the error was a database lock held too long outside a view (saving the session
    after the answer was made): that is the busy database's 503, as in views (ordna.core.middleware)."""
    error = sys.exc_info()[1]
    if error is not None and is_lock_timeout(error):
        return database_busy_response(request)
    return HttpResponseServerError(loader.get_template("500.html").render())
