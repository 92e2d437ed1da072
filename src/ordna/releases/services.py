"""Writes to releases (docs/releases.md): plan, configure, test, approve, go live, announce; every one audited."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordna.applications.models import Application, KeyUserAppointment, active_on
from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.errors import ServiceError
from ordna.people.models import Person
from ordna.releases.models import Release, ReleaseStatus, ReleaseTest, TestResult


class ReleaseError(ServiceError):
    """A release cannot change as asked; `field` names the input or step at fault."""


def _audit(release: Release, action: str, actor: Actor, **after: Any) -> None:
    audit_record(actor=actor, action=f"release.{action}", target=release, after=after or None)


def _require_open(release: Release) -> None:
    if release.status in (ReleaseStatus.LIVE, ReleaseStatus.CANCELLED):
        raise ReleaseError(
            _("The release changes no more (%(status)s)."),
            field="status",
            status=ReleaseStatus(release.status).label,
        )


def _is_key_user(person: Person, application: Application, today: date) -> bool:
    return KeyUserAppointment.objects.filter(active_on(today), application=application, person=person).exists()


def release_create(
    *,
    application: Application,
    version: str,
    actor: Actor,
    supplier_notes: str = "",
    planned_go_live: date | None = None,
) -> Release:
    """Register an update of `application` with the supplier's release notes."""
    version = " ".join(version.split())
    if not version:
        raise ReleaseError(_("Fill in the version."), field="version")
    if Release.objects.filter(application=application, version__iexact=version).exists():
        raise ReleaseError(
            _("%(application)s has a release %(version)s already."),
            field="version",
            application=application.name,
            version=version,
        )
    with transaction.atomic():
        release = Release.objects.create(
            application=application,
            version=version,
            supplier_notes=supplier_notes.strip(),
            planned_go_live=planned_go_live,
            created_by=actor.label,
        )
        _audit(release, "created", actor, application_id=application.pk, version=version)
    return release


def release_configure(
    *, release: Release, actor: Actor, configuration: str, supplier_notes: str | None = None,
    planned_go_live: date | None = None,
) -> Release:  # fmt: skip
    """Record what was configured for the release (and update its notes and planned date)."""
    _require_open(release)
    with transaction.atomic():
        release.configuration = configuration.strip()
        if supplier_notes is not None:
            release.supplier_notes = supplier_notes.strip()
        if planned_go_live is not None:
            release.planned_go_live = planned_go_live
        release.save()
        _audit(release, "configured", actor)
    return release


def test_add(
    *, release: Release, title: str, assignee: Person, actor: Actor, today: date, steps: str = ""
) -> ReleaseTest:
    """A test case for a named key user of the application (appointed today); the release is then in testing,
    and earlier approvals lapse (there is something new to pass)."""
    _require_open(release)
    title = " ".join(title.split())
    if not title:
        raise ReleaseError(_("Fill in the test's title."), field="title")
    if not _is_key_user(assignee, release.application, today):
        raise ReleaseError(
            _("%(person)s is not a key user of %(application)s."),
            field="assignee",
            person=assignee.full_name,
            application=release.application.name,
        )
    with transaction.atomic():
        test = ReleaseTest.objects.create(release=release, title=title, steps=steps.strip(), assignee=assignee)
        _lapse_approvals(release)
        release.status = ReleaseStatus.TESTING
        release.save()
        _audit(release, "test_added", actor, test_id=test.pk, assignee_id=assignee.pk)
    return test


def test_reassign(*, test: ReleaseTest, assignee: Person, actor: Actor, today: date) -> ReleaseTest:
    """Give a test not yet run to another key user of the application (appointed today): the deputy it was
    assigned to is away, or has left."""
    release = test.release
    _require_open(release)
    if test.result != TestResult.PENDING:
        raise ReleaseError(
            _("The test %(test)s was run already (%(result)s): add a new test case instead."),
            field="test",
            test=test.title,
            result=TestResult(test.result).label,
        )
    if not _is_key_user(assignee, release.application, today):
        raise ReleaseError(
            _("%(person)s is not a key user of %(application)s."),
            field="assignee",
            person=assignee.full_name,
            application=release.application.name,
        )
    if assignee.pk == test.assignee_id:
        raise ReleaseError(
            _("The test %(test)s is assigned to %(person)s already."),
            field="assignee",
            test=test.title,
            person=assignee.full_name,
        )
    with transaction.atomic():
        before = test.assignee_id
        test.assignee = assignee
        test.save(update_fields=["assignee"])
        _audit(release, "test_reassigned", actor, test_id=test.pk, assignee_id=assignee.pk, was_assignee_id=before)
    return test


def _lapse_approvals(release: Release) -> None:
    release.key_user_approved_by = release.owner_approved_by = None
    release.key_user_approved_at = release.owner_approved_at = None


def test_record(*, test: ReleaseTest, result: str, actor: Actor, note: str = "") -> ReleaseTest:
    """The assigned key user records pass or fail (a failure says what failed); a failure lapses approvals."""
    release = test.release
    _require_open(release)
    if result not in (TestResult.PASSED, TestResult.FAILED):
        raise ReleaseError(_("The result is passed or failed, not %(result)s."), field="result", result=repr(result))
    user = actor.user
    if user is not None and not user.has_role("admin", "coordinator") and user.person_id != test.assignee_id:
        raise ReleaseError(_("Only the key user the test is assigned to records its result."), field="assignee")
    note = note.strip()
    if result == TestResult.FAILED and not note:
        raise ReleaseError(_("Say what failed."), field="note")
    with transaction.atomic():
        test.result = result
        test.note = note
        test.tested_at = timezone.now()
        test.save()
        if result == TestResult.FAILED:
            _lapse_approvals(release)
            release.status = ReleaseStatus.TESTING
            release.save()
        _audit(release, "tested", actor, test_id=test.pk, result=result)
    return test


def release_approve(*, release: Release, actor: Actor, today: date) -> Release:
    """Approve as key user (appointed to the application) and/or as owner (the application's owner); needs at
    least one test case and every test case passed. Both approvals make the release approved."""
    _require_open(release)
    person = actor.user.person if actor.user is not None else None
    if person is None:
        raise ReleaseError(
            _("Only a key user or the owner of the application approves, as a person."), field="approver"
        )
    tests = list(release.tests.all())
    if not tests:
        raise ReleaseError(
            _("Not approved: the release has no test cases; add one for a named key user first."), field="tests"
        )
    not_run = [t.title for t in tests if t.result == TestResult.PENDING]
    if not_run:
        raise ReleaseError(_("Not approved: not run yet: %(tests)s."), field="tests", tests=", ".join(not_run))
    failed = [t.title for t in tests if t.result != TestResult.PASSED]
    if failed:
        raise ReleaseError(_("Not approved: failed: %(tests)s."), field="tests", tests=", ".join(failed))
    as_owner = release.application.owner_id == person.pk
    as_key_user = _is_key_user(person, release.application, today)
    if not (as_owner or as_key_user):
        raise ReleaseError(
            _("%(person)s is neither a key user nor the owner of the application."),
            field="approver",
            person=person.full_name,
        )
    # Four eyes: the key user's and the owner's approvals come from two people. An owner who is also a key
    # user approves as owner (no one else can); another key user gives the key user's approval.
    give_owner = as_owner and release.owner_approved_at is None and release.key_user_approved_by_id != person.pk
    give_key_user = (
        as_key_user
        and release.key_user_approved_at is None
        and release.owner_approved_by_id != person.pk
        and not give_owner
    )
    if not (give_owner or give_key_user):
        raise ReleaseError(
            _("%(person)s approved already; the other approval (%(missing)s) must come from another person."),
            field="approver",
            person=person.full_name,
            missing=_("the owner's") if release.owner_approved_at is None else _("a key user's"),
        )
    now = timezone.now()
    with transaction.atomic():
        if give_key_user:
            release.key_user_approved_by, release.key_user_approved_at = person, now
        if give_owner:
            release.owner_approved_by, release.owner_approved_at = person, now
        if release.key_user_approved_at and release.owner_approved_at:
            release.status = ReleaseStatus.APPROVED
        release.save()
        _audit(release, "approved", actor, as_owner=give_owner, as_key_user=give_key_user)
    return release


def release_go_live(*, release: Release, actor: Actor, on: date) -> Release:
    """Take the approved release live on `on`."""
    if release.status != ReleaseStatus.APPROVED:
        raise ReleaseError(_("A release goes live once a key user and the owner have approved it."), field="status")
    with transaction.atomic():
        release.status = ReleaseStatus.LIVE
        release.went_live_on = on
        release.save()
        _audit(release, "live", actor, on=on)
    return release


def release_announce(*, release: Release, actor: Actor, text: str) -> Release:
    """Announce the release to the application's users (the people with an active account in it); the
    announcement is a page they see. (Mail comes with the reminder engine.)"""
    from ordna.accounts.models import Account

    text = text.strip()
    if not text:
        raise ReleaseError(_("Write the announcement."), field="announcement")
    if release.status == ReleaseStatus.CANCELLED:
        raise ReleaseError(_("The release is cancelled."), field="status")
    with transaction.atomic():
        release.announcement = text
        release.announced_at = timezone.now()
        release.announced_by = actor.label
        release.announced_to = (
            Account.objects.filter(application=release.application, status="active", person__isnull=False)
            .values("person_id")
            .distinct()
            .count()
        )
        release.save()
        _audit(release, "announced", actor, people=release.announced_to)
    return release


def release_cancel(*, release: Release, actor: Actor) -> Release:
    _require_open(release)
    with transaction.atomic():
        release.status = ReleaseStatus.CANCELLED
        release.save()
        _audit(release, "cancelled", actor)
    return release
