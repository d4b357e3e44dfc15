"""The search index stays in step with the entries however they are written, on both databases
(PostgreSQL's generated column; SQLite's FTS5 table of migration 0011, kept by triggers), and
SQLite's index has the columns and migration search.py relies on."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from resources import services
from resources.models import Entry, Kind, Status
from resources.search import FTS_TABLE, SEARCHED_FIELDS, restore_sqlite_index, search
from tests.factories import EntryFactory

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 index")
fts_migration = importlib.import_module("resources.migrations.0011_sqlite_full_text_search")


def found(q):
    return sorted(search(Entry.objects.all(), q).values_list("title", flat=True))


def check_index():
    """On SQLite, FTS5's own check that the index holds exactly what resources_entry holds:
    it raises "database disk image is malformed" if a write was missed."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rank) VALUES ('integrity-check', 1)"
            )


@pytest.mark.django_db
def test_a_new_entry_is_found_at_once():
    EntryFactory(title="Walking groups", summary="Weekly walks.")
    assert found("walking") == ["Walking groups"]
    check_index()


@pytest.mark.django_db
def test_an_edited_entry_is_found_by_its_new_words_and_not_its_old():
    entry = EntryFactory(title="Walking groups", summary="Weekly meetings.")
    entry.title = "Cycling groups"
    services.save_entry(entry)
    assert found("cycling") == ["Cycling groups"]
    assert found("walking") == []
    assert found("weekly") == ["Cycling groups"]
    check_index()


@pytest.mark.django_db
def test_an_update_through_the_queryset_is_followed_too():
    entry = EntryFactory(title="Walking groups", summary="Weekly walks.")
    Entry.objects.filter(pk=entry.pk).update(summary="Monthly rambles.")
    Entry.objects.filter(pk=entry.pk).update(status=Status.ARCHIVED)  # not a searched column
    assert found("rambles") == ["Walking groups"]
    assert found("weekly") == []
    check_index()


@pytest.mark.django_db
def test_a_deleted_entry_is_no_longer_found():
    kept = EntryFactory(title="Walking groups")
    EntryFactory(title="Walking football")
    services.delete_entries(Entry.objects.exclude(pk=kept.pk))
    assert found("walking") == ["Walking groups"]
    check_index()


@pytest.mark.django_db
def test_entries_created_in_bulk_are_found():
    rows = [
        (Entry(kind=Kind.RESOURCE, title=f"Allotment club {n}", summary="Growing together."), [])
        for n in range(3)
    ]
    rows.append(
        (
            Entry(
                kind=Kind.EVIDENCE,
                title="A study",
                summary="x",
                finding="Gardening eased loneliness.",
            ),
            [],
        )
    )
    services.create_entries(rows)
    assert found("allotment clubs") == [f"Allotment club {n}" for n in range(3)]
    assert found("gardens") == ["A study"]
    check_index()


@on_sqlite
def test_the_index_has_the_searched_fields_as_columns_in_order():
    # bm25() weighs columns by position, so they must be SEARCHED_FIELDS in order; changing
    # SEARCH_WEIGHTS needs a migration that rebuilds the index.
    assert fts_migration.COLUMNS == SEARCHED_FIELDS


@on_sqlite
@pytest.mark.django_db
def test_the_index_and_its_triggers_exist():
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, name FROM sqlite_master WHERE name LIKE %s", [f"{FTS_TABLE}%"])
        names = {name for _, name in cursor.fetchall()}
    assert {FTS_TABLE, f"{FTS_TABLE}_insert", f"{FTS_TABLE}_update", f"{FTS_TABLE}_delete"} <= names


@on_sqlite
@pytest.mark.django_db
def test_migrate_puts_back_triggers_a_table_rebuild_dropped():
    EntryFactory(title="Befriending in rural areas")
    with connection.cursor() as cursor:
        # What SQLite does to the triggers when a migration rebuilds resources_entry.
        cursor.execute(f"DROP TRIGGER {FTS_TABLE}_insert")
        cursor.execute(f"DROP TRIGGER {FTS_TABLE}_update")
    EntryFactory(title="Befriending missed by the index")

    restore_sqlite_index()  # what post_migrate runs after every migrate

    assert search(Entry.objects.all(), "befriending").count() == 2
    EntryFactory(title="Befriending added later")
    assert search(Entry.objects.all(), "befriending").count() == 3


@on_sqlite
@pytest.mark.django_db
def test_accents_do_not_matter_on_sqlite():
    EntryFactory(title="Café groups for carers")
    assert found("cafe") == found("café") == ["Café groups for carers"]


@on_sqlite
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_goes_back_and_forth_keeping_the_index():
    EntryFactory(title="Walking groups")
    latest = [("resources", fts_migration.__name__.rsplit(".", 1)[-1])]
    before = [("resources", fts_migration.Migration.dependencies[0][1])]
    try:
        MigrationExecutor(connection).migrate(before)
        with connection.cursor() as cursor:
            assert FTS_TABLE not in connection.introspection.table_names(cursor)
    finally:
        MigrationExecutor(connection).migrate(latest)
    # Going forward again indexes the rows that were there.
    assert found("walking") == ["Walking groups"]
    check_index()
