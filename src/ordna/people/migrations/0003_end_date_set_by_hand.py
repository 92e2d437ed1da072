from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0002_cheap_known_value_checks'),
    ]

    operations = [
        migrations.AddField(
            model_name='person',
            name='end_date_reason',
            field=models.TextField(blank=True, db_default=''),
        ),
        migrations.AddField(
            model_name='person',
            name='end_date_set_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='person',
            name='end_date_set_by',
            field=models.CharField(blank=True, db_default='', max_length=150),
        ),
    ]
