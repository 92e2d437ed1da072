"""Connector pages: configure one application's connector (test it, sync now, disable one account) and the
outbox of disables with their state and the approvals that wait."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordna.applications.models import Application
from ordna.applications.scopes import applications_scope
from ordna.connectors import deprovisioning, selectors, services
from ordna.connectors.base import KINDS
from ordna.connectors.failures import Explanation, explain, place_of_kind
from ordna.connectors.forms import ConnectorForm, DeprovisionForm, OutboxFilterForm
from ordna.connectors.models import Action, Connector
from ordna.connectors.tasks import connector_sync_now
from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.web import capability, paginate, query_without_page, refused, user_of


def _application(request: HttpRequest, slug: str) -> Application:
    return access.get_in_scope(applications_scope(user_of(request)), slug=slug)


@capability("connectors.manage")
def connector_edit(request: HttpRequest, slug: str) -> HttpResponse:
    app = _application(request, slug)
    connector = Connector.objects.filter(application=app).first()
    initial = {"kind": "ldap", "options": "", "policy": "approval", "sync_hours": 24}
    if connector is not None:
        initial = {
            "kind": connector.kind,
            "options": "\n".join(f"{k}={v}" for k, v in sorted(connector.options.items())),
            "policy": connector.policy,
            "sync_hours": connector.sync_hours,
        }
    form = ConnectorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            options = services.options_parse(line for line in data["options"].splitlines() if line.strip())
            secret_options = KINDS[data["kind"]].secret_options
            if data["secret"]:
                options[secret_options[0]] = data["secret"]
            services.connector_set(
                application=app,
                kind=data["kind"],
                options=options,
                actor=Actor.for_user(user_of(request)),
                policy=data["policy"],
                sync_hours=data["sync_hours"],
            )
        except services.ConnectorSetupError as exc:
            refused(form, exc)
        else:
            messages.success(request, _("Saved. Test the connection next."))
            return redirect("connectors:edit", slug=app.slug)
    return render(
        request,
        "connectors/edit.html",
        {
            "app": app,
            "connector": connector,
            "form": form,
            "shown": services.connector_display(connector) if connector else [],
            "kinds": {kind: spec.names for kind, spec in KINDS.items()},
            "deprovision_form": DeprovisionForm(),
            "runs": app.import_runs.order_by("-started_at")[:5],
        },
    )


def _failure_message(explanation: Explanation | None, *, account: str = "") -> str:
    """A connector's failure for the messages: what failed and what to check, the detail folded away."""
    return render_to_string("connectors/partials/failure.html", {"explanation": explanation, "account": account})


def _connector(request: HttpRequest, slug: str) -> Connector:
    return access.get_in_scope(Connector.objects.select_related("application"), application=_application(request, slug))


@require_POST
@capability("connectors.manage")
def connector_test(request: HttpRequest, slug: str) -> HttpResponse:
    connector = _connector(request, slug)
    ok, message = services.connector_test(connector=connector, actor=Actor.for_user(user_of(request)))
    if ok:
        messages.success(request, message)
    else:
        messages.error(request, _failure_message(connector.last_test_explanation))
    return redirect("connectors:edit", slug=slug)


@require_POST
@capability("connectors.manage")
def connector_sync(request: HttpRequest, slug: str) -> HttpResponse:
    connector = _connector(request, slug)
    actor = Actor.for_user(user_of(request))
    transaction.on_commit(lambda: connector_sync_now(connector.application_id, actor.ref, actor.label))
    messages.success(request, _("Sync started: the result appears under Imports."))
    return redirect("connectors:edit", slug=slug)


@require_POST
@capability("connectors.manage")
def deprovision(request: HttpRequest, slug: str) -> HttpResponse:
    connector = _connector(request, slug)
    form = DeprovisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Name the account to disable."))
        return redirect("connectors:edit", slug=slug)
    try:
        result = deprovisioning.deprovision(
            application=connector.application,
            account_key=form.cleaned_data["account"],
            actor=Actor.for_user(user_of(request)),
            today=today(),
            dry_run=form.cleaned_data["dry_run"],
        )
    except services.ConnectorSetupError as exc:
        messages.error(request, str(exc))
        return redirect("connectors:edit", slug=slug)
    if result.error:
        explanation = explain(result.failure, result.place or place_of_kind(connector.kind), result.error)
        messages.error(request, _failure_message(explanation, account=result.account))
    elif result.dry_run:
        messages.info(request, _("Dry run, nothing changed. Would: %(steps)s") % {"steps": "; ".join(result.steps)})
    else:
        messages.success(request, _("%(account)s: disabled and read back.") % {"account": result.account})
        for task in result.tasks:
            messages.warning(request, _("Task left: %(task)s") % {"task": task})
    if form.cleaned_data["case"]:
        return redirect("lifecycle:detail", pk=form.cleaned_data["case"])
    if result.dry_run or result.error:
        return redirect("connectors:edit", slug=slug)
    return redirect("connectors:outbox")


@capability("outbox.list")
def outbox(request: HttpRequest) -> HttpResponse:
    form = OutboxFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    actions = selectors.actions_filter(
        Action.objects.filter(application__in=applications_scope(user_of(request))),
        state=data.get("state", ""),
        application=data.get("application", ""),
    )
    return render(
        request,
        "connectors/outbox.html",
        {
            "form": form,
            "page": paginate(request, actions),
            "query": query_without_page(request),
            "can_decide": access.can(user_of(request), "outbox.decide"),
            "connectors": Connector.objects.select_related("application").order_by("application__name")[:200]
            if access.can(user_of(request), "connectors.view")
            else [],
            "can_manage": access.can(user_of(request), "connectors.manage"),
        },
    )


@require_POST
@capability("outbox.decide")
def action_decide(request: HttpRequest, pk: int) -> HttpResponse:
    action = access.get_in_scope(Action.objects.all(), pk=pk)
    actor = Actor.for_user(user_of(request))
    decision = request.POST.get("decision", "")
    decide = {
        "approve": deprovisioning.action_approve,
        "cancel": deprovisioning.action_cancel,
        "retry": deprovisioning.action_retry,
    }
    if decision not in decide:
        messages.error(request, _("Unknown decision."))
    elif decide[decision](action=action, actor=actor):
        messages.success(request, _("Done."))
    else:
        messages.error(request, _("This action is no longer in a state that allows that."))
    return redirect("connectors:outbox")
