import django.db.models.deletion
from django.db import migrations, models


def open_holdings(apps, schema_editor):
    """Every device handed out (issued, or lost by its holder) has held since its hand-out (or now, if unknown)."""
    from django.utils import timezone

    Device = apps.get_model("devices", "Device")
    DeviceHolding = apps.get_model("devices", "DeviceHolding")
    now = timezone.now()
    DeviceHolding.objects.bulk_create(
        [
            DeviceHolding(device_id=pk, holder_id=holder, issued_at=issued or now)
            for pk, holder, issued in Device.objects.filter(status="issued", holder__isnull=False).values_list(
                "id", "holder_id", "issued_at"
            )
        ],
        batch_size=2000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('devices', '0001_initial'),
        ('people', '0002_cheap_known_value_checks'),
    ]

    operations = [
        migrations.CreateModel(
            name='DeviceHolding',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('issued_at', models.DateTimeField()),
                ('ended_at', models.DateTimeField(blank=True, null=True)),
                ('device', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='holdings', to='devices.device')),
                ('holder', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='device_holdings', to='people.person')),
            ],
            options={
                'ordering': ['device_id', 'issued_at', 'id'],
                'indexes': [models.Index(fields=['holder', 'issued_at'], name='deviceholding_holder_idx')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('ended_at__isnull', True)), fields=('device',), name='deviceholding_one_open_per_device'), models.CheckConstraint(condition=models.Q(('ended_at__isnull', True), ('ended_at__gte', models.F('issued_at')), _connector='OR'), name='deviceholding_ends_after_it_starts')],
            },
        ),
        migrations.RunPython(open_holdings, migrations.RunPython.noop),
    ]
