import django.db.models.deletion
from django.db import migrations, models

import ordna.core.models


def people_to_default_company(apps, schema_editor):
    """Everyone works for the default company until an HR file's `company` column says otherwise."""
    Company = apps.get_model("core", "Company")
    Person = apps.get_model("people", "Person")
    default = Company.objects.filter(is_default=True).first()
    if default is None:
        default = Company.objects.create(name="Group", code="group", is_default=True)
    Person.objects.filter(company__isnull=True).update(company=default)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_companies"),
        ("people", "0003_end_date_set_by_hand"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="company",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="people", to="core.company"
            ),
        ),
        migrations.RunPython(people_to_default_company, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="person",
            name="company",
            field=models.ForeignKey(
                default=ordna.core.models.default_company_id,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="people",
                to="core.company",
            ),
        ),
    ]
