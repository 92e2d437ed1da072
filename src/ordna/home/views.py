"""The pages that compose several apps: the dashboard, and the user administration (users link to people and
suppliers)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ordna.core import access, services
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.models import User
from ordna.core.web import capability, paginate, user_of
from ordna.home import selectors
from ordna.home.forms import UserForm
from ordna.people.models import Person
from ordna.suppliers.models import Supplier
from ordna.suppliers.selectors import contract_alerts
from ordna.suppliers.services import SupplierError, supplier_get_or_add


@capability("dashboard")
def dashboard(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    figures = selectors.dashboard_figures(user, today=today())
    # Our decisions due on contracts: not for the supplier's own users (see suppliers.views.contract_detail).
    internal = access.can(user, "contracts.list") and user.supplier_id is None
    alerts = contract_alerts(access.contracts_scope(user), today=today()) if internal else []
    return render(request, "home/dashboard.html", {"figures": figures, "today": today(), "contract_alerts": alerts})


@capability("users.manage")
def users(request: HttpRequest) -> HttpResponse:
    return render(request, "home/users.html", {"page": paginate(request, selectors.users_list())})


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
            except (services.UserError, SupplierError) as exc:
                form.add_error(None, str(exc))
            else:
                if created:
                    messages.info(request, _("Supplier %(name)s was registered.") % {"name": supplier.name})
                messages.success(request, _("User %(name)s was created.") % {"name": user.username})
                return redirect("home:users")
    return render(request, "home/user_form.html", {"form": form, "editing": None})


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
        person, supplier_id = _form_links(form)
        if not form.errors:
            actor = Actor.for_user(user_of(request))
            try:
                services.user_update(
                    user=user,
                    actor=actor,
                    roles=form.cleaned_data["roles"],
                    person_id=person.pk if person else None,
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
                return redirect("home:users")
    return render(request, "home/user_form.html", {"form": form, "editing": user})
