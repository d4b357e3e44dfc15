"""Topic and approach pages (/topics/carers/, /approaches/peer-led-groups/) and their indexes:
what the library holds on one term, published entries only."""

import re

import pytest
from django.core.cache import cache
from django.http import Http404
from django.urls import reverse

from resources import services
from resources.models import Finding, Status, Term
from resources.term_pages import FINDINGS_PER_OUTCOME, NEWEST_PER_KIND, term_index, term_page
from tests.factories import (
    ApproachFactory,
    AudienceFactory,
    EntryFactory,
    RegionFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def outcome(name, position=0):
    return Term.objects.create(
        taxonomy="outcome", name=name, slug=name.lower().replace(" ", "-"), position=position
    )


def evidence(findings=(), **kwargs):
    """A published evidence entry with `findings`: (outcome, direction[, note]) tuples."""
    kwargs.setdefault("study_design", "rct")
    entry = EntryFactory(kind="evidence", **kwargs)
    rows = [(finding + ("",))[:3] for finding in findings]
    return services.save_entry(
        entry, findings=[Finding(outcome=o, direction=d, note=n) for o, d, n in rows]
    )


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status
    return response.content.decode()


def section(html, heading_id):
    """The HTML of the <section> labelled by `heading_id` (up to the next top-level one)."""
    start = html.index(f'<section aria-labelledby="{heading_id}">')
    end = html.find('\n  <section aria-labelledby="', start + 1)
    return html[start : end if end != -1 else len(html)]


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


@pytest.fixture
def carers():
    return TopicFactory(name="Carers", description="People who *look after* someone.")


# -- URLs -------------------------------------------------------------------------------------


def test_term_pages_are_reversed_by_taxonomy_and_slug():
    assert reverse("term-page", kwargs={"taxonomy": "topic", "slug": "carers"}) == (
        "/topics/carers/"
    )
    assert reverse("term-page", kwargs={"taxonomy": "approach", "slug": "groups"}) == (
        "/approaches/groups/"
    )
    assert reverse("term-index", kwargs={"taxonomy": "approach"}) == "/approaches/"
    assert TopicFactory(name="Carers").page_url == "/topics/carers/"


def test_unknown_slugs_get_the_not_found_page(client):
    TopicFactory(name="Carers")
    html = get(client, "/topics/nobody/", status=404)
    assert "<h1>" in html
    get(client, "/approaches/carers/", status=404)


def test_terms_of_other_taxonomies_have_no_page_under_topics(client):
    outcome("Wellbeing")
    AudienceFactory(name="Commissioners")
    RegionFactory(name="Wales")
    for slug in ["wellbeing", "commissioners", "wales"]:
        get(client, f"/topics/{slug}/", status=404)


def test_a_taxonomy_without_pages_is_not_found(client, rf):
    RegionFactory(name="Wales")
    with pytest.raises(Http404):
        term_page(rf.get("/"), taxonomy="region", slug="wales")
    with pytest.raises(Http404):
        term_index(rf.get("/"), taxonomy="nonsense")
    get(client, "/regions/", status=404)


# -- the term page ----------------------------------------------------------------------------


def test_the_page_has_the_term_as_its_only_heading_and_a_breadcrumb(client, carers):
    html = get(client, "/topics/carers/")
    assert html.count("<h1") == 1
    assert "<h1>Carers</h1>" in html
    assert "<title>Carers: topic · Peer Support Evidence Hub</title>" in html
    crumbs = html.split('<nav class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert '<a href="/">Home</a>' in crumbs
    assert '<a href="/topics/">Topics</a>' in crumbs
    assert '<span aria-current="page">Carers</span>' in crumbs


def test_approach_pages_are_breadcrumbed_under_approaches(client):
    ApproachFactory(name="Peer-led groups")
    html = get(client, "/approaches/peer-led-groups/")
    assert '<a href="/approaches/">Approaches</a>' in html
    assert "<h1>Peer-led groups</h1>" in html


def test_the_description_is_rendered_as_markdown(client, carers):
    html = get(client, "/topics/carers/")
    assert "<p>People who <em>look after</em> someone.</p>" in html


def test_html_in_a_description_is_sanitised(client):
    TopicFactory(
        name="Carers",
        description='<script>alert("x")</script> [link](javascript:alert(1)) <b onclick="x">b</b>',
    )
    html = get(client, "/topics/carers/")
    assert "<script>alert" not in html
    assert "javascript:" not in html
    assert "onclick" not in html


def test_counts_by_kind_are_of_published_entries_and_link_to_filtered_listings(client, carers):
    EntryFactory.create_batch(2, kind="resource", topics=[carers])
    EntryFactory(kind="tool", topics=[carers])
    evidence(topics=[carers])
    EntryFactory(kind="tool", topics=[carers], status=Status.DRAFT)
    evidence(topics=[carers], status=Status.IN_REVIEW)
    EntryFactory(kind="resource", topics=[TopicFactory(name="Dementia")])

    counts = section(get(client, "/topics/carers/"), "in-the-library-heading")
    links = re.findall(
        r'<a href="([^"]+)"><span class="kind-tile__label">(\w+)</span> '
        r'<span class="kind-tile__count">(\d+) entr',
        counts,
    )
    assert links == [
        ("/resources/?topic=carers", "Resources", "2"),
        ("/tools/?topic=carers", "Tools", "1"),
        ("/evidence/?topic=carers", "Evidence", "1"),
    ]
    for url, _, count in links:
        result_count = f"{count} result{'' if count == '1' else 's'}"
        assert f'role="status">{result_count}</p>' in get(client, url)
    assert "4 published entries on Carers" in text(counts)
    assert '<a href="/search/?topic=carers">' in counts
    assert "4 results" in get(client, "/search/?topic=carers")


def test_the_evidence_map_is_filtered_to_the_term(client, carers):
    groups = ApproachFactory(name="Groups")
    wellbeing = outcome("Wellbeing")
    evidence([(wellbeing, "positive")], topics=[carers], approaches=[groups])
    evidence([(wellbeing, "mixed")], topics=[carers], approaches=[groups])
    evidence([(wellbeing, "negative")], approaches=[groups])  # another topic
    evidence([(wellbeing, "negative")], topics=[carers], approaches=[groups], status="draft")

    the_map = section(get(client, "/topics/carers/"), "map-heading")
    assert '<table class="evidence-map" id="term-map">' in the_map
    assert "topic: Carers" in the_map
    assert (
        '<a class="map-cell__link" href="/evidence/?topic=carers&amp;approach=groups&amp;'
        'outcome=wellbeing"><span class="map-cell__count">2</span>'
    ) in the_map
    assert "1 positive" in the_map and "1 mixed" in the_map
    assert "negative" not in the_map
    assert '<a href="/evidence/map/?topic=carers">See the full map for this topic</a>' in the_map


def test_approach_pages_map_that_approach(client):
    groups = ApproachFactory(name="Groups")
    ApproachFactory(name="One to one")
    evidence([(outcome("Wellbeing"), "positive")], approaches=[groups])
    the_map = section(get(client, "/approaches/groups/"), "map-heading")
    assert '<th scope="row">Groups</th>' in the_map
    assert "One to one" not in the_map
    assert '<a href="/evidence/map/?approach=groups">' in the_map


def findings_tables(html):
    """{outcome name: [(title, design, year, effect, note), …]} from the findings section."""
    found = {}
    findings = section(html, "findings-heading")
    for block in findings.split('<section class="term-findings"')[1:]:
        name = re.search(r"<h3[^>]*>(.*?)</h3>", block).group(1)
        rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", block, re.S)
        found[name] = [
            tuple(text(cell) for cell in re.split(r"</t[hd]>\s*<td[^>]*>", row)) for row in rows
        ]
    return found


def test_findings_are_grouped_by_outcome_in_outcome_order(client, carers):
    wellbeing = outcome("Wellbeing", position=2)
    isolation = outcome("Isolation", position=1)
    outcome("Service use", position=3)  # no findings: no table
    evidence(
        [(wellbeing, "positive", "WEMWBS at 6 months"), (isolation, "mixed")],
        title="Carers trial",
        year=2019,
        topics=[carers],
    )
    evidence(
        [(wellbeing, "no_difference")],
        title="Carers review",
        year=2021,
        study_design="systematic_review",
        topics=[carers],
    )
    evidence([(wellbeing, "negative")], title="Draft study", topics=[carers], status="draft")
    evidence([(wellbeing, "negative")], title="Other topic study")

    tables = findings_tables(get(client, "/topics/carers/"))
    assert list(tables) == ["Isolation", "Wellbeing"]
    assert tables["Isolation"] == [
        ("Carers trial", "Randomised controlled trial", "2019", "± Mixed", "")
    ]
    assert tables["Wellbeing"] == [
        ("Carers review", "Systematic review", "2021", "= No difference", ""),
        ("Carers trial", "Randomised controlled trial", "2019", "+ Positive", "WEMWBS at 6 months"),
    ]


def test_a_findings_direction_is_in_words_with_a_hidden_symbol(client, carers):
    evidence([(outcome("Wellbeing"), "positive")], topics=[carers])
    findings = section(get(client, "/topics/carers/"), "findings-heading")
    assert (
        '<span class="direction-symbol direction-symbol--positive" aria-hidden="true">+</span>'
        " Positive"
    ) in findings
    assert '<a href="/glossary/#effect-directions">' in findings


def test_findings_rows_are_limited_per_outcome_with_a_link_to_all(client, carers):
    wellbeing = outcome("Wellbeing")
    for year in range(2000, 2000 + FINDINGS_PER_OUTCOME + 2):
        evidence([(wellbeing, "positive")], title=f"Study {year}", year=year, topics=[carers])

    html = get(client, "/topics/carers/")
    rows = findings_tables(html)["Wellbeing"]
    assert len(rows) == FINDINGS_PER_OUTCOME
    assert rows[0][0] == f"Study {2000 + FINDINGS_PER_OUTCOME + 1}"
    see_all = f"See all {FINDINGS_PER_OUTCOME + 2} entries"
    assert f'<a href="/evidence/?topic=carers&amp;outcome=wellbeing">{see_all}' in html
    listing = get(client, "/evidence/?topic=carers&outcome=wellbeing")
    assert f"{FINDINGS_PER_OUTCOME + 2} results" in listing


def test_evidence_without_findings_is_pointed_to(client, carers):
    evidence(topics=[carers])
    findings = text(section(get(client, "/topics/carers/"), "findings-heading"))
    assert "not yet recorded" in findings
    assert "Read the 1 evidence entry" in findings


def test_newest_resources_and_tools_are_shown_with_links_to_all(client, carers):
    for n in range(NEWEST_PER_KIND + 1):
        EntryFactory(kind="resource", title=f"Guide {n}", topics=[carers])
    EntryFactory(kind="tool", title="Checklist", topics=[carers])
    EntryFactory(kind="tool", title="Draft checklist", topics=[carers], status="draft")
    EntryFactory(kind="tool", title="Other tool")

    html = get(client, "/topics/carers/")
    resources = section(html, "newest-resource-heading")
    titles = re.findall(r'class="entry-card__title"><a href="[^"]+">([^<]+)<', resources)
    assert titles == [f"Guide {n}" for n in range(NEWEST_PER_KIND, 0, -1)]
    assert '<a href="/resources/?topic=carers">See all resources on Carers</a>' in resources
    tools = section(html, "newest-tool-heading")
    assert "Checklist" in tools
    assert "Draft checklist" not in html
    assert "Other tool" not in html


def test_drafts_are_never_shown(client, carers):
    wellbeing = outcome("Wellbeing")
    for status in [Status.DRAFT, Status.IN_REVIEW, Status.ARCHIVED]:
        evidence(
            [(wellbeing, "positive")], title=f"Hidden {status}", topics=[carers], status=status
        )
        EntryFactory(title=f"Hidden resource {status}", topics=[carers], status=status)
    html = get(client, "/topics/carers/")
    assert "Hidden" not in html
    assert "Nothing has been published on Carers yet" in html


def test_a_term_without_published_entries_still_gets_a_helpful_page(client, carers):
    html = get(client, "/topics/carers/")
    assert "<h1>Carers</h1>" in html
    assert "Nothing has been published on Carers yet" in html
    assert '<a href="/search/">search the whole library</a>' in html
    assert "nothing to map" in html
    assert "evidence-map__scroll" not in html
    assert "No resources on Carers yet" in html
    assert "No tools on Carers yet" in html


def test_the_page_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    carers = TopicFactory(name="Carers")
    approaches = ApproachFactory.create_batch(3)
    outcomes = [outcome(f"Outcome {n}", position=n) for n in range(3)]

    def add_entries():
        for _ in range(4):
            evidence([(o, "positive") for o in outcomes], topics=[carers], approaches=approaches)
            EntryFactory(kind="resource", topics=[carers], approaches=approaches[:1])
            EntryFactory(kind="tool", topics=[carers])

    add_entries()
    cache.clear()
    with django_assert_max_num_queries(16) as few:
        get(client, "/topics/carers/")
    add_entries()
    cache.clear()
    with django_assert_max_num_queries(16) as many:
        html = get(client, "/topics/carers/")
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(findings_tables(html)["Outcome 0"]) == 8

    # With the aggregate figures cached: the term and the two lists of cards.
    with django_assert_max_num_queries(3):
        get(client, "/topics/carers/")


def test_an_edit_shows_at_once(client, carers):
    get(client, "/topics/carers/")
    EntryFactory(kind="tool", title="Brand new tool", topics=[carers])
    html = get(client, "/topics/carers/")
    assert "Brand new tool" in html
    assert '<a href="/tools/?topic=carers">' in html
    assert re.search(r"Tools</span> <span[^>]*>1 entry", html)


# -- the index pages --------------------------------------------------------------------------


def test_the_index_lists_every_term_with_its_published_count(client):
    carers = TopicFactory(name="Carers", description="People who look after someone.")
    dementia = TopicFactory(name="Dementia", description="**Memory** loss.\n\nMore detail here.")
    TopicFactory(name="Diabetes")
    EntryFactory.create_batch(2, topics=[carers])
    EntryFactory(topics=[carers, dementia], status=Status.DRAFT)
    evidence(topics=[dementia])
    ApproachFactory(name="Groups")

    html = get(client, "/topics/")
    assert html.count("<h1") == 1
    assert "<h1>Topics</h1>" in html
    items = re.findall(
        r'<h2 class="term-summary__name"><a href="([^"]+)">([^<]+)</a></h2>\s*'
        r'<p class="term-summary__count">(\d+) published entr',
        html,
    )
    assert items == [
        ("/topics/carers/", "Carers", "2"),
        ("/topics/dementia/", "Dementia", "1"),
        ("/topics/diabetes/", "Diabetes", "0"),
    ]
    assert "<p><strong>Memory</strong> loss.</p>" in html
    assert "More detail here." not in html
    assert "Groups" not in html


def test_the_approach_index_lists_approaches(client):
    ApproachFactory(name="Peer-led groups")
    html = get(client, "/approaches/")
    assert "<h1>Approaches</h1>" in html
    assert '<a href="/approaches/peer-led-groups/">Peer-led groups</a>' in html


def test_an_empty_index_says_so(client):
    assert "There are no topics yet" in get(client, "/topics/")


def test_the_index_sanitises_descriptions(client):
    TopicFactory(name="Carers", description="<script>alert(1)</script> Hi")
    html = get(client, "/topics/")
    assert "<script>alert" not in html


def test_the_index_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    for n in range(3):
        EntryFactory(topics=[TopicFactory(name=f"Topic {n}")])
    with django_assert_max_num_queries(1) as few:
        get(client, "/topics/")
    for n in range(3, 20):
        EntryFactory.create_batch(2, topics=[TopicFactory(name=f"Topic {n}")])
    cache.clear()
    with django_assert_max_num_queries(1) as many:
        html = get(client, "/topics/")
    assert len(many.captured_queries) == len(few.captured_queries)
    assert html.count('class="term-summary"') == 20


def test_the_footer_links_to_topics_and_the_glossary(client):
    html = get(client, "/")
    footer = html.split('<footer class="site-footer">', 1)[1]
    assert '<a href="/topics/">Topics</a>' in footer
    assert '<a href="/glossary/">Glossary</a>' in footer
