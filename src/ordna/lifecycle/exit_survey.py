"""The leaver's exit survey (issue 11): a personal link without an account, anonymous answers reported per
department and quarter (never a group below five answers), and an alumni consent kept apart.

The link's token is signed (django.core.signing, its own salt) and names the invitation and a random nonce;
the invitation expires after ORDNA_EXIT_SURVEY_DAYS and is answered once (a conditional update claims it).
An answer carries its department and quarter only: no person, no case, no time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Avg, Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.errors import ServiceError
from ordna.lifecycle.models import AlumniConsent, Case, CaseKind, CaseStatus, ExitSurveyAnswer, ExitSurveyInvitation

SALT = "ordna.lifecycle.exit-survey"
MIN_GROUP = 5  # never show a group with fewer answers than this
RATINGS = ("overall", "recommend", "offboarding")


class ExitSurveyError(ServiceError):
    """The link is tampered with, expired or used, or an answer is out of range; the message says which."""


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def token_for(invitation: ExitSurveyInvitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=SALT, compress=True)


def exit_survey_invite(*, case: Case, actor: Actor) -> ExitSurveyInvitation:
    """Invite the leaver of `case` to the exit survey, in their language; idempotent (one per case)."""
    if case.kind != CaseKind.LEAVER:
        raise ExitSurveyError(_("Only leavers are invited to the exit survey."), field="case")
    if case.status == CaseStatus.CANCELLED:
        raise ExitSurveyError(_("The case is cancelled."), field="case")
    existing = ExitSurveyInvitation.objects.filter(case=case).first()
    if existing is not None:
        return existing
    now = timezone.now()
    with transaction.atomic():
        invitation = ExitSurveyInvitation.objects.create(
            case=case,
            nonce=secrets.token_hex(16),
            locale=case.person.locale,
            department=case.person.department,
            created_at=now,
            expires_at=now + timedelta(days=settings.ORDNA_EXIT_SURVEY_DAYS),
        )
        audit_record(actor=actor, action="exit_survey.invited", target=invitation, after={"case_id": case.pk})
    return invitation


def exit_surveys_invite_for(*, case_ids: list[int], actor: Actor) -> int:
    """Invite the leavers of the cases opened with a template that asks for the exit survey."""
    cases = Case.objects.filter(pk__in=case_ids, kind=CaseKind.LEAVER, template__exit_survey=True).select_related(
        "person"
    )
    count = 0
    for case in cases:
        exit_survey_invite(case=case, actor=actor)
        count += 1
    return count


def invitation_from_token(token: str, *, for_consent: bool = False) -> ExitSurveyInvitation:
    """The invitation a token names. Refused: a tampered token; an expired one (except to withdraw a consent,
    which must always stay possible)."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise ExitSurveyError(_("The link is not valid."), field="token") from exc
    invitation = (
        ExitSurveyInvitation.objects.filter(pk=data.get("i"), nonce=data.get("n"))
        .select_related("case__person")
        .first()
    )
    if invitation is None:
        raise ExitSurveyError(_("The link is not valid."), field="token")
    if not for_consent and invitation.expires_at < timezone.now():
        raise ExitSurveyError(_("The link has expired."), field="token")
    return invitation


def _rating(name: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= 5:
        raise ExitSurveyError(_("Choose 1 to 5 for each question."), field=name)
    return number


def exit_survey_answer(
    *, token: str, ratings: dict[str, Any], today: date, alumni: bool = False, email: str = ""
) -> ExitSurveyAnswer:
    """Store one anonymous answer through a personal link, once; with `alumni`, record the consent to be
    contacted (apart from the answer)."""
    invitation = invitation_from_token(token)
    values = {name: _rating(name, ratings.get(name)) for name in RATINGS}
    with transaction.atomic():
        # Single use, even with two submissions at once: claim the invitation with a conditional update.
        claimed = ExitSurveyInvitation.objects.filter(pk=invitation.pk, answered=False).update(answered=True)
        if not claimed:
            raise ExitSurveyError(_("The survey was answered already through this link."), field="token")
        answer = ExitSurveyAnswer.objects.create(department=invitation.department, quarter=quarter_of(today), **values)
        audit_record(actor=Actor.system("exit survey"), action="exit_survey.answered", target=invitation)
        if alumni:
            alumni_consent_give(invitation=invitation, email=email)
    return answer


def alumni_consent_give(*, invitation: ExitSurveyInvitation, email: str = "") -> AlumniConsent:
    person = invitation.case.person
    with transaction.atomic():
        consent, _created = AlumniConsent.objects.update_or_create(
            invitation=invitation,
            defaults={
                "person": person,
                "email": (email or "").strip() or person.email,
                "given_at": timezone.now(),
                "withdrawn_at": None,
            },
        )
        audit_record(actor=Actor.system("exit survey"), action="alumni.consented", target=consent)
    return consent


def alumni_consent_withdraw(*, token: str) -> AlumniConsent | None:
    """The person withdraws their consent through their link (an expired link still works for this);
    only when it was withdrawn is kept."""
    invitation = invitation_from_token(token, for_consent=True)
    consent = AlumniConsent.objects.filter(invitation=invitation, withdrawn_at__isnull=True).first()
    if consent is None:
        return None
    with transaction.atomic():
        consent.withdrawn_at, consent.email, consent.person = timezone.now(), "", None
        consent.save(update_fields=["withdrawn_at", "email", "person"])
        audit_record(actor=Actor.system("exit survey"), action="alumni.withdrawn", target=consent)
    return consent


# Reads ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    """One department in one quarter: the number of answers, and the averages only from five answers on."""

    quarter: str
    department: str
    answers: int
    overall: float | None
    recommend: float | None
    offboarding: float | None

    @property
    def shown(self) -> bool:
        return self.answers >= MIN_GROUP


def exit_survey_report(answers: QuerySet[ExitSurveyAnswer] | None = None) -> list[ReportRow]:
    """Answers per quarter and department; a group below five answers shows neither averages nor its exact
    count (it says "fewer than five"), so that no one's answer can be read from it."""
    rows = (
        (answers if answers is not None else ExitSurveyAnswer.objects.all())
        .values("quarter", "department")
        .annotate(n=Count("id"), overall_avg=Avg("overall"), recommend_avg=Avg("recommend"), off_avg=Avg("offboarding"))
        .order_by("-quarter", "department")
    )
    report = []
    for row in rows:
        shown = row["n"] >= MIN_GROUP
        report.append(
            ReportRow(
                quarter=row["quarter"],
                department=row["department"],
                answers=row["n"] if shown else 0,
                overall=round(row["overall_avg"], 1) if shown else None,
                recommend=round(row["recommend_avg"], 1) if shown else None,
                offboarding=round(row["off_avg"], 1) if shown else None,
            )
        )
    return report


def alumni_current() -> QuerySet[AlumniConsent]:
    return AlumniConsent.objects.filter(withdrawn_at__isnull=True).select_related("person").order_by("given_at")
