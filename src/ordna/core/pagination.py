"""The API's pages: `?page=N&page_size=M`, or `?cursor=...`, answering `{"items": [...], "count": N, "next": ...}`
(NINJA_PAGINATION_CLASS).

Two ways through a list, one order:
- `page` (from 1) skips `(page - 1) * page_size` items: simple, and kept for compatibility, but the database
  walks every skipped row. A page past the end, however far (`page=99999999999999999999`), is an empty page with
  the true count: the offset is compared with the count before the database is asked, so no number overflows a
  database integer.
- `cursor` continues after the last item of the previous page (keyset, or "seek", pagination): the answer's
  `next` holds that item's ordering values, and the next page asks for the rows after them, `WHERE (a, b, id) >
  (x, y, 12)` spelled out per column, which an index on the order answers without reading what came before.
  `next` is null on the last page. A list that is not a database query, or is ordered by an expression, is
  continued by position instead; the cursor is opaque either way.

Every list is ordered by its own order followed by the id (unless the order is unique already), so items with
equal values never change places between pages. `count` is counted once per data version
(ordna.core.data_version). `page_size` is capped at NINJA_MAX_PER_PAGE_SIZE (1000, docs/api.md): a larger one
gets 1000 items.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import BooleanField, Model, Q, QuerySet
from django.db.models import Field as ModelField
from django.db.models.expressions import RawSQL
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

from ordna.core.data_version import cached_count
from ordna.core.errors import ServiceError


class Keyset:
    """A query's order as (path, descending, model field, nullable) per column, ending with the primary key;
    None when the order is not plain columns (an expression, a relation ordered by its model's order)."""

    def __init__(self, columns: list[tuple[str, bool, ModelField[Any, Any], bool]]) -> None:
        self.columns = columns

    @classmethod
    def of(cls, queryset: QuerySet[Any]) -> Keyset | None:
        query = queryset.query
        if query.extra_order_by or query.distinct or query.combinator:
            return None
        order = list(query.order_by) or (list(queryset.model._meta.ordering) if query.default_ordering else [])
        columns = []
        for term in order:
            if not isinstance(term, str) or term == "?":
                return None
            path, descending = term.lstrip("-"), term.startswith("-")
            if path in query.annotations:
                return None
            found = _field(queryset.model, path)
            if found is None:
                return None
            columns.append((path, descending, *found))
        if not _unique(queryset.model, [c[2] for c in columns if not c[3]]):
            pk = queryset.model._meta.pk
            columns.append(("pk", bool(columns) and columns[-1][1], pk, False))
        return cls(columns)

    @property
    def order(self) -> list[str]:
        return [("-" if descending else "") + path for path, descending, _f, _n in self.columns]

    def values_of(self, item: Any) -> list[Any]:
        values = []
        for path, _d, field, _n in self.columns:
            value = item
            for part in path.split("__"):
                value = getattr(value, part) if value is not None else None
            values.append(None if value is None else field.get_prep_value(value))
        return values

    def after(self, values: list[Any]) -> Q:
        """The rows strictly after `values` in this order: (a > x) or (a = x and b > y) or ..."""
        if len(values) != len(self.columns):
            raise ValueError("cursor of another list")
        if row := self._row_after(values):
            return row
        nulls_largest = connection.features.nulls_order_largest
        result = Q(pk__in=[])
        equal = Q()
        for (path, descending, field, nullable), raw in zip(self.columns, values, strict=True):
            value = None if raw is None else field.to_python(raw)
            if value is None and not nullable:
                raise ValueError("null in a column that has none")
            later = _later(path, value, descending=descending, nulls_largest=nulls_largest)
            result |= equal & later
            equal &= Q(**{f"{path}__isnull": True}) if value is None else Q(**{path: value})
        # The same rows, with the first column's bound said once more on its own: a database does not find a
        # range in an OR, and with it the order's index is entered at the cursor instead of read from its start.
        path, descending, _f, nullable = self.columns[0]
        first = self.columns[0][2].to_python(values[0]) if values[0] is not None else None
        if first is not None and not nullable:
            result &= Q(**{f"{path}__lte" if descending else f"{path}__gte": first})
        return result

    def _row_after(self, values: list[Any]) -> Q | None:
        """`(a, b, id) > (x, y, n)` as one row-value comparison, which SQLite and PostgreSQL answer as a range of
        the order's index; only for columns of the table itself, none of them NULL, all in one direction
        (otherwise the spelled-out form above)."""
        directions = {descending for _p, descending, _f, _n in self.columns}
        if len(directions) != 1 or any(
            "__" in p or n or v is None for (p, _d, _f, n), v in zip(self.columns, values, strict=True)
        ):
            return None
        model = self.columns[0][2].model
        quote = connection.ops.quote_name
        columns = ", ".join(f"{quote(model._meta.db_table)}.{quote(f.column)}" for _p, _d, f, _n in self.columns)
        params = [
            f.get_db_prep_value(f.to_python(v), connection)
            for (_p, _d, f, _n), v in zip(self.columns, values, strict=True)
        ]
        marks = ", ".join(["%s"] * len(params))
        sign = "<" if directions.pop() else ">"
        return Q(RawSQL(f"({columns}) {sign} ({marks})", params, output_field=BooleanField()))  # noqa: S611


def _later(path: str, value: Any, *, descending: bool, nulls_largest: bool) -> Q:
    """Rows whose `path` comes after `value` in the order (NULLs where the database sorts them)."""
    nothing = Q(pk__in=[])
    if value is None:  # after NULL: the non-null values, when NULL sorts first in this direction
        return Q(**{f"{path}__isnull": False}) if nulls_largest == descending else nothing
    later = Q(**{f"{path}__lt" if descending else f"{path}__gt": value})
    if nulls_largest != descending:  # NULL sorts last in this direction
        later |= Q(**{f"{path}__isnull": True})
    return later


def _field(model: type[Model], path: str) -> tuple[ModelField[Any, Any], bool] | None:
    """The concrete column a lookup path names and whether it can be NULL (a nullable relation on the way
    makes it so); None for a relation itself (ordered by its model's order) or a path that is no column."""
    nullable = False
    parts = path.split("__")
    for position, part in enumerate(parts):
        try:
            field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if not getattr(field, "concrete", False) or not isinstance(field, ModelField):
            return None
        last = position == len(parts) - 1
        if field.is_relation:
            if last and part != getattr(field, "attname", None):
                return None
            nullable = nullable or field.null
            if last:
                return field, nullable
            model = field.related_model  # type: ignore[assignment]
            continue
        if not last:
            return None
        return field, nullable or field.null
    return None


def _unique(model: type[Model], fields: list[ModelField[Any, Any]]) -> bool:
    """Whether non-null `fields` identify one row: the primary key, a unique column, or a unique constraint's."""
    names = {f.name for f in fields}
    if any(f.primary_key or f.unique for f in fields):
        return True
    for constraint in model._meta.constraints:
        cols = getattr(constraint, "fields", ())
        if cols and not getattr(constraint, "condition", None) and set(cols) <= names:
            return True
    return any(set(group) <= names for group in model._meta.unique_together)


def _encode(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str) -> dict[str, Any]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValueError("not a cursor") from exc
    if not isinstance(payload, dict):
        raise ValueError("not a cursor")
    return payload


def _bad_cursor(cursor: str) -> ServiceError:
    return ServiceError(
        _("The cursor %(cursor)s is not one this list gave: use the `next` of its previous page."),
        field="cursor",
        cursor=cursor[:40],
    )


class Pages(PageNumberPagination):
    """Page-number and keyset pagination that never asks the database for rows past the end."""

    class Input(Schema):
        page: int = Field(1, ge=1, description="The page, from 1; a page past the end is empty.")
        page_size: int | None = Field(
            None,
            ge=1,
            description=f"Items per page (default {settings.NINJA_PAGINATION_PER_PAGE}); "
            f"at most {settings.NINJA_MAX_PER_PAGE_SIZE}, a larger size gets that many.",
        )
        cursor: str = Field(
            "",
            max_length=2000,
            description="Continue after the previous page: its `next`. Faster than `page` deep into a long "
            "list; `page` is ignored when a cursor is given.",
        )

    class Output(Schema):
        items: list[Any]
        count: int
        next: str | None = Field(None, description="The `cursor` of the following page; null on the last page.")

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        page_size = self._get_page_size(pagination.page_size)
        keyset = Keyset.of(queryset) if isinstance(queryset, QuerySet) else None
        if keyset is not None:
            queryset = queryset.order_by(*keyset.order)
        count = cached_count(queryset) if isinstance(queryset, QuerySet) else self._items_count(queryset)
        cursor = pagination.cursor
        if cursor:
            try:
                payload = _decode(cursor)
                if keyset is not None and "after" in payload:
                    rows = queryset.filter(keyset.after(list(payload["after"])))
                    offset = None
                elif keyset is None and isinstance(payload.get("offset"), int) and payload["offset"] >= 0:
                    offset = payload["offset"]
                else:
                    raise ValueError("cursor of another list")
            except (ValueError, TypeError, ValidationError) as exc:  # not ours, or a value no column holds
                raise _bad_cursor(cursor) from exc
        else:
            offset = (pagination.page - 1) * page_size
        if offset is None:
            try:
                items = list(rows[: page_size + 1])
            except OverflowError as exc:  # a number larger than the database's integers
                raise _bad_cursor(cursor) from exc
        elif offset < count:
            items = list(queryset[offset : offset + page_size + 1])
        else:
            items = []
        more = len(items) > page_size
        items = items[:page_size]
        following = None
        if more and keyset is not None:
            following = _encode({"after": keyset.values_of(items[-1])})
        elif more:
            following = _encode({"offset": (offset or 0) + page_size})
        # The page's items, for a schema that resolves a column for all of them in one query (the review
        # queue's candidates) rather than one query per item.
        request.page_items = items  # type: ignore[attr-defined]
        return {self.items_attribute: items, "count": count, "next": following}
