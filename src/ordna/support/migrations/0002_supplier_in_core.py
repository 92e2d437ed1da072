"""Question.supplier now names core's Supplier, the same table (issue 15): a change of Django's picture only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_supplier_moves_to_core"),
        ("support", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="question",
                    name="supplier",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="questions",
                        to="core.supplier",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
