"""Small pieces every view uses: the capability decorator, pagination, and a rate limit per client address."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import cached_property

from ordna.core.access import require
from ordna.core.data_version import cached_count
from ordna.core.errors import ServiceError

if TYPE_CHECKING:
    from ordna.core.models import User

View = TypeVar("View", bound=Callable[..., HttpResponse])

PAGE_SIZE = 50
# From this row on, a page reads its ids first (CountedOncePaginator.page).
DEEP_OFFSET = 1000


def user_of(request: HttpRequest) -> User:
    """The signed-in user of a request that passed `capability` (or the API's token check)."""
    return cast("User", request.user)


def capability(name: str) -> Callable[[View], View]:
    """Sign-in required; then 404 unless the user holds capability `name` (ordna.core.access)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require(user_of(request), name)
            return view(request, *args, **kwargs)

        wrapper.capability = name  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


class CountedOncePaginator(Paginator):
    """Page numbers whose count is counted once per data version (ordna.core.data_version), not on every
    request: the page itself reads only its own rows."""

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return cached_count(self.object_list)
        return len(self.object_list)

    def page(self, number: Any) -> Page:
        """A deep page of a query (far from the first row): its rows' ids first, skipping through the order's
        index alone, then those rows (a "deferred join"); the OFFSET no longer reads every skipped row in full
        with its joins. A page in the second half is read from the end, in the reverse order, so that only the
        rows after it are skipped (the last page skips none). The same rows in the same order as
        `object_list[bottom:top]`."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        queryset = self.object_list
        if not isinstance(queryset, QuerySet) or bottom < DEEP_OFFSET or queryset.query.distinct:
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if bottom > self.count - top and queryset.ordered:
            ids = list(queryset.reverse().values_list("pk", flat=True)[self.count - top : self.count - bottom])
            ids.reverse()
        else:
            ids = list(queryset.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
        return Page([rows[pk] for pk in ids if pk in rows], number, self)


def paginate(request: HttpRequest, queryset: QuerySet[Any], *, per_page: int = PAGE_SIZE) -> Page:
    return CountedOncePaginator(queryset, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for pagination links."""
    return urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])


def refused(form: forms.Form, error: ServiceError) -> None:
    """A service's refusal on the form: beside the field it names when the form has it, else above the form;
    in the language of the page."""
    form.add_error(error.field if error.field in form.fields else None, str(error))


def client_address(request: HttpRequest) -> str:
    """The client's address as the server saw it (behind a proxy: the proxy's, unless it sets REMOTE_ADDR)."""
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")


def rate_limited(scope: str, *, per_hour: Callable[[], int]) -> Callable[[View], View]:
    """At most `per_hour()` requests an hour from one client address to the views of `scope`; more answer
    429 with the translated page `core/rate_limited.html`. Counted in Django's cache (in memory per server
    process unless a shared cache is configured), in fixed one-hour windows."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            window = int(time.time() // 3600)
            key = f"ordna:rate:{scope}:{client_address(request)}:{window}"
            cache.add(key, 0, timeout=3600)
            try:
                count = cache.incr(key)
            except ValueError:  # evicted between add and incr: count this one as the first
                cache.set(key, 1, timeout=3600)
                count = 1
            if count > per_hour():
                return render(request, "core/rate_limited.html", status=429)
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
