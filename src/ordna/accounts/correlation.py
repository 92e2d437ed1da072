"""Linking accounts to people without guessing (docs/accounts.md). Pure: no ORM.

Rules, in order: the employee-id attribute; the email or UPN, case-insensitive, exactly or by its local
part on any of the organisation's domains (and the person's aliases), a company's own domains naming its
own people first (docs/companies.md); a username derived from the
person's name (first.last, flast, ...); the full name, normalised for case, diacritics and order. The
first rule that finds exactly one person links; a rule that finds two or more sends the account to
review, and no later (weaker) rule may then link it. A manual link or a non-personal decision is never
touched here: the service keeps it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

AMBIGUOUS = -1

CONFIDENCE = {"employee_id": 1.0, "email": 0.95, "email_domain": 0.9, "username": 0.75, "name": 0.6}
_FOLD = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "ß": "ss",
        "ĳ": "ij",
        "Ĳ": "ij",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "-": " ",
        "'": "",
        "\u2019": "",
        ".": " ",
        "_": " ",
    }
)


def fold(text: str) -> str:
    """Lower-case ASCII letters and single spaces: 'Åsa-Lena Öberg' -> 'asa lena oberg'.

    Every step works character by character and keeps whitespace as whitespace, so a text folds word by
    word; names repeat their words (first names, common surnames), so each word is folded once.
    """
    return " ".join(folded for word in text.split() if (folded := _fold_word(word)))


@lru_cache(maxsize=262144)
def _fold_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.translate(_FOLD))
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join("".join(c if c.isalnum() else " " for c in ascii_only).split())


@lru_cache(maxsize=131072)
def name_key(first: str, last: str = "") -> str:
    """Order-free key of a full name: 'Öberg, Åsa', 'ÅSA ÖBERG' and 'Asa Oberg' all give 'asa oberg'."""
    if not last and "," in first:
        last, _, first = first.partition(",")
    return " ".join(sorted(fold(f"{first} {last}").split()))


def username_patterns(first: str, last: str) -> set[str]:
    """Usernames organisations derive from a name: first.last, firstlast, flast, f.last, first_last, lastf."""
    first_parts, last_parts = fold(first).split(), fold(last).split()
    if not first_parts or not last_parts:
        return set()
    f, l_ = "".join(first_parts), "".join(last_parts)
    short_last = last_parts[-1]  # "van der Meer" -> "meer" as well
    patterns = set()
    for surname in {l_, short_last}:
        patterns |= {
            f"{f}.{surname}",
            f"{f}{surname}",
            f"{f[0]}{surname}",
            f"{f[0]}.{surname}",
            f"{f}_{surname}",
            f"{surname}{f[0]}",
            f"{surname}.{f}",
        }
    return patterns


@dataclass(frozen=True, slots=True)
class PersonKey:
    """What correlation needs to know of a person."""

    id: int
    employee_id: str
    first_name: str
    last_name: str
    email: str
    aliases: tuple[str, ...] = ()
    company: int = 0


class Match(NamedTuple):
    person_id: int | None
    rule: str  # "" when unlinked
    confidence: float | None
    review: bool
    reason: str = ""


NO_MATCH = Match(None, "", None, False)


class PersonIndex:
    """Dictionaries from every identifying value to the one person it names, or AMBIGUOUS."""

    def __init__(
        self,
        people: Iterable[PersonKey],
        *,
        mail_domains: Iterable[str],
        company_domains: Mapping[str, int] | None = None,
    ) -> None:
        self.by_employee_id: dict[str, int] = {}
        self.by_email: dict[str, int] = {}
        self.by_local: dict[str, int] = {}
        # "company id:local part": a company's own domains name its own people before anyone else's.
        self.by_company_local: dict[str, int] = {}
        self.by_username: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        # Which company each company's mail domain belongs to (the companies' domains are the organisation's too).
        self.company_of_domain = {d.lower().lstrip("@"): c for d, c in (company_domains or {}).items()}
        self.domains = frozenset(d.lower().lstrip("@") for d in mail_domains if d) | frozenset(self.company_of_domain)
        self._people = list(people)
        self._shared: dict[str, set[int]] | None = None
        if not self.domains:
            self.domains = _common_domains(self._people)
        # This runs a dozen times per person for a hundred thousand people: plain dictionary work only.
        indexes = self._indexes
        for person in self._people:
            pid = person.id
            for kind, key in self._keys(person):
                index = indexes[kind]
                current = index.get(key)
                if current is None:
                    index[key] = pid
                elif current != pid:
                    index[key] = AMBIGUOUS

    @property
    def _indexes(self) -> dict[str, dict[str, int]]:
        return {
            "employee_id": self.by_employee_id,
            "email": self.by_email,
            "local": self.by_local,
            "company_local": self.by_company_local,
            "username": self.by_username,
            "name": self.by_name,
        }

    def keys_of(self, person: PersonKey) -> list[tuple[str, str]]:
        """Every (kind, value) that identifies `person`, with this index's domains (stored keys are made so)."""
        return self._keys(person)

    def _keys(self, person: PersonKey) -> list[tuple[str, str]]:
        """Every (kind, value) that identifies the person, blanks left out."""
        keys: list[tuple[str, str]] = []
        if person.employee_id:
            keys.append(("employee_id", person.employee_id.casefold()))
        addresses = {a.lower() for a in (person.email, *person.aliases) if a}
        usernames = username_patterns(person.first_name, person.last_name)
        for address in addresses:
            keys.append(("email", address))
            local, _, domain = address.partition("@")
            if domain in self.domains and local:
                keys.append(("local", local))
                if self.company_of_domain:
                    keys.append(("company_local", f"{person.company}:{local}"))
            # A person's own mailbox name is also a username pattern ("johan.berg" for johan.berg@...).
            usernames.add(local)
        keys.extend(("username", pattern) for pattern in usernames if pattern)
        if name := name_key(person.first_name, person.last_name):
            keys.append(("name", name))
        return keys

    @property
    def shared(self) -> dict[str, set[int]]:
        """Who shares each ambiguous key ("kind:value"): the candidates a reviewer chooses from. Worked out
        on first use (the review pages), not while importing, which never needs it."""
        if self._shared is None:
            shared: dict[str, set[int]] = {}
            indexes = self._indexes
            for person in self._people:
                for kind, key in self._keys(person):
                    if indexes[kind].get(key) == AMBIGUOUS:
                        shared.setdefault(f"{kind}:{key}", set()).add(person.id)
            self._shared = shared
        return self._shared

    def candidates(self, *, email: str, key: str, username: str, display_name: str) -> set[int]:
        """Everyone an account could belong to: the people behind its address, mailbox name, username
        and full name, whether one or several share them."""
        found: set[int] = set()
        indexes = self._indexes
        for kind, value in candidate_probes(email=email, key=key, username=username, display_name=display_name):
            hit = indexes[kind].get(value)
            if hit == AMBIGUOUS:
                found |= self.shared.get(f"{kind}:{value}", set())
            elif hit is not None:
                found.add(hit)
        return found


def candidate_probes(*, email: str, key: str, username: str, display_name: str) -> list[tuple[str, str]]:
    """The (kind, value) keys to look up for the people an account could belong to: its address and mailbox
    name, its username and the key's local part, and its full name."""
    probes = []
    for address in {email.lower(), key.lower() if "@" in key else ""} - {""}:
        probes.append(("email", address))
        probes.append(("local", address.partition("@")[0]))
    for name in {username.lower(), key.partition("@")[0].lower()} - {""}:
        probes.append(("username", name))
    if display_name:
        probes.append(("name", name_key(display_name)))
    return probes


def _common_domains(people: list[PersonKey]) -> frozenset[str]:
    """Without ORDNA_MAIL_DOMAINS: the domains that at least 5 % of people's primary addresses use."""
    counts: dict[str, int] = {}
    for person in people:
        if "@" in person.email:
            domain = person.email.lower().partition("@")[2]
            counts[domain] = counts.get(domain, 0) + 1
    threshold = max(1, len(people) // 20)
    return frozenset(d for d, n in counts.items() if n >= threshold)


def correlate(
    *,
    index: PersonIndex,
    employee_id: str,
    email: str,
    key: str,
    username: str,
    first_name: str,
    last_name: str,
    display_name: str,
) -> Match:
    """Link one account to one person by the first rule that names exactly one, or send it to review.

    Written for a million calls per import: plain dictionary lookups, no objects until the answer.
    """
    by_id = index.by_employee_id.get(employee_id.casefold()) if employee_id else None
    mail_pid: int | None = None
    mail_rule = ""
    email = email.lower()
    key_address = key.lower() if "@" in key else ""
    for address in (email, key_address) if key_address and key_address != email else (email,):
        if not address:
            continue
        mail_pid = index.by_email.get(address)
        if mail_pid is not None:
            mail_rule = "email"
            break
        local, _, domain = address.partition("@")
        company = index.company_of_domain.get(domain)
        if company is not None:
            mail_pid = index.by_company_local.get(f"{company}:{local}")
            if mail_pid is not None:
                mail_rule = "email_domain"
                break
        if domain in index.domains:
            mail_pid = index.by_local.get(local)
            if mail_pid is not None:
                mail_rule = "email_domain"
                break
    if by_id is not None:
        if by_id == AMBIGUOUS:
            return Match(None, "", None, True, f"employee id {employee_id!r} belongs to more than one person")
        # Never guess: an employee id and an address that name two different people is a review.
        if mail_rule == "email" and mail_pid != by_id:
            return Match(None, "", None, True, "the employee id and the email address name different people")
        return Match(by_id, "employee_id", CONFIDENCE["employee_id"], False)
    if mail_pid is not None:
        if mail_pid == AMBIGUOUS:
            return Match(None, "", None, True, f"the address {email or key_address!r} fits more than one person")
        return Match(mail_pid, "email", CONFIDENCE[mail_rule], False)
    key_name = key.partition("@")[0].lower()
    user = username.lower()
    for candidate in (user, key_name) if key_name != user else (key_name,):
        found = index.by_username.get(candidate) if candidate else None
        if found is not None:
            if found == AMBIGUOUS:
                return Match(None, "", None, True, f"the username {candidate!r} fits more than one person")
            return Match(found, "username", CONFIDENCE["username"], False)
    full = name_key(first_name, last_name) if (first_name or last_name) else name_key(display_name)
    found = index.by_name.get(full) if full else None
    if found is None:
        return NO_MATCH
    if found == AMBIGUOUS:
        return Match(None, "", None, True, f"more than one person is called {full!r}")
    return Match(found, "name", CONFIDENCE["name"], False)
