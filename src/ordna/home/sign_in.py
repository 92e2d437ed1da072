"""Who signs in through the organisation's identity provider, and as what (docs/sign-in.md).

The protocol is Authlib's (`ordna.core.oidc`); this is what the verified claims make in Ordna:

- The user is found by the provider's subject, else (the first time) by the address; a user is created on
  first sign-in, linked to the HR file's person with the same address when exactly one has it.
- Roles: those `ORDNA_OIDC_ROLE_GROUPS` gives for the provider's groups, `manager` for a person with direct
  reports in the HR file, `employee` for one of the HR file's people. Roles an administrator gave in Ordna
  that neither rule governs are kept; the roles the rules govern follow the provider and the HR file at
  every sign-in.
- Refused: no verified address; a disabled user; a person who has left (their user is disabled on the way,
  through the same service as the user administration, which ends their sessions and API tokens); nobody
  with a role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ordna.core import services
from ordna.core.actor import Actor
from ordna.core.models import Role, User
from ordna.core.oidc import SignInRefused, claim_groups, roles_from_groups
from ordna.people.models import Person

SIGN_IN = Actor.system("sign-in")


@dataclass(frozen=True)
class Identity:
    """What the provider vouches for, from the verified ID token and the userinfo endpoint."""

    subject: str
    email: str
    email_verified: bool | None
    given_name: str = ""
    family_name: str = ""
    groups: list[str] = field(default_factory=list)


def identity_from_claims(claims: Mapping[str, Any]) -> Identity:
    verified = claims.get("email_verified")
    return Identity(
        subject=str(claims.get("sub", "")),
        email=str(claims.get("email", "") or "").strip().lower(),
        email_verified=None if verified is None else verified in (True, "true", "True"),
        given_name=str(claims.get("given_name", "") or ""),
        family_name=str(claims.get("family_name", "") or ""),
        groups=claim_groups(claims),
    )


def governed_roles() -> set[str]:
    """The roles sign-in sets and takes away: the mapped ones, and the two the HR file decides."""
    return set(settings.ORDNA_OIDC_ROLE_GROUPS) | {Role.MANAGER, Role.EMPLOYEE}


def _free_username(email: str) -> str:
    if not User.objects.filter(username__iexact=email).exists():
        return email
    local = email.split("@")[0]
    number = 2
    while User.objects.filter(username__iexact=f"{local}-{number}").exists():
        number += 1
    return f"{local}-{number}"


def _known_user(identity: Identity, person: Person | None, *, lock: bool = False) -> User | None:
    """By the provider's subject; else, the first time, an internal user with the address, or the person's."""
    users = User.objects.select_for_update() if lock else User.objects.all()
    return (
        users.filter(oidc_subject=identity.subject).first()
        or users.filter(email__iexact=identity.email, oidc_subject__isnull=True, supplier__isnull=True).first()
        or (users.filter(person=person, oidc_subject__isnull=True).first() if person is not None else None)
    )


def oidc_user_sign_in(*, identity: Identity, today: date) -> User:
    """The active user `identity` signs in as, created or brought up to date; `SignInRefused` saying why not."""
    if not identity.subject:
        raise SignInRefused(_("The provider sent no subject."))
    if not identity.email or "@" not in identity.email:
        raise SignInRefused(_("The provider sent no mail address; Ordna finds people by it."))
    if identity.email_verified is False:
        raise SignInRefused(_("The provider says the mail address is not verified."))
    people = list(Person.objects.filter(Q(email__iexact=identity.email)))
    person = people[0] if len(people) == 1 else None  # never guess between two people with one address
    user = _known_user(identity, person)
    if user is not None and not user.is_active:
        raise SignInRefused(_("This user is disabled in Ordna."))
    if person is not None and person.end_date is not None and person.end_date < today:
        if user is not None:
            _disable(user)
        raise SignInRefused(_("The HR file says this person has left."))
    with transaction.atomic():
        user = _known_user(identity, person, lock=True)
        if user is not None and not user.is_active:
            raise SignInRefused(_("This user is disabled in Ordna."))
        governed = governed_roles()
        derived = roles_from_groups(identity.groups, settings.ORDNA_OIDC_ROLE_GROUPS)
        if person is not None:
            derived.add(Role.EMPLOYEE)
            if Person.objects.filter(manager=person).exclude(end_date__lt=today).exists():
                derived.add(Role.MANAGER)
        kept = (user.role_set - governed) if user is not None else set()
        roles = kept | derived
        if not roles:
            raise SignInRefused(_("No role: neither the provider's groups nor the HR file give this person one."))
        person_id = person.pk if person is not None else (user.person_id if user is not None else None)
        if user is None:
            user = services.user_add(
                username=_free_username(identity.email),
                roles=roles,
                actor=SIGN_IN,
                person_id=person_id,
                email=identity.email,
                locale=person.locale if person is not None else "",
            )
        else:
            user = services.user_update(
                user=user,
                actor=SIGN_IN,
                roles=roles,
                person_id=None if user.supplier_id is not None else person_id,
                supplier_id=user.supplier_id,
                email=identity.email,
                is_active=True,
            )
        changed = {"oidc_subject": identity.subject}
        if identity.given_name and not user.first_name:
            changed["first_name"] = identity.given_name[:150]
        if identity.family_name and not user.last_name:
            changed["last_name"] = identity.family_name[:150]
        User.objects.filter(pk=user.pk).update(**changed)
        for name, value in changed.items():
            setattr(user, name, value)
    return user


def _disable(user: User) -> None:
    """End the leaver's sign-in at once: the user administration's own disable (sessions and tokens end)."""
    services.user_update(
        user=user,
        actor=SIGN_IN,
        roles=user.role_set or {Role.EMPLOYEE},
        person_id=user.person_id,
        supplier_id=user.supplier_id,
        email=user.email,
        is_active=False,
    )
