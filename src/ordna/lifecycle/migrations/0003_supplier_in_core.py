"""Line.responsible_supplier now names core's Supplier, the same table (issue 15): a change of Django's picture
only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_supplier_moves_to_core"),
        ("lifecycle", "0002_joiners_movers_exit_survey"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="line",
                    name="responsible_supplier",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="core.supplier",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
