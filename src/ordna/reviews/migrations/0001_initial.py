"""Review and ActionItem, as they were in the suppliers app, in the tables they have always had (issue 15).

Only Django's picture of the models is made here: the tables `suppliers_review` and `suppliers_actionitem`,
their rows, constraints and indexes exist already, so no SQL runs. The content type rows are renamed, so the
permissions that refer to them stay attached.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

MOVED = ("review", "actionitem")


def _rename_content_types(apps: StateApps, old_label: str, new_label: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if content_type.objects.filter(app_label=new_label, model=model).exists():
            continue  # already made under its new name (by a newer start); the old row is merely stale
        content_type.objects.filter(app_label=old_label, model=model).update(app_label=new_label)


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _rename_content_types(apps, "suppliers", "reviews")


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _rename_content_types(apps, "reviews", "suppliers")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0002_supplier_moves_to_core"),
        ("people", "0002_cheap_known_value_checks"),
        ("suppliers", "0003_supplier_and_reviews_move_out"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Review",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("title", models.CharField(max_length=200)),
                        ("starts_at", models.DateTimeField()),
                        ("duration_minutes", models.PositiveSmallIntegerField(default=90)),
                        ("location", models.CharField(blank=True, max_length=200)),
                        ("agenda", models.TextField(blank=True)),
                        ("minutes", models.TextField(blank=True)),
                        (
                            "status",
                            models.CharField(
                                choices=[("planned", "Planned"), ("held", "Held"), ("cancelled", "Cancelled")],
                                default="planned",
                                max_length=10,
                            ),
                        ),
                        ("uid", models.CharField(max_length=100, unique=True)),
                        ("sequence", models.PositiveIntegerField(default=0)),
                        ("created_by", models.CharField(max_length=150)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "supplier",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="reviews", to="core.supplier"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "suppliers_review",
                        "ordering": ["-starts_at", "-id"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("status__in", ["planned", "held", "cancelled"])),
                                name="review_known_status",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("title", ""), _negated=True), name="review_title_not_blank"
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ActionItem",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("title", models.CharField(max_length=300)),
                        (
                            "owner_side",
                            models.CharField(choices=[("ours", "Ours"), ("theirs", "The supplier's")], max_length=6),
                        ),
                        ("due", models.DateField()),
                        ("closed_at", models.DateTimeField(blank=True, null=True)),
                        ("closed_by", models.CharField(blank=True, max_length=150)),
                        ("note", models.TextField(blank=True)),
                        (
                            "owner_person",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="review_actions",
                                to="people.person",
                            ),
                        ),
                        (
                            "supplier",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="action_items",
                                to="core.supplier",
                            ),
                        ),
                        (
                            "review",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="action_items",
                                to="reviews.review",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "suppliers_actionitem",
                        "ordering": ["due", "id"],
                        "indexes": [
                            models.Index(
                                condition=models.Q(("closed_at__isnull", True)),
                                fields=["due"],
                                name="action_open_due_idx",
                            ),
                            models.Index(fields=["supplier", "closed_at"], name="action_supplier_idx"),
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("owner_side__in", ["ours", "theirs"])), name="action_known_owner"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("title", ""), _negated=True), name="action_title_not_blank"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("closed_at__isnull", True),
                                    models.Q(("closed_by", ""), _negated=True),
                                    _connector="OR",
                                ),
                                name="action_closed_says_who",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
