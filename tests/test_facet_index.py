"""The facet index: counts from bitsets equal what the database lists, at scale too."""

import random
import socket
import threading

import pytest
from django.core.cache import cache
from django.http import QueryDict

from resources import facet_index as facet_index_module
from resources.facet_index import FacetIndex, facet_index
from resources.filters import listing_filterset
from resources.kinds import Kind
from resources.synthetic import generate_entries
from tests.factories import EntryFactory, TopicFactory

pytestmark = pytest.mark.django_db


def sql_count(data, kind):
    """What the database lists for this query string: the listing's own SQL, counted."""
    return listing_filterset(QueryDict(data), kind).qs.count()


def check_facets(data, kind, rng, per_facet=2):
    """Each facet's count for a few options equals the database's count with it ticked."""
    filterset = listing_filterset(QueryDict(data), kind)
    assert filterset.result_count == filterset.qs.count(), data
    checked = 0
    for facet in filterset.facets:
        options = [option for option in facet.options if not option.selected]
        for option in rng.sample(options, min(per_facet, len(options))):
            state = QueryDict(data, mutable=True)
            # Disjunctive: the option's count is what the listing gives with it ticked alone.
            state.setlist(facet.name, [option.value])
            assert option.count == sql_count(state.urlencode(), kind), (data, facet.name, option)
            checked += 1
    return checked


def test_counts_equal_the_database_at_20000_synthetic_entries():
    generate_entries(20_000, seed=7)
    rng = random.Random(7)
    cases = [
        ("", None),
        ("topic=mental-health&year_min=2010", None),
        ("q=loneliness", None),
        ("", Kind.EVIDENCE),
        ("outcome=wellbeing&effect=positive&study_design=rct", Kind.EVIDENCE),
        ("effect=mixed&effect=negative&approach=groups", Kind.EVIDENCE),
        ("topic=carers&topic=dementia&region=england&year_max=2015", Kind.EVIDENCE),
        ("audience=commissioners&resource_format=guide", Kind.RESOURCE),
        ("q=peer+support&tool_format=checklist", Kind.TOOL),
    ]
    checked = sum(check_facets(data, kind, rng) for data, kind in cases)
    assert checked > 100


def test_the_index_leaves_out_unpublished_entries_and_follows_edits():
    topic = TopicFactory(name="Carers")
    EntryFactory(topics=[topic])
    draft = EntryFactory(topics=[topic], status="draft")
    assert facet_index().term(topic.pk).bit_count() == 1
    draft.publish()
    assert facet_index().term(topic.pk).bit_count() == 2


def test_a_listing_counts_its_results_without_a_count_query(client, django_assert_num_queries):
    EntryFactory.create_batch(3, topics=[TopicFactory()])
    client.get("/search/")  # builds the index and caches the term list
    with django_assert_num_queries(1) as queries:
        assert "3 results" in client.get("/search/?year_min=2000").content.decode()
    assert "COUNT(" not in queries.captured_queries[0]["sql"].upper()


def test_processes_wait_for_the_index_another_is_building(monkeypatch):
    EntryFactory()
    version = facet_index_module.catalogue_version()
    key = f"catalogue:{version}:facet-index"
    ready = FacetIndex.build(version)
    builds = []
    monkeypatch.setattr(FacetIndex, "build", lambda version: builds.append(version))
    monkeypatch.setattr(facet_index_module, "_current", None)
    cache.set(f"{key}:building", True)  # another process has started building
    finisher = threading.Timer(0.2, lambda: cache.set(key, ready))
    finisher.start()
    try:
        assert facet_index() == ready
    finally:
        finisher.cancel()
    assert builds == []


def test_layers_count_how_many_bitsets_each_entry_is_in():
    bitsets = [0b0111, 0b0110, 0b0100, 0b1000]
    stacked = facet_index_module.layers(bitsets)
    for probe in (0b1111, 0b0100, 0b0011, 0):
        assert sum((probe & layer).bit_count() for layer in stacked) == sum(
            (probe & bits).bit_count() for bits in bitsets
        )
    assert stacked == [0b1111, 0b0110, 0b0100]


def test_search_matches_of_a_large_catalogue_can_be_kept_in_redis(settings):
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("needs Redis on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/13",
        }
    }
    cache.clear()
    # A bitset reaching id 50,000 is an int of some 15,000 digits.
    EntryFactory(pk=50_000, title="Peer support for carers")
    assert facet_index_module.search_matches("carers").bits.bit_count() == 1
    kept = facet_index_module.search_matches("carers")  # read back from Redis
    assert kept.bits.bit_count() == 1
    assert list(kept.order.ids) == [50_000]
    cache.clear()


def test_ids_of_lists_the_entries_in_a_bitset():
    assert facet_index_module.ids_of(0) == []
    assert facet_index_module.ids_of(0b101001) == [0, 3, 5]
    assert facet_index_module.ids_of(facet_index_module.bits_of([7, 70_000])) == [7, 70_000]


def test_an_entry_order_pages_any_bitset_as_the_order_restricted_to_it():
    """Both ways of finding a page (walking the order, sorting few ids by position) give the
    order restricted to the bitset, at every page."""
    rng = random.Random(7)
    ids = rng.sample(range(1, 3000), 2000)
    order = facet_index_module.EntryOrder(ids)
    for density in (0.002, 0.05, 0.5, 1.0):
        chosen = [pk for pk in ids if rng.random() < density]
        bits = facet_index_module.bits_of(chosen)
        expected = [pk for pk in ids if pk in set(chosen)]
        for start in range(0, len(expected) + 20, 20):
            page = order.page(bits, len(expected), start, start + 20)
            assert page == expected[start : start + 20]
