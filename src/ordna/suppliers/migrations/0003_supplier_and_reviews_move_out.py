"""The suppliers app lets go of Supplier (now core's) and of Review and ActionItem (now the reviews app's), without
touching data (issue 15).

Contract.supplier is pointed at core's Supplier, then the three models leave Django's picture of this app. Their
tables stay as they are and are taken over under the same names: no SQL runs. This comes after every other app's
foreign key to Supplier has been pointed at core's, so no state ever refers to a model that is gone.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0004_supplier_in_core"),
        ("core", "0002_supplier_moves_to_core"),
        ("lifecycle", "0003_supplier_in_core"),
        ("suppliers", "0002_contracts_service_levels_reviews"),
        ("support", "0002_supplier_in_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="contract",
                    name="supplier",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="contracts", to="core.supplier"
                    ),
                ),
                migrations.DeleteModel(name="ActionItem"),
                migrations.DeleteModel(name="Review"),
                migrations.DeleteModel(name="Supplier"),
            ],
            database_operations=[],
        ),
    ]
