"""The people's search index (ordna.core.search): first name, last name and address, by substring."""

from __future__ import annotations

from typing import Any

from ordna.core.search import SearchIndex

PEOPLE_SEARCH = SearchIndex("people_person", ("first_name", "last_name", "email"))


def ensure_people_search(using: str = "default", **kwargs: Any) -> None:
    """After `ordna migrate` (post_migrate): the index is there and complete."""
    from django.db import connections

    PEOPLE_SEARCH.ensure(connections[using])
