"""A substring search index (ordna.core.search): FTS5 trigram on SQLite, pg_trgm GIN indexes on PostgreSQL."""

from django.db import migrations

from ordna.accounts.search import ACCOUNTS_SEARCH


def create(apps, schema_editor):
    ACCOUNTS_SEARCH.ensure(schema_editor.connection)


def drop(apps, schema_editor):
    ACCOUNTS_SEARCH.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_finding_kind_contradicted_label")]

    operations = [migrations.RunPython(create, drop)]
