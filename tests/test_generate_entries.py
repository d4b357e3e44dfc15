"""`generate_entries`: reproducible, clearly marked synthetic entries, and `--delete`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from resources import demo, synthetic
from resources.cache import catalogue_version
from resources.models import Entry, EntryTerm, Kind, Status, Topic
from tests.factories import (
    ApproachFactory,
    AudienceFactory,
    EntryFactory,
    OutcomeFactory,
    PopulationFactory,
    RegionFactory,
    TopicFactory,
)
from tests.test_imports import duplicate_found_for

pytestmark = pytest.mark.django_db


def generate(*args):
    out = StringIO()
    call_command("generate_entries", *args, stdout=out, skip_checks=True)
    return out.getvalue()


def synthetic_snapshot():
    """What a seed decides: every field a person would see, and every taxonomy link."""
    entries = Entry.objects.filter(is_synthetic=True).order_by("slug")
    return [
        (
            entry.slug,
            entry.title,
            entry.kind,
            entry.status,
            entry.summary,
            entry.doi,
            entry.year,
            entry.published_at,
            sorted(entry.terms.in_taxonomy("topic").values_list("slug", flat=True)),
            sorted(entry.terms.in_taxonomy("approach").values_list("slug", flat=True)),
            sorted(entry.terms.in_taxonomy("region").values_list("slug", flat=True)),
        )
        for entry in entries
    ]


def test_the_same_seed_gives_the_same_entries():
    generate("--count", "50", "--seed", "7")
    first = synthetic_snapshot()
    generate("--delete")
    generate("--count", "50", "--seed", "7")
    assert synthetic_snapshot() == first
    assert len(first) == 50


def test_different_seeds_give_different_entries():
    generate("--count", "20", "--seed", "1")
    first_titles = {row[1] for row in synthetic_snapshot()}
    generate("--count", "20", "--seed", "2")
    second_titles = {row[1] for row in synthetic_snapshot()} - first_titles
    assert second_titles
    assert Entry.objects.filter(is_synthetic=True).count() == 40


def test_synthetic_entries_are_clearly_marked():
    generate("--count", "30", "--seed", "3")
    for entry in Entry.objects.filter(is_synthetic=True):
        assert entry.title.startswith("[Synthetic]")
        assert entry.slug.startswith("synthetic-")
        assert entry.summary.startswith("Synthetic entry")
        assert entry.doi == "" or entry.doi.startswith(synthetic.DOI_PREFIX)


def test_synthetic_entries_cover_every_kind_and_are_mostly_published():
    generate("--count", "200", "--seed", "4")
    entries = Entry.objects.filter(is_synthetic=True)
    assert set(entries.values_list("kind", flat=True)) == set(Kind.values)
    assert entries.published().count() > 150
    assert not entries.published().filter(published_at__isnull=True).exists()


def test_synthetic_entries_pass_the_models_own_validation():
    generate("--count", "15", "--seed", "5")
    for entry in Entry.objects.filter(is_synthetic=True):
        entry.full_clean()


def test_an_import_finds_synthetic_entries_by_title_and_year():
    generate("--count", "20", "--seed", "8")
    entry = Entry.objects.filter(is_synthetic=True, year__isnull=False).first()

    duplicate = duplicate_found_for(f"  {entry.title.upper()}!", entry.year)

    assert (duplicate.by, duplicate.entry_id) == ("title and year", entry.pk)
    assert duplicate_found_for(entry.title, entry.year + 1) is None


def test_synthetic_entries_are_linked_to_taxonomy_terms():
    generate("--count", "30", "--seed", "6")
    entries = Entry.objects.filter(is_synthetic=True)
    assert not entries.exclude(terms__taxonomy="topic").exists()
    assert entries.filter(terms__taxonomy="approach").exists()


def test_synthetic_evidence_is_filed_under_the_region_of_its_country():
    generate("--count", "60", "--seed", "8")
    for entry in Entry.objects.filter(is_synthetic=True, kind=Kind.EVIDENCE):
        expected = synthetic.COUNTRIES[entry.country]
        assert list(entry.terms.in_taxonomy("region").values_list("slug", flat=True)) == [expected]


def test_generating_loads_the_taxonomy_when_it_is_empty():
    generate("--count", "5", "--seed", "9")
    assert Topic.objects.count() == len(demo.read_taxonomy()["topics"])


def test_generating_links_to_existing_terms_without_loading_more():
    TopicFactory(name="Only topic")
    factories = (ApproachFactory, AudienceFactory, PopulationFactory, RegionFactory, OutcomeFactory)
    for factory in factories:
        factory(name="Only term")
    generate("--count", "5", "--seed", "9")
    assert list(Topic.objects.values_list("name", flat=True)) == ["Only topic"]
    assert Entry.objects.filter(terms__name="Only topic").count() == 5


def test_synthetic_entries_are_never_real():
    EntryFactory(title="A curated guide")
    generate("--count", "25", "--seed", "10")
    assert list(Entry.objects.real().values_list("title", flat=True)) == ["A curated guide"]


def test_synthetic_entries_never_join_the_demo_set():
    demo.load_demo()
    generate("--count", "25", "--seed", "11")
    report = demo.load_demo()
    assert (report.entries_created, report.entries_present) == (0, 59)
    assert Entry.objects.real().count() == 59


def test_delete_removes_only_synthetic_entries_and_their_links():
    topic = TopicFactory(name="Dementia")
    real = EntryFactory(title="A curated guide", topics=[topic])
    generate("--count", "30", "--seed", "12")

    output = generate("--delete")

    assert "Deleted 30 synthetic entries" in output
    assert list(Entry.objects.all()) == [real]
    assert list(real.terms.in_taxonomy("topic")) == [topic]
    assert EntryTerm.objects.count() == 1


def test_delete_leaves_no_history_behind_and_writes_none():
    real = EntryFactory(title="A curated guide")
    generate("--count", "10", "--seed", "13")
    Entry.objects.filter(is_synthetic=True).first().publish()  # a curator touched one
    history_before = Entry.history.filter(is_synthetic=False).count()

    generate("--delete")

    assert not Entry.history.filter(is_synthetic=True).exists()
    assert Entry.history.filter(is_synthetic=False).count() == history_before
    assert real.history.exists()


def test_a_seed_used_twice_is_refused_and_nothing_is_added():
    generate("--count", "10", "--seed", "14")
    with pytest.raises(CommandError, match="seed 14 are already here"):
        generate("--count", "10", "--seed", "14")
    assert Entry.objects.filter(is_synthetic=True).count() == 10


def test_delete_then_generate_in_one_run_replaces_the_synthetic_set():
    generate("--count", "10", "--seed", "15")
    output = generate("--delete", "--count", "10", "--seed", "15")
    assert "Created 10 synthetic entries from seed 15" in output
    assert Entry.objects.filter(is_synthetic=True).count() == 10


@pytest.mark.parametrize("args", [[], ["--count", "-1"], ["--count", "5", "--seed", "-2"]])
def test_the_command_explains_missing_or_bad_arguments(args):
    with pytest.raises(CommandError):
        generate(*args)
    assert not Entry.objects.exists()


def test_synthetic_drafts_have_no_published_date():
    generate("--count", "200", "--seed", "16")
    drafts = Entry.objects.filter(is_synthetic=True, status=Status.DRAFT)
    assert drafts.exists()
    assert not drafts.filter(published_at__isnull=False).exists()


def test_generating_and_deleting_start_new_catalogue_versions(django_capture_on_commit_callbacks):
    versions = [catalogue_version()]
    with django_capture_on_commit_callbacks(execute=True):
        generate("--count", "5", "--seed", "17")
    versions.append(catalogue_version())
    with django_capture_on_commit_callbacks(execute=True):
        generate("--delete")
    versions.append(catalogue_version())
    assert len(set(versions)) == 3


def analysed(table):
    """Whether the planner's statistics of `table` describe its rows as they are now."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ANALYZE sets the row estimate; our own uncommitted rows count as live.
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            estimate = cursor.fetchone()[0]
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            return estimate == cursor.fetchone()[0]
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone():
            return False
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        return cursor.fetchone()[0] > 0


@pytest.mark.parametrize("load", ["generate", "demo"])
def test_bulk_loads_leave_planner_statistics_current(load, django_capture_on_commit_callbacks):
    tables = ["resources_entry", "resources_entryterm", "resources_finding"]
    with django_capture_on_commit_callbacks(execute=True):
        if load == "generate":
            generate("--count", "40", "--seed", "3")
        else:
            demo.load_demo()
        assert not any(analysed(table) for table in tables)  # not before the commit
    assert all(analysed(table) for table in tables)
