"""Full-text search on PostgreSQL: a stored, weighted search vector kept current by a trigger.

Weights: title A; summary and finding B; body, authors and organisation C. A trigger (rather
than Model.save) also covers bulk_create, queryset.update and loaddata. On SQLite the column
exists but stays empty: resources/search.py falls back to a simple match there.
"""

import django.contrib.postgres.search
from django.db import migrations

CREATE_SQL = """
CREATE FUNCTION resources_entry_search_vector_update() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
        setweight(to_tsvector('english',
            coalesce(NEW.summary, '') || ' ' || coalesce(NEW.finding, '')), 'B') ||
        setweight(to_tsvector('english',
            coalesce(NEW.body, '') || ' ' || coalesce(NEW.authors, '') || ' ' ||
            coalesce(NEW.organisation, '')), 'C');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER resources_entry_search_vector_trigger
    BEFORE INSERT OR UPDATE ON resources_entry
    FOR EACH ROW EXECUTE FUNCTION resources_entry_search_vector_update();

CREATE INDEX entry_search_vector_gin ON resources_entry USING gin (search_vector);

UPDATE resources_entry SET title = title;
"""

DROP_SQL = """
DROP INDEX IF EXISTS entry_search_vector_gin;
DROP TRIGGER IF EXISTS resources_entry_search_vector_trigger ON resources_entry;
DROP FUNCTION IF EXISTS resources_entry_search_vector_update();
"""


def create_search_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_SQL)


def drop_search_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(create_search_trigger, drop_search_trigger),
    ]
