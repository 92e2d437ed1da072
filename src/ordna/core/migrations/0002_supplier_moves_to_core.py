"""The Supplier model moves from the suppliers app to core, without touching data (issue 15).

Only Django's picture of the models changes: the table stays `suppliers_supplier`, so no SQL runs (no table is
rebuilt on SQLite, no constraint changes on PostgreSQL). The apps whose foreign keys point at it follow in their
own migrations, then the suppliers app lets go of its model. The content type row is renamed, so the permissions
that refer to it stay attached.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def _rename_content_type(apps: StateApps, old: tuple[str, str], new: tuple[str, str]) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    if content_type.objects.filter(app_label=new[0], model=new[1]).exists():
        return  # already made under its new name (by a newer start); the old row is merely stale
    content_type.objects.filter(app_label=old[0], model=old[1]).update(app_label=new[0], model=new[1])


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _rename_content_type(apps, ("suppliers", "supplier"), ("core", "supplier"))


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _rename_content_type(apps, ("core", "supplier"), ("suppliers", "supplier"))


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        ("suppliers", "0002_contracts_service_levels_reviews"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Supplier",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("name", models.CharField(max_length=200, unique=True)),
                        ("contact_name", models.CharField(blank=True, max_length=200)),
                        ("contact_email", models.EmailField(blank=True, max_length=254)),
                        ("phone", models.CharField(blank=True, max_length=50)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "db_table": "suppliers_supplier",
                        "ordering": ["name"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("name", ""), _negated=True), name="supplier_name_not_blank"
                            )
                        ],
                    },
                ),
                migrations.AlterField(
                    model_name="user",
                    name="supplier",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="portal_users",
                        to="core.supplier",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
