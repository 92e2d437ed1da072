"""Skills surveys and wishes: a survey of digital skills per department, its answers, and the wishes employees
propose, vote for and key users triage."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordna.applications.models import Application
from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.people.models import Person
from ordna.support.models import (
    SkillRating,
    SkillSurvey,
    SurveyInvitation,
    Wish,
    WishState,
    WishVote,
)
from ordna.support.services import REASON, TITLE, SupportError, text_required


def survey_create(*, title: str, departments: list[str], opens_on: date, closes_on: date, actor: Actor) -> SkillSurvey:
    """A skills survey campaign: everyone current in the chosen departments is invited, with the applications
    they have an active account in as the rows of their form. Mail comes from the reminder engine."""
    from ordna.accounts.models import Account, AccountStatus

    title = text_required(title, "title", TITLE, limit=200)
    wanted = sorted({d.strip() for d in departments if d.strip()})
    if not wanted:
        raise SupportError(_("Choose at least one department."), field="departments")
    known = set(Person.objects.filter(department__in=wanted).values_list("department", flat=True))
    missing = [d for d in wanted if d not in known]
    if missing:
        raise SupportError(_("No one works in %(departments)s."), field="departments", departments=", ".join(missing))
    if closes_on < opens_on:
        raise SupportError(
            _("The survey closes (%(closes)s) before it opens (%(opens)s)."),
            field="closes_on",
            closes=closes_on,
            opens=opens_on,
        )
    with transaction.atomic():
        survey = SkillSurvey.objects.create(
            title=title, departments=wanted, opens_on=opens_on, closes_on=closes_on, created_by=actor.label
        )
        people = Person.objects.filter(department__in=wanted).exclude(end_date__lt=opens_on)
        uses: dict[int, set[int]] = {}
        for person_id, application_id in Account.objects.filter(
            person__in=people, status=AccountStatus.ACTIVE
        ).values_list("person_id", "application_id"):
            uses.setdefault(person_id, set()).add(application_id)
        SurveyInvitation.objects.bulk_create(
            [
                SurveyInvitation(survey=survey, person_id=pk, applications=sorted(uses.get(pk, ())))
                for pk in people.values_list("pk", flat=True)
            ],
            batch_size=1000,
        )
        audit_record(
            actor=actor,
            action="survey.created",
            target=survey,
            after={"title": title, "departments": wanted, "opens_on": opens_on, "closes_on": closes_on},
        )
    return survey


def survey_answer(
    *, invitation: SurveyInvitation, ratings: Mapping[int, tuple[int, bool]], actor: Actor
) -> SurveyInvitation:
    """Store a person's answers: per application id, a self-rating from 1 to 5 and whether they want training.

    Applications left out are not rated; answering again replaces the earlier answers."""
    survey = invitation.survey
    today = timezone.localdate()
    if not survey.opens_on <= today <= survey.closes_on:
        raise SupportError(
            _("The survey is open from %(opens)s to %(closes)s."),
            field="survey",
            opens=survey.opens_on,
            closes=survey.closes_on,
        )
    allowed = set(invitation.applications)
    for application_id, (rating, _training) in ratings.items():
        if application_id not in allowed:
            raise SupportError(
                _("Application %(application)s is not on this person's form."),
                field="application",
                application=application_id,
            )
        if not isinstance(rating, int) or not 1 <= rating <= 5:
            raise SupportError(_("Rate each application from 1 to 5."), field="rating")
    with transaction.atomic():
        invitation.ratings.all().delete()
        SkillRating.objects.bulk_create(
            [
                SkillRating(invitation=invitation, application_id=app_id, rating=rating, wants_training=training)
                for app_id, (rating, training) in sorted(ratings.items())
            ]
        )
        invitation.answered_at = timezone.now()
        invitation.save(update_fields=["answered_at"])
        audit_record(
            actor=actor,
            action="survey.answered",
            target=invitation,
            after={"ratings": {str(k): [v[0], v[1]] for k, v in sorted(ratings.items())}},
        )
    return invitation


def wish_propose(*, application: Application, person: Person, title: str, text: str, actor: Actor) -> Wish:
    """An improvement proposed for `application`; the proposer's vote counts from the start."""
    title = text_required(title, "title", TITLE, limit=200)
    now = timezone.now()
    with transaction.atomic():
        wish = Wish.objects.create(
            application=application, proposed_by=person, title=title, text=(text or "").strip(), votes=1, created_at=now
        )
        WishVote.objects.create(wish=wish, person=person, at=now)
        audit_record(actor=actor, action="wish.proposed", target=wish, after={"title": title, "state": wish.state})
    return wish


def wish_vote(*, wish: Wish, person: Person, actor: Actor, vote: bool = True) -> Wish:
    """Vote for a wish (or take the vote back); voting twice counts once."""
    if wish.state in (WishState.DONE, WishState.DECLINED):
        raise SupportError(
            _("Votes on this wish are closed (%(state)s)."), field="state", state=WishState(wish.state).label
        )
    with transaction.atomic():
        if vote:
            _vote, changed = WishVote.objects.get_or_create(wish=wish, person=person, defaults={"at": timezone.now()})
        else:
            changed = WishVote.objects.filter(wish=wish, person=person).delete()[0] > 0
        if changed:
            Wish.objects.filter(pk=wish.pk).update(votes=F("votes") + (1 if vote else -1))
            audit_record(
                actor=actor,
                action="wish.voted" if vote else "wish.unvoted",
                target=wish,
                after={"person_id": person.pk},
            )
    wish.refresh_from_db()
    return wish


def wish_triage(*, wish: Wish, state: str, reason: str, actor: Actor) -> Wish:
    """A key user's decision on a wish, with the reason the proposer and voters will read."""
    if state not in WishState.values:
        raise SupportError(
            _("Choose a decision: %(state)s is not one of %(states)s."),
            field="state",
            state=repr(state),
            states=", ".join(WishState.values),
        )
    reason = text_required(reason, "reason", REASON, limit=2000)
    with transaction.atomic():
        before = {"state": wish.state, "reason": wish.reason}
        wish.state = state
        wish.reason = reason
        wish.triaged_by = actor.label
        wish.triaged_at = timezone.now()
        wish.save()
        audit_record(
            actor=actor, action="wish.triaged", target=wish, before=before, after={"state": state, "reason": reason}
        )
    return wish
