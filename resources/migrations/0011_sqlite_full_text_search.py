"""Full-text search on SQLite: an FTS5 index of the searched columns of resources_entry, kept
in step by triggers, so SQLite searches with stemming, phrases and ranking much as PostgreSQL
does with its search_vector column (resources/search.py). Nothing happens on PostgreSQL.

The index is "external content": it stores only the index, reading the text from
resources_entry. The triggers keep it in sync whoever writes the table (save(), bulk_create,
update(), delete(), raw SQL). Its columns are SEARCH_WEIGHTS's fields as of this migration, in
order; bm25() weighs them by position.

On SQLite, a later migration that makes Django rebuild resources_entry (most AlterField and
RemoveField operations there) drops the triggers with the old table: such a migration must run
DROP_SQL and CREATE_SQL again (importlib.import_module this module, as 0010 does with 0003).
The tests in tests/test_sqlite_fts.py fail if it does not.
"""

from django.db import migrations

TABLE = "resources_entry_fts"
COLUMNS = ("title", "summary", "finding", "body", "authors", "organisation")


def _values(row):
    return ", ".join(f"{row}.{column}" for column in COLUMNS)


_COLUMN_LIST = ", ".join(COLUMNS)
_INSERT_NEW = f"INSERT INTO {TABLE} (rowid, {_COLUMN_LIST}) VALUES (new.id, {_values('new')});"
# The 'delete' command takes the values as they were indexed, which the old row still holds.
_DELETE_OLD = (
    f"INSERT INTO {TABLE} ({TABLE}, rowid, {_COLUMN_LIST}) "
    f"VALUES ('delete', old.id, {_values('old')});"
)

CREATE_SQL = [
    f"""CREATE VIRTUAL TABLE {TABLE} USING fts5(
        {_COLUMN_LIST},
        content='resources_entry',
        content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )""",
    f"""CREATE TRIGGER {TABLE}_insert AFTER INSERT ON resources_entry BEGIN
        {_INSERT_NEW}
    END""",
    f"""CREATE TRIGGER {TABLE}_delete AFTER DELETE ON resources_entry BEGIN
        {_DELETE_OLD}
    END""",
    # Only when searched text changes: publishing or featuring an entry leaves the index be.
    f"""CREATE TRIGGER {TABLE}_update AFTER UPDATE OF {_COLUMN_LIST} ON resources_entry BEGIN
        {_DELETE_OLD}
        {_INSERT_NEW}
    END""",
    # Index the rows already there.
    f"INSERT INTO {TABLE} ({TABLE}) VALUES ('rebuild')",
]

DROP_SQL = [
    f"DROP TRIGGER IF EXISTS {TABLE}_insert",
    f"DROP TRIGGER IF EXISTS {TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {TABLE}_update",
    f"DROP TABLE IF EXISTS {TABLE}",
]


def on_sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("resources", "0010_curators_edit_findings")]

    operations = [migrations.RunPython(on_sqlite(CREATE_SQL), on_sqlite(DROP_SQL))]
