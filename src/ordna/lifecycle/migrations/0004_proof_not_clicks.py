import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def backfill(apps, schema_editor):
    """Lines closed before issue 16: an attested account, licence or device line gets the reason "other"
    (its text stays as it was), and a verified one its proof's moment from when it closed."""
    Line = apps.get_model("lifecycle", "Line")
    Line.objects.filter(
        state="attested", grant=False, kind__in=["account", "licence", "device"], attest_reason=""
    ).update(attest_reason="other")
    Line.objects.filter(state="verified", verified_by__in=["import", "read-back"], proof_taken_at__isnull=True).update(
        proof_taken_at=models.F("closed_at")
    )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_account_source_digest'),
        ('applications', '0004_supplier_in_core'),
        ('core', '0002_supplier_moves_to_core'),
        ('devices', '0001_initial'),
        ('lifecycle', '0003_supplier_in_core'),
        ('people', '0002_cheap_known_value_checks'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ClosingRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('waive', 'Waiver'), ('attest', 'Attestation for someone else')], max_length=10)),
                ('note', models.TextField(blank=True)),
                ('attest_reason', models.CharField(blank=True, choices=[('no_export', 'The system has no export or connector'), ('supplier_ticket', "Removed by the supplier's ticket"), ('admin_console', 'Removed by hand in the admin console'), ('returned_elsewhere', 'Returned outside Ordna (courier, lessor, another office)'), ('other', 'Other (say what in the text)')], max_length=20)),
                ('attest_reference', models.CharField(blank=True, max_length=100)),
                ('evidence', models.FileField(blank=True, upload_to='evidence/%Y/%m/')),
                ('override', models.BooleanField(default=False)),
                ('override_reason', models.TextField(blank=True)),
                ('requested_by', models.CharField(max_length=150)),
                ('requested_at', models.DateTimeField()),
                ('decision', models.CharField(choices=[('pending', 'Waiting for approval'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('withdrawn', 'Withdrawn')], default='pending', max_length=10)),
                ('decided_by', models.CharField(blank=True, max_length=150)),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('decision_note', models.TextField(blank=True)),
            ],
            options={
                'ordering': ['requested_at', 'id'],
            },
        ),
        migrations.AddField(
            model_name='line',
            name='approved_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='line',
            name='approved_by',
            field=models.CharField(blank=True, db_default='', max_length=150),
        ),
        migrations.AddField(
            model_name='line',
            name='attest_reason',
            field=models.CharField(blank=True, choices=[('no_export', 'The system has no export or connector'), ('supplier_ticket', "Removed by the supplier's ticket"), ('admin_console', 'Removed by hand in the admin console'), ('returned_elsewhere', 'Returned outside Ordna (courier, lessor, another office)'), ('other', 'Other (say what in the text)')], db_default='', max_length=20),
        ),
        migrations.AddField(
            model_name='line',
            name='attest_reference',
            field=models.CharField(blank=True, db_default='', max_length=100),
        ),
        migrations.AddField(
            model_name='line',
            name='override',
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.AddField(
            model_name='line',
            name='override_reason',
            field=models.TextField(blank=True, db_default=''),
        ),
        migrations.AddField(
            model_name='line',
            name='proof_run',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='core.importrun'),
        ),
        migrations.AddField(
            model_name='line',
            name='proof_taken_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='line',
            constraint=models.CheckConstraint(condition=models.Q(('attest_reason__in', ['', 'no_export', 'supplier_ticket', 'admin_console', 'returned_elsewhere', 'other'])), name='line_known_attest_reason'),
        ),
        migrations.AddConstraint(
            model_name='line',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('grant', False), ('kind__in', ['account', 'licence', 'device']), ('state', 'attested'), _negated=True), models.Q(('attest_reason', ''), _negated=True), _connector='OR'), name='line_attested_take_back_has_reason'),
        ),
        migrations.AddConstraint(
            model_name='line',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('attest_reason', 'supplier_ticket'), _negated=True), models.Q(('attest_reference', ''), _negated=True), _connector='OR'), name='line_supplier_ticket_has_reference'),
        ),
        migrations.AddConstraint(
            model_name='line',
            constraint=models.CheckConstraint(condition=models.Q(('override', False), models.Q(('override_reason', ''), _negated=True), _connector='OR'), name='line_override_has_reason'),
        ),
        migrations.AddConstraint(
            model_name='line',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('state', 'verified'), ('verified_by__in', ['import', 'read-back']), _negated=True), ('proof_taken_at__isnull', False), _connector='OR'), name='line_proof_says_when'),
        ),
        migrations.AddField(
            model_name='closingrequest',
            name='decided_by_user',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='closingrequest',
            name='line',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='closing_requests', to='lifecycle.line'),
        ),
        migrations.AddField(
            model_name='closingrequest',
            name='requested_by_user',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='closingrequest',
            index=models.Index(condition=models.Q(('decision', 'pending')), fields=['requested_at'], name='closingrequest_pending_idx'),
        ),
        migrations.AddConstraint(
            model_name='closingrequest',
            constraint=models.UniqueConstraint(condition=models.Q(('decision', 'pending')), fields=('line',), name='closingrequest_one_pending'),
        ),
        migrations.AddConstraint(
            model_name='closingrequest',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['waive', 'attest'])), name='closingrequest_known_kind'),
        ),
        migrations.AddConstraint(
            model_name='closingrequest',
            constraint=models.CheckConstraint(condition=models.Q(('decision__in', ['pending', 'approved', 'rejected', 'withdrawn'])), name='closingrequest_known_decision'),
        ),
        migrations.AddConstraint(
            model_name='closingrequest',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'waive'), _negated=True), models.Q(('note', ''), _negated=True), _connector='OR'), name='closingrequest_waiver_says_why'),
        ),
        migrations.AddConstraint(
            model_name='closingrequest',
            constraint=models.CheckConstraint(condition=models.Q(('decision', 'pending'), models.Q(models.Q(('decided_by', ''), _negated=True), ('decided_at__isnull', False)), _connector='OR'), name='closingrequest_decided_says_who_and_when'),
        ),
        migrations.AddConstraint(
            model_name='closingrequest',
            constraint=models.CheckConstraint(condition=models.Q(('override', False), models.Q(('override_reason', ''), _negated=True), _connector='OR'), name='closingrequest_override_has_reason'),
        ),
    ]
