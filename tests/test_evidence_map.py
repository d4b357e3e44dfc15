"""The evidence map, /evidence/map/: cells that agree with the listing, filters, data files."""

import csv
import io
import re

import pytest
from django.http import QueryDict

from resources import services
from resources.demo import load_demo
from resources.evidence_map import EvidenceMap
from resources.filters import listing_filterset
from resources.models import Finding, Kind, Status
from tests.factories import (
    ApproachFactory,
    EntryFactory,
    OutcomeFactory,
    PopulationFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

MAP_URL = "/evidence/map/"


@pytest.fixture
def demo():
    load_demo()


def listing_count(url):
    """How many entries the evidence listing at `url` lists."""
    path, _, query = url.partition("?")
    assert path == "/evidence/"
    return listing_filterset(QueryDict(query), Kind.EVIDENCE).qs.count()


def evidence(**kwargs):
    return EntryFactory(kind=Kind.EVIDENCE, **kwargs)


@pytest.fixture
def small_map():
    """Two approaches, two outcomes: groups × wellbeing has 2, one-to-one × symptoms 1."""
    groups = ApproachFactory(name="Groups", position=1)
    one_to_one = ApproachFactory(name="One-to-one", position=2)
    wellbeing = OutcomeFactory(name="Wellbeing", slug="wellbeing", position=1)
    symptoms = OutcomeFactory(name="Symptoms", slug="symptoms", position=2)
    carers = TopicFactory(name="Carers")
    evidence(title="A", approaches=[groups], topics=[carers], findings=[(wellbeing, "positive")])
    evidence(title="B", approaches=[groups], year=2010, findings=[(wellbeing, "mixed")])
    evidence(title="C", approaches=[one_to_one], findings=[(symptoms, "no_difference")])
    evidence(title="Draft", approaches=[groups], status=Status.DRAFT,
             findings=[(symptoms, "positive")])  # fmt: skip
    EntryFactory(title="A tool", approaches=[groups])
    return locals()


def cell_counts(the_map):
    return {
        (row.slug, column.slug): cell.count
        for row in the_map.rows
        for column, cell in zip(the_map.columns, row.cells, strict=True)
    }


# ---------------------------------------------------------------------------------------------
# What the cells count
# ---------------------------------------------------------------------------------------------


def test_cells_count_published_evidence_with_both_terms(small_map):
    the_map = EvidenceMap(QueryDict())
    assert cell_counts(the_map) == {
        ("groups", "wellbeing"): 2, ("groups", "symptoms"): 0,
        ("one-to-one", "wellbeing"): 0, ("one-to-one", "symptoms"): 1,
    }  # fmt: skip
    assert the_map.total == 3


def test_cells_split_their_findings_by_direction(small_map):
    [groups, _] = EvidenceMap(QueryDict()).rows
    wellbeing = groups.cells[0]
    assert [(d.direction, d.count, d.symbol) for d in wellbeing.directions] == [
        ("positive", 1, "+"),
        ("mixed", 1, "±"),
    ]


def test_topic_columns_split_the_findings_the_outcome_and_effect_filters_select(small_map):
    def carers_cell(query):
        [groups, _] = EvidenceMap(QueryDict(f"columns=topic&{query}")).rows
        [cell] = groups.cells
        return cell.count, {d.direction: d.count for d in cell.directions}

    symptoms = small_map["symptoms"]
    entry = EntryFactory(
        kind=Kind.EVIDENCE, title="E", approaches=[small_map["groups"]],
        topics=[small_map["carers"]], findings=[(symptoms, "mixed")],
    )  # fmt: skip
    assert entry.findings.count() == 1
    assert carers_cell("") == (2, {"positive": 1, "mixed": 1})
    assert carers_cell("outcome=wellbeing") == (1, {"positive": 1})
    assert carers_cell("effect=mixed") == (1, {"mixed": 1})


def test_empty_cells_are_gaps_and_the_fullest_cell_is_darkest(small_map):
    [groups, one_to_one] = EvidenceMap(QueryDict()).rows
    assert [cell.shade for cell in groups.cells] == [4, 0]
    assert [cell.shade for cell in one_to_one.cells] == [0, 2]
    assert groups.cells[1].is_gap and groups.cells[1].url == ""


@pytest.mark.parametrize(
    "query",
    [
        "",
        "columns=topic",
        "columns=population",
        "topic=carers",
        "year_min=2015",
        "effect=positive",
        "outcome=wellbeing",
        "outcome=wellbeing&effect=mixed",
        "columns=topic&effect=positive",
        "columns=topic&topic=mental-health&topic=carers",
        "approach=groups&approach=one-to-one",
        "q=peer",
        "study_design=systematic_review&columns=population",
        "region=international&columns=topic&outcome=symptoms",
    ],
)
def test_every_number_on_the_demo_map_equals_the_listing_it_links_to(demo, query):
    the_map = EvidenceMap(QueryDict(query))
    checked = 0
    for row in the_map.rows:
        assert row.total == listing_count(row.url), row.name
        for cell in row.cells:
            if cell.count:
                assert cell.count == listing_count(cell.url), (row.name, cell.column)
                checked += 1
    for column in the_map.columns:
        assert column.total == listing_count(column.url), column.name
    assert the_map.total == listing_count(the_map.total_url)
    if not query or query == "columns=topic":
        assert checked > 20  # the demo data fills many cells


def test_with_outcome_columns_a_cells_split_adds_up_to_its_count(demo):
    for row in EvidenceMap(QueryDict()).rows:
        for cell in row.cells:
            assert cell.findings_count == cell.count


def test_ticking_terms_of_the_rows_or_columns_keeps_only_those(small_map):
    the_map = EvidenceMap(QueryDict("approach=groups&outcome=symptoms"))
    assert [row.slug for row in the_map.rows] == ["groups"]
    assert [column.slug for column in the_map.columns] == ["symptoms"]


def test_a_filter_narrows_the_map(small_map):
    the_map = EvidenceMap(QueryDict("year_max=2015"))
    assert cell_counts(the_map)[("groups", "wellbeing")] == 1
    assert the_map.total == 1


def test_population_columns_count_entries_with_that_population(small_map):
    carers = PopulationFactory(name="Parents")
    groups = small_map["groups"]
    evidence(title="D", approaches=[groups], populations=[carers])
    the_map = EvidenceMap(QueryDict("columns=population"))
    assert [column.name for column in the_map.columns] == ["Parents"]
    assert cell_counts(the_map)[("groups", "parents")] == 1


def test_an_edit_shows_on_the_cached_map_at_once(small_map):
    assert cell_counts(EvidenceMap(QueryDict()))[("groups", "symptoms")] == 0
    entry = EntryFactory.build(kind=Kind.EVIDENCE, title="New", status=Status.PUBLISHED)
    services.save_entry(
        entry,
        terms=[small_map["groups"]],
        findings=[Finding(outcome=small_map["symptoms"], direction="negative")],
    )
    assert cell_counts(EvidenceMap(QueryDict()))[("groups", "symptoms")] == 1


def test_the_map_is_a_few_grouped_queries_and_then_cached(
    demo, django_assert_max_num_queries, django_assert_num_queries
):
    with django_assert_max_num_queries(10):
        assert EvidenceMap(QueryDict("columns=topic&year_min=2000")).rows
    with django_assert_num_queries(0):
        assert EvidenceMap(QueryDict("columns=topic&year_min=2000")).rows


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------


def test_the_map_page_is_an_accessible_table(client, small_map):
    html = client.get(MAP_URL).content.decode()
    assert html.count("<h1>") == 1
    assert '<caption id="evidence-map-caption">' in html
    assert '<div class="evidence-map__scroll" role="region"' in html
    assert re.search(r'<th scope="col">Wellbeing</th>', html)
    assert re.search(r'<th scope="row">Groups</th>', html)
    assert "How to read this map" in html
    assert 'Gap<span class="visually-hidden">: no entries on Groups and Symptoms</span>' in html


def test_each_cell_links_to_the_listing_of_its_entries(client, small_map):
    html = client.get(f"{MAP_URL}?year_min=2000").content.decode()
    link = re.search(
        r'<a class="map-cell__link" href="([^"]+)"><span class="map-cell__count">2</span>'
        r'<span class="visually-hidden"> entries on Groups and Wellbeing</span>',
        html,
    )
    assert link
    url = link.group(1).replace("&amp;", "&")
    assert url == "/evidence/?approach=groups&outcome=wellbeing&year_min=2000"
    assert "2 results" in client.get(url).content.decode()


def test_the_columns_switch_shows_topics_instead(client, small_map):
    html = client.get(f"{MAP_URL}?columns=topic").content.decode()
    assert '<th scope="col">Carers</th>' in html
    assert 'id="columns-topic" name="columns" value="topic" checked' in html


def test_the_evidence_listing_links_to_its_map_with_its_filters(client, small_map):
    html = client.get("/evidence/?topic=carers&sort=title").content.decode()
    assert 'href="/evidence/map/?topic=carers"' in html
    assert "/evidence/map/" not in client.get("/tools/").content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "columns=nope",
        "columns=region",
        "columns=",
        "columns=topic&columns=outcome",
        "year_min=abc&year_max=-5",
        "topic=%00&approach=' OR 1=1",
        "effect=great&outcome=%F0%9F%92%A9",
        "q=" + "x" * 5000,
        "page=99&sort=nope",
    ],
)
@pytest.mark.parametrize("path", [MAP_URL, "/evidence/map.csv", "/evidence/map.json"])
def test_bad_parameters_never_break_the_map(client, small_map, query, path):
    assert client.get(f"{path}?{query}").status_code == 200


def test_unknown_columns_fall_back_to_outcomes_and_say_so(client, small_map):
    html = client.get(f"{MAP_URL}?columns=region").content.decode()
    assert "it shows outcomes" in html
    assert '<th scope="col">Wellbeing</th>' in html


def test_the_map_with_no_terms_says_there_is_nothing_to_map(client):
    html = client.get(MAP_URL).content.decode()
    assert "Nothing to map yet" in html


# ---------------------------------------------------------------------------------------------
# The map as data
# ---------------------------------------------------------------------------------------------


def page_cells(html):
    """Each cell's number as shown on the page, row by row (gaps are 0)."""
    cells = re.findall(r'<td class="map-cell map-cell--shade-\d">(.*?)</td>', html, re.S)
    return [
        int(m.group(1)) if (m := re.search(r'map-cell__count">(\d+)<', cell)) else 0
        for cell in cells
    ]


def test_the_json_is_the_map_on_the_page(client, demo):
    query = "columns=topic&year_min=2010"
    html = client.get(f"{MAP_URL}?{query}").content.decode()
    data = client.get(f"/evidence/map.json?{query}").json()

    assert data["columns_are"] == "topic"
    assert data["filters"] == {"year_min": ["2010"]}
    assert [cell["count"] for row in data["rows"] for cell in row["cells"]] == page_cells(html)
    first = next(cell for row in data["rows"] for cell in row["cells"] if cell["count"])
    assert first["listing_url"].startswith("http")
    assert sum(first["directions"].values()) >= 1


def test_the_csv_is_the_map_on_the_page_one_line_per_cell(client, demo):
    html = client.get(MAP_URL).content.decode()
    response = client.get("/evidence/map.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="evidence-map.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Approach", "Outcome", "Entries",
        "Positive", "Mixed", "No difference", "Negative", "Too little evidence",
    ]  # fmt: skip
    assert [int(row[2]) for row in rows[1:]] == page_cells(html)
    for row in rows[1:]:
        assert sum(int(n) for n in row[3:]) == int(row[2])


def test_the_page_links_to_the_data_with_its_filters(client, small_map):
    html = client.get(f"{MAP_URL}?columns=topic&year_min=2000").content.decode()
    assert 'href="/evidence/map.csv?year_min=2000&amp;columns=topic"' in html
    assert 'href="/evidence/map.json?year_min=2000&amp;columns=topic"' in html
