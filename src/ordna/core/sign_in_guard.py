"""Sign-in that resists guessing (docs/sign-in.md): failures counted per user and per client address, one answer
for every refusal, and the session rules that follow a sign-in (idle timeout, a second factor still owed).

Every refusal of a password, whether the name is unknown, the password wrong, the user or the address locked,
costs one password hash and answers the same sentence, so neither the words nor the time tell which names
exist or which are locked.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.models import SignInThrottle, User

SIGN_IN = Actor.system("sign-in")
# The one sentence every refused sign-in answers (wrong password, unknown name, locked user or address, wrong code).
REFUSED = gettext_lazy("Wrong username or password, or too many attempts: try again later.")
# Session keys: when the session was last used (seconds), the sign-in came through the identity provider, it
# was confirmed with a second factor.
SEEN = "ordna_seen"
VIA_PROVIDER = "ordna_via_provider"
SECOND_FACTOR_DONE = "ordna_second_factor"


@lru_cache(maxsize=1)
def _stand_in_hash() -> str:
    """A hash of nothing anyone knows, checked when there is no real one to check, so the time is the same."""
    return make_password("ordna stand-in password")


def address_locked(address: str) -> bool:
    return SignInThrottle.objects.filter(address=address, locked_until__gt=timezone.now()).exists()


def user_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > timezone.now()


def password_check(*, username: str, password: str, address: str) -> User | None:
    """The active local user `username` (any case) if `password` is theirs and neither they nor `address` is
    locked; else None, after counting the failure against the address (and the user, when there is one).

    Exactly one password hash is checked whatever the outcome.
    """
    candidate = User.objects.filter(username__iexact=username).first()
    usable = candidate is not None and candidate.is_active and candidate.has_usable_password()
    if not usable or address_locked(address) or (candidate is not None and user_locked(candidate)):
        check_password(password, _stand_in_hash())
        failure_record(address=address, user=candidate)
        return None
    assert candidate is not None  # noqa: S101 - usable says so; for the type checker
    if not candidate.check_password(password):
        failure_record(address=address, user=candidate)
        return None
    return candidate


def failure_record(*, address: str, user: User | None) -> None:
    """Count one failed sign-in (a wrong password or second-factor code) against `address` and `user`. The user
    is locked after ORDNA_LOGIN_MAX_FAILURES in a row, the address after ORDNA_LOGIN_ADDRESS_MAX_FAILURES within
    ORDNA_LOGIN_LOCKOUT_MINUTES; each lock is audited once, when it starts. Failures during a lock add nothing."""
    now = timezone.now()
    lock = timedelta(minutes=settings.ORDNA_LOGIN_LOCKOUT_MINUTES)
    with transaction.atomic():
        throttle, _created = SignInThrottle.objects.select_for_update().get_or_create(
            address=address, defaults={"window_started_at": now}
        )
        if throttle.locked_until is None or throttle.locked_until <= now:
            if throttle.window_started_at <= now - lock or throttle.locked_until is not None:
                throttle.failures, throttle.window_started_at, throttle.locked_until = 0, now, None
            throttle.failures += 1
            if throttle.failures >= settings.ORDNA_LOGIN_ADDRESS_MAX_FAILURES:
                throttle.locked_until = now + lock
                audit_record(
                    actor=SIGN_IN,
                    action="sign_in.address_locked",
                    target_type="address",
                    target_id=address,
                    after={"failures": throttle.failures, "until": throttle.locked_until.isoformat()},
                )
            throttle.save()
        if user is None:
            return
        user = User.objects.select_for_update().get(pk=user.pk)
        if user_locked(user):
            return
        user.failed_logins += 1
        if user.failed_logins >= settings.ORDNA_LOGIN_MAX_FAILURES:
            user.locked_until = now + lock
            audit_record(
                actor=SIGN_IN,
                action="user.locked",
                target=user,
                after={"failures": user.failed_logins, "until": user.locked_until.isoformat(), "address": address},
            )
            user.failed_logins = 0
        User.objects.filter(pk=user.pk).update(failed_logins=user.failed_logins, locked_until=user.locked_until)


def success_record(user: User) -> None:
    """A sign-in went through: the user's count of failures in a row starts again (the address's does not,
    so one known password does not reset a guesser's count)."""
    if user.failed_logins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)


def address_unlock(*, address: str, actor: Actor) -> bool:
    """Lift the lock of `address` and forget its failures; returns whether it was locked. Audited."""
    with transaction.atomic():
        throttle = SignInThrottle.objects.select_for_update().filter(address=address).first()
        if throttle is None:
            return False
        was_locked = throttle.locked_until is not None and throttle.locked_until > timezone.now()
        throttle.delete()
        if was_locked:
            audit_record(actor=actor, action="sign_in.address_unlocked", target_type="address", target_id=address)
    return was_locked


def locked_addresses() -> list[SignInThrottle]:
    """The addresses locked now, the newest lock first."""
    return list(SignInThrottle.objects.filter(locked_until__gt=timezone.now()).order_by("-locked_until"))


def second_factor_required(user: User) -> bool:
    """Whether `user`'s roles need a second factor for a local sign-in (ORDNA_REQUIRE_2FA)."""
    return bool(settings.ORDNA_REQUIRE_2FA) and user.has_role(*settings.ORDNA_REQUIRE_2FA)


# The pages a signed-in user who still owes the second factor's set-up may see: that set-up, and the way out.
_OPEN_WHILE_OWED = ("core:second_factor", "core:logout", "core:language")


class SessionGuardMiddleware:
    """After authentication: a session unused for ORDNA_SESSION_IDLE_MINUTES ends (the absolute limit is the
    session cookie's age); a local sign-in of a role in ORDNA_REQUIRE_2FA without a second factor sees only the
    page that sets one up. No query: what it needs is in the session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return self.get_response(request)
        now = time.time()
        idle = settings.ORDNA_SESSION_IDLE_MINUTES * 60
        seen = request.session.get(SEEN)
        if idle and isinstance(seen, int | float) and now - seen > idle:
            logout(request)
            messages.info(
                request,
                _("You were signed out after %(minutes)s minutes without activity.")
                % {"minutes": settings.ORDNA_SESSION_IDLE_MINUTES},
            )
            return self.get_response(request)
        # Written at most once a minute, not on every request. A session without the mark (opened before this
        # version; every sign-in sets it) keeps only the absolute limit.
        if isinstance(seen, int | float) and now - seen > 60:
            request.session[SEEN] = int(now)
        if (
            not request.session.get(VIA_PROVIDER)
            and not request.session.get(SECOND_FACTOR_DONE)
            and second_factor_required(user)
            and not request.path.startswith(settings.STATIC_URL)
            and request.path not in {reverse(name) for name in _OPEN_WHILE_OWED}
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": str(_("Set up your second factor in the web first."))}, status=403)
            return redirect("core:second_factor")
        return self.get_response(request)
