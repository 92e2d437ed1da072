"""The API's pages: `?page=N&page_size=M` answering `{"items": [...], "count": N}` (NINJA_PAGINATION_CLASS).

A page past the end, however far (`page=99999999999999999999`), is an empty page with the true count: the
offset is compared with the count before the database is asked, so no number overflows a database integer.
`page_size` is capped at NINJA_MAX_PER_PAGE_SIZE (1000, docs/api.md): a larger one gets 1000 items.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    """Page-number pagination that never asks the database for rows past the end."""

    class Input(Schema):
        page: int = Field(1, ge=1, description="The page, from 1; a page past the end is empty.")
        page_size: int | None = Field(
            None,
            ge=1,
            description=f"Items per page (default {settings.NINJA_PAGINATION_PER_PAGE}); "
            f"at most {settings.NINJA_MAX_PER_PAGE_SIZE}, a larger size gets that many.",
        )

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        page_size = self._get_page_size(pagination.page_size)
        count = self._items_count(queryset)
        offset = (pagination.page - 1) * page_size
        items = queryset[offset : offset + page_size] if offset < count else []
        return {self.items_attribute: items, "count": count}
