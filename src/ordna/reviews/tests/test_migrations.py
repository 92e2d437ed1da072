"""Moving Supplier into core, and Review and ActionItem into this app, changed no data (issue 15).

An existing database is taken back to the migrations before the move, filled the way the old models wrote it
(suppliers with portal users, applications, contracts, service levels, reviews, actions, escalated questions and
offboarding lines), and migrated forward again: not one table is created, altered or dropped, every row is found
where it was, now through the new models, and the permissions keep their content types under the new names.
CI runs this on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps.registry import Apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

BEFORE = [
    ("core", "0001_initial"),
    ("applications", "0003_application_accounts_people_stamp"),
    ("lifecycle", "0002_joiners_movers_exit_survey"),
    ("support", "0001_initial"),
    ("suppliers", "0002_contracts_service_levels_reviews"),
    ("reviews", None),
]
THE_MOVE = {
    ("core", "0002_supplier_moves_to_core"),
    ("applications", "0004_supplier_in_core"),
    ("lifecycle", "0003_supplier_in_core"),
    ("support", "0002_supplier_in_core"),
    ("suppliers", "0003_supplier_and_reviews_move_out"),
    ("reviews", "0001_initial"),
}
SCHEMA_CHANGE = re.compile(r"^\s*(CREATE|ALTER|DROP|RENAME)\b", re.IGNORECASE)
AT = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


def _database_before_the_move(apps: Apps) -> dict[str, Any]:
    """Rows written through the models as they were before the move: their ids, to look for afterwards."""
    content_type = apps.get_model("contenttypes", "ContentType")
    permission = apps.get_model("auth", "Permission")
    content_types = {}
    for model, new_label in (("supplier", "core"), ("review", "reviews"), ("actionitem", "reviews")):
        content_type.objects.filter(app_label=new_label, model=model).delete()  # only the old name, as before
        made, _created = content_type.objects.get_or_create(app_label="suppliers", model=model)
        permission.objects.get_or_create(
            content_type=made, codename=f"view_{model}", defaults={"name": f"Can view {model}"}
        )
        content_types[model] = made.pk

    supplier = apps.get_model("suppliers", "Supplier").objects.create(
        name="Example IT Services AB", contact_email="servicedesk@example.org"
    )
    other = apps.get_model("suppliers", "Supplier").objects.create(name="Voorbeeld Software BV")
    portal = apps.get_model("core", "User").objects.create(username="partner", supplier=supplier)
    person = apps.get_model("people", "Person").objects.create(
        employee_id="E1", first_name="Test", last_name="Person", email="test.person@example.org"
    )
    crm = apps.get_model("applications", "Application").objects.create(slug="crm", name="CRM", supplier=supplier)
    contract = apps.get_model("suppliers", "Contract").objects.create(
        supplier=supplier,
        title="Office IT",
        start_date=date(2026, 1, 1),
        initial_term_months=12,
        renewal_term_months=12,
    )
    contract.applications.add(crm)
    level = apps.get_model("suppliers", "ServiceLevel").objects.create(
        contract=contract, metric="resolution", target=16
    )
    review = apps.get_model("suppliers", "Review").objects.create(
        supplier=supplier, title="Q4", starts_at=AT, uid="q4@ordna", created_by="test"
    )
    action = apps.get_model("suppliers", "ActionItem").objects.create(
        supplier=supplier, review=review, title="Send the report", owner_side="ours", owner_person=person, due=AT.date()
    )
    question = apps.get_model("support", "Question").objects.create(
        application=crm, asked_by=person, text="How do I export?", state="escalated", supplier=supplier,
        supplier_ticket_ref="INC-1", internal_target_hours=8, asked_at=AT, escalated_at=AT, internal_due_at=AT,
    )  # fmt: skip
    case = apps.get_model("lifecycle", "Case").objects.create(
        person=person, effective_date=AT.date(), opened_by="test", opened_at=AT
    )
    line = apps.get_model("lifecycle", "Line").objects.create(
        case=case, kind="account", application=crm, subject="test.person", responsible="supplier",
        responsible_supplier=supplier, due=AT.date(),
    )  # fmt: skip
    return {
        "supplier": supplier.pk,
        "other": other.pk,
        "portal": portal.pk,
        "person": person.pk,
        "crm": crm.pk,
        "contract": contract.pk,
        "level": level.pk,
        "review": review.pk,
        "action": action.pk,
        "question": question.pk,
        "line": line.pk,
        "content_types": content_types,
    }


@pytest.mark.django_db(transaction=True)
def test_the_move_runs_no_schema_change_and_every_row_is_found_through_the_new_models() -> None:
    from ordna.applications.models import Application
    from ordna.core.models import Supplier, User
    from ordna.lifecycle.models import Line
    from ordna.reviews.models import ActionItem, Review
    from ordna.suppliers.models import Contract
    from ordna.support.models import Question

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    MigrationExecutor(connection).migrate(BEFORE)
    try:
        before = MigrationExecutor(connection)
        ids = _database_before_the_move(before.loader.project_state([n for n in BEFORE if n[1]]).apps)
        # Forward to the move's migrations only: later ones (the audit chain's head, issue 26) may change the schema.
        forward = MigrationExecutor(connection)
        plan = forward.migration_plan(sorted(THE_MOVE))
        with CaptureQueriesContext(connection) as queries:
            forward.migrate(sorted(THE_MOVE))
    finally:
        MigrationExecutor(connection).migrate(latest)  # the next test finds the database as it was
        ContentType.objects.clear_cache()

    assert {(migration.app_label, migration.name) for migration, _backwards in plan} == THE_MOVE
    assert [q["sql"] for q in queries if SCHEMA_CHANGE.match(q["sql"])] == []

    supplier = Supplier.objects.get(pk=ids["supplier"])
    assert (supplier.name, supplier.contact_email) == ("Example IT Services AB", "servicedesk@example.org")
    assert list(Supplier.objects.values_list("pk", flat=True)) == [ids["supplier"], ids["other"]]
    assert list(supplier.portal_users.values_list("pk", flat=True)) == [ids["portal"]]
    assert User.objects.get(pk=ids["portal"]).supplier == supplier
    assert Application.objects.get(pk=ids["crm"]).supplier == supplier
    contract = Contract.objects.get(pk=ids["contract"])
    assert (contract.supplier, contract.title, [a.pk for a in contract.applications.all()]) == (
        supplier,
        "Office IT",
        [ids["crm"]],
    )
    assert [(lv.pk, lv.metric, lv.target) for lv in contract.service_levels.all()] == [(ids["level"], "resolution", 16)]
    review = Review.objects.get(pk=ids["review"])
    assert (review.supplier, review.title, review.uid, review.starts_at) == (supplier, "Q4", "q4@ordna", AT)
    action = ActionItem.objects.get(pk=ids["action"])
    assert (action.review, action.supplier, action.owner_person_id, action.title) == (
        review,
        supplier,
        ids["person"],
        "Send the report",
    )
    assert list(supplier.reviews.values_list("pk", flat=True)) == [ids["review"]]
    assert list(supplier.action_items.values_list("pk", flat=True)) == [ids["action"]]
    assert Question.objects.get(pk=ids["question"]).supplier == supplier
    assert Line.objects.get(pk=ids["line"]).responsible_supplier == supplier

    renamed = {
        ct.pk: (ct.app_label, ct.model) for ct in ContentType.objects.filter(pk__in=ids["content_types"].values())
    }
    assert renamed == {
        ids["content_types"]["supplier"]: ("core", "supplier"),
        ids["content_types"]["review"]: ("reviews", "review"),
        ids["content_types"]["actionitem"]: ("reviews", "actionitem"),
    }
    from django.contrib.auth.models import Permission

    kept = Permission.objects.filter(codename__in=["view_supplier", "view_review", "view_actionitem"])
    assert sorted((p.codename, p.content_type_id) for p in kept) == [
        ("view_actionitem", ids["content_types"]["actionitem"]),
        ("view_review", ids["content_types"]["review"]),
        ("view_supplier", ids["content_types"]["supplier"]),
    ]
