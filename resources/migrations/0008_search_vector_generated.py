"""The search vector becomes a generated column, computed by PostgreSQL from the definition in
resources/search.py (SEARCH_WEIGHTS), in place of migration 0002's trigger. On SQLite the
column is always NULL: search falls back to matching words there."""

import django.contrib.postgres.search
from django.db import migrations, models

import resources.search

# Migration 0002's trigger, to restore when going back.
TRIGGER_SQL = """
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

UPDATE resources_entry SET title = title;
"""
DROP_TRIGGER_SQL = """
DROP TRIGGER IF EXISTS resources_entry_search_vector_trigger ON resources_entry;
DROP FUNCTION IF EXISTS resources_entry_search_vector_update();
"""
CREATE_INDEX_SQL = "CREATE INDEX entry_search_vector_gin ON resources_entry USING gin (search_vector)"
DROP_INDEX_SQL = "DROP INDEX IF EXISTS entry_search_vector_gin"


def on_postgresql(*statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0007_drop_old_taxonomy_tables"),
    ]

    operations = [
        migrations.RunPython(
            on_postgresql(DROP_INDEX_SQL, DROP_TRIGGER_SQL),
            on_postgresql(TRIGGER_SQL, CREATE_INDEX_SQL),
        ),
        migrations.RemoveField(model_name="entry", name="search_vector"),
        migrations.AddField(
            model_name="entry",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=resources.search.SearchDocument(
                    (
                        ("A", ("title",)),
                        ("B", ("summary", "finding")),
                        ("C", ("body", "authors", "organisation")),
                    )
                ),
                output_field=django.contrib.postgres.search.SearchVectorField(null=True),
            ),
        ),
        migrations.RunPython(on_postgresql(CREATE_INDEX_SQL), on_postgresql(DROP_INDEX_SQL)),
    ]
