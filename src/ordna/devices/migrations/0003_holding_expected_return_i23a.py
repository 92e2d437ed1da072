from django.db import migrations, models


def copy_expected_return(apps, schema_editor):
    """The open hand-outs take the device's expected return (the closed ones never had one recorded)."""
    Device = apps.get_model("devices", "Device")
    DeviceHolding = apps.get_model("devices", "DeviceHolding")
    for pk, expected in Device.objects.filter(expected_return__isnull=False).values_list("id", "expected_return"):
        DeviceHolding.objects.filter(device_id=pk, ended_at__isnull=True).update(expected_return=expected)


class Migration(migrations.Migration):

    dependencies = [
        ("devices", "0002_device_holdings"),
    ]

    operations = [
        migrations.AddField(
            model_name="deviceholding",
            name="expected_return",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.RunPython(copy_expected_return, migrations.RunPython.noop),
    ]
