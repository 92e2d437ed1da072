"""Support pages: questions, knowledge base, workload, insight, surveys and wishes. Views only translate a
request into a selector or service call."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordna.applications.models import Application
from ordna.applications.scopes import applications_scope, handled_applications_scope
from ordna.core import access
from ordna.core.access import in_companies
from ordna.core.actor import Actor
from ordna.core.errors import ServiceError
from ordna.core.models import User
from ordna.core.web import capability, paginate, query_without_page, refused, user_of
from ordna.people import selectors as people_selectors
from ordna.people.models import Person
from ordna.suppliers.models import ServiceLevel
from ordna.suppliers.selectors import question_service_level
from ordna.support import selectors, services, surveys
from ordna.support.forms import (
    HANDLE_ACTIONS,
    AskForm,
    AskForOthersForm,
    EffortForm,
    SurveyAnswerForm,
    SurveyForm,
    TextForm,
    TriageForm,
    WishForm,
)
from ordna.support.insight import WEIGHTS
from ordna.support.models import (
    Article,
    Category,
    EventKind,
    Question,
    QuestionState,
    SkillSurvey,
    SurveyInvitation,
    WishState,
)
from ordna.support.scopes import handled_questions_scope, questions_scope, wishes_scope


def _month(value: str) -> date:
    try:
        return date.fromisoformat(f"{value}-01") if value else timezone.localdate().replace(day=1)
    except ValueError:
        return timezone.localdate().replace(day=1)


# --- questions -------------------------------------------------------------------------------------------


@capability("questions.list")
def question_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    questions = questions_scope(user)
    state = request.GET.get("state", "")
    application = request.GET.get("application", "")
    mine = request.GET.get("mine", "")
    if state in QuestionState.values:
        questions = questions.filter(state=state)
    elif state == "open":
        questions = questions.filter(
            state__in=[QuestionState.NEW, QuestionState.WITH_KEY_USER, QuestionState.ESCALATED]
        )
    if application:
        questions = questions.filter(application__slug=application)
    if mine and user.person_id:
        questions = (
            questions.filter(assignee_id=user.person_id)
            if mine == "assigned"
            else questions.filter(asked_by_id=user.person_id)
        )
    questions = questions.select_related("application", "assignee", "asked_by", "supplier")
    page = paginate(request, questions)
    return render(
        request,
        "support/question_list.html",
        {
            "page": page,
            "states": QuestionState.choices,
            "state": state,
            "application": application,
            "mine": mine,
            "query": query_without_page(request),
            "supplier_view": user.has_role("supplier") and not user.person_id,
            "can_ask": access.can(user, "questions.ask") and user.person_id is not None,
        },
    )


@capability("questions.ask")
def question_ask(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    for_others = access.can(user, "questions.ask_for_others")
    if user.person_id is None and not for_others:
        return render(request, "support/question_ask.html", {"form": None, "no_person": True})
    form_class = AskForOthersForm if for_others else AskForm
    form = form_class(
        request.POST or None, request.FILES or None, initial={"application": request.GET.get("application")}
    )
    suggestions = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        asker = user.person
        if data.get("asked_by"):
            try:
                asker = people_selectors.person_named(
                    Person.objects.filter(in_companies(user, "company")), data["asked_by"], field="asked_by"
                )
            except ServiceError as exc:
                asker = None
                refused(form, exc)
        elif asker is None:
            form.add_error("asked_by", _("Choose the person asking, by name or employee id."))
        if asker is None:
            pass
        elif request.POST.get("step") != "ask":
            # Search the knowledge base first; asking needs a second, deliberate click.
            suggestions = list(
                selectors.articles_search(
                    selectors.articles_scope(user), q=data["text"], application=data["application"]
                )[:5]
            )
        else:
            try:
                question = services.question_ask(
                    application=data["application"],
                    asked_by=asker,
                    category=data["category"],
                    text=data["text"],
                    actor=Actor.for_user(user),
                    attachment=data.get("attachment"),
                )
            except services.SupportError as exc:
                refused(form, exc)
            else:
                messages.success(request, _("Your question was registered."))
                return redirect("support:question_detail", pk=question.pk)
    return render(request, "support/question_ask.html", {"form": form, "suggestions": suggestions})


def _handle_actions(question: Question, user: User) -> list[str]:
    """The key user's actions that apply to the question as it stands, in the order the page offers them."""
    open_ = question.is_open
    escalated = question.state == QuestionState.ESCALATED
    offered = {
        "take": open_ and user.person_id is not None and question.assignee_id != user.person_id,
        "answer": open_ and not escalated,
        "ask_back": open_,
        "escalate": open_ and not escalated and question.application.supplier_id is not None,
        "resolve": open_ and not escalated,
        "close": question.state != QuestionState.CLOSED,
        "publish": question.state in (QuestionState.RESOLVED, QuestionState.CLOSED),
    }
    return [action for action in HANDLE_ACTIONS if offered[action]]


def _publish_initial(question: Question) -> dict[str, str]:
    """What a published answer starts from: the article already published, else the last answer given."""
    article = Article.objects.filter(question=question).first()
    if article is not None:
        return {"title": article.title, "answer": article.answer}
    answer = question.events.filter(kind__in=[EventKind.ANSWERED, EventKind.RESOLVED]).exclude(text="").last()
    return {"title": "", "answer": answer.text if answer else ""}


def _service_level(question: Question) -> ServiceLevel | None:
    """The service level the question counts against: the one rule the contract and the agenda use too."""
    if question.supplier_id is None or question.escalated_at is None:
        return None
    return question_service_level(
        application=question.application,
        supplier_id=question.supplier_id,
        on=timezone.localdate(question.escalated_at),
    )


def _question_page(
    request: HttpRequest, question: Question, *, bound: tuple[str, forms.Form] | None = None
) -> HttpResponse:
    """The question page; `bound` is a key user's form sent with errors, shown in place of its empty one."""
    user = user_of(request)
    supplier_view = user.supplier_id is not None and question.supplier_id == user.supplier_id
    events = question.events.all()
    if supplier_view:
        events = events.filter(for_supplier=True)
    handles = access.can(user, "questions.handle") and handled_questions_scope(user).filter(pk=question.pk).exists()
    offered = _handle_actions(question, user) if handles else []
    if bound is not None and bound[0] not in offered:
        offered.append(bound[0])  # sent from a page that was out of date: show it with why it was refused
    actions = []
    for action in offered:
        form_class, heading, button = HANDLE_ACTIONS[action]
        if bound is not None and bound[0] == action:
            form = bound[1]
        else:
            form = form_class(prefix=action, initial=_publish_initial(question) if action == "publish" else None)
        actions.append({"action": action, "form": form, "heading": heading, "button": button})
    return render(
        request,
        "support/question_detail.html",
        {
            "question": question,
            "events": events,
            "clocks": selectors.question_clocks(question),
            "service_level": _service_level(question),
            "supplier_view": supplier_view,
            "handles": handles,
            "actions": actions,
            "effort_form": EffortForm() if handles else None,
            "efforts": question.efforts.select_related("person") if handles else None,
            "can_reply": question.is_open and user.person_id == question.asked_by_id,
            "can_supplier_answer": supplier_view
            and access.can(user, "questions.supplier_answer")
            and question.state == QuestionState.ESCALATED,
            "text_form": TextForm(),
        },
        status=200 if bound is None else 422,
    )


@capability("questions.list")
def question_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    question = access.get_in_scope(
        questions_scope(user).select_related("application__supplier", "asked_by", "assignee", "supplier"), pk=pk
    )
    return _question_page(request, question)


def _handled(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    user = user_of(request)
    return user, access.get_in_scope(handled_questions_scope(user).select_related("application"), pk=pk)


@require_POST
@capability("questions.handle")
def question_handle(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One of the key user's actions, each from its own form (HANDLE_ACTIONS): done and back to the page, or
    the page again with the form's errors beside its fields, in the user's language."""
    user, question = _handled(request, pk)
    form = HANDLE_ACTIONS[action][0](request.POST, prefix=action)
    if form.is_valid():
        data = form.cleaned_data
        actor = Actor.for_user(user)
        try:
            if action == "answer":
                services.question_answer(question=question, actor=actor, text=data["text"])
            elif action == "ask_back":
                services.question_ask_back(question=question, actor=actor, text=data["text"])
            elif action == "escalate":
                services.question_escalate(
                    question=question, actor=actor, ticket_ref=data["ticket_ref"], due=data["due"], text=data["text"]
                )
            elif action == "resolve":
                services.question_resolve(question=question, actor=actor, text=data["text"])
            elif action == "close":
                services.question_close(question=question, actor=actor, text=data["text"])
            elif action == "take":
                services.question_take(question=question, actor=actor)
            elif action == "publish":
                services.question_publish(question=question, actor=actor, title=data["title"], answer=data["answer"])
        except services.SupportError as exc:
            refused(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("support:question_detail", pk=pk)
    page_question = access.get_in_scope(
        questions_scope(user).select_related("application__supplier", "asked_by", "assignee", "supplier"), pk=pk
    )
    return _question_page(request, page_question, bound=(action, form))


@require_POST
@capability("questions.handle")
def question_effort(request: HttpRequest, pk: int) -> HttpResponse:
    user, question = _handled(request, pk)
    form = EffortForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Minutes must be a whole number from 1 to 1440."))
        return redirect("support:question_detail", pk=pk)
    try:
        services.effort_log(
            question=question,
            actor=Actor.for_user(user),
            minutes=form.cleaned_data["minutes"],
            on=form.cleaned_data["on"],
            note=form.cleaned_data["note"],
        )
    except services.SupportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Effort logged."))
    return redirect("support:question_detail", pk=pk)


@require_POST
@capability("questions.ask")
def question_reply(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    if user.person_id is None:
        raise Http404
    question = access.get_in_scope(questions_scope(user).filter(asked_by_id=user.person_id), pk=pk)
    form = TextForm(request.POST)
    try:
        if not form.is_valid():
            raise services.SupportError(_("Write a reply."))
        services.question_reply(question=question, actor=Actor.for_user(user), text=form.cleaned_data["text"])
    except services.SupportError as exc:
        messages.error(request, str(exc))
    return redirect("support:question_detail", pk=pk)


@require_POST
@capability("questions.supplier_answer")
def question_supplier_answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    question = access.get_in_scope(questions_scope(user).filter(supplier_id=user.supplier_id or -1), pk=pk)
    form = TextForm(request.POST)
    try:
        if not form.is_valid():
            raise services.SupportError(_("Write an answer."))
        services.question_supplier_answer(question=question, actor=Actor.for_user(user), text=form.cleaned_data["text"])
    except services.SupportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your answer was sent to the key user."))
    return redirect("support:question_detail", pk=pk)


@capability("questions.list")
def question_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    question = access.get_in_scope(questions_scope(user), pk=pk)
    if not question.attachment:
        raise Http404
    response = FileResponse(question.attachment.open("rb"), as_attachment=True, filename=question.attachment_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[return-value]  # a streaming response serves the file without loading it


# --- knowledge base, workload, insight -------------------------------------------------------------------


@capability("knowledge.list")
def knowledge(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    q = request.GET.get("q", "").strip()
    slug = request.GET.get("application", "")
    app = Application.objects.filter(slug=slug).first() if slug else None
    articles = selectors.articles_search(selectors.articles_scope(user), q=q, application=app)
    return render(
        request,
        "support/knowledge.html",
        {"page": paginate(request, articles), "q": q, "application": slug, "query": query_without_page(request)},
    )


@capability("workload.view")
def workload(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    month = _month(request.GET.get("month", ""))
    if user.has_role("admin", "coordinator", "auditor"):
        report = selectors.workload_report(month=month, applications=applications_scope(user))
    else:
        report = selectors.workload_report(
            month=month, applications=handled_applications_scope(user), person_id=user.person_id or -1
        )
    return render(request, "support/workload.html", {"report": report, "month": month})


@capability("insight.view")
def insight(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    apps = (
        applications_scope(user)
        if user.has_role("admin", "coordinator", "auditor")
        else handled_applications_scope(user)
    )
    since = selectors.default_since(timezone.localdate())
    departments = people_selectors.departments(Person.objects.filter(in_companies(user, "company")))
    department = request.GET.get("department", "")
    if department not in departments:
        department = ""
    return render(
        request,
        "support/insight.html",
        {
            "insight": selectors.insight(applications=apps, since=since, department=department),
            "categories": dict(Category.choices),
            "departments": departments,
            "weights": WEIGHTS,
            # The survey answers behind each application's ratings: its latest survey with answers for it.
            "latest_survey": selectors.latest_survey_per_application(apps)
            if access.can(user, "surveys.results")
            else {},
        },
    )


# --- surveys ---------------------------------------------------------------------------------------------


def survey_departments(user: User) -> list[str]:
    """The distinct departments of the people the user sees, once each (Person's default ordering by name would
    otherwise make DISTINCT return one row per person: 4,000 checkboxes for 11 departments)."""
    return people_selectors.departments(Person.objects.filter(in_companies(user, "company")))


@capability("surveys.list")
def survey_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    invitations = (
        SurveyInvitation.objects.filter(person_id=user.person_id).select_related("survey")
        if user.person_id
        else SurveyInvitation.objects.none()
    )
    all_surveys = SkillSurvey.objects.all()
    return render(
        request,
        "support/survey_list.html",
        {
            "surveys": paginate(request, all_surveys) if access.can(user, "surveys.results") else None,
            "invitations": invitations,
            "can_manage": access.can(user, "surveys.manage"),
            "today": timezone.localdate(),
        },
    )


@capability("surveys.manage")
def survey_add(request: HttpRequest) -> HttpResponse:
    departments = survey_departments(user_of(request))
    form = SurveyForm(request.POST or None, departments=departments)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = surveys.survey_create(
                title=data["title"],
                departments=data["departments"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                actor=Actor.for_user(user_of(request)),
            )
        except services.SupportError as exc:
            refused(form, exc)
        else:
            messages.success(request, _("The survey was created."))
            return redirect("support:survey_detail", pk=survey.pk)
    return render(request, "support/survey_form.html", {"form": form})


@capability("surveys.results")
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = access.get_in_scope(SkillSurvey.objects.all(), pk=pk)
    invited = paginate(request, survey.invitations.select_related("person"))
    return render(
        request,
        "support/survey_detail.html",
        {"survey": survey, "results": selectors.survey_results(survey), "invited": invited},
    )


@capability("surveys.answer")
def survey_answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    invitation = access.get_in_scope(
        SurveyInvitation.objects.filter(person_id=user.person_id or -1).select_related("survey"), survey_id=pk
    )
    apps = list(Application.objects.filter(pk__in=invitation.applications).order_by("name"))
    initial: dict[str, object] = {}
    for rating in invitation.ratings.all():
        initial[f"rating_{rating.application_id}"] = str(rating.rating)
        initial[f"training_{rating.application_id}"] = rating.wants_training
    form = SurveyAnswerForm(request.POST or None, applications=apps, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            surveys.survey_answer(invitation=invitation, ratings=form.ratings(), actor=Actor.for_user(user))
        except services.SupportError as exc:
            refused(form, exc)
        else:
            messages.success(request, _("Thank you: your answers were saved."))
            return redirect("support:surveys")
    return render(request, "support/survey_answer.html", {"form": form, "invitation": invitation})


# --- wishes ----------------------------------------------------------------------------------------------


@capability("wishes.list")
def wish_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    wishes = wishes_scope(user)
    state = request.GET.get("state", "")
    application = request.GET.get("application", "")
    if state in WishState.values:
        wishes = wishes.filter(state=state)
    if application:
        wishes = wishes.filter(application__slug=application)
    return render(
        request,
        "support/wish_list.html",
        {
            "page": paginate(request, wishes.select_related("application", "proposed_by")),
            "states": WishState.choices,
            "state": state,
            "application": application,
            "query": query_without_page(request),
            "can_propose": access.can(user, "wishes.propose") and user.person_id is not None,
        },
    )


@capability("wishes.propose")
def wish_add(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if user.person_id is None:
        return render(request, "support/wish_form.html", {"form": None, "no_person": True})
    form = WishForm(request.POST or None, initial={"application": request.GET.get("application")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            wish = surveys.wish_propose(
                application=data["application"],
                person=user.person,  # type: ignore[arg-type]
                title=data["title"],
                text=data["text"],
                actor=Actor.for_user(user),
            )
        except services.SupportError as exc:
            refused(form, exc)
        else:
            return redirect("support:wish_detail", pk=wish.pk)
    return render(request, "support/wish_form.html", {"form": form})


@capability("wishes.list")
def wish_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    wish = access.get_in_scope(wishes_scope(user).select_related("application", "proposed_by"), pk=pk)
    can_triage = (
        access.can(user, "wishes.triage") and handled_applications_scope(user).filter(pk=wish.application_id).exists()
    )
    voted = user.person_id is not None and wish.vote_rows.filter(person_id=user.person_id).exists()
    return render(
        request,
        "support/wish_detail.html",
        {
            "wish": wish,
            "voted": voted,
            "can_vote": access.can(user, "wishes.propose") and user.person_id is not None,
            "triage_form": TriageForm(initial={"state": wish.state}) if can_triage else None,
        },
    )


@require_POST
@capability("wishes.propose")
def wish_vote(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    wish = access.get_in_scope(wishes_scope(user), pk=pk)
    if user.person_id is None:
        messages.error(request, _("Only a user linked to a person can vote."))
        return redirect("support:wish_detail", pk=pk)
    try:
        surveys.wish_vote(
            wish=wish,
            person=user.person,  # type: ignore[arg-type]
            actor=Actor.for_user(user),
            vote=request.POST.get("vote", "1") == "1",
        )
    except services.SupportError as exc:
        messages.error(request, str(exc))
    return redirect("support:wish_detail", pk=pk)


@require_POST
@capability("wishes.triage")
def wish_triage(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    wish = access.get_in_scope(wishes_scope(user).filter(application__in=handled_applications_scope(user)), pk=pk)
    form = TriageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision and give a reason."))
        return redirect("support:wish_detail", pk=pk)
    try:
        surveys.wish_triage(
            wish=wish, state=form.cleaned_data["state"], reason=form.cleaned_data["reason"], actor=Actor.for_user(user)
        )
    except services.SupportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect("support:wish_detail", pk=pk)
