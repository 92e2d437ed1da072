"""The signed-in user's own account (docs/sign-in.md): the second factor (set up, recovery codes, removal) and
signing out everywhere. Every signed-in user may use these pages; they change only the user's own account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordna.core import second_factor, services, sign_in_guard
from ordna.core.actor import Actor
from ordna.core.forms import CodeForm
from ordna.core.models import User
from ordna.core.web import refused, user_of


def _local(user: User) -> bool:
    """A local account signs in with a password; a user made by the identity provider has none."""
    return user.has_usable_password()


def _codes_page(request: HttpRequest, codes: list[str]) -> HttpResponse:
    """The recovery codes, shown once and never cached."""
    response = render(request, "core/recovery_codes.html", {"codes": codes})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    has_factor = second_factor.confirmed(user)
    return render(
        request,
        "core/account.html",
        {
            "local": _local(user),
            "has_factor": has_factor,
            "required": sign_in_guard.second_factor_required(user),
            "codes_left": second_factor.recovery_codes_left(user) if has_factor else 0,
        },
    )


@login_required
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the key), then confirm with one code: the recovery codes are shown once."""
    user = user_of(request)
    if not _local(user):
        return redirect("core:account")
    if second_factor.confirmed(user):
        if sign_in_guard.second_factor_required(user) and not request.session.get(sign_in_guard.SECOND_FACTOR_DONE):
            # Set up in another browser since this one signed in: this sign-in never gave a code; sign in again.
            logout(request)
            return redirect("core:login")
        return redirect("core:account")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = second_factor.enrolment_confirm(
                user=user, code=form.cleaned_data["code"], actor=Actor.for_user(user)
            )
        except second_factor.SecondFactorError as exc:
            refused(form, exc)
        else:
            request.session[sign_in_guard.SECOND_FACTOR_DONE] = True
            return _codes_page(request, codes)
    try:
        enrolment = second_factor.enrolment_shown(user=user)
    except second_factor.SecondFactor.DoesNotExist:
        enrolment = second_factor.enrolment_start(user=user)
    response = render(
        request,
        "core/second_factor.html",
        {"enrolment": enrolment, "form": form, "required": sign_in_guard.second_factor_required(user)},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    try:
        codes = second_factor.recovery_codes_renew(user=user, actor=Actor.for_user(user))
    except second_factor.SecondFactorError as exc:
        messages.error(request, str(exc))
        return redirect("core:account")
    return _codes_page(request, codes)


@login_required
@require_POST
def second_factor_remove(request: HttpRequest) -> HttpResponse:
    """Remove one's own second factor; a role that requires one is asked to set up a new one at once."""
    user = user_of(request)
    if sign_in_guard.second_factor_required(user):
        messages.error(request, _("Your role requires a second factor: set up a new one instead of removing it."))
        return redirect("core:account")
    if second_factor.second_factor_remove(user=user, actor=Actor.for_user(user)):
        request.session[sign_in_guard.SECOND_FACTOR_DONE] = False
        messages.success(request, _("The second factor was removed; you sign in with your password alone."))
    return redirect("core:account")


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the signed-in user, this one too."""
    user = user_of(request)
    services.user_sign_out_everywhere(user=user, actor=Actor.for_user(user))
    return redirect("core:login")
