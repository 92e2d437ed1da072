"""Who a reminder goes to, by address (docs/notifications.md). Pure: plain rows in, a `Directory` out; no ORM.

The rules, in order:

- A person from the HR file is reachable at the HR file's address, with or without an Ordna user.
- A person who also has an active user is one recipient, not two: at the user's address when the user has a
  usable one (the address Ordna was told to use for that user, and the one the user sees their reminders
  under), else at the HR file's. Either way the items of the person and of the user meet in one digest.
- A user who is not one of the HR file's people (an IT coordinator, a supplier's staff) is reachable at the
  user's address.
- A role's shared mailbox (`ORDNA_ROLE_MAILBOXES`) is reached beside the role's users, so the routine works
  before any user exists; a mailbox is never sent signed links (anyone reading it could use them).
- Two of them at the same address are one recipient: one digest per address and day.
- Language: the user's choice; else the HR file's `locale` when it says Swedish or Dutch (English is the
  column's default, so it cannot tell a choice from a blank); else the person's holiday country (SE Swedish,
  NL Dutch); else `ORDNA_LANGUAGE`. A mailbox is written in `ORDNA_LANGUAGE`.
- An address that is missing or malformed does not exist: the person is "without address", and a source
  asking for them gets nobody (the item climbs to the next rung).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from ordna.notifications.sources import Directory, Recipient

# A deliberately plain check, run on every address of the HR file in a run: one @, no spaces, a dot in the
# domain. What passes is what an SMTP server would be handed; what fails is reported to the coordinators.
_ADDRESS = re.compile(r"^[^@\s<>,;\"()]+@[^@\s<>,;\"()]+\.[^@\s<>,;\"().]+$")
COUNTRY_LANGUAGES = {"SE": "sv", "NL": "nl"}
USER, HR_FILE, MAILBOX = "user", "hr_file", "mailbox"


def usable_address(raw: str | None) -> str:
    """The address in lower case, or "" when it is missing or malformed."""
    address = (raw or "").strip()
    return address.lower() if len(address) <= 254 and _ADDRESS.match(address) else ""


def recipient_language(*, user_locale: str, person_locale: str, person_country: str, default: str) -> str:
    if user_locale:
        return user_locale
    if person_locale and person_locale != "en":
        return person_locale
    return COUNTRY_LANGUAGES.get(person_country.upper(), default) if person_country else default


class UserRow(NamedTuple):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    locale: str
    person_id: int | None
    supplier_id: int | None
    roles: frozenset[str]
    companies: frozenset[int] = frozenset()  # the companies the user is limited to; empty: the whole group


class PersonRow(NamedTuple):
    id: int
    employee_id: str
    first_name: str
    last_name: str
    email: str
    locale: str
    holiday_country: str


def directory_build(
    *,
    users: Iterable[UserRow],
    people: Iterable[PersonRow],
    mailboxes: Mapping[str, Iterable[str]],
    role_leads: Mapping[str, Iterable[str]],
    cio_usernames: Iterable[str],
    default_language: str,
    mailbox_names: Mapping[str, str] | None = None,
    supplier_desks: Mapping[int, tuple[str, Iterable[str]]] | None = None,
) -> Directory:
    """The run's directory from the active users (with their roles), the HR file's people and the settings.

    `role_leads` and `cio_usernames` name users; `mailboxes` maps a role to its shared addresses, and
    `mailbox_names` a role to how a mailbox is greeted ("HR"); `supplier_desks` maps a supplier to its name and
    its contact and service desk addresses, reached for the supplier's own review actions (issue 23) as a shared
    mailbox is (never with signed links).
    """
    directory = Directory()
    recipients = directory.recipients
    user_of_person: dict[int, UserRow] = {}
    by_username: dict[str, str] = {}

    def add(recipient: Recipient) -> str:
        known = recipients.get(recipient.key)
        if known is None:
            recipients[recipient.key] = recipient
        elif known.user_id is None and recipient.user_id is not None:
            # A user and a person (or mailbox) at one address: one recipient, the user's language and name.
            recipients[recipient.key] = recipient._replace(mailbox=known.mailbox)
        return recipient.key

    user_rows = list(users)
    for row in user_rows:
        if row.person_id is not None:
            user_of_person[row.person_id] = row
    people_by_id: dict[int, PersonRow] = {}
    for person in people:
        people_by_id[person.id] = person
        user = user_of_person.get(person.id)
        user_address = usable_address(user.email) if user is not None else ""
        hr_address = usable_address(person.email)
        address = user_address or hr_address
        if not address:
            directory.without_address[person.id] = person.email
            continue
        name = f"{person.first_name} {person.last_name}".strip() or person.employee_id
        language = recipient_language(
            user_locale=user.locale if user is not None else "",
            person_locale=person.locale,
            person_country=person.holiday_country,
            default=default_language,
        )
        directory.by_person[person.id] = add(
            Recipient(
                key=address,
                address=address,
                name=name,
                language=language,
                user_id=user.id if user is not None else None,
                username=user.username if user is not None else "",
                person_id=person.id,
                employee_id=person.employee_id,
                roles=user.roles if user is not None else frozenset(),
                origin=USER if user_address else HR_FILE,
            )
        )
    for user in user_rows:
        person_key = directory.by_person.get(user.person_id) if user.person_id is not None else None
        if person_key is not None:
            key = person_key
        else:
            address = usable_address(user.email)
            own = people_by_id.get(user.person_id) if user.person_id is not None else None
            key = add(
                Recipient(
                    key=address or f"user:{user.id}",
                    address=address,
                    name=f"{user.first_name} {user.last_name}".strip() or user.username,
                    language=recipient_language(
                        user_locale=user.locale, person_locale="", person_country="", default=default_language
                    ),
                    user_id=user.id,
                    username=user.username,
                    person_id=user.person_id,
                    employee_id=own.employee_id if own is not None else "",
                    roles=user.roles,
                    origin=USER,
                )
            )
            if address and user.person_id is not None:
                directory.by_person[user.person_id] = key
                directory.without_address.pop(user.person_id, None)
        directory.by_user[user.id] = key
        by_username[user.username] = key
        for role in user.roles:
            if user.companies:  # their role's items of their companies' people only (Directory.role_in)
                for company in user.companies:
                    directory.by_role_company[role][company].add(key)
            else:
                directory.by_role[role].add(key)
        if user.supplier_id is not None and "supplier" in user.roles:
            directory.supplier_staff[user.supplier_id].add(key)
    for role, addresses in mailboxes.items():
        for raw in addresses:
            address = usable_address(raw)
            if not address:
                continue
            known = recipients.get(address)
            if known is None:
                name = (mailbox_names or {}).get(role, role)
                recipients[address] = Recipient(
                    key=address, address=address, name=name, language=default_language, mailbox=role, origin=MAILBOX
                )
            else:
                recipients[address] = known._replace(mailbox=role)
            directory.by_role[role].add(address)
    for supplier_id, (name, raw_addresses) in (supplier_desks or {}).items():
        for raw in raw_addresses:
            address = usable_address(raw)
            if not address:
                continue
            if address not in recipients:
                recipients[address] = Recipient(
                    key=address,
                    address=address,
                    name=name,
                    language=default_language,
                    mailbox="supplier",
                    origin=MAILBOX,
                )
            directory.supplier_desks[supplier_id] = tuple(
                sorted({*directory.supplier_desks.get(supplier_id, ()), address})
            )
    for role, usernames in role_leads.items():
        directory.role_leads[role] = tuple(sorted({by_username[n] for n in usernames if n in by_username}))
    directory.cios = tuple(sorted({by_username[n] for n in cio_usernames if n in by_username}))
    return directory
