"""The second factor's TOTP keys encrypted at rest (ordna.core.encryption): the field widens to hold a Fernet
token, and every key stored in clear so far is encrypted in place."""

from django.db import migrations, models


def encrypt_keys(apps, schema_editor):  # type: ignore[no-untyped-def]
    from ordna.core.encryption import secret_encrypt

    SecondFactor = apps.get_model("core", "SecondFactor")
    for factor in SecondFactor.objects.all():
        if len(factor.key) <= 64:  # a base32 key in clear (a Fernet token is longer than 100 characters)
            factor.key = secret_encrypt(factor.key)
            factor.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [("core", "0011_merge_issue23_27")]

    operations = [
        migrations.AlterField(model_name="secondfactor", name="key", field=models.TextField()),
        migrations.RunPython(encrypt_keys, migrations.RunPython.noop),
    ]
