
from django.db import migrations, models


def first_token(apps, schema_editor):
    apps.get_model("core", "DataVersion").objects.create(id=1, token="0" * 32)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0009_companies'),
    ]

    operations = [
        migrations.CreateModel(
            name='DataVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.CharField(max_length=32)),
            ],
        ),
        migrations.RunPython(first_token, migrations.RunPython.noop),
    ]
