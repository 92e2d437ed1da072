"""Digests are keyed by address, not by user (issue 17): the log is kept.

The existing rows keep their user and get the user's person and name, their origin ("the Ordna user's
address"), and their address in lower case, so that the new unique (address, day) claim holds for them too.
Two users who shared one address got two digests on one day before: both rows stay, the later one's address
followed by "#" and its id, so that the new claim holds (the user each went to is kept). A mail digest without
any address cannot have been sent and is not kept.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def digests_by_address(apps, schema_editor):
    Digest = apps.get_model("notifications", "Digest")
    Digest.objects.filter(channel="mail", address="").delete()
    taken: set[tuple[str, object]] = set()
    rows = Digest.objects.filter(channel="mail").select_related("recipient").order_by("day", "id")
    for digest in rows.iterator(chunk_size=2000):
        user = digest.recipient
        lower = digest.address.strip().lower()
        digest.address = lower if (lower, digest.day) not in taken else f"{lower}#{digest.pk}"[:254]
        taken.add((digest.address, digest.day))
        digest.origin = "user"
        if user is not None:
            digest.person_id = user.person_id
            digest.name = (f"{user.first_name} {user.last_name}".strip() or user.username)[:150]
        digest.save(update_fields=["address", "origin", "person", "name"])


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_initial'),
        ('people', '0002_cheap_known_value_checks'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AddressNotice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('value', models.CharField(blank=True, max_length=254)),
                ('first_seen', models.DateField()),
                ('told_on', models.DateField(blank=True, null=True)),
            ],
        ),
        migrations.RemoveConstraint(
            model_name='digest',
            name='digest_one_per_recipient_day',
        ),
        migrations.RemoveConstraint(
            model_name='digest',
            name='digest_mail_has_recipient',
        ),
        migrations.AddField(
            model_name='digest',
            name='mailbox',
            field=models.CharField(blank=True, max_length=20),
        ),
        migrations.AddField(
            model_name='digest',
            name='name',
            field=models.CharField(blank=True, max_length=150),
        ),
        migrations.AddField(
            model_name='digest',
            name='origin',
            field=models.CharField(blank=True, choices=[('user', "The Ordna user's address"), ('hr_file', 'The address in the HR file'), ('mailbox', "The role's shared mailbox")], max_length=10),
        ),
        migrations.AddField(
            model_name='digest',
            name='person',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='people.person'),
        ),
        migrations.AlterField(
            model_name='digest',
            name='recipient',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='digests', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(digests_by_address, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='digest',
            constraint=models.UniqueConstraint(condition=models.Q(('channel', 'mail')), fields=('address', 'day'), name='digest_one_per_address_day'),
        ),
        migrations.AddConstraint(
            model_name='digest',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('channel', 'mail'), _negated=True), models.Q(('address', ''), _negated=True), _connector='OR'), name='digest_mail_has_address'),
        ),
        migrations.AddField(
            model_name='addressnotice',
            name='person',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.person'),
        ),
    ]
