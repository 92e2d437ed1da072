"""Core pages: sign-in, language, audit log, import history, the companies of the group, health. The dashboard
and the user administration, which compose several apps, are in ordna.home."""

from __future__ import annotations

import sys
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordna.core import second_factor, selectors, services, sign_in_guard
from ordna.core.access import can, companies_scope
from ordna.core.actor import Actor
from ordna.core.busy import is_lock_timeout
from ordna.core.companies import CompanyError, company_save
from ordna.core.forms import CodeForm, CompanyForm, LanguageForm, LoginForm
from ordna.core.heartbeat import readiness
from ordna.core.import_results import import_results_shown
from ordna.core.middleware import database_busy_response
from ordna.core.models import Company, User
from ordna.core.oidc import oidc_enabled
from ordna.core.web import capability, client_address, paginate, refused, user_of

# The session key of a sign-in whose password was right and whose second factor is asked for, and how long
# that step may take.
PENDING = "ordna_pending_sign_in"
PENDING_SECONDS = 300


def health(request: HttpRequest) -> HttpResponse:
    """For load balancers and the page-speed benchmark: no database, no session."""
    return JsonResponse({"status": "ok"})


def ready(request: HttpRequest) -> HttpResponse:
    """For monitoring: 200 when the database answers and a worker beat its heart in the last minutes, else 503
    with what is wrong (docs/operations.md)."""
    state = readiness(now=timezone.now())
    return JsonResponse(
        {"status": "ok" if state.ready else "not ready", "database": state.database, "worker": state.worker},
        status=200 if state.ready else 503,
    )


def login_view(request: HttpRequest) -> HttpResponse:
    """Name and password; then the second factor's code for a user who set one up (core:login_code). Every
    refusal answers the same sentence after the same work (ordna.core.sign_in_guard)."""
    form = LoginForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.method == "POST" and form.is_valid():
        user = sign_in_guard.password_check(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            address=client_address(request),
        )
        if user is None:
            form.add_error(None, str(sign_in_guard.REFUSED))
        elif second_factor.confirmed(user):
            request.session[PENDING] = {"user": user.pk, "next": next_url, "at": int(time.time())}
            return redirect("core:login_code")
        else:
            return _signed_in(request, user, next_url, with_second_factor=False)
    return render(request, "core/login.html", {"form": form, "next": next_url, "oidc": oidc_enabled()}, status=200)


def _signed_in(request: HttpRequest, user: User, next_url: str, *, with_second_factor: bool) -> HttpResponse:
    sign_in_guard.success_record(user)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[sign_in_guard.SEEN] = int(time.time())
    request.session[sign_in_guard.SECOND_FACTOR_DONE] = with_second_factor
    return redirect(next_url or settings.LOGIN_REDIRECT_URL)


def login_code(request: HttpRequest) -> HttpResponse:
    """The second step of a local sign-in: a code from the authenticator app or a recovery code. A wrong code is
    a failed sign-in for throttling; the step lasts PENDING_SECONDS."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return redirect("core:login")
    user = User.objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()
    if user is None:
        request.session.pop(PENDING, None)
        return redirect("core:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        if (
            not sign_in_guard.address_locked(address)
            and not sign_in_guard.user_locked(user)
            and second_factor.code_verify(user=user, code=form.cleaned_data["code"])
        ):
            request.session.pop(PENDING, None)
            return _signed_in(request, user, str(pending.get("next") or ""), with_second_factor=True)
        sign_in_guard.failure_record(address=address, user=user)
        form.add_error(None, str(sign_in_guard.REFUSED))
    return render(request, "core/login_code.html", {"form": form})


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


@capability("audit.view")
def audit(request: HttpRequest) -> HttpResponse:
    return render(request, "core/audit.html", {"page": paginate(request, selectors.audit_events())})


@capability("imports.history")
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One import run: who ran it, its counts, its errors and its diff, and what it set off in the apps above
    (ordna.core.import_results: the cases an HR import opened)."""
    run = get_object_or_404(selectors.import_runs(), pk=pk)
    sections = import_results_shown(user_of(request), run)
    return render(request, "core/import_detail.html", {"run": run, "sections": sections})


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


@capability("companies.list")
def companies(request: HttpRequest) -> HttpResponse:
    """The companies of the group, with how many people each has; IT adds one here."""
    user = user_of(request)
    may_edit = can(user, "companies.edit")
    form = CompanyForm(request.POST or None) if may_edit else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                company = company_save(
                    actor=Actor.for_user(user),
                    code=form.cleaned_data["code"],
                    name=form.cleaned_data["name"],
                    country=form.cleaned_data["country"],
                    language=form.cleaned_data["language"],
                    mail_domains=form.domains(),
                )
            except CompanyError as exc:
                refused(form, exc)
            else:
                messages.success(request, _("Company %(name)s was added.") % {"name": company.name})
                return redirect("core:companies")
    rows = companies_scope(user).annotate(people_count=Count("people"))
    return render(
        request,
        "core/companies.html",
        {"companies": rows, "form": form, "may_edit": may_edit},
        status=422 if form is not None and form.errors else 200,
    )


@capability("companies.edit")
def company_edit(request: HttpRequest, code: str) -> HttpResponse:
    company = get_object_or_404(Company, code=code)
    initial = {
        "code": company.code,
        "name": company.name,
        "country": company.country,
        "language": company.language,
        "mail_domains": " ".join(company.mail_domains),
    }
    form = CompanyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            company_save(
                actor=Actor.for_user(user_of(request)),
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                country=form.cleaned_data["country"],
                language=form.cleaned_data["language"],
                mail_domains=form.domains(),
                company=company,
            )
        except CompanyError as exc:
            refused(form, exc)
        else:
            messages.success(request, _("Company %(name)s was saved.") % {"name": company.name})
            return redirect("core:companies")
    return render(
        request, "core/company_form.html", {"form": form, "company": company}, status=422 if form.errors else 200
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 page, unless the error was a database lock held too long outside a view (saving the session
    after the answer was made): that is the busy database's 503, as in views (ordna.core.middleware)."""
    error = sys.exc_info()[1]
    if error is not None and is_lock_timeout(error):
        return database_busy_response(request)
    return HttpResponseServerError(loader.get_template("500.html").render())
