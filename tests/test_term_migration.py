"""Migrations 0005-0007 (and newsletter 0003-0004): five term tables become one Term table,
and back, with every term, link, position, description and entry version kept."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from tests.test_admin import entry_form_data

BEFORE = [("resources", "0004_listing_sort_indexes"), ("newsletter", "0002_curators_permissions")]
EARLIER = timezone.now() - datetime.timedelta(days=30)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def fill_old_tables(apps):
    """A catalogue in the old shape: a topic and a region with the same id, an entry filed
    under both, an older version of it filed under another topic, a subscriber."""
    Topic, Region = apps.get_model("resources", "Topic"), apps.get_model("resources", "Region")
    mental = Topic.objects.create(
        id=1, name="Mental health", slug="mental-health", description="Minds.", position=10
    )
    carers = Topic.objects.create(id=2, name="Carers", slug="carers", position=20)
    wales = Region.objects.create(id=1, name="Wales", slug="wales", position=5)
    entry = apps.get_model("resources", "Entry").objects.create(
        kind="evidence", title="Peer support for people with severe mental illness",
        slug="peer-support-for-people-with-severe-mental-illness", summary="A review.",
        status="published", published_at=EARLIER, study_design="systematic_review",
        url="https://example.org/review", authors="Lloyd-Evans B, Mayo-Wilson E",
        publisher="BMC Psychiatry", year=2014, evidence_strength="moderate",
    )  # fmt: skip
    entry.topics.add(mental)
    entry.regions.add(wales)
    version = apps.get_model("resources", "HistoricalEntry").objects.create(
        id=entry.pk, kind="evidence", title="An older title", slug=entry.slug, summary="Old.",
        status="draft", created=EARLIER, updated=EARLIER, history_date=EARLIER,
        history_type="+", study_design="systematic_review",
    )  # fmt: skip
    apps.get_model("resources", "HistoricalEntry_topics").objects.create(
        id=7, history=version, entry_id=entry.pk, topic=carers
    )
    subscriber = apps.get_model("newsletter", "Subscriber").objects.create(
        email="reader@example.org", consent_text="Yes."
    )
    subscriber.topics.add(carers)
    return entry.pk


def old_tables(apps):
    """What the old tables hold, as comparable values."""
    Entry = apps.get_model("resources", "Entry")
    return {
        "topics": sorted(apps.get_model("resources", "Topic").objects.values_list()),
        # Only topics are sure to keep their ids (see migration 0006).
        "regions": sorted(
            apps.get_model("resources", "Region").objects.values_list(
                "name", "slug", "description", "position"
            )
        ),
        "links": sorted(Entry.topics.through.objects.values_list("entry_id", "topic_id"))
        + sorted(Entry.regions.through.objects.values_list("entry_id", "region__slug")),
        "versions": sorted(
            apps.get_model("resources", "HistoricalEntry_topics").objects.values_list(
                "id", "history_id", "entry_id", "topic_id"
            )
        ),
        "subscribers": sorted(
            apps.get_model("newsletter", "Subscriber").topics.through.objects.values_list(
                "subscriber_id", "topic_id"
            )
        ),
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_terms_links_and_history_move_to_one_table_and_back(admin_client):
    apps = migrate(BEFORE)
    entry_id = fill_old_tables(apps)
    before = old_tables(apps)

    migrate(latest())
    from resources.models import Entry, Term, Topic

    terms = Term.objects.values_list("taxonomy", "name", "slug", "description", "position")
    assert sorted(terms) == [
        ("region", "Wales", "wales", "", 5),
        ("topic", "Carers", "carers", "", 20),
        ("topic", "Mental health", "mental-health", "Minds.", 10),
    ]  # fmt: skip
    entry = Entry.objects.get(pk=entry_id)
    assert [group["label"] for group in entry.term_groups] == ["Topics", "Regions"]
    carers = Topic.objects.get(slug="carers")
    assert carers.pk == 2  # topics keep their ids: subscribers point at them
    from newsletter.models import Subscriber

    assert list(Subscriber.objects.get().topics.all()) == [carers]

    # The older version still shows its topic, and reverting brings it back.
    version = entry.history.earliest()
    assert [row.term for row in version.terms.all()] == [carers]
    revert_url = reverse(
        "admin:resources_evidence_simple_history", args=[entry.pk, version.history_id]
    )
    form = admin_client.get(revert_url).context["adminform"].form
    assert form.initial["topics"] == [carers.pk]
    assert form.initial["regions"] == []
    admin_client.post(revert_url, entry_form_data(topics=form.initial["topics"]))
    assert list(entry.terms.all()) == [carers]

    back = migrate(BEFORE)
    after = old_tables(back)
    assert after["topics"] == before["topics"]
    assert after["regions"] == before["regions"]
    assert set(before["versions"]) <= set(after["versions"])  # and the revert's own
    assert after["subscribers"] == before["subscribers"]
    # The revert made today's links Carers only (and a version recording that).
    assert after["links"] == [(entry_id, 2)]

    migrate(latest())
