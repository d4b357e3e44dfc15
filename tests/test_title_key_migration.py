"""Migration 0016 gives the entries already in the catalogue their title keys, batch by
batch, so that an import finds them by title and year; it goes back cleanly."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from resources.models import Entry, normalise_title
from tests.test_findings_migration import migrate
from tests.test_imports import duplicate_found_for

BEFORE = [("resources", "0015_curator_note_co_produced_dashboard_indexes")]
TITLE_KEY = [("resources", "0016_entry_title_key")]
TITLES = ["Peer Support: A Review", "  befriending -- BY TELEPHONE ", "Hope_and recovery!", "Ä ß"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migrating_fills_every_existing_entrys_title_key_and_going_back_drops_it(monkeypatch):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    migration = importlib.import_module("resources.migrations.0016_entry_title_key")
    monkeypatch.setattr(migration, "BATCH_SIZE", 3)  # more than one batch
    apps = migrate(BEFORE)
    OldEntry = apps.get_model("resources", "Entry")
    for number, title in enumerate(TITLES):
        OldEntry.objects.create(
            kind="evidence", title=title, slug=f"entry-{number}", summary="S.", year=2020
        )
    assert "title_key" not in {f.name for f in OldEntry._meta.get_fields()}

    migrate(TITLE_KEY)
    migrate(latest)

    keys = dict(Entry.objects.values_list("title", "title_key"))
    assert keys == {title: normalise_title(title) for title in TITLES}
    assert keys["  befriending -- BY TELEPHONE "] == "befriending by telephone"
    duplicate = duplicate_found_for("PEER SUPPORT - a review", 2020)
    assert duplicate.entry_id == Entry.objects.get(title="Peer Support: A Review").pk

    apps = migrate(BEFORE)
    columns = {
        column.name
        for column in connection.introspection.get_table_description(
            connection.cursor(), "resources_entry"
        )
    }
    assert "title_key" not in columns
    assert apps.get_model("resources", "Entry").objects.count() == len(TITLES)
    migrate(latest)
