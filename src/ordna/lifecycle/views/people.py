"""A person's access (expected versus actual), the exit survey and the alumni's consent."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.timezone import now as timezone_now
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.web import capability, user_of
from ordna.lifecycle import exit_survey, selectors
from ordna.lifecycle.models import (
    AlumniConsent,
    Case,
)
from ordna.lifecycle.scopes import cases_scope
from ordna.people.scopes import people_scope


@capability("access.view")
def person_access(request: HttpRequest, employee_id: str) -> HttpResponse:
    person = access.get_in_scope(people_scope(user_of(request)), employee_id=employee_id)
    return render(
        request, "lifecycle/person_access.html", {"person": person, "access": selectors.person_access(person)}
    )


# Exit survey ---------------------------------------------------------------------------------------------


@capability("exitsurvey.invite")
@require_POST
def exit_survey_invite(request: HttpRequest, pk: int) -> HttpResponse:
    case: Case = access.get_in_scope(cases_scope(user_of(request)).select_related("person"), pk=pk)
    try:
        exit_survey.exit_survey_invite(case=case, actor=Actor.for_user(user_of(request)))
        messages.success(request, _("The leaver is invited; send them the link shown."))
    except exit_survey.ExitSurveyError as exc:
        messages.error(request, str(exc))
    return redirect("lifecycle:detail", pk=pk)


@capability("exitsurvey.report")
def exit_survey_report(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    alumni = exit_survey.alumni_current().count() if access.can(user, "alumni.list") else None
    return render(
        request,
        "lifecycle/exit_survey_report.html",
        {"report": exit_survey.exit_survey_report(), "minimum": exit_survey.MIN_GROUP, "alumni": alumni},
    )


def _survey_questions() -> list[tuple[str, str]]:
    return [
        ("overall", _("How do you rate your time with us overall?")),
        ("recommend", _("How likely are you to recommend us as an employer?")),
        ("offboarding", _("How well was your leaving handled (equipment, accounts, handover)?")),
    ]


def exit_survey_page(request: HttpRequest, token: str) -> HttpResponse:
    """The leaver's personal page, without an account, in their language: the survey once, then their
    alumni consent. A tampered, expired or used link says so and shows nothing about anyone."""
    try:
        invitation = exit_survey.invitation_from_token(token, for_consent=True)
    except exit_survey.ExitSurveyError:
        return render(request, "lifecycle/exit_survey_form.html", {"error": _("This link is not valid.")}, status=404)
    with translation.override(invitation.locale):
        context: dict[str, object] = {"token": token, "scale": range(1, 6), "questions": _survey_questions()}
        expired = invitation.expires_at < timezone_now()
        status = 200
        if request.method == "POST" and not invitation.answered and not expired:
            try:
                exit_survey.exit_survey_answer(
                    token=token,
                    ratings={name: request.POST.get(name) for name in exit_survey.RATINGS},
                    today=today(),
                    alumni=request.POST.get("alumni") == "1",
                    email=request.POST.get("email", ""),
                )
                context["done"] = True
                invitation.answered = True
            except exit_survey.ExitSurveyError as exc:
                context["error"], status = str(exc), 422
        elif request.method == "POST":
            context["error"], status = _("This survey was answered already or the link has expired."), 410
        if not invitation.answered and not expired:
            context["form_open"] = True
        elif "done" not in context and "error" not in context:
            context["error"] = (
                _("Thank you: the survey is answered.") if invitation.answered else _("This link has expired.")
            )
        consent = AlumniConsent.objects.filter(invitation=invitation).first()
        context["consent"] = consent is not None and consent.withdrawn_at is None
        context["withdrawn"] = consent is not None and consent.withdrawn_at is not None
        return render(request, "lifecycle/exit_survey_form.html", context, status=status)


@require_POST
def alumni_withdraw(request: HttpRequest, token: str) -> HttpResponse:
    """Withdraw the alumni consent through the personal link (works after the survey link expired)."""
    try:
        exit_survey.alumni_consent_withdraw(token=token)
    except exit_survey.ExitSurveyError:
        return render(request, "lifecycle/exit_survey_form.html", {"error": _("This link is not valid.")}, status=404)
    return redirect("lifecycle:exit_survey", token=token)
