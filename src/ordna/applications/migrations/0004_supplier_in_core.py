"""Application.supplier now names core's Supplier, the same table (issue 15): a change of Django's picture only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0003_application_accounts_people_stamp"),
        ("core", "0002_supplier_moves_to_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="application",
                    name="supplier",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="applications",
                        to="core.supplier",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
