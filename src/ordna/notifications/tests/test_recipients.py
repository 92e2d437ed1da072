"""Who a reminder goes to, pure: the HR file's addresses, users, role mailboxes, one recipient per address."""

from __future__ import annotations

from ordna.notifications.recipients import (
    PersonRow,
    UserRow,
    directory_build,
    recipient_language,
    usable_address,
)


def person(pk: int, employee_id: str, email: str, locale: str = "en", country: str = "") -> PersonRow:
    return PersonRow(pk, employee_id, employee_id.title(), "Person", email, locale, country)


def user(pk: int, username: str, email: str, *roles: str, person_id=None, supplier_id=None, locale="en") -> UserRow:
    return UserRow(pk, username, "", "", email, locale, person_id, supplier_id, frozenset(roles))


def build(users=(), people=(), mailboxes=None, leads=None, cios=(), default="sv"):
    return directory_build(
        users=users,
        people=people,
        mailboxes=mailboxes or {},
        role_leads=leads or {},
        cio_usernames=cios,
        default_language=default,
        mailbox_names={"hr": "HR", "coordinator": "IT coordinator"},
    )


def test_a_person_without_a_user_is_reached_at_the_hr_files_address() -> None:
    directory = build(people=[person(1, "m1", "Maja.Manager@Example.org", locale="nl")])
    assert directory.person(1) == ("maja.manager@example.org",)
    maja = directory.recipients["maja.manager@example.org"]
    assert (maja.name, maja.language, maja.user_id, maja.origin, maja.personal) == (
        "M1 Person",
        "nl",
        None,
        "hr_file",
        True,
    )


def test_a_person_with_a_user_is_one_recipient_at_the_users_address() -> None:
    directory = build(
        people=[person(1, "m1", "maja@hr.example.org")],
        users=[user(7, "maja", "maja@example.org", "manager", person_id=1, locale="sv")],
    )
    assert directory.person(1) == directory.user(7) == ("maja@example.org",)
    assert list(directory.recipients) == ["maja@example.org"]
    maja = directory.recipients["maja@example.org"]
    assert (maja.username, maja.language, maja.origin, maja.employee_id) == ("maja", "sv", "user", "m1")
    assert directory.role("manager") == ("maja@example.org",)


def test_a_user_without_an_address_is_reached_at_the_hr_files() -> None:
    directory = build(people=[person(1, "m1", "maja@example.org")], users=[user(7, "maja", "", "manager", person_id=1)])
    assert directory.person(1) == directory.user(7) == ("maja@example.org",)
    assert directory.recipients["maja@example.org"].origin == "hr_file"


def test_a_missing_or_malformed_address_reaches_nobody_and_is_remembered_when_asked_for() -> None:
    directory = build(people=[person(1, "m1", "maja@"), person(2, "m2", ""), person(3, "m3", "ok@example.org")])
    assert directory.person(1) == directory.person(2) == ()
    assert directory.unreachable == {1: "maja@", 2: ""}
    assert directory.person(3) == ("ok@example.org",)
    assert directory.person(None) == ()


def test_a_user_with_neither_address_is_planned_under_a_key_of_its_own_never_mailed() -> None:
    directory = build(users=[user(7, "bo", "", "coordinator")])
    assert directory.role("coordinator") == ("user:7",)
    assert directory.recipients["user:7"].address == ""
    assert directory.recipients["user:7"].personal is False


def test_role_mailboxes_stand_beside_the_roles_users_and_never_get_signed_links() -> None:
    directory = build(
        users=[user(7, "hanna", "hanna@example.org", "hr")],
        mailboxes={"hr": ["hr@example.org"], "coordinator": ["IT@example.org"]},
    )
    assert directory.role("hr") == ("hanna@example.org", "hr@example.org")
    assert directory.role("coordinator") == ("it@example.org",)  # before any coordinator user exists
    box = directory.recipients["hr@example.org"]
    assert (box.name, box.mailbox, box.language, box.personal) == ("HR", "hr", "sv", False)


def test_a_user_at_a_mailbox_address_is_one_recipient_still_a_mailbox() -> None:
    directory = build(
        users=[user(7, "it", "it@example.org", "coordinator")], mailboxes={"coordinator": ["it@example.org"]}
    )
    assert list(directory.recipients) == ["it@example.org"]
    shared = directory.recipients["it@example.org"]
    assert (shared.username, shared.mailbox, shared.personal) == ("it", "coordinator", False)


def test_two_people_at_one_address_get_one_digest() -> None:
    directory = build(people=[person(1, "a1", "team@example.org"), person(2, "a2", "TEAM@example.org")])
    assert directory.person(1) == directory.person(2) == ("team@example.org",)
    assert len(directory.recipients) == 1


def test_supplier_staff_role_leads_and_cios_by_address() -> None:
    directory = build(
        users=[
            user(1, "sven", "sven@supplier.example.org", "supplier", supplier_id=4),
            user(2, "anna", "anna@example.org", "hr"),
            user(3, "cio", "cio@example.org", "coordinator"),
        ],
        leads={"hr": ["anna", "nobody"]},
        cios=["cio"],
    )
    assert directory.supplier(4) == ("sven@supplier.example.org",)
    assert directory.lead_of_role("hr") == ("anna@example.org",)
    assert directory.cios == ("cio@example.org",)
    assert directory.users([1, 2, 99]) == ("anna@example.org", "sven@supplier.example.org")


def test_the_language_is_the_users_else_the_hr_files_else_the_country_else_the_default() -> None:
    assert recipient_language(user_locale="nl", person_locale="sv", person_country="SE", default="en") == "nl"
    assert recipient_language(user_locale="", person_locale="sv", person_country="NL", default="en") == "sv"
    assert recipient_language(user_locale="", person_locale="en", person_country="NL", default="en") == "nl"
    assert recipient_language(user_locale="", person_locale="en", person_country="", default="sv") == "sv"


def test_usable_addresses() -> None:
    assert usable_address("  Anna.Berg@Example.ORG ") == "anna.berg@example.org"
    for bad in ("", None, "anna", "anna@", "@example.org", "anna@example", "an na@example.org", "a@b@example.org"):
        assert usable_address(bad) == "", bad


def test_a_suppliers_contact_and_service_desk_are_reached_as_a_mailbox() -> None:
    """Issue 23: the supplier's own review actions reach its addresses, never with signed links."""
    directory = directory_build(
        users=[],
        people=[],
        mailboxes={},
        role_leads={},
        cio_usernames=[],
        default_language="sv",
        supplier_desks={7: ("Example Desk AB", ("Desk@Desk.example.org", "not an address", ""))},
    )
    assert directory.supplier_desk(7) == ("desk@desk.example.org",)
    recipient = directory.recipients["desk@desk.example.org"]
    assert (recipient.name, recipient.language, recipient.personal) == ("Example Desk AB", "sv", False)
