"""The curator's note and the co-produced flag: on the detail page, in the admin, as a facet on
every listing, and in the API, exports and feeds that share the listings' filters."""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resources.exports import CSV_BOOLEANS, csv_columns
from resources.models import Entry, Kind, Status
from resources.records import entry_record
from tests.factories import EntryFactory, TopicFactory

pytestmark = pytest.mark.django_db

LISTINGS = ["/search/", "/resources/", "/tools/", "/evidence/"]
OPTION_LABEL = "Co-produced with people with lived experience"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def catalogue():
    """Two co-produced entries (a resource and evidence), three that are not, and an
    unpublished co-produced one the public must not count."""
    carers = TopicFactory(name="Carers")
    EntryFactory(title="Co-produced guide", co_produced=True, topics=[carers])
    EntryFactory(title="Co-produced study", kind=Kind.EVIDENCE, co_produced=True)
    EntryFactory(title="Plain guide", topics=[carers])
    EntryFactory(title="Plain study", kind=Kind.EVIDENCE, topics=[carers])
    EntryFactory(title="Plain tool", kind=Kind.TOOL)
    EntryFactory(title="Co-produced draft", co_produced=True, status=Status.DRAFT)


def listed_titles(response):
    return sorted(entry.title for entry in response.context["entries"])


def co_production_facet(response):
    [facet] = [f for f in response.context["filterset"].facets if f.name == "co_produced"]
    return facet


# -- the detail page ------------------------------------------------------------------------


def test_the_curators_note_is_shown_as_sanitised_markdown_under_its_heading(client):
    entry = EntryFactory(
        curator_note="Useful for **new groups**; small sample.\n\n"
        "<script>alert('x')</script>[a link](javascript:alert(1)) <em onclick='x()'>hi</em>"
    )

    response = client.get(entry.get_absolute_url())

    html = response.text
    section = re.search(r'<section class="curator-note".*?</section>', html, re.S).group(0)
    assert re.search(r"<h2 [^>]*>Curator(&#x27;|')s note</h2>", section)
    assert "<strong>new groups</strong>" in section
    assert "<script>alert" not in html
    assert "alert(&#x27;x&#x27;)" not in html and "alert('x')" not in html
    assert "javascript:" not in section
    assert "onclick" not in section


def test_an_entry_without_a_note_has_no_note_section(client):
    entry = EntryFactory()

    assert "Curator's note" not in unescape(client.get(entry.get_absolute_url()).text)


def test_a_co_produced_entry_says_so_in_words_on_its_page_and_card(client):
    co_produced = EntryFactory(title="Made together", co_produced=True)
    plain = EntryFactory(title="Made apart")

    assert OPTION_LABEL in client.get(co_produced.get_absolute_url()).text
    assert (
        f'<p class="co-produced">{OPTION_LABEL}</p>'
        not in client.get(plain.get_absolute_url()).text
    )
    cards = client.get("/resources/").text
    made_together = cards.index("Made together")
    made_apart = cards.index("Made apart")
    badge = cards.index(f'<p class="co-produced co-produced--card">{OPTION_LABEL}</p>')
    assert cards.count("co-produced--card") == 1
    # The badge belongs to the co-produced card (newest first: it is listed second).
    assert made_apart < made_together < badge


def test_a_changed_note_shows_at_once_on_the_cached_detail_page(client):
    entry = EntryFactory(curator_note="First thoughts.")
    assert "First thoughts." in client.get(entry.get_absolute_url()).text

    entry.curator_note = "Second thoughts."
    entry.save()

    assert "Second thoughts." in client.get(entry.get_absolute_url()).text


# -- the admin ------------------------------------------------------------------------------


def test_curators_edit_both_fields_on_the_form_and_history_keeps_them(client, curator):
    client.force_login(curator)
    entry = EntryFactory(title="A guide", kind=Kind.RESOURCE)
    url = reverse("admin:resources_resource_change", args=[entry.pk])

    form = client.get(url)
    assert 'name="curator_note"' in form.text
    assert 'name="co_produced"' in form.text
    assert "why this item is useful" in form.text

    data = {
        "title": "A guide", "slug": entry.slug, "summary": entry.summary, "body": "",
        "curator_note": "Clear and *short*.", "co_produced": "on", "url": "", "doi": "",
        "organisation": "", "authors": "", "publisher": "", "year": "2020",
        "resource_format": "", "status": Status.PUBLISHED, "last_reviewed_on": "",
        "source_seen": "",
    }  # fmt: skip
    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    entry.refresh_from_db()
    assert (entry.curator_note, entry.co_produced) == ("Clear and *short*.", True)
    latest = entry.history.first()
    assert (latest.curator_note, latest.co_produced, latest.history_user) == (
        "Clear and *short*.", True, curator
    )  # fmt: skip


def test_the_admin_list_filters_by_co_production(client, curator, catalogue):
    client.force_login(curator)

    response = client.get(
        reverse("admin:resources_resource_changelist"), {"co_produced__exact": "1"}
    )

    titles = sorted(entry.title for entry in response.context["cl"].result_list)
    assert titles == ["Co-produced draft", "Co-produced guide"]


# -- the facet on listings and search -------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "count"), [("/search/", 2), ("/resources/", 1), ("/tools/", 0), ("/evidence/", 1)]
)
def test_every_listing_has_the_co_production_facet_with_its_count(client, catalogue, url, count):
    response = client.get(url)

    facet = co_production_facet(response)
    assert facet.legend == "Co-production"
    assert [(o.value, o.label, o.count) for o in facet.options] == [("yes", OPTION_LABEL, count)]
    assert 'name="co_produced" value="yes"' in response.text


def test_ticking_it_lists_the_co_produced_entries_and_counts_other_facets_with_it(
    client, catalogue
):
    response = client.get("/search/", {"co_produced": "yes"})

    assert listed_titles(response) == ["Co-produced guide", "Co-produced study"]
    facets = {facet.name: facet for facet in response.context["filterset"].facets}
    kinds = {option.value: option.count for option in facets["kind"].options}
    assert kinds == {"resource": 1, "tool": 0, "evidence": 1}
    carers = {option.value: option.count for option in facets["topic"].options}["carers"]
    assert carers == 1
    # Its own count leaves its own tick out: what ticking it gives.
    assert co_production_facet(response).options[0].count == 2


def test_it_combines_with_search_and_other_facets(client, catalogue):
    response = client.get("/search/", {"co_produced": "yes", "topic": "carers", "q": "guide"})

    assert listed_titles(response) == ["Co-produced guide"]


def test_it_appears_among_the_active_filters_and_its_tag_removes_it(client, catalogue):
    response = client.get("/search/", {"co_produced": "yes", "topic": "carers"})

    [tag] = [f for f in response.context["filterset"].active_filters if f.label == "Co-production"]
    assert tag.value == OPTION_LABEL
    assert tag.remove_url == "?topic=carers"
    assert f"Co-production: {OPTION_LABEL}" in unescape(response.text)
    removed = client.get(f"/search/{tag.remove_url}")
    assert listed_titles(removed) == ["Co-produced guide", "Plain guide", "Plain study"]


def test_an_unknown_value_is_ignored_on_the_pages(client, catalogue):
    response = client.get("/search/", {"co_produced": "maybe"})

    assert response.status_code == 200
    assert len(response.context["entries"]) == 5


@pytest.mark.parametrize("url", LISTINGS)
def test_the_facet_costs_no_query(client, url):
    carers = TopicFactory(name="Carers")
    for kind in Kind.values:
        EntryFactory(kind=kind, co_produced=True, topics=[carers])
        EntryFactory(kind=kind, topics=[carers])

    def queries(query):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, query)
        assert response.context["entries"], "the count must include a page of rows"
        return len(captured)

    client.get(url)  # the facet index and the sort orders, built once per catalogue version
    assert queries({"co_produced": "yes", "topic": "carers"}) == queries({"topic": "carers"})


# -- the API, exports and feeds -------------------------------------------------------------


def test_the_api_filters_by_it_and_counts_it(client, catalogue):
    entries = client.get("/api/v1/entries/", {"co_produced": "yes"}).json()
    facets = client.get("/api/v1/facets/", {"kind": "evidence"}).json()

    assert sorted(entry["title"] for entry in entries["results"]) == [
        "Co-produced guide", "Co-produced study"
    ]  # fmt: skip
    assert all(entry["co_produced"] for entry in entries["results"])
    [facet] = [facet for facet in facets["facets"] if facet["name"] == "co_produced"]
    assert facet["options"] == [
        {"value": "yes", "label": OPTION_LABEL, "count": 1, "selected": False}
    ]


@pytest.mark.parametrize("value", ["maybe", "true", "no", ""])
@pytest.mark.parametrize("endpoint", ["entries/", "facets/"])
def test_the_api_refuses_a_bad_value_with_a_400_naming_it(client, catalogue, endpoint, value):
    response = client.get(f"/api/v1/{endpoint}", {"co_produced": value})

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["parameter"], error["value"], error["allowed"]) == ("co_produced", value, ["yes"])


def test_records_carry_both_fields(client):
    entry = EntryFactory(co_produced=True, curator_note="Read *this* first.")

    record = entry_record(Entry.objects.for_records().get(pk=entry.pk))
    api = client.get(f"/api/v1/entries/{entry.slug}/").json()

    assert (record["co_produced"], record["curator_note"]) == (True, "Read *this* first.")
    assert (api["co_produced"], api["curator_note"]) == (True, "Read *this* first.")


@pytest.mark.parametrize("listing", ["/search/", "/evidence/"])
def test_the_csv_export_has_both_columns_with_yes_or_no(client, catalogue, listing):
    Entry.objects.filter(title="Co-produced study").update(curator_note="Small; *UK only*.")

    response = client.get(f"{listing}export.csv")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )

    kind = None if listing == "/search/" else Kind.EVIDENCE
    assert {"co_produced", "curator_note"} <= set(csv_columns(kind))
    by_title = {row["title"]: row for row in rows}
    assert by_title["Co-produced study"]["co_produced"] == "yes"
    assert by_title["Co-produced study"]["curator_note"] == "Small; *UK only*."
    assert by_title["Plain study"]["co_produced"] == "no"
    assert {row["co_produced"] for row in rows} <= set(CSV_BOOLEANS)


def test_exports_and_feeds_take_the_same_parameter(client, catalogue):
    exported = json.loads(
        b"".join(client.get("/search/export.json", {"co_produced": "yes"}).streaming_content)
    )
    feed = ET.fromstring(client.get("/search/feed/", {"co_produced": "yes"}).content)

    assert exported["query"]["co_produced"] == ["yes"]
    assert sorted(r["title"] for r in exported["results"]) == [
        "Co-produced guide", "Co-produced study"
    ]  # fmt: skip
    assert sorted(e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")) == [
        "Co-produced guide", "Co-produced study"
    ]  # fmt: skip
