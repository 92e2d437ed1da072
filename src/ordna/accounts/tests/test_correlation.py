"""Correlation: the rules of docs/accounts.md in order, and never a guess."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ordna.accounts.correlation import PersonIndex, PersonKey, correlate, fold, name_key, username_patterns

PEOPLE = [
    PersonKey(1, "E1001", "Karin", "Lindqvist", "karin.lindqvist@example.org"),
    PersonKey(2, "E1002", "Johan", "Berg", "johan.berg@example.org"),
    PersonKey(3, "E1003", "Femke", "van der Meer", "femke.vandermeer@example.org", ("f.meer@example.nl",)),
    PersonKey(4, "E1004", "Åsa", "Öberg", "asa.oberg@example.org"),
    PersonKey(5, "E1005", "Johan", "Berg", "johan.berg2@example.org"),  # a namesake of 2
]
INDEX = PersonIndex(PEOPLE, mail_domains=["example.org", "example-group.org", "example.nl"])


def match(**fields: str):
    values = {
        "employee_id": "",
        "email": "",
        "key": "x",
        "username": "",
        "first_name": "",
        "last_name": "",
        "display_name": "",
    }
    values.update(fields)
    return correlate(index=INDEX, **values)


def test_fold_and_name_key() -> None:
    assert fold("Åsa-Lena Öberg") == "asa lena oberg"
    assert name_key("Öberg, Åsa") == name_key("ÅSA ÖBERG") == name_key("Asa", "Oberg") == "asa oberg"
    assert name_key("Meer, Femke van der") == name_key("Femke", "van der Meer")


def test_username_patterns() -> None:
    assert {"karin.lindqvist", "klindqvist", "karinlindqvist", "k.lindqvist", "lindqvistk"} <= username_patterns(
        "Karin", "Lindqvist"
    )
    assert "fmeer" in username_patterns("Femke", "van der Meer")


def test_employee_id_first() -> None:
    result = match(employee_id="e1004", email="someone@else.example.net")
    assert (result.person_id, result.rule, result.review) == (4, "employee_id", False)


def test_email_is_case_insensitive_and_crosses_the_organisations_domains() -> None:
    assert match(email="KARIN.LINDQVIST@EXAMPLE.ORG").person_id == 1
    result = match(email="karin.lindqvist@example-group.org")
    assert (result.person_id, result.rule) == (1, "email")
    assert match(key="F.Meer@example.nl").person_id == 3  # an alias, through the key (a UPN)


def test_foreign_domains_do_not_match_by_local_part() -> None:
    assert match(email="karin.lindqvist@gmail.example.com").person_id is None


def test_namesakes_go_to_review_never_to_one_of_them() -> None:
    result = match(display_name="Johan Berg")
    assert (result.person_id, result.review) == (None, True)
    result = match(first_name="JOHAN", last_name="BERG", key="jbe02")
    assert (result.person_id, result.review) == (None, True)


def test_namesakes_are_told_apart_by_their_address() -> None:
    assert match(email="johan.berg2@example.org", display_name="Johan Berg").person_id == 5
    assert match(email="johan.berg@example-group.org", display_name="Johan Berg").person_id == 2


def test_username_then_name() -> None:
    assert (match(username="klindqvist").person_id, match(username="klindqvist").rule) == (1, "username")
    result = match(key="aob", display_name="ASA OBERG")
    assert (result.person_id, result.rule) == (4, "name")
    result = match(key="fvdm", display_name="Meer, Femke van der")
    assert (result.person_id, result.rule) == (3, "name")


def test_an_ambiguous_stronger_rule_is_not_overruled_by_a_weaker_one() -> None:
    # The username "jberg" fits both Johan Bergs; the name would also; nothing may be picked.
    assert match(username="jberg", display_name="Johan Berg").review is True


def test_employee_id_and_email_naming_different_people_is_a_review() -> None:
    result = match(employee_id="E1001", email="asa.oberg@example.org")
    assert (result.person_id, result.review) == (None, True)


def test_unknown_account_is_not_linked() -> None:
    result = match(key="reception@example.org", email="reception@example.org", display_name="Reception")
    assert (result.person_id, result.review, result.rule) == (None, False, "")


def test_without_configured_domains_the_common_ones_are_used() -> None:
    index = PersonIndex(PEOPLE, mail_domains=[])
    assert index.domains == frozenset({"example.org"})


names = st.sampled_from(["Anna", "Erik", "Sanne", "Daan", "Åsa", "Lars", "Eva"])
surnames = st.sampled_from(["Berg", "de Vries", "Öberg", "Jansen", "Lind", "Bakker"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(names, surnames), min_size=2, max_size=30), st.randoms(use_true_random=False))
def test_property_namesakes_never_get_an_account_by_name_or_username(pairs, random) -> None:
    people = [PersonKey(i + 1, f"E{i}", first, last, f"p{i}@example.org") for i, (first, last) in enumerate(pairs)]
    index = PersonIndex(people, mail_domains=["example.org"])
    for first, last in set(pairs):
        holders = {p.id for p in people if name_key(p.first_name, p.last_name) == name_key(first, last)}
        result = correlate(
            index=index,
            employee_id="",
            email="",
            key=f"{fold(first)[0]}{fold(last)}",
            username="",
            first_name=first,
            last_name=last,
            display_name="",
        )
        if len(holders) > 1:
            assert result.person_id is None
        else:
            assert result.person_id is None or result.person_id in holders or result.rule == "username"


@settings(max_examples=40, deadline=None)
@given(st.permutations(PEOPLE))
def test_property_person_order_does_not_change_links(order) -> None:
    index = PersonIndex(order, mail_domains=["example.org", "example-group.org", "example.nl"])
    for fields in (
        {"display_name": "Johan Berg"},
        {"email": "asa.oberg@example-group.org"},
        {"username": "klindqvist"},
        {"key": "fvdm", "display_name": "Meer, Femke van der"},
    ):
        values = {
            "employee_id": "",
            "email": "",
            "key": "x",
            "username": "",
            "first_name": "",
            "last_name": "",
            "display_name": "",
            **fields,
        }
        assert correlate(index=index, **values) == correlate(index=INDEX, **values)


def test_a_companys_own_domains_name_its_own_people_first() -> None:
    # Given two companies of the group, each with an Anna Berg at anna.berg on its own domain
    people = [
        PersonKey(11, "A1", "Anna", "Berg", "anna.berg@a.example.org", company=1),
        PersonKey(12, "B1", "Anna", "Berg", "anna.berg@b.example.org", company=2),
    ]
    domains = {"a.example.org": 1, "a-brand.example.org": 1, "b.example.org": 2, "b-brand.example.org": 2}
    index = PersonIndex(people, mail_domains=[], company_domains=domains)

    def by_mail(address: str) -> tuple[int | None, str, bool]:
        found = correlate(
            index=index, employee_id="", email=address, key="x", username="", first_name="", last_name="",
            display_name="",
        )  # fmt: skip
        return found.person_id, found.rule, found.review

    # When an account's address is on company B's second domain, then B's Anna is the one, by its domain
    assert by_mail("anna.berg@b-brand.example.org") == (12, "email", False)
    assert by_mail("anna.berg@a-brand.example.org") == (11, "email", False)
    # Without companies the same local part on a shared domain fits both: review, never a guess
    shared = PersonIndex(people, mail_domains=["a.example.org", "b.example.org", "group.example.org"])
    found = correlate(
        index=shared, employee_id="", email="anna.berg@group.example.org", key="x", username="", first_name="",
        last_name="", display_name="",
    )  # fmt: skip
    assert (found.person_id, found.review) == (None, True)
