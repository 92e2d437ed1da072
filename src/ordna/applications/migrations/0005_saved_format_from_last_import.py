"""Issue 28: an application's saved format (its preset or column mapping) is what an import without a named
format uses, and it changes only on purpose. Applications whose accounts came from preset files before, but
that were created by a price list (and so never recorded a format), get the preset of their last applied
import as their saved format, so that a wrong file does not become their first."""

from django.db import migrations

PRESETS = ("generic", "m365", "entra", "google", "slack")


def saved_format_from_last_import(apps, schema_editor):
    Application = apps.get_model("applications", "Application")
    ImportRun = apps.get_model("core", "ImportRun")
    for application in Application.objects.filter(account_source="", account_mapping__isnull=True):
        last = (
            ImportRun.objects.filter(application=application, source="accounts", outcome="applied")
            .order_by("-started_at", "-id")
            .values_list("preset", flat=True)
            .first()
        )
        if last in PRESETS:
            Application.objects.filter(pk=application.pk).update(account_source=last)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0004_supplier_in_core"),
        ("core", "0007_import_run_columns_proves"),
    ]

    operations = [migrations.RunPython(saved_format_from_last_import, migrations.RunPython.noop)]
