"""Atom feeds: /feed/ ("new in the library") and one for every listing with its parameters."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from resources.feeds import FEED_ITEMS
from resources.models import Entry, Kind
from tests.factories import EntryFactory, OutcomeFactory, TopicFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
FEEDS = ["/feed/", "/search/feed/", "/resources/feed/", "/tools/feed/", "/evidence/feed/"]


def parse_atom(response):
    """The feed's root element, after checking what RFC 4287 requires of a feed and of each
    entry: exactly one id, title and updated; an author on the feed or on every entry; a
    rel="self" link; a link on every entry; unique entry ids."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1, name
        assert feed.findtext(f"{ATOM}{name}").strip(), name
    links = feed.findall(f"{ATOM}link")
    assert [link.get("href") for link in links if link.get("rel") == "self"]
    assert len([link for link in links if link.get("rel", "alternate") == "alternate"]) <= 1
    feed_has_author = feed.find(f"{ATOM}author/{ATOM}name") is not None
    ids = []
    for entry in feed.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
            assert entry.findtext(f"{ATOM}{name}").strip(), name
        assert entry.findall(f"{ATOM}link"), "every entry has a link"
        assert feed_has_author or entry.find(f"{ATOM}author/{ATOM}name") is not None
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", entry.findtext(f"{ATOM}updated"))
        ids.append(entry.findtext(f"{ATOM}id"))
    assert len(ids) == len(set(ids)), "entry ids are unique"
    return feed


def entry_titles(feed):
    return [entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")]


def publish_in_order(*titles, **fields):
    """Entries published a day apart, the first oldest."""
    start = timezone.now() - timedelta(days=len(titles))
    entries = []
    for offset, title in enumerate(titles):
        entry = EntryFactory(title=title, **fields)
        Entry.objects.filter(pk=entry.pk).update(published_at=start + timedelta(days=offset))
        entries.append(entry)
    return entries


@pytest.mark.parametrize("url", FEEDS)
def test_every_feed_is_valid_atom(client, url):
    topic, outcome = TopicFactory(name="Carers"), OutcomeFactory(name="Wellbeing")
    EntryFactory(kind=Kind.RESOURCE, topics=[topic], authors="Smith JA")
    EntryFactory(kind=Kind.TOOL, organisation="Peer Network")
    EntryFactory(kind=Kind.EVIDENCE, topics=[topic], findings=[(outcome, "positive")])
    feed = parse_atom(client.get(url))
    assert feed.findall(f"{ATOM}entry")


@pytest.mark.parametrize("url", FEEDS)
def test_an_empty_feed_is_still_valid_atom(client, url):
    feed = parse_atom(client.get(url))
    assert feed.findall(f"{ATOM}entry") == []


def test_feed_lists_newest_published_first_whatever_the_sort(client):
    publish_in_order("A oldest", "C middle", "B newest", year=2020)
    feed = parse_atom(client.get("/search/feed/?sort=title"))
    assert entry_titles(feed) == ["B newest", "C middle", "A oldest"]


def test_feed_keeps_to_the_listings_filters_and_search(client):
    carers = TopicFactory(name="Carers")
    EntryFactory(title="Carers evidence", kind=Kind.EVIDENCE, topics=[carers])
    EntryFactory(title="Other evidence", kind=Kind.EVIDENCE)
    EntryFactory(title="Carers resource", topics=[carers])
    EntryFactory(title="Loneliness in later life", kind=Kind.EVIDENCE)
    assert entry_titles(parse_atom(client.get("/evidence/feed/?topic=carers"))) == [
        "Carers evidence"
    ]
    assert set(entry_titles(parse_atom(client.get("/search/feed/?topic=carers")))) == {
        "Carers evidence",
        "Carers resource",
    }
    assert entry_titles(parse_atom(client.get("/search/feed/?q=loneliness"))) == [
        "Loneliness in later life"
    ]


def test_feed_holds_the_fifty_newest(client):
    publish_in_order(*[f"Entry {number:02d}" for number in range(FEED_ITEMS + 3)])
    titles = entry_titles(parse_atom(client.get("/feed/")))
    assert len(titles) == FEED_ITEMS
    assert titles[0] == f"Entry {FEED_ITEMS + 2:02d}"


def test_feed_entry_has_summary_kind_terms_author_and_both_links(client, settings):
    settings.SITE_URL = "https://hub.example.org"
    carers = TopicFactory(name="Carers")
    EntryFactory(
        title="Peer support for carers",
        kind=Kind.EVIDENCE,
        summary="What carers said about groups & <peer> support.",
        authors="Smith JA, Jones B",
        url="https://example.org/report",
        topics=[carers],
    )
    feed = parse_atom(client.get("/evidence/feed/"))
    entry = feed.find(f"{ATOM}entry")
    links = {
        link.get("rel", "alternate"): link.get("href") for link in entry.findall(f"{ATOM}link")
    }
    assert links == {
        "alternate": "https://hub.example.org/evidence/peer-support-for-carers/",
        "related": "https://example.org/report",
    }
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Smith JA, Jones B"
    # HTML-typed summary that a reader shows as the plain text it is.
    summary = entry.find(f"{ATOM}summary")
    assert summary.text == "What carers said about groups &amp; &lt;peer&gt; support."
    categories = {(c.get("term"), c.get("label")) for c in entry.findall(f"{ATOM}category")}
    assert categories == {("evidence", "Evidence"), ("carers", "Carers")}
    assert entry.findtext(f"{ATOM}id").startswith("urn:uuid:")
    assert entry.find(f"{ATOM}published") is not None


def test_feed_entry_id_survives_a_change_of_slug(client):
    entry = EntryFactory(title="Before")
    first = parse_atom(client.get("/feed/")).find(f"{ATOM}entry").findtext(f"{ATOM}id")
    Entry.objects.filter(pk=entry.pk).update(slug="after")
    again = parse_atom(client.get("/feed/")).find(f"{ATOM}entry").findtext(f"{ATOM}id")
    assert first == again


def test_feed_self_and_alternate_links_carry_its_filters(client, settings):
    settings.SITE_URL = "https://hub.example.org"
    TopicFactory(name="Dementia")
    feed = parse_atom(client.get("/evidence/feed/?topic=dementia&sort=title&page=3"))
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links["self"] == "https://hub.example.org/evidence/feed/?topic=dementia"
    assert links["alternate"] == "https://hub.example.org/evidence/?topic=dementia"
    assert feed.findtext(f"{ATOM}id") == links["self"]
    assert "Topic: Dementia" in feed.findtext(f"{ATOM}title")


def test_feed_forgives_bad_parameters(client):
    EntryFactory(title="Still listed")
    for query in ("year_min=abc", "topic=nope&kind=nonsense", "q=" + "x" * 1000, "sort=zzz"):
        assert entry_titles(parse_atom(client.get(f"/search/feed/?{query}"))) in (
            ["Still listed"],
            [],
        )
    assert entry_titles(parse_atom(client.get("/search/feed/?year_min=abc"))) == ["Still listed"]


def test_feed_leaves_out_unpublished_entries(client):
    EntryFactory(title="Out")
    EntryFactory(title="Draft", status="draft")
    assert entry_titles(parse_atom(client.get("/feed/"))) == ["Out"]


def test_feed_reads_a_constant_number_of_queries(client, django_assert_max_num_queries):
    topic = TopicFactory()
    for _ in range(20):
        EntryFactory(topics=[topic])
    client.get("/feed/")
    with django_assert_max_num_queries(4):
        client.get("/feed/")


def test_listing_advertises_its_feed_with_the_same_filters(client):
    TopicFactory(name="Dementia")
    html = client.get("/evidence/?topic=dementia&sort=title&page=2").content.decode()
    feed_links = re.findall(r'<link rel="alternate" type="application/atom\+xml"[^>]*>', html)
    hrefs = [re.search(r'href="([^"]*)"', link).group(1) for link in feed_links]
    assert "/evidence/feed/?topic=dementia" in hrefs
    assert "/feed/" in hrefs


@pytest.mark.parametrize("url", ["/", "/about/", "/glossary/", "/topics/"])
def test_every_page_advertises_the_library_feed(client, url):
    html = client.get(url).content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" title="New in the library" '
        'href="/feed/">' in html
    )
