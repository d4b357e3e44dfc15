"""Downloads of every result of a listing: /<listing>/export.<csv|json|ris|bib>?<query>."""

import csv
import io
import json
import re
import tracemalloc
from html import unescape
from urllib.parse import parse_qs

import bibtexparser
import pytest
import rispy
from django.http import StreamingHttpResponse

from resources import exports
from resources.exports import csv_columns
from resources.models import Kind
from resources.synthetic import generate_entries
from tests.factories import EntryFactory, OutcomeFactory, TopicFactory

pytestmark = pytest.mark.django_db

FORMATS = ["csv", "json", "ris", "bib"]
# (listing, query string): the filter sets whose exports must equal the listing.
FILTER_SETS = [
    ("/search/", ""),
    ("/search/", "topic=carers"),
    ("/search/", "kind=evidence"),
    ("/search/", "q=loneliness"),
    ("/search/", "year_min=2015&year_max=2019"),
    ("/evidence/", "effect=positive"),
    ("/evidence/", "topic=carers&sort=title"),
    ("/resources/", "sort=oldest"),
    ("/tools/", ""),
]


@pytest.fixture
def catalogue():
    """A mixed catalogue: three kinds, two topics, years 2010-2021, findings, a searchable word."""
    carers, dementia = TopicFactory(name="Carers"), TopicFactory(name="Dementia")
    wellbeing = OutcomeFactory(name="Wellbeing")
    for number in range(12):
        kind = [Kind.RESOURCE, Kind.TOOL, Kind.EVIDENCE][number % 3]
        extra = {}
        if kind == Kind.EVIDENCE:
            extra["findings"] = [(wellbeing, "positive" if number % 2 else "mixed")]
        EntryFactory(
            kind=kind,
            title=f"Entry {number:02d}" + (" on loneliness" if number % 4 == 0 else ""),
            year=2010 + number,
            topics=[carers] if number % 2 else [dementia],
            **extra,
        )


def content_of(response):
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode()


def export(client, listing, query, extension):
    response = client.get(f"{listing}export.{extension}?{query}")
    assert response.status_code == 200, response
    return response, content_of(response)


def listing_results(client, listing, query):
    """The listing's entries, every page of them, in its order."""
    paginator = client.get(f"{listing}?{query}").context["paginator"]
    return list(paginator.object_list[0 : paginator.count])


def exported_keys(extension, text):
    """What identifies each exported entry, in file order: slugs (CSV, JSON, BibTeX keys) or
    titles (RIS)."""
    if extension == "csv":
        return [row["slug"] for row in csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))]
    if extension == "json":
        return [record["slug"] for record in json.loads(text)["results"]]
    if extension == "ris":
        return [record["title"] for record in rispy.loads(text)]
    return [record["ID"] for record in bibtexparser.loads(text).entries]


@pytest.mark.parametrize("extension", FORMATS)
@pytest.mark.parametrize(("listing", "query"), FILTER_SETS)
def test_export_lists_every_result_of_the_listing_in_listing_order(
    client, catalogue, listing, query, extension
):
    expected = listing_results(client, listing, query)
    _, text = export(client, listing, query, extension)
    key = "title" if extension == "ris" else "slug"
    assert expected, "each filter set finds something"
    assert exported_keys(extension, text) == [getattr(entry, key) for entry in expected]


def test_export_holds_every_result_not_one_page(client):
    for number in range(25):
        EntryFactory(title=f"Many {number}")
    response, text = export(client, "/search/", "page=2", "json")
    assert json.loads(text)["count"] == 25
    assert len(json.loads(text)["results"]) == 25


def test_export_json_gives_count_query_and_public_records(client, catalogue):
    _, text = export(client, "/evidence/", "topic=carers&year_min=abc&effect=positive", "json")
    data = json.loads(text)
    assert data["count"] == len(data["results"]) == 2
    assert data["query"] == {"topic": ["carers"], "effect": ["positive"], "sort": "newest"}
    record = data["results"][0]
    assert record["hub_url"].startswith("http://testserver/evidence/")
    assert record["findings"][0]["direction"] == "positive"
    assert "source_seen" not in record and "status" not in record


def test_export_csv_has_a_byte_order_mark_and_the_documented_columns(client, catalogue):
    response, text = export(client, "/evidence/", "", "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert text.startswith("\ufeff")
    header = next(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert header == csv_columns(Kind.EVIDENCE)
    assert header[:6] == ["kind", "title", "slug", "hub_url", "url", "summary"]
    assert {"study_design", "topics", "regions", "findings", "published_at"} <= set(header)
    assert "tool_format" not in header and "source_seen" not in header


def test_export_csv_joins_terms_and_findings_in_one_cell_each(client):
    carers, dementia = TopicFactory(name="Carers"), TopicFactory(name="Dementia")
    wellbeing = OutcomeFactory(name="Wellbeing")
    EntryFactory(
        kind=Kind.EVIDENCE, topics=[carers, dementia], findings=[(wellbeing, "positive", "6 mo")]
    )
    _, text = export(client, "/evidence/", "", "csv")
    row = next(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert row["topics"] == "Carers; Dementia"
    assert row["findings"] == "Wellbeing: positive (6 mo)"
    assert row["kind"] == "evidence"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_export_csv_cells_never_start_a_formula(client, start):
    EntryFactory(
        title=f'{start}HYPERLINK("https://evil.example")',
        summary=f"{start}1+1",
        authors=f"{start}cmd|' /C calc'!A0",
    )
    _, text = export(client, "/search/", "", "csv")
    row = next(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    for column in ("title", "summary", "authors"):
        assert row[column].startswith(f"'{start}")


def test_export_is_an_attachment_named_for_the_listing_and_date(client, catalogue):
    response = client.get("/evidence/export.ris?topic=carers")
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="evidence-')
    assert disposition.endswith('.ris"')
    assert response["Content-Type"].startswith("application/x-research-info-systems")
    assert client.get("/search/export.bib")["Content-Disposition"].startswith(
        'attachment; filename="search-'
    )


@pytest.mark.parametrize("extension", FORMATS)
def test_export_of_no_results_is_a_valid_empty_file(client, catalogue, extension):
    _, text = export(client, "/evidence/", "q=nothingmatchesthisword", extension)
    assert exported_keys(extension, text) == []
    if extension == "json":
        assert json.loads(text)["count"] == 0
    if extension == "csv":
        assert text.startswith("\ufeffkind,title,slug")


@pytest.mark.parametrize(
    "query",
    [
        "year_min=abc&year_max=99999",
        "topic=no-such-topic&kind=nonsense&effect=sideways",
        "sort=sideways&page=-3",
        "q=" + "x" * 1000,
        "q=%22unclosed&q=-",
        "year_min=2030&year_max=1990",
    ],
)
@pytest.mark.parametrize("extension", FORMATS)
def test_export_forgives_bad_parameters_as_the_listing_does(client, catalogue, query, extension):
    expected = listing_results(client, "/search/", query)
    _, text = export(client, "/search/", query, extension)
    key = "title" if extension == "ris" else "slug"
    assert exported_keys(extension, text) == [getattr(entry, key) for entry in expected]


def test_export_is_rate_limited_per_client_with_the_429_page(client, settings):
    settings.EXPORT_RATE_LIMIT = 2
    assert client.get("/search/export.csv").status_code == 200
    assert client.get("/evidence/export.json").status_code == 200
    response = client.get("/tools/export.ris")
    assert response.status_code == 429
    assert "Too many" in response.content.decode()
    assert response["Retry-After"] == str(exports.EXPORT_WINDOW_SECONDS)
    other_client = client.get("/search/export.csv", REMOTE_ADDR="192.0.2.9")
    assert other_client.status_code == 200


def test_unknown_export_format_is_not_found(client):
    assert client.get("/evidence/export.xlsx").status_code == 404


def test_export_reads_a_constant_number_of_queries(client, django_assert_max_num_queries):
    topic, outcome = TopicFactory(), OutcomeFactory()
    for _ in range(30):
        EntryFactory(kind=Kind.EVIDENCE, topics=[topic], findings=[(outcome, "mixed")])
    client.get("/evidence/")  # the facet index and term lists, kept for every page
    for extension in FORMATS:
        with django_assert_max_num_queries(8):
            content_of(client.get(f"/evidence/export.{extension}"))


def export_peak_memory(client, extension):
    """(peak bytes of Python memory while the export is read, its size)."""
    response = client.get(f"/search/export.{extension}")
    assert isinstance(response, StreamingHttpResponse)
    size = 0
    tracemalloc.start()
    try:
        for piece in response.streaming_content:
            size += len(piece)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, size


def test_export_streams_thousands_of_entries_in_bounded_memory(client, monkeypatch, settings):
    settings.EXPORT_RATE_LIMIT = 100
    monkeypatch.setattr(exports, "CHUNK_SIZE", 100)
    generate_entries(400, seed=7)
    client.get("/search/")  # the facet index and term lists, kept for every request
    small = {extension: export_peak_memory(client, extension) for extension in FORMATS}
    generate_entries(1600, seed=8)
    client.get("/search/")
    for extension in FORMATS:
        peak, size = export_peak_memory(client, extension)
        small_peak, small_size = small[extension]
        assert size > 4 * small_size
        # Five times the entries: holding them all (a list, or the whole file) would take
        # five times the memory; streaming holds one chunk of entries whatever the total.
        assert peak < 1.5 * small_peak, (extension, peak, small_peak)


def link_queries(html, path):
    """The parsed query strings of the page's links to `path`."""
    hrefs = re.findall(rf'href="{re.escape(path)}\?([^"]*)"', html)
    return [parse_qs(unescape(query)) for query in hrefs]


def test_listing_offers_downloads_of_every_result_with_its_filters_not_its_page(client, catalogue):
    html = client.get("/evidence/?topic=carers&sort=title&page=2&year_min=abc").content.decode()
    for extension in FORMATS:
        expected = {"topic": ["carers"], "sort": ["title"]}
        assert link_queries(html, f"/evidence/export.{extension}") == [expected]
    assert "All 2 results, not just this page" in html
    assert link_queries(html, "/evidence/feed/") == [{"topic": ["carers"]}] * 2  # head and body


def test_search_page_offers_downloads_of_every_kind(client, catalogue):
    html = client.get("/search/?q=loneliness").content.decode()
    assert 'href="/search/export.csv?q=loneliness"' in html


def test_listing_without_results_offers_no_empty_downloads(client):
    html = client.get("/evidence/?q=nothingmatches").content.decode()
    assert "export.csv" not in html
