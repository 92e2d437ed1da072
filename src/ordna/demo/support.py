"""The demo organisation's key users, questions, survey and wishes, made through the real services so that
`make run` shows routing, escalation, clocks, workload and the insight at work. Deterministic for a seed."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ordna.accounts.models import Account, AccountStatus
from ordna.applications.models import Application, AppointmentRole
from ordna.applications.services import appointment_add, appointment_update
from ordna.core.actor import Actor
from ordna.core.models import User
from ordna.people.models import Person
from ordna.support import services, surveys

QUESTIONS = [
    ("how_to", "How do I share a calendar with my team?"),
    ("how_to", "How do I export my timesheet to Excel?"),
    ("error", "I get an error when I try to sign in"),
    ("access", "I cannot open the shared folder of my new project"),
    ("how_to", "How do I change my signature?"),
    ("data", "The monthly report shows last month's figures"),
    ("error", "The app crashes when I attach a file"),
    ("how_to", "How do I share a calendar with the customer?"),
    ("change", "Could we get a field for the assignment number?"),
    ("error", "Sign in fails with an error since this morning"),
]
WISHES = [
    ("Single sign-on for every application", "Fewer passwords to remember."),
    ("A mobile view of the timesheet", "Consultants at customers fill it in on their phone."),
    ("Dark mode", ""),
    ("Export to CSV", "The report should be downloadable."),
]


def support_demo_load(*, seed: int, actor: Actor) -> dict[str, int]:
    """Appoint key users, ask and handle questions, run a survey and collect wishes; returns counts."""
    rng = random.Random(f"ordna-demo:{seed}:support")
    apps = list(Application.objects.order_by("slug").select_related("supplier"))
    keyuser = User.objects.filter(username="keyuser").select_related("person").first()
    staff = list(Person.objects.filter(end_date__isnull=True).exclude(owned_applications=None).order_by("employee_id"))
    today = timezone.localdate()
    start = today.replace(day=1)
    appointments = 0
    for i, app in enumerate(apps):
        if i % 7 == 6:
            continue  # some applications have no key user: the workload page warns about them
        primary = app.owner if app.owner_id else (keyuser.person if keyuser else None)
        if primary is None:
            continue
        appointment_add(
            application=app,
            person=primary,
            actor=actor,
            starts_on=start,
            primary=True,
            hours_per_month=Decimal(rng.choice([2, 4, 8])),
            responsibilities=["first_line", "supplier_contact", "test"],
        )
        appointments += 1
        deputy = rng.choice(staff) if staff else None
        if deputy is not None and deputy.pk != primary.pk:
            appointment = appointment_add(
                application=app,
                person=deputy,
                actor=actor,
                starts_on=start,
                role=AppointmentRole.DEPUTY,
                hours_per_month=Decimal(2),
                responsibilities=["first_line"],
            )
            appointments += 1
            if i % 5 == 0:  # the deputy is away this week: no effect while the primary is present
                appointment_update(
                    appointment=appointment, actor=actor, away_from=today, away_until=today + timedelta(days=4)
                )
    # Questions from people who use the application, most about the first few busy applications.
    # Microsoft 365 first: the demo supplier user runs it, so its portal shows escalated questions.
    busy = sorted(apps, key=lambda a: (a.slug != "m365", a.slug))[:3]
    questions = 0
    escalated = 0
    for n in range(40):
        app = busy[0] if n % 2 == 0 else rng.choice(apps)
        user_ids = list(
            Account.objects.filter(application=app, status=AccountStatus.ACTIVE, person__isnull=False)
            .order_by("id")
            .values_list("person_id", flat=True)[:200]
        )
        if not user_ids:
            continue
        asker = Person.objects.get(pk=rng.choice(user_ids))
        category, text = QUESTIONS[n % len(QUESTIONS)]
        question = services.question_ask(application=app, asked_by=asker, category=category, text=text, actor=actor)
        questions += 1
        if question.assignee is None:
            continue
        handler = Actor(ref="demo:key-user", label=question.assignee.full_name)
        if n % 4 == 0 and app.supplier_id:
            services.question_escalate(question=question, actor=handler, ticket_ref=f"INC-{20000 + n}")
            escalated += 1
        elif n % 4 == 1:
            services.question_answer(question=question, actor=handler, text="Open Settings, then Sharing.")
            if n == 1:
                services.question_publish(
                    question=question, actor=handler, title="Sharing a calendar", answer="Open Settings, then Sharing."
                )
        elif n % 4 == 2:
            services.question_ask_back(question=question, actor=handler, text="Which browser do you use?")
        services.effort_log(
            question=question, actor=handler, minutes=rng.choice([15, 30, 45, 60]), person=question.assignee
        )
    # A skills survey for two departments, answered by part of them; the busy application rates low.
    departments = sorted({d for d in Person.objects.values_list("department", flat=True).distinct() if d})[:2]
    survey = surveys.survey_create(
        title="Skills survey " + today.strftime("%Y-%m"),
        departments=departments,
        opens_on=today,
        closes_on=today + timedelta(days=21),
        actor=actor,
    )
    answered = 0
    for invitation in survey.invitations.order_by("id")[:60]:
        if not invitation.applications:
            continue
        ratings = {
            app_id: ((rng.choice([1, 2, 2, 3]), True) if app_id == busy[0].pk else (rng.choice([3, 4, 5]), False))
            for app_id in invitation.applications
        }
        surveys.survey_answer(invitation=invitation, ratings=ratings, actor=actor)
        answered += 1
    # Wishes with votes; one planned (it appears on the supplier's agenda).
    voters = list(Person.objects.filter(end_date__isnull=True).order_by("employee_id")[:30])
    wishes = 0
    for i, (title, text) in enumerate(WISHES):
        if not voters:
            break
        app = busy[i % len(busy)]
        wish = surveys.wish_propose(application=app, person=voters[i], title=title, text=text, actor=actor)
        for voter in rng.sample(voters, min(len(voters), 3 + 2 * i)):
            surveys.wish_vote(wish=wish, person=voter, actor=actor)
        if i == 0:
            surveys.wish_triage(
                wish=wish, state="planned", reason="Planned with the supplier for next quarter.", actor=actor
            )
        wishes += 1
    return {
        "appointments": appointments,
        "questions": questions,
        "escalated": escalated,
        "survey_answers": answered,
        "wishes": wishes,
    }
