"""The home page: search, the kinds and topics with counts, featured and newest entries."""

import datetime
import re

import pytest

from resources.models import Entry, Status, Topic
from tests.factories import EntryFactory, TopicFactory

pytestmark = pytest.mark.django_db


def home(client):
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def section(html, heading_id):
    """The HTML of the <section> labelled by `heading_id`."""
    start = html.index(f'<section aria-labelledby="{heading_id}">')
    return html[start : html.index("</section>", start)]


def test_home_page_has_a_search_box_that_searches_the_library(client):
    html = home(client)
    assert '<form class="search-form" action="/search/" method="get" role="search">' in html
    assert '<label for="home-q">Search the library</label>' in html
    assert '<input id="home-q" type="search" name="q"' in html


def test_home_page_counts_published_entries_of_each_kind(client):
    EntryFactory.create_batch(3, kind="resource")
    EntryFactory(kind="tool")
    EntryFactory(kind="tool", status=Status.DRAFT)
    EntryFactory(kind="evidence", status=Status.IN_REVIEW)
    kinds = section(home(client), "kinds-heading")
    assert re.search(r'href="/resources/">.*?Resources</span> <span[^>]*>3 entries<', kinds)
    assert re.search(r'href="/tools/">.*?Tools</span> <span[^>]*>1 entry<', kinds)
    assert re.search(r'href="/evidence/">.*?Evidence</span> <span[^>]*>0 entries<', kinds)


def test_topics_are_listed_with_their_published_counts(client):
    mental_health = TopicFactory(name="Mental health")
    diabetes = TopicFactory(name="Diabetes")
    EntryFactory.create_batch(2, topics=[mental_health])
    EntryFactory(kind="evidence", topics=[mental_health, diabetes])
    EntryFactory(topics=[diabetes], status=Status.DRAFT)
    topics = section(home(client), "topics-heading")
    links = re.findall(
        r'<a class="topic-list__link" href="([^"]+)">([^<]+) <span[^>]*>(\d+)<', topics
    )
    assert links == [
        ("/topics/diabetes/", "Diabetes", "1"),
        ("/topics/mental-health/", "Mental health", "3"),
    ]


def test_topics_without_published_entries_are_left_out(client):
    TopicFactory(name="Dementia")
    EntryFactory(topics=[TopicFactory(name="Carers")], status=Status.DRAFT)
    html = home(client)
    assert "Dementia" not in html
    assert "Carers" not in html
    assert "topics-heading" not in html


def test_topic_counts_come_from_one_query(django_assert_num_queries):
    for name in ["Cancer", "HIV", "Maternity"]:
        EntryFactory.create_batch(2, topics=[TopicFactory(name=name)])
    with django_assert_num_queries(1):
        counts = {
            topic.name: topic.published_count for topic in Topic.objects.with_published_counts()
        }
    assert counts == {"Cancer": 2, "HIV": 2, "Maternity": 2}


def test_featured_entries_are_shown_in_their_own_section(client):
    EntryFactory(title="Featured befriending guide", featured=True)
    EntryFactory(title="Ordinary guide")
    featured = section(home(client), "featured-heading")
    assert "Featured befriending guide" in featured
    assert "Ordinary guide" not in featured


def test_unpublished_featured_entries_are_not_shown(client):
    EntryFactory(title="Draft featured guide", featured=True, status=Status.DRAFT)
    html = home(client)
    assert "Draft featured guide" not in html
    assert "featured-heading" not in html


def test_newest_entries_come_newest_first_without_repeating_featured_ones(client):
    now = datetime.datetime.now(tz=datetime.UTC)
    for days_ago, title in [(3, "Oldest"), (2, "Middle"), (1, "Newest"), (0, "Star")]:
        EntryFactory(
            title=title,
            featured=title == "Star",
            published_at=now - datetime.timedelta(days=days_ago),
        )
    newest = section(home(client), "newest-heading")
    titles = re.findall(r'<h3 class="entry-card__title"><a [^>]*>([^<]+)</a>', newest)
    assert titles == ["Newest", "Middle", "Oldest"]


def test_newest_entries_leave_out_drafts(client):
    EntryFactory(title="Published guide")
    EntryFactory(title="Draft guide", status=Status.DRAFT)
    newest = section(home(client), "newest-heading")
    assert "Published guide" in newest
    assert "Draft guide" not in newest


def test_newest_shows_at_most_six_entries(client):
    EntryFactory.create_batch(8)
    newest = section(home(client), "newest-heading")
    assert newest.count('class="entry-card"') == 6


def test_home_page_keeps_the_newsletter_call_to_action(client):
    assert 'class="newsletter-cta"' in home(client)


def test_home_page_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    topics = TopicFactory.create_batch(6)
    for index in range(12):
        EntryFactory(featured=index < 3, topics=topics[: index % 6 + 1], kind="tool")
    # Kind counts, topics, featured and newest with their topics prefetched.
    with django_assert_max_num_queries(6):
        html = home(client)
    assert html.count('class="topic-list__link"') == 6


def test_home_page_counts_are_kept_between_visits(client, django_assert_max_num_queries):
    EntryFactory.create_batch(3, topics=[TopicFactory()])
    home(client)
    # Featured and newest (with their topics); the kind and topic counts come from the cache.
    with django_assert_max_num_queries(3):
        home(client)


def test_a_newly_published_entry_is_counted_at_once(client):
    topic = TopicFactory(name="Carers")
    EntryFactory(topics=[topic])
    home(client)
    draft = EntryFactory(kind="evidence", topics=[topic], status=Status.DRAFT)
    draft.publish()
    html = home(client)
    assert re.search(r'href="/evidence/">.*?Evidence</span> <span[^>]*>1 entry<', html)
    assert re.search(r'Carers <span class="topic-list__count">2<', html)


def test_large_counts_are_grouped_in_thousands(client):
    now = datetime.datetime.now(tz=datetime.UTC)
    Entry.objects.bulk_create(
        Entry(kind="tool", title=f"Tool {n}", slug=f"tool-{n}", summary="A tool.",
              status=Status.PUBLISHED, published_at=now)
        for n in range(1234)
    )  # fmt: skip
    kinds = section(home(client), "kinds-heading")
    assert re.search(r'href="/tools/">.*?Tools</span> <span[^>]*>1,234 entries<', kinds)
