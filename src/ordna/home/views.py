"""The pages that compose several apps: the dashboard; a person with their accounts and devices; an application
with its accounts, key users, questions and wishes; and the user administration (users link to people and
suppliers). The person and application pages keep their URL names (people:detail, applications:detail):
ordna/urls.py puts them into those apps' namespaces."""

from __future__ import annotations

import time
from datetime import date

from authlib.integrations.base_client.errors import OAuthError  # type: ignore[import-untyped]
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from joserfc.errors import JoseError

from ordna.accounts.scopes import accounts_scope
from ordna.applications.models import Responsibility
from ordna.applications.scopes import applications_scope, company_scope
from ordna.core import access, second_factor, services, sign_in_guard
from ordna.core import selectors as core_selectors
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.companies import CompanyError, user_companies_set
from ordna.core.formats import short_date
from ordna.core.forms import LoginForm
from ordna.core.models import ApiToken, Role, Supplier, User
from ordna.core.oidc import SignInRefused, oidc_client, oidc_enabled
from ordna.core.services import SupplierError, supplier_get_or_add
from ordna.core.web import capability, paginate, refused, user_of
from ordna.devices.scopes import devices_scope
from ordna.home import selectors, sign_in
from ordna.home.checklist import first_run
from ordna.home.forms import TokenForm, UserForm
from ordna.home.retention import person_privacy
from ordna.home.work import role_work
from ordna.lifecycle.case_templates import leaver_template_default_add
from ordna.lifecycle.scopes import cases_scope
from ordna.people.models import Person
from ordna.people.scopes import people_scope
from ordna.people.selectors import person_status_of
from ordna.people.services import PersonError, person_end_date_set
from ordna.suppliers.processing_gaps import processing_gaps
from ordna.suppliers.scopes import contracts_scope
from ordna.suppliers.selectors import contract_alerts
from ordna.support.scopes import questions_scope, wishes_scope


@capability("dashboard")
def dashboard(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    figures = selectors.dashboard_figures(user, today=today())
    # Our decisions due on contracts: not for the supplier's own users (see suppliers.views.contract_detail).
    internal = access.can(user, "contracts.list") and user.supplier_id is None
    alerts = contract_alerts(contracts_scope(user), today=today()) if internal else []
    # The processors' gaps (docs/processors.md): missing, expired and overdue, for IT and the auditor.
    gaps = processing_gaps(today=today(), application_filter=company_scope(user)) if internal else None
    work = selectors.supplier_work(user, today=today(), now=timezone.now())
    own_work = role_work(user, today=today())
    # The first-run checklist and the "reach nobody" warning: for who sets Ordna up.
    first = first_run(today=today(), only=company_scope(user)) if user.has_role(Role.ADMIN, Role.COORDINATOR) else None
    return render(
        request,
        "home/dashboard.html",
        {
            "figures": figures,
            "today": today(),
            "contract_alerts": alerts,
            "processor_gaps": gaps,
            "supplier_work": work,
            "own_work": own_work,
            "lead_days": settings.ORDNA_LEAVER_LEAD_DAYS,
            "first_run": first,
            "can_add_template": access.can(user, "templates.edit"),
        },
    )


@capability("templates.edit")
@require_POST
def leaver_template_default(request: HttpRequest) -> HttpResponse:
    """The checklist's button: add the default leaver template, in the organisation's language."""
    template = leaver_template_default_add(actor=Actor.for_user(user_of(request)), language=settings.LANGUAGE_CODE)
    if template is None:
        messages.info(request, _("A leaver template exists already; nothing was added."))
        return redirect("lifecycle:templates")
    messages.success(request, _("The default leaver template is added: change its tasks to fit."))
    return redirect("lifecycle:template_detail", pk=template.pk)


@capability("people.view")
def person_detail(request: HttpRequest, employee_id: str) -> HttpResponse:
    return _person_page(request, employee_id)


def _person_page(request: HttpRequest, employee_id: str, *, error: str = "", status: int = 200) -> HttpResponse:
    """A person: their accounts, devices and cases, and (for HR) their last day to set by hand."""
    person: Person = access.get_in_scope(
        people_scope(user_of(request)).select_related("manager", "company"), employee_id=employee_id
    )
    user = user_of(request)
    accounts = accounts_scope(user).filter(person=person).select_related("application")
    devices = devices_scope(user).filter(holder=person)
    reports = people_scope(user).filter(manager=person)
    cases = cases_scope(user).filter(person=person).order_by("-effective_date", "-id")
    context = {
        "person": person,
        "status": person_status_of(person, today=today()),
        "accounts": accounts if access.can(user, "accounts.list") else None,
        "devices": devices if access.can(user, "devices.list") else None,
        "cases": cases if access.can(user, "cases.view") else None,
        "reports": reports[:100],
        "reports_total": reports.count(),
        "can_set_end_date": access.can(user, "people.end_date"),
        "end_date_error": error,
        "posted": request.POST if error else {},
        "privacy": person_privacy(person) if access.can(user, "privacy.manage") else None,
    }
    return render(request, "home/person.html", context, status=status)


@capability("people.end_date")
@require_POST
def person_end_date(request: HttpRequest, employee_id: str) -> HttpResponse:
    """HR sets, moves or removes a last day by hand, with a reason; a refusal shows the page with why (422)."""
    person: Person = access.get_in_scope(people_scope(user_of(request)), employee_id=employee_id)
    raw = request.POST.get("end_date", "").strip()
    try:
        end_date = date.fromisoformat(raw) if raw else None
    except ValueError:
        message = _("Last day: %(value)s is not a date (YYYY-MM-DD).") % {"value": raw}
        return _person_page(request, employee_id, error=message, status=422)
    try:
        person_end_date_set(
            person=person,
            end_date=end_date,
            reason=request.POST.get("reason", ""),
            actor=Actor.for_user(user_of(request)),
            today=today(),
        )
    except PersonError as exc:
        return _person_page(request, employee_id, error=str(exc), status=422)
    if end_date is None:
        messages.success(request, _("The last day is removed; an open leaver case is cancelled."))
    else:
        messages.success(request, _("The last day is now %(date)s.") % {"date": short_date(end_date)})
    return redirect("people:detail", employee_id=employee_id)


@capability("applications.view")
def application_detail(request: HttpRequest, slug: str) -> HttpResponse:
    user = user_of(request)
    app = access.get_in_scope(applications_scope(user).select_related("owner", "supplier", "company"), slug=slug)
    accounts = None
    if access.can(user, "accounts.list"):
        accounts = paginate(request, accounts_scope(user).filter(application=app).select_related("person"))
    counts = {
        "active": app.accounts_active,
        "disabled": app.accounts_disabled,
        "total": app.accounts_active + app.accounts_disabled + app.accounts_gone,
    }
    day = today()
    appointments = [a for a in app.appointments.select_related("person") if a.ends_on is None or a.ends_on >= day]
    responsibilities = dict(Responsibility.choices)
    for a in appointments:
        a.responsibility_labels = [responsibilities.get(r, r) for r in a.responsibilities]  # type: ignore[attr-defined]
    questions = questions_scope(user).filter(application=app).select_related("assignee")[:10]
    wishes = wishes_scope(user).filter(application=app)[:10] if access.can(user, "wishes.list") else None
    return render(
        request,
        "home/application.html",
        {
            "app": app,
            "licenses": app.licenses.all(),
            "accounts": accounts,
            "counts": counts,
            "show_licenses": access.can(user, "licenses.list"),
            "appointments": appointments,
            "today": day,
            "questions": questions,
            "wishes": wishes,
            "can_edit": access.can(user, "applications.edit"),
            "can_price": access.can(user, "licenses.edit"),
            "can_connect": access.can(user, "connectors.manage"),
            "can_appoint": access.can(user, "appointments.edit"),
            "can_ask": access.can(user, "questions.ask") and user.person_id is not None,
        },
    )


@capability("users.manage")
def users(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "home/users.html",
        {
            "page": paginate(request, selectors.users_list()),
            "now": timezone.now(),
            "locked_addresses": sign_in_guard.locked_addresses(),
        },
    )


def _form_links(form: UserForm, *, create_supplier: bool = False) -> tuple[Person | None, int | None]:
    """Resolve the employee id and supplier name of the form to the person and the supplier's id, adding field
    errors when unknown (an unknown supplier is no error when it is to be registered with the new user)."""
    person = supplier_id = None
    employee_id = form.cleaned_data.get("person", "").strip()
    if employee_id:
        person = Person.objects.filter(employee_id=employee_id).only("id", "locale").first()
        if person is None:
            form.add_error("person", _("No person has employee id %(id)s.") % {"id": employee_id})
    supplier_name = form.cleaned_data.get("supplier", "").strip()
    if supplier_name:
        supplier_id = Supplier.objects.filter(name__iexact=supplier_name).values_list("id", flat=True).first()
        if supplier_id is None and not create_supplier:
            form.add_error("supplier", _("No supplier is named %(name)s.") % {"name": supplier_name})
    return person, supplier_id


@capability("users.manage")
def user_add(request: HttpRequest) -> HttpResponse:
    form = UserForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        person, _supplier_id = _form_links(form, create_supplier=True)
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
                        person_id=person.pk if person else None,
                        supplier_id=supplier_id,
                        email=form.cleaned_data["email"],
                        password=form.cleaned_data["password"] or None,
                        locale=person.locale if person else "",
                    )
                    if form.cleaned_data["companies"]:
                        user_companies_set(user=user, companies=form.cleaned_data["companies"], actor=actor)
            except (services.UserError, SupplierError, CompanyError) as exc:
                refused(form, exc)
            else:
                if created:
                    messages.info(request, _("Supplier %(name)s was registered.") % {"name": supplier.name})
                messages.success(request, _("User %(name)s was created.") % {"name": user.username})
                return redirect("home:users")
    return render(request, "home/user_form.html", {"form": form, "editing": None})


def _user_initial(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "email": user.email,
        "roles": sorted(user.role_set),
        "person": user.person.employee_id if user.person else "",
        "supplier": user.supplier.name if user.supplier else "",
        "is_active": user.is_active,
        "companies": list(user.companies.all()),
    }


@capability("users.manage")
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    form = UserForm(request.POST or None, initial=_user_initial(user))
    form.fields["username"].disabled = True
    if request.method == "POST" and form.is_valid():
        person, supplier_id = _form_links(form)
        if not form.errors:
            actor = Actor.for_user(user_of(request))
            try:
                with transaction.atomic():
                    services.user_update(
                        user=user,
                        actor=actor,
                        roles=form.cleaned_data["roles"],
                        person_id=person.pk if person else None,
                        supplier_id=supplier_id,
                        email=form.cleaned_data["email"],
                        is_active=form.cleaned_data["is_active"],
                    )
                    if set(form.cleaned_data["companies"]) != set(user.companies.all()):
                        user_companies_set(user=user, companies=form.cleaned_data["companies"], actor=actor)
                if form.cleaned_data["password"]:
                    services.user_set_password(user=user, password=form.cleaned_data["password"], actor=actor)
            except (services.UserError, CompanyError) as exc:
                refused(form, exc)
            else:
                messages.success(request, _("User %(name)s was saved.") % {"name": user.username})
                return redirect("home:users")
    return _user_page(request, user, form)


def _user_page(request: HttpRequest, user: User, form: UserForm | None = None, *, new_token: str = "") -> HttpResponse:
    """The user's page: the form, whether sign-in is locked, and the API tokens (a new one shown once)."""
    if form is None:
        form = UserForm(initial=_user_initial(user))
        form.fields["username"].disabled = True
    now = timezone.now()
    tokens = [(token, token.state(now)) for token in core_selectors.api_tokens(user=user)]
    return render(
        request,
        "home/user_form.html",
        {
            "form": form,
            "editing": user,
            "locked": services.login_locked(user),
            "has_factor": second_factor.confirmed(user),
            "tokens": tokens,
            "new_token": new_token,
            "token_form": TokenForm(),
        },
    )


@capability("users.manage")
@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    try:
        was_locked = services.user_unlock(user=user, actor=Actor.for_user(user_of(request)))
    except services.UserError as exc:
        messages.error(request, str(exc))
    else:
        if was_locked:
            messages.success(request, _("User %(name)s may sign in again.") % {"name": user.username})
        else:
            messages.info(request, _("User %(name)s was not locked.") % {"name": user.username})
    return redirect("home:user_edit", pk=user.pk)


@capability("users.manage")
@require_POST
def user_sign_out_everywhere(request: HttpRequest, pk: int) -> HttpResponse:
    """End every session of the user, on their behalf (a lost laptop)."""
    user = get_object_or_404(User, pk=pk)
    try:
        ended = services.user_sign_out_everywhere(user=user, actor=Actor.for_user(user_of(request)))
    except services.UserError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            ngettext(
                "User %(name)s was signed out of %(count)s session.",
                "User %(name)s was signed out of %(count)s sessions.",
                ended,
            )
            % {"name": user.username, "count": ended},
        )
    if user == user_of(request):
        return redirect("core:login")
    return redirect("home:user_edit", pk=user.pk)


@capability("users.manage")
@require_POST
def user_second_factor_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove the user's second factor (a lost phone): they sign in with their password and, if their role
    requires one, set up a new one at once."""
    user = get_object_or_404(User, pk=pk)
    try:
        removed = second_factor.second_factor_remove(user=user, actor=Actor.for_user(user_of(request)))
    except services.UserError as exc:
        messages.error(request, str(exc))
    else:
        if removed:
            messages.success(request, _("The second factor of %(name)s was removed.") % {"name": user.username})
    return redirect("home:user_edit", pk=user.pk)


@capability("users.manage")
@require_POST
def address_unlock(request: HttpRequest) -> HttpResponse:
    address = request.POST.get("address", "").strip()
    if sign_in_guard.address_unlock(address=address, actor=Actor.for_user(user_of(request))):
        messages.success(request, _("Sign-in from %(address)s is possible again.") % {"address": address})
    else:
        messages.info(request, _("%(address)s was not locked.") % {"address": repr(address)})
    return redirect("home:users")


@capability("users.manage")
@require_POST
def user_token_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new API token for the user, shown once on the page that answers (never stored, never in a message)."""
    user = get_object_or_404(User, pk=pk)
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token = services.token_create(
                user=user, actor=Actor.for_user(user_of(request)), name=form.cleaned_data["name"]
            )
        except services.UserError as exc:
            messages.error(request, str(exc))
        else:
            response = _user_page(request, user, new_token=token)
            response["Cache-Control"] = "no-store"
            return response
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("home:user_edit", pk=user.pk)


@capability("users.manage")
@require_POST
def user_token_revoke(request: HttpRequest, pk: int, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=token_id, user_id=pk)
    try:
        services.token_revoke(token=token, actor=Actor.for_user(user_of(request)))
    except services.UserError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The token %(prefix)s… was revoked.") % {"prefix": token.prefix})
    return redirect("home:user_edit", pk=pk)


# Sign-in with the organisation's identity provider (core/oidc.py does the protocol, sign_in.py the rest) -------


def oidc_start(request: HttpRequest) -> HttpResponse:
    """Off to the provider, with state, nonce and PKCE kept in the session; `next` waits there too."""
    if not oidc_enabled():
        raise Http404
    next_url = request.GET.get("next", "")
    request.session["oidc_next"] = (
        next_url if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}) else ""
    )
    try:
        client = oidc_client()
        response: HttpResponse = client.authorize_redirect(request, settings.BASE_URL + reverse("home:oidc_callback"))
        return response
    except (SignInRefused, OSError, OAuthError, ValueError) as exc:
        return _sign_in_refused(request, str(exc), status=502)


def oidc_callback(request: HttpRequest) -> HttpResponse:
    """Back from the provider: the code for tokens, the ID token verified, the user made or refused."""
    if not oidc_enabled():
        raise Http404
    try:
        client = oidc_client()
        token = client.authorize_access_token(request)
        claims = dict(token.get("userinfo") or {})
        claims.update(client.userinfo(token=token))  # groups may come only from the userinfo endpoint
        if claims.get("sub") != token["userinfo"]["sub"]:
            raise SignInRefused(_("The userinfo endpoint answered for someone else."))
        user = sign_in.oidc_user_sign_in(identity=sign_in.identity_from_claims(claims), today=today())
    except SignInRefused as exc:
        return _sign_in_refused(request, str(exc), status=403)
    except (OSError, OAuthError, JoseError, KeyError, TypeError, ValueError) as exc:
        return _sign_in_refused(
            request, _("The provider's answer could not be verified (%(error)s).") % {"error": exc}, status=400
        )
    next_url = request.session.pop("oidc_next", "")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    # The provider vouched for the user: its own second factor, if any, is its business (docs/sign-in.md).
    request.session[sign_in_guard.VIA_PROVIDER] = True
    request.session[sign_in_guard.SEEN] = int(time.time())
    return redirect(next_url or settings.LOGIN_REDIRECT_URL)


def _sign_in_refused(request: HttpRequest, reason: str, *, status: int) -> HttpResponse:
    return render(
        request,
        "core/login.html",
        {"form": LoginForm(), "next": "", "oidc": True, "oidc_error": reason},
        status=status,
    )
