"""Issue 23, point 11: approving says why it is refused, a test goes to another key user when its assignee is away,
a go-live ahead reads "goes live on", the two approvals come from two people, assignees are chosen by name."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from ordna.applications.services import appointment_add
from ordna.conftest import TODAY
from ordna.core.actor import Actor
from ordna.core.models import AuditEvent
from ordna.releases import services
from ordna.releases.models import ReleaseStatus
from ordna.releases.tests.test_services import crm  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def web(actor: Actor) -> Client:
    client = Client()
    client.force_login(actor.user)
    return client


def test_approving_without_tests_or_with_a_test_not_run_is_refused_with_a_message(crm, actor) -> None:  # noqa: F811
    release = services.release_create(application=crm["app"], version="2.0", actor=actor)
    key_user = web(crm["key_user"])
    page = key_user.post(f"/releases/{release.pk}/approve/", follow=True).content.decode()
    assert "Not approved: the release has no test cases; add one for a named key user first." in page
    services.test_add(release=release, title="Log in", assignee=crm["people"]["E2"], actor=actor, today=TODAY)
    page = key_user.post(f"/releases/{release.pk}/approve/", follow=True).content.decode()
    assert "Not approved: not run yet: Log in." in page
    release.refresh_from_db()
    assert (release.key_user_approved_at, release.status) == (None, ReleaseStatus.TESTING)


def test_a_test_not_run_goes_to_another_key_user_chosen_by_name(crm, actor, make_user) -> None:  # noqa: F811
    deputy = crm["people"]["E3"]
    appointment_add(application=crm["app"], person=deputy, actor=actor, starts_on=TODAY, role="deputy")
    release = services.release_create(application=crm["app"], version="2.0", actor=actor)
    key_user = web(crm["key_user"])
    page = key_user.get(f"/releases/{release.pk}/").content.decode()
    # The assignee is chosen from the application's key users by name, not typed as an employee id.
    assert f'<option value="{deputy.pk}">{deputy.full_name}</option>' in page
    assert "employee id" not in page
    key_user.post(f"/releases/{release.pk}/tests/", {"title": "Print", "assignee": deputy.pk})
    test = release.tests.get()
    assert test.assignee_id == deputy.pk
    # The deputy is away: the test goes to the primary key user.
    page = key_user.post(
        f"/releases/tests/{test.pk}/assignee/", {"assignee": crm["people"]["E2"].pk}, follow=True
    ).content.decode()
    assert "The test case was reassigned." in page
    test.refresh_from_db()
    assert test.assignee_id == crm["people"]["E2"].pk
    assert AuditEvent.objects.filter(action="release.test_reassigned").count() == 1
    # Not to someone who is no key user of the application.
    with pytest.raises(services.ReleaseError, match=r"^Test Person is not a key user of CRM\.$"):
        services.test_reassign(test=test, assignee=crm["people"]["E1"], actor=actor, today=TODAY)
    # A test that was run keeps its key user.
    services.test_record(test=test, result="passed", actor=crm["key_user"])
    with pytest.raises(services.ReleaseError, match=r"^The test Print was run already \(Passed\)"):
        services.test_reassign(test=test, assignee=deputy, actor=actor, today=TODAY)


def test_an_owner_who_is_also_key_user_gives_one_approval_only(crm, actor, make_user) -> None:  # noqa: F811
    owner = crm["people"]["E1"]
    appointment_add(application=crm["app"], person=owner, actor=actor, starts_on=TODAY, role="deputy")
    release = services.release_create(application=crm["app"], version="2.0", actor=actor)
    test = services.test_add(release=release, title="Log in", assignee=crm["people"]["E2"], actor=actor, today=TODAY)
    services.test_record(test=test, result="passed", actor=crm["key_user"])
    services.release_approve(release=release, actor=crm["owner"], today=TODAY)
    assert (release.owner_approved_by_id, release.key_user_approved_by_id) == (owner.pk, None)
    with pytest.raises(services.ReleaseError, match=r"the other approval \(a key user's\) must come from another"):
        services.release_approve(release=release, actor=crm["owner"], today=TODAY)
    assert release.status == ReleaseStatus.TESTING
    services.release_approve(release=release, actor=crm["key_user"], today=TODAY)
    assert release.status == ReleaseStatus.APPROVED
    assert release.key_user_approved_by_id == crm["people"]["E2"].pk


def test_a_go_live_date_ahead_reads_goes_live_on(crm, actor) -> None:  # noqa: F811
    release = services.release_create(application=crm["app"], version="2.0", actor=actor)
    test = services.test_add(release=release, title="Log in", assignee=crm["people"]["E2"], actor=actor, today=TODAY)
    services.test_record(test=test, result="passed", actor=crm["key_user"])
    services.release_approve(release=release, actor=crm["key_user"], today=TODAY)
    services.release_approve(release=release, actor=crm["owner"], today=TODAY)
    services.release_go_live(release=release, actor=actor, on=TODAY + timedelta(days=7))
    page = web(crm["key_user"]).get(f"/releases/{release.pk}/").content.decode()
    assert "goes live on" in page and "live since" not in page
