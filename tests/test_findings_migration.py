"""Migration 0009 (findings and outcomes) goes back on a catalogue that has findings, and
forward again."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from resources.demo import load_demo

BEFORE = [("resources", "0008_search_vector_generated")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_going_back_before_findings_keeps_entries_and_other_terms_and_drops_outcomes():
    load_demo()
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()

    apps = migrate(BEFORE)
    Term, Entry = apps.get_model("resources", "Term"), apps.get_model("resources", "Entry")
    assert Entry.objects.count() == 59
    assert not Term.objects.filter(taxonomy="outcome").exists()
    assert Term.objects.filter(taxonomy="topic").exists()

    apps = migrate(latest)
    assert apps.get_model("resources", "Finding").objects.count() == 0
    assert load_demo().findings_created == 57
