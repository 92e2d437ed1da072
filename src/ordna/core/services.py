"""Writes to users, roles, API tokens and supplier companies; each audited in the same transaction."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.busy import write_if_free
from ordna.core.errors import ServiceError
from ordna.core.models import ApiToken, Role, Supplier, User, UserRole

TOKEN_PREFIX = "ordna_"  # noqa: S105 - a visible prefix, so leaked tokens are recognisable


class UserError(ServiceError):
    """A user cannot be made or changed as asked; `field` names the value that is wrong."""


def _check_roles(roles: Iterable[str]) -> list[str]:
    roles = sorted(set(roles))
    if not roles:
        raise UserError(_("Give at least one role."), field="roles")
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise UserError(
            _("Unknown role %(role)s; the roles are %(roles)s."),
            field="roles",
            role=repr(unknown[0]),
            roles=", ".join(Role.values),
        )
    return roles


def _weak_password(error: ValidationError) -> UserError:
    """Django's password validators' reasons, in the language active when they ran."""
    return UserError(
        _("The password is not good enough: %(reasons)s"), field="password", reasons=" ".join(error.messages)
    )


def _check_links(*, roles: list[str], person_id: int | None, supplier_id: int | None) -> None:
    if Role.SUPPLIER in roles and supplier_id is None:
        raise UserError(_("A supplier user needs a supplier: the company whose work it sees."), field="supplier")
    if supplier_id is not None and Role.SUPPLIER not in roles:
        raise UserError(_("Only supplier users belong to a supplier."), field="supplier")
    if supplier_id is not None and person_id is not None:
        raise UserError(_("A supplier user cannot also be one of the organisation's people."), field="person")
    for role in (Role.MANAGER, Role.EMPLOYEE):
        if role in roles and person_id is None:
            raise UserError(
                _("The role %(role)s needs a linked person (an employee id)."), field="person", role=Role(role).label
            )


def _check_may_grant(*, actor: Actor, roles: list[str], target: User | None) -> None:
    """Only an administrator may make an administrator or change one (no escalation through users.manage)."""
    touches_admin = Role.ADMIN in roles or (target is not None and target.has_role(Role.ADMIN))
    if actor.user is not None and not actor.user.has_role(Role.ADMIN) and touches_admin:
        raise UserError(_("Only an administrator can grant or change the administrator role."), field="roles")


def user_change_check(*, actor: Actor, user: User) -> None:
    """Refuse (UserError) when `actor` may not change `user`'s sign-in: only an administrator changes an
    administrator's; everyone may change their own."""
    if actor.user is None or actor.user.pk != user.pk:
        _check_may_grant(actor=actor, roles=[], target=user)


def _user_state(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "roles": sorted(user.roles.values_list("role", flat=True)),
        "person_id": user.person_id,
        "supplier_id": user.supplier_id,
        "is_active": user.is_active,
        "locale": user.locale,
    }


def user_add(
    *,
    username: str,
    roles: Iterable[str],
    actor: Actor,
    person_id: int | None = None,
    supplier_id: int | None = None,
    email: str = "",
    password: str | None = None,
    locale: str = "",
) -> User:
    """Create a user with `roles`. Without a password the user cannot sign in until one is set.

    `locale` is the user's language; a caller that links a person passes the person's own (core does not read
    people), else the default (English) applies.
    """
    username = username.strip()
    if not username:
        raise UserError(_("Fill in the username."), field="username")
    role_list = _check_roles(roles)
    _check_links(roles=role_list, person_id=person_id, supplier_id=supplier_id)
    _check_may_grant(actor=actor, roles=role_list, target=None)
    if User.objects.filter(username__iexact=username).exists():
        raise UserError(_("A user named %(username)s exists already."), field="username", username=repr(username))
    if person_id is not None and User.objects.filter(person_id=person_id).exists():
        raise UserError(_("That person already has a user."), field="person")
    user = User(username=username, email=email, person_id=person_id, supplier_id=supplier_id)
    if locale:
        user.locale = locale
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise _weak_password(exc) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.is_staff = Role.ADMIN in role_list
    with transaction.atomic():
        user.save()
        UserRole.objects.bulk_create([UserRole(user=user, role=r) for r in role_list])
        audit_record(actor=actor, action="user.created", target=user, after=_user_state(user))
    return user


def user_update(
    *,
    user: User,
    actor: Actor,
    roles: Iterable[str],
    person_id: int | None,
    supplier_id: int | None,
    email: str,
    is_active: bool,
) -> User:
    """Change a user's roles, links and whether it may sign in; disabling ends its sessions and tokens."""
    role_list = _check_roles(roles)
    _check_links(roles=role_list, person_id=person_id, supplier_id=supplier_id)
    _check_may_grant(actor=actor, roles=role_list, target=user)
    if not is_active and user.is_active and actor.user is not None and actor.user.pk == user.pk:
        raise UserError(_("You cannot disable yourself."), field="is_active")
    with transaction.atomic():
        before = _user_state(user)
        user.person_id, user.supplier_id, user.email, user.is_active = person_id, supplier_id, email, is_active
        user.is_staff = Role.ADMIN in role_list
        user.save()
        user.roles.exclude(role__in=role_list).delete()
        UserRole.objects.bulk_create([UserRole(user=user, role=r) for r in role_list], ignore_conflicts=True)
        user._role_cache = frozenset(role_list)
        if not is_active:
            _end_sessions_and_tokens(user)
        audit_record(actor=actor, action="user.updated", target=user, before=before, after=_user_state(user))
    return user


def _end_sessions(user: User) -> int:
    """End every session of `user` (every browser signed in as them); returns how many there were."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


def _end_sessions_and_tokens(user: User) -> None:
    """A disabled user's sessions and API tokens stop working at once (docs/roles.md)."""
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    _end_sessions(user)


def user_sign_out_everywhere(*, user: User, actor: Actor) -> int:
    """End every session of `user`, in every browser (a lost laptop, a shared computer); returns how many ended.
    Users may do it for themselves; an administrator (or IT coordinator, for non-administrators) for others.
    API tokens are left alone: they are revoked one by one on the user's page."""
    user_change_check(actor=actor, user=user)
    with transaction.atomic():
        ended = _end_sessions(user)
        audit_record(actor=actor, action="user.signed_out_everywhere", target=user, after={"sessions": ended})
    return ended


def user_set_active(*, user: User, active: bool, actor: Actor) -> User:
    """Let `user` sign in again, or stop them: disabling ends their sessions and API tokens at once. Only an
    administrator may disable or enable an administrator; nobody disables themselves (the last way in)."""
    _check_may_grant(actor=actor, roles=[], target=user)
    if not active and actor.user is not None and actor.user.pk == user.pk:
        raise UserError(_("You cannot disable yourself."), field="user")
    with transaction.atomic():
        before = _user_state(user)
        if user.is_active != active:
            user.is_active = active
            user.save(update_fields=["is_active"])
            if not active:
                _end_sessions_and_tokens(user)
            audit_record(
                actor=actor,
                action="user.enabled" if active else "user.disabled",
                target=user,
                before=before,
                after=_user_state(user),
            )
    return user


def user_unlock(*, user: User, actor: Actor) -> bool:
    """Lift the lock of too many failed sign-ins; returns whether there was one."""
    _check_may_grant(actor=actor, roles=[], target=user)
    with transaction.atomic():
        was_locked = login_locked(user) or user.failed_logins > 0
        user.failed_logins, user.locked_until = 0, None
        user.save(update_fields=["failed_logins", "locked_until"])
        if was_locked:
            audit_record(actor=actor, action="user.unlocked", target=user)
    return was_locked


def user_set_password(*, user: User, password: str, actor: Actor) -> None:
    _check_may_grant(actor=actor, roles=[], target=user)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise _weak_password(exc) from exc
    with transaction.atomic():
        user.set_password(password)
        user.failed_logins = 0
        user.locked_until = None
        user.save(update_fields=["password", "failed_logins", "locked_until"])
        audit_record(actor=actor, action="user.password_set", target=user)


def user_set_locale(*, user: User, locale: str) -> None:
    if locale not in {code for code, _name in settings.LANGUAGES}:
        raise UserError(_("Unknown language %(locale)s."), field="locale", locale=repr(locale))
    User.objects.filter(pk=user.pk).update(locale=locale)
    user.locale = locale


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, user: User, actor: Actor, name: str = "") -> str:
    """Make a new API token for `user` and return it; only its digest is kept. It works ORDNA_TOKEN_DAYS days
    (0: until revoked)."""
    if not user.is_active:
        raise UserError(_("The user %(username)s is disabled."), field="user", username=repr(user.username))
    name = " ".join(name.split())
    if len(name) > ApiToken._meta.get_field("name").max_length:  # type: ignore[operator]
        raise UserError(_("The token's name is too long (at most 100 characters)."), field="name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    days = settings.ORDNA_TOKEN_DAYS
    expires_at = timezone.now() + timedelta(days=days) if days else None
    with transaction.atomic():
        record = ApiToken.objects.create(
            user=user, name=name, prefix=token[:12], digest=token_digest(token), expires_at=expires_at
        )
        audit_record(
            actor=actor,
            action="token.created",
            target=record,
            after={"user_id": user.pk, "name": name, "expires_at": expires_at.isoformat() if expires_at else None},
        )
    return token


def token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    """Stop one API token at once; revoking a revoked token changes nothing. Only an administrator may revoke
    an administrator's token (besides its owner)."""
    if actor.user is None or actor.user.pk != token.user_id:
        _check_may_grant(actor=actor, roles=[], target=token.user)
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(actor=actor, action="token.revoked", target=token, after={"user_id": token.user_id})
    return token


def token_user(token: str) -> User | None:
    """The active user a token belongs to, or None (also when it expired or was revoked); marks the token used
    at most once a minute.

    Marking it never waits: while another transaction holds SQLite's write lock (an import) the mark is left
    for a later request, so a read with a token answers whatever the database is busy with.
    """
    record = ApiToken.objects.select_related("user").filter(digest=token_digest(token), revoked_at__isnull=True).first()
    if record is None or not record.user.is_active:
        return None
    if record.expires_at is not None and record.expires_at <= timezone.now():
        return None
    now = timezone.now()
    if record.last_used_at is None or now - record.last_used_at > timedelta(minutes=1):
        write_if_free(lambda: ApiToken.objects.filter(pk=record.pk).update(last_used_at=now))
    return record.user


def login_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > timezone.now()


# Supplier companies ----------------------------------------------------------------------------------------------


class SupplierError(ServiceError):
    """A supplier company cannot be registered as asked; the message says why."""


def supplier_add(
    *,
    name: str,
    actor: Actor,
    contact_name: str = "",
    contact_email: str = "",
    phone: str = "",
    service_desk_email: str = "",
) -> Supplier:
    """Register a supplier company; its portal users see only its own work, its service desk (when given)
    gets the accounts to disable for each leaver."""
    name = " ".join(name.split())
    if not name:
        raise SupplierError(_("Fill in the supplier's name."), field="name")
    if Supplier.objects.filter(name__iexact=name).exists():
        raise SupplierError(_("A supplier named %(name)s exists already."), field="name", name=repr(name))
    service_desk_email = service_desk_email.strip().lower()
    if service_desk_email:
        try:
            validate_email(service_desk_email)
        except ValidationError as exc:
            raise SupplierError(
                _("Service desk: %(address)s is not a mail address."),
                field="service_desk_email",
                address=repr(service_desk_email),
            ) from exc
    with transaction.atomic():
        supplier = Supplier.objects.create(
            name=name,
            contact_name=contact_name,
            contact_email=contact_email,
            phone=phone,
            service_desk_email=service_desk_email,
        )
        audit_record(
            actor=actor,
            action="supplier.created",
            target=supplier,
            after={
                "name": name,
                "contact_name": contact_name,
                "contact_email": contact_email,
                "phone": phone,
                "service_desk_email": service_desk_email,
            },
        )
    return supplier


def supplier_get_or_add(*, name: str, actor: Actor) -> tuple[Supplier, bool]:
    """The supplier of that name (case-insensitive), registered first when new; and whether it was."""
    existing = Supplier.objects.filter(name__iexact=" ".join(name.split())).first()
    if existing is not None:
        return existing, False
    return supplier_add(name=name, actor=actor), True
