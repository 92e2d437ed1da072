"""The OpenAPI document: operation ids that generated clients call do not depend on which module holds a
handler."""

from __future__ import annotations

import re

from ordna.api import api


def _operations() -> list[tuple[str, str, str]]:
    schema = api.get_openapi_schema()
    return [
        (method.upper(), path, operation["operationId"])
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_operation_id_is_unique_and_names_the_app_and_the_handler() -> None:
    ids = [operation_id for _method, _path, operation_id in _operations()]
    assert len(ids) == len(set(ids))
    assert [i for i in ids if not re.fullmatch(r"ordna_[a-z]+_api_[a-z_]+", i)] == []


def test_operation_ids_survive_moving_handlers_between_modules() -> None:
    ids = {(method, path): operation_id for method, path, operation_id in _operations()}
    # support's handlers live in a package of several modules; the reviews' moved from suppliers to their own app.
    assert ids["GET", "/api/v1/questions"] == "ordna_support_api_question_list"
    assert ids["GET", "/api/v1/wishes"] == "ordna_support_api_wish_list"
    assert ids["GET", "/api/v1/reviews"] == "ordna_suppliers_api_review_list"
    assert ids["POST", "/api/v1/actions/{action_item_id}/close"] == "ordna_suppliers_api_action_close"
    assert ids["GET", "/api/v1/people"] == "ordna_people_api_people_list"
