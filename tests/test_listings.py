"""The listing pages: /search/, /resources/, /tools/, /evidence/ as a visitor sees them."""

import re
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resources.models import Kind, Status
from tests.factories import ApproachFactory, EntryFactory, RegionFactory, TopicFactory

pytestmark = pytest.mark.django_db

LISTINGS = ["/search/", "/resources/", "/tools/", "/evidence/"]
# A listing page with facets, whatever the filters: terms, one count per facet (at most
# seven), the result count, the page of rows and its prefetched topics.
MAX_LISTING_QUERIES = 12


def page_text(response):
    return response.content.decode()


def result_titles(response):
    return [entry.title for entry in response.context["entries"]]


def result_count(response):
    match = re.search(r'role="status">(\d+) results?', page_text(response))
    return int(match.group(1))


@pytest.mark.parametrize("url", LISTINGS)
def test_every_listing_has_one_heading_a_search_box_and_the_count_in_a_live_region(client, url):
    EntryFactory(kind=Kind.RESOURCE)
    EntryFactory(kind=Kind.TOOL)
    EntryFactory(kind=Kind.EVIDENCE)
    response = client.get(url)
    html = page_text(response)
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert 'type="search" name="q"' in html
    assert re.search(r'<p class="result-count" id="result-count" role="status">\d+ results?', html)
    assert "Apply filters" in html


def test_kind_listing_headings_name_the_kind(client):
    assert "<h1>Evidence</h1>" in page_text(client.get("/evidence/"))
    assert "<h1>Tools</h1>" in page_text(client.get("/tools/"))
    assert "<h1>Resources</h1>" in page_text(client.get("/resources/"))
    assert "<h1>Search the library</h1>" in page_text(client.get("/search/"))


def test_drafts_and_archived_entries_are_not_listed(client):
    EntryFactory(title="Out there")
    EntryFactory(title="Not yet", status=Status.DRAFT)
    EntryFactory(title="Gone", status=Status.ARCHIVED)
    assert result_titles(client.get("/search/")) == ["Out there"]


def test_the_count_is_written_out_as_text(client):
    for _ in range(3):
        EntryFactory()
    assert "3 results" in page_text(client.get("/search/"))


def test_searching_shows_matches_with_highlighted_words_in_the_title(client):
    EntryFactory(title="Peer support groups")
    EntryFactory(title="Befriending")
    response = client.get("/search/?q=support+group")
    assert result_titles(response) == ["Peer support groups"]
    assert "<mark>support</mark> <mark>groups</mark>" in page_text(response)
    assert "1 result for “support group”" in page_text(response)


def test_html_in_entries_is_escaped_in_search_results(client):
    EntryFactory(title="<script>alert(1)</script> support", summary="<img src=x> support")
    html = page_text(client.get("/search/?q=support"))
    assert "<script>alert(1)" not in html
    assert "<img src=x>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>support</mark>" in html


def test_the_page_title_and_description_reflect_the_query(client):
    EntryFactory(title="Carers groups")
    html = page_text(client.get("/evidence/?q=carers&page=1"))
    assert "<title>Evidence: “carers” (0 results)" in html
    assert 'content="Research on peer support' in html
    assert "Results for “carers”." in html


def test_filtered_pages_ask_search_engines_not_to_index_them(client):
    assert "noindex" not in page_text(client.get("/evidence/"))
    assert '<meta name="robots" content="noindex, follow">' in page_text(
        client.get("/evidence/?q=carers")
    )


# -- sorting --------------------------------------------------------------------------------


@pytest.fixture
def dated_entries():
    EntryFactory(title="Beta", year=2010)
    EntryFactory(title="Alpha", year=2020)
    EntryFactory(title="Gamma", year=2015)


def test_newest_first_is_the_default_without_a_search(client, dated_entries):
    assert result_titles(client.get("/search/")) == ["Alpha", "Gamma", "Beta"]
    assert result_titles(client.get("/search/?sort=newest")) == ["Alpha", "Gamma", "Beta"]


def test_oldest_first_sorts_by_year_ascending(client, dated_entries):
    assert result_titles(client.get("/search/?sort=oldest")) == ["Beta", "Gamma", "Alpha"]


def test_title_sort_is_alphabetical(client, dated_entries):
    assert result_titles(client.get("/search/?sort=title")) == ["Alpha", "Beta", "Gamma"]


def test_title_sort_ignores_case(client):
    EntryFactory(title="banana")
    EntryFactory(title="Apple")
    EntryFactory(title="cherry")
    assert result_titles(client.get("/search/?sort=title")) == ["Apple", "banana", "cherry"]


def test_relevance_is_the_default_when_searching(client):
    EntryFactory(title="Something else", year=2024, body="mentoring is mentioned here")
    EntryFactory(title="Mentoring", year=2001)
    assert result_titles(client.get("/search/?q=mentoring")) == ["Mentoring", "Something else"]
    assert result_titles(client.get("/search/?q=mentoring&sort=newest")) == [
        "Something else",
        "Mentoring",
    ]


def test_search_pages_in_relevance_order_are_the_database_ranking_under_the_filters(client):
    """Pages of a search come from the query's cached ranking: they must list exactly what the
    database's own ranking of the filtered matches gives, page after page."""
    from resources.models import Entry
    from resources.search import RELEVANCE_ORDER, search

    carers = TopicFactory(name="Carers")
    for i in range(50):
        EntryFactory(
            title=f"Mentoring for carers {i}" if i % 3 == 0 else f"Guide {i}",
            body="mentoring " * (i % 4) + "and more",
            year=2000 + i % 7,
            topics=[carers] if i % 2 else [],
        )
    expected = [
        entry.title + str(entry.pk)
        for entry in search(Entry.objects.filter(terms=carers), "mentoring").order_by(
            *RELEVANCE_ORDER
        )
    ]
    listed = []
    for page in (1, 2):
        response = client.get(f"/search/?q=mentoring&topic=carers&page={page}")
        listed += [entry.title + str(entry.pk) for entry in response.context["entries"]]
    assert listed == expected
    assert len(listed) == 25


@pytest.mark.parametrize("sort", ["", "newest", "oldest", "title"])
@pytest.mark.parametrize("q", ["", "mentoring"])
def test_every_sort_pages_as_the_database_orders_the_filtered_entries(client, sort, q):
    """Pages come from each sort's order of the whole catalogue cut to the filters: they must
    be what the database's own ORDER BY of the filtered entries gives, ties and gaps too."""
    from resources.filters import SORT_ORDERINGS, Sort
    from resources.models import Entry
    from resources.search import search

    carers = TopicFactory(name="Carers")
    for i in range(60):
        EntryFactory(
            title=f"{'mentoring' if i % 2 else 'Guide'} {i % 9} {'b' if i % 3 else 'A'}{i}",
            year=None if i % 11 == 0 else 2000 + i % 5,
            topics=[carers] if i % 4 else [],
        )
    EntryFactory(title="Mentoring draft", status=Status.DRAFT, topics=[carers])
    entries = search(Entry.objects.published().filter(terms=carers), q)
    order = SORT_ORDERINGS[Sort(sort) if sort else Sort.RELEVANCE if q else Sort.NEWEST]
    expected = [entry.pk for entry in entries.order_by(*order)]
    listed, page, pages = [], 1, 1
    while page <= pages:
        response = client.get("/search/", {"q": q, "topic": "carers", "sort": sort, "page": page})
        listed += [entry.pk for entry in response.context["entries"]]
        pages, page = response.context["paginator"].num_pages, page + 1
    assert listed == expected
    assert len(expected) > 20


def test_an_entry_unpublished_without_a_signal_leaves_the_ranked_search_page(client):
    kept = EntryFactory(title="Mentoring guide")
    gone = EntryFactory(title="Mentoring toolkit")
    assert len(result_titles(client.get("/search/?q=mentoring"))) == 2
    Entry = type(gone)
    Entry.objects.filter(pk=gone.pk).update(status=Status.DRAFT)  # a bulk update: no signal
    assert result_titles(client.get("/search/?q=mentoring")) == [kept.title]


def test_the_sort_select_offers_relevance_only_when_searching(client):
    assert ">Relevance</option>" not in page_text(client.get("/search/"))
    assert ">Relevance</option>" in page_text(client.get("/search/?q=peer"))


# -- pagination ----------------------------------------------------------------------------


@pytest.fixture
def forty_five_entries():
    for i in range(45):
        EntryFactory(title=f"Entry {i:02d}", year=2000 + i)


def test_twenty_entries_per_page_with_numbered_links(client, forty_five_entries):
    response = client.get("/search/?sort=title")
    html = page_text(response)
    assert len(result_titles(response)) == 20
    assert '<span class="visually-hidden">Page </span>3</a>' in html
    assert 'aria-current="page"><span class="visually-hidden">Page </span>1</a>' in html
    assert 'rel="next"' in html
    assert 'rel="prev"' not in html


def test_the_last_page_has_the_rest_and_a_previous_link(client, forty_five_entries):
    response = client.get("/search/?sort=title&page=3")
    assert result_titles(response) == ["Entry 40", "Entry 41", "Entry 42", "Entry 43", "Entry 44"]
    html = page_text(response)
    assert 'rel="prev"' in html
    assert 'rel="next"' not in html
    assert "(page 3 of 3)" in html


def test_page_links_keep_the_filters(client, forty_five_entries):
    html = page_text(client.get("/search/?sort=title&year_min=2001"))
    assert 'href="?sort=title&amp;year_min=2001&amp;page=2"' in html


@pytest.mark.parametrize(
    ("page", "expected"),
    [("0", 1), ("-1", 1), ("abc", 1), ("", 1), ("1.5", 1), ("999999", 3), ("9" * 400, 3)],
)
def test_impossible_page_numbers_give_the_nearest_real_page(
    client, forty_five_entries, page, expected
):
    response = client.get(f"/search/?page={page}")
    assert response.status_code == 200
    assert response.context["page_obj"].number == expected


def test_an_empty_listing_is_page_one_of_one(client):
    response = client.get("/evidence/?page=5")
    assert response.status_code == 200
    assert response.context["page_obj"].number == 1


# -- filters on the page ---------------------------------------------------------------------


def test_facets_are_checkbox_fieldsets_with_counts(client):
    topic = TopicFactory(name="Mental health")
    TopicFactory(name="Unused topic")
    EntryFactory(topics=[topic])
    EntryFactory(topics=[topic])
    html = page_text(client.get("/search/"))
    assert '<legend class="facet__legend">Topic</legend>' in html
    assert re.search(
        r'<input type="checkbox" id="facet-topic-1" name="topic" value="mental-health">\s*'
        r'<label for="facet-topic-1">Mental health <span class="facet__count">2<',
        html,
    )
    assert re.search(r'name="topic" value="unused-topic" disabled>', html)


def test_selected_options_are_ticked_and_shown_as_removable_tags(client):
    topic = TopicFactory(name="Mental health")
    region = RegionFactory(name="Wales")
    EntryFactory(topics=[topic], regions=[region])
    html = page_text(client.get("/search/?topic=mental-health&region=wales"))
    assert 'value="mental-health" checked' in html
    assert (
        'href="?region=wales"><span class="visually-hidden">Remove </span>Topic: Mental health'
        in html
    )
    assert '<a class="active-filters__clear" href="/search/">Clear all' in html


def test_filtering_by_two_facets_narrows_the_results(client):
    mental_health = TopicFactory(name="Mental health")
    groups = ApproachFactory(name="Groups")
    EntryFactory(title="Both", topics=[mental_health], approaches=[groups])
    EntryFactory(title="Topic only", topics=[mental_health])
    EntryFactory(title="Neither")
    assert result_count(client.get("/search/?topic=mental-health")) == 2
    assert result_titles(client.get("/search/?topic=mental-health&approach=groups")) == ["Both"]


def test_evidence_listing_filters_by_study_design_and_strength(client):
    EntryFactory(
        title="Strong RCT", kind=Kind.EVIDENCE, study_design="rct", evidence_strength="strong"
    )
    EntryFactory(
        title="Weak RCT", kind=Kind.EVIDENCE, study_design="rct", evidence_strength="limited"
    )
    response = client.get("/evidence/?study_design=rct&evidence_strength=strong")
    assert result_titles(response) == ["Strong RCT"]
    assert '<legend class="facet__legend">Study design</legend>' in page_text(response)


def test_the_empty_state_suggests_which_filter_to_remove(client):
    EntryFactory(title="Something", year=2020)
    html = page_text(client.get("/tools/?q=nothingmatches&year_min=2019"))
    assert "No entries match" in html
    assert "Remove search: “nothingmatches”" in html
    assert 'href="?year_min=2019">Remove search' in html
    assert "Search every kind of entry" in html


def test_malformed_filters_are_reported_on_the_page(client):
    html = page_text(client.get("/evidence/?year_min=x&sort=evil"))
    assert "Some of the filters could not be used" in html
    assert "From year: Enter a year as four digits" in html
    assert "That sort order is not one we offer." in html


# -- bad input never breaks a page ----------------------------------------------------------

BAD_QUERY_STRINGS = [
    "page=abc",
    "page=999999",
    "page=0",
    "page=-1",
    "year_min=x",
    "year_max=1e400",
    "year_min=99999999999999999999999",
    "year_min=2020&year_max=1990",
    "sort=evil",
    "topic=nope",
    "topic=%00",
    "kind=%00&kind=martian",
    "study_design=%00&evidence_strength=%00&tool_format=%00&resource_format=%00",
    "q=%00",
    "q=peer%00support",
    "year_min=%00&year_max=%00&sort=%00&page=%00",
    f"q={'a' * 10_000}",
    "q=" + "+".join(f"word{i}s" for i in range(60)),  # many distinct words
    f"q={quote('é' * 5_000)}",
    "q=a&q=b&sort=title&sort=oldest&page=1&page=2&year_min=2000&year_min=x",
    "q=%FF%FE",
    "q=<script>alert(1)</script>",
    "topic[]=x&unknown=1&=&&&",
]


@pytest.mark.parametrize("url", LISTINGS)
@pytest.mark.parametrize("query_string", BAD_QUERY_STRINGS)
def test_bad_input_gives_a_page_not_a_server_error(client, url, query_string):
    EntryFactory(kind=Kind.EVIDENCE, title="Peer support", study_design="rct")
    response = client.get(f"{url}?{query_string}")
    assert response.status_code == 200
    assert "<script>alert(1)" not in page_text(response)


def test_a_ten_thousand_character_query_searches_its_first_200_characters(client):
    EntryFactory(title="Peer support")
    response = client.get(f"/search/?q=peer{'x' * 10_000}")
    assert response.status_code == 200
    assert response.context["filterset"].query == "peer" + "x" * 196


# -- speed -----------------------------------------------------------------------------------


def build(size, start=0, kind=Kind.EVIDENCE):
    """`size` more entries of `kind`, and more topics and approaches, as the catalogue grows."""
    topics = [TopicFactory(name=f"Topic {i}") for i in range(size // 5 + 3)]
    approaches = [ApproachFactory(name=f"Approach {i}") for i in range(size // 5 + 3)]
    for i in range(start, start + size):
        own_fields = {
            Kind.EVIDENCE: {
                "study_design": "rct" if i % 2 else "qualitative",
                "evidence_strength": "strong",
            },
            Kind.TOOL: {"tool_format": "checklist"},
            Kind.RESOURCE: {"resource_format": "guide"},
        }[kind]
        EntryFactory(
            kind=kind,
            title=f"Peer support study {i}",
            **own_fields,
            topics=topics[i % 3 : i % 3 + 2],
            approaches=[approaches[i % len(approaches)]],
        )


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["entries"], "the query count must include a page of rows"
    return len(queries)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("/search/", Kind.EVIDENCE),
        ("/resources/", Kind.RESOURCE),
        ("/tools/", Kind.TOOL),
        ("/evidence/", Kind.EVIDENCE),
    ],
)
def test_a_listing_runs_a_small_constant_number_of_queries_whatever_its_size(client, url, kind):
    busy = (
        f"{url}?q=peer+support&topic=topic-0&topic=topic-1&approach=approach-1&study_design=rct"
        "&kind=evidence&year_min=2000&sort=title&page=2"
    )
    build(4, kind=kind)
    small = queries_for(client, busy)
    build(45, start=4, kind=kind)
    large = queries_for(client, busy)
    assert small == large
    assert large <= MAX_LISTING_QUERIES


def test_the_evidence_listing_with_filters_and_a_search_stays_within_the_query_bound(
    client, django_assert_max_num_queries
):
    build(30)
    with django_assert_max_num_queries(MAX_LISTING_QUERIES):
        response = client.get(
            "/evidence/?q=peer&topic=topic-0&topic=topic-1&approach=approach-1"
            "&study_design=rct&evidence_strength=strong&year_min=2000"
        )
    assert result_count(response) > 0


def test_facet_counts_are_cached_until_the_catalogue_changes(client):
    topic = TopicFactory(name="Carers")
    EntryFactory(title="First", topics=[topic])
    url = "/search/?topic=carers"
    first = queries_for(client, url)
    again = queries_for(client, url)
    assert again < first
    EntryFactory(title="Second", topics=[topic])
    response = client.get(url)
    assert result_count(response) == 2
    carers = next(
        option
        for facet in response.context["filterset"].facets
        for option in facet.options
        if option.value == "carers"
    )
    assert carers.count == 2


def test_linking_a_term_to_an_entry_updates_the_cached_counts(client):
    topic = TopicFactory(name="Carers")
    entry = EntryFactory(title="First")
    client.get("/search/")
    entry.terms.add(topic)
    assert 'value="carers">' in page_text(client.get("/search/"))
    assert re.search(r"Carers <span class=\"facet__count\">1<", page_text(client.get("/search/")))
