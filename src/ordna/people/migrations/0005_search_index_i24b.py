"""A substring search index (ordna.core.search): FTS5 trigram on SQLite, pg_trgm GIN indexes on PostgreSQL."""

from django.db import migrations

from ordna.people.search import PEOPLE_SEARCH


def create(apps, schema_editor):
    PEOPLE_SEARCH.ensure(schema_editor.connection)


def drop(apps, schema_editor):
    PEOPLE_SEARCH.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("people", "0004_person_company")]

    operations = [migrations.RunPython(create, drop)]
