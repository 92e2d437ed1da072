"""Release pages: the list, one release with its tests, approvals, go-live and announcement."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ordna.applications.models import KeyUserAppointment, active_on
from ordna.applications.scopes import handled_applications_scope
from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.web import capability, paginate, user_of
from ordna.people.models import Person
from ordna.releases import selectors, services
from ordna.releases.models import Release, ReleaseStatus, ReleaseTest, TestResult
from ordna.releases.scopes import releases_scope


@capability("releases.list")
def release_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    releases = releases_scope(user).select_related("application")
    mine = request.GET.get("tests") == "mine"  # the key user's start page links its tests to run here
    if mine:
        releases = releases.filter(
            tests__assignee_id=user.person_id or -1,
            tests__result=TestResult.PENDING,
            status__in=[ReleaseStatus.PLANNED, ReleaseStatus.TESTING],
        ).distinct()
    return render(
        request,
        "releases/list.html",
        {
            "page": paginate(request, releases),
            "tests_mine": mine,
            "can_manage": access.can(user, "releases.manage"),
            "applications": handled_applications_scope(user),
        },
    )


@capability("releases.list")
def release_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    release = access.get_in_scope(releases_scope(user).select_related("application__owner"), pk=pk)
    manage = access.can(user, "releases.manage") and (
        handled_applications_scope(user).filter(pk=release.application_id).exists()
    )
    return render(
        request,
        "releases/detail.html",
        {
            "release": release,
            "tests": release.tests.select_related("assignee"),
            "impact": selectors.question_impact(release, today=today()),
            "can_manage": manage,
            "can_approve": access.can(user, "releases.approve"),
            "key_users": _key_users(release) if manage else [],
            "my_person": user.person_id,
            "today": today(),
        },
    )


def _managed(request: HttpRequest, pk: int) -> Release:
    user = user_of(request)
    scope = releases_scope(user).filter(application__in=handled_applications_scope(user))
    return access.get_in_scope(scope.select_related("application"), pk=pk)


def _apply(request: HttpRequest, release: Release, action: Callable[[], Any], done: str) -> HttpResponse:
    if request.method == "POST":
        try:
            action()
        except (ValueError, services.ReleaseError) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, done)
    return redirect("releases:detail", pk=release.pk)


@capability("releases.manage")
def release_add(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if request.method == "POST":
        app = handled_applications_scope(user).filter(slug=request.POST.get("application", "")).first()
        if app is None:
            messages.error(request, _("Choose one of the applications you handle."))
            return redirect("releases:list")
        planned = request.POST.get("planned_go_live", "")
        try:
            release = services.release_create(
                application=app,
                version=request.POST.get("version", ""),
                supplier_notes=request.POST.get("supplier_notes", ""),
                planned_go_live=date.fromisoformat(planned) if planned else None,
                actor=Actor.for_user(user),
            )
        except (ValueError, services.ReleaseError) as exc:
            messages.error(request, str(exc))
            return redirect("releases:list")
        return redirect("releases:detail", pk=release.pk)
    return redirect("releases:list")


@capability("releases.manage")
def release_configure(request: HttpRequest, pk: int) -> HttpResponse:
    release = _managed(request, pk)
    return _apply(
        request,
        release,
        lambda: services.release_configure(
            release=release, actor=Actor.for_user(user_of(request)), configuration=request.POST.get("configuration", "")
        ),
        _("Configuration saved."),
    )


def _key_users(release: Release) -> list[Person]:
    """The people appointed to the release's application today: whom a test can be given to, by name."""
    appointed = KeyUserAppointment.objects.filter(active_on(today()), application_id=release.application_id)
    return list(Person.objects.filter(pk__in=appointed.values("person_id")).order_by("last_name", "first_name"))


def _chosen_key_user(release: Release, value: str) -> Person:
    person = next((p for p in _key_users(release) if str(p.pk) == value.strip()), None)
    if person is None:
        raise services.ReleaseError(
            _("Choose one of the key users of %(application)s."), field="assignee", application=release.application.name
        )
    return person


@capability("releases.manage")
def release_test_reassign(request: HttpRequest, test_pk: int) -> HttpResponse:
    user = user_of(request)
    scope = ReleaseTest.objects.filter(
        release__in=releases_scope(user), release__application__in=handled_applications_scope(user)
    )
    test = access.get_in_scope(scope.select_related("release__application"), pk=test_pk)
    return _apply(
        request,
        test.release,
        lambda: services.test_reassign(
            test=test,
            assignee=_chosen_key_user(test.release, request.POST.get("assignee", "")),
            actor=Actor.for_user(user),
            today=today(),
        ),
        _("The test case was reassigned."),
    )


@capability("releases.manage")
def release_test_add(request: HttpRequest, pk: int) -> HttpResponse:
    release = _managed(request, pk)

    def add() -> None:
        services.test_add(
            release=release,
            title=request.POST.get("title", ""),
            steps=request.POST.get("steps", ""),
            assignee=_chosen_key_user(release, request.POST.get("assignee", "")),
            actor=Actor.for_user(user_of(request)),
            today=today(),
        )

    return _apply(request, release, add, _("Test case added."))


@capability("releases.test")
def release_test_result(request: HttpRequest, test_pk: int) -> HttpResponse:
    user = user_of(request)
    test = access.get_in_scope(
        ReleaseTest.objects.filter(assignee_id=user.person_id or -1).select_related("release"), pk=test_pk
    )
    return _apply(
        request,
        test.release,
        lambda: services.test_record(
            test=test,
            result=request.POST.get("result", ""),
            note=request.POST.get("note", ""),
            actor=Actor.for_user(user),
        ),
        _("Result recorded."),
    )


@capability("releases.approve")
def release_approve(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    release = access.get_in_scope(releases_scope(user).select_related("application"), pk=pk)
    return _apply(
        request,
        release,
        lambda: services.release_approve(release=release, actor=Actor.for_user(user), today=today()),
        _("Approved."),
    )


@capability("releases.manage")
def release_live(request: HttpRequest, pk: int) -> HttpResponse:
    release = _managed(request, pk)
    on = request.POST.get("on", "")
    return _apply(
        request,
        release,
        lambda: services.release_go_live(
            release=release, actor=Actor.for_user(user_of(request)), on=date.fromisoformat(on) if on else today()
        ),
        _("The release is live."),
    )


@capability("releases.manage")
def release_announce(request: HttpRequest, pk: int) -> HttpResponse:
    release = _managed(request, pk)
    return _apply(
        request,
        release,
        lambda: services.release_announce(
            release=release, actor=Actor.for_user(user_of(request)), text=request.POST.get("text", "")
        ),
        _("Announced to the application's users."),
    )
