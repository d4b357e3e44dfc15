"""Cursor pages of /api/v1/entries/: every entry once, in the listing's order, in every sort
order, even while entries are added or taken off between two pages."""

import pytest
from django.http import QueryDict

from resources.filters import SORT_ORDERINGS, listing_filterset
from resources.models import Entry, Kind, Status
from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db

ENTRIES = "/api/v1/entries/"
SORTS = ["newest", "oldest", "title", "relevance"]


@pytest.fixture
def catalogue():
    """Entries with equal texts (so search ranks tie and the later keys decide), repeated
    years and some without a year, titles that differ only in case, and others that do not
    match the search."""
    years = [2019, None, 2021, 2019, 2020, None, 2021]
    for n in range(23):
        EntryFactory(
            kind=Kind.EVIDENCE if n % 2 else Kind.RESOURCE,
            title=f"{'Peer' if n % 3 else 'peer'} groups item {n:02d}",
            year=years[n % len(years)],
        )
    for n in range(5):
        EntryFactory(title=f"Unrelated mentoring item {n:02d}", year=2018)


def query_for(sort):
    return f"q=groups&sort={sort}"


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def walk(client, url):
    """The slugs of every page from `url` on, following `next`."""
    slugs = []
    while url:
        data = page(client, url)
        slugs += [record["slug"] for record in data["results"]]
        url = data["next"]
    return slugs


def listing_slugs(sort):
    """The HTML listing's order for the same query: what the cursor must follow."""
    return list(listing_filterset(QueryDict(query_for(sort))).qs.values_list("slug", flat=True))


def test_every_sort_order_ends_with_the_id_so_that_each_entry_has_a_place_of_its_own():
    for ordering in SORT_ORDERINGS.values():
        assert ordering[-1] in ("pk", "-pk")


@pytest.mark.parametrize("sort", SORTS)
def test_walking_every_page_lists_each_entry_once_in_listing_order(client, catalogue, sort):
    slugs = walk(client, f"{ENTRIES}?{query_for(sort)}&page_size=4")
    assert slugs == listing_slugs(sort)
    assert len(slugs) == 23


@pytest.mark.parametrize("sort", SORTS)
def test_entries_added_meanwhile_are_neither_repeated_nor_do_they_push_others_out(
    client, catalogue, sort
):
    before = listing_slugs(sort)
    first = page(client, f"{ENTRIES}?{query_for(sort)}&page_size=5")
    second = page(client, first["next"])
    seen = [record["slug"] for record in first["results"] + second["results"]]
    # New entries that sort at the very start, at the very end, and among the seen ones.
    EntryFactory(title="AAA peer groups newcomer", year=2030)
    EntryFactory(title="zzz peer groups newcomer", year=None)
    EntryFactory(title="Peer groups item 00 again", year=2019)
    rest = walk(client, second["next"])
    slugs = seen + rest
    assert len(slugs) == len(set(slugs)), "no entry is shown twice"
    assert [slug for slug in slugs if slug in before] == before, "none is skipped or moved"
    after = listing_slugs(sort)
    newcomers_after_the_cursor = [s for s in after[after.index(seen[-1]) + 1 :] if s not in before]
    assert [slug for slug in rest if slug not in before] == newcomers_after_the_cursor


@pytest.mark.parametrize("sort", SORTS)
def test_an_entry_taken_off_the_site_midway_skips_nothing(client, catalogue, sort):
    before = listing_slugs(sort)
    first = page(client, f"{ENTRIES}?{query_for(sort)}&page_size=6")
    last_seen = first["results"][-1]["slug"]
    Entry.objects.get(slug=last_seen).return_to_draft()  # the very entry the cursor names
    rest = walk(client, first["next"])
    assert [record["slug"] for record in first["results"]] + rest == before


def test_previous_links_walk_back_through_the_same_pages(client, catalogue):
    url = f"{ENTRIES}?q=groups&sort=title&page_size=4"
    pages = []
    while url:
        data = page(client, url)
        pages.append([record["slug"] for record in data["results"]])
        url = data["next"]
    assert page(client, f"{ENTRIES}?q=groups&sort=title&page_size=4")["previous"] is None
    back = []
    data = page(client, f"{ENTRIES}?q=groups&sort=title&page_size=4")
    while data["next"]:
        data = page(client, data["next"])
    while data["previous"]:
        data = page(client, data["previous"])
        back.append([record["slug"] for record in data["results"]])
    assert back == pages[-2::-1]


def test_the_last_page_has_no_next_and_a_short_listing_one_page(client, catalogue):
    data = page(client, f"{ENTRIES}?q=mentoring")
    assert data["count"] == 5
    assert data["next"] is None and data["previous"] is None
    assert len(data["results"]) == 5


def test_the_count_and_sort_in_force_come_with_every_page(client, catalogue):
    data = page(client, f"{ENTRIES}?q=groups&page_size=3")
    assert data["count"] == 23
    assert data["sort"] == "relevance"
    assert page(client, ENTRIES)["sort"] == "newest"
    assert page(client, data["next"])["count"] == 23


def test_a_cursor_is_for_the_sort_it_came_from(client, catalogue):
    data = page(client, f"{ENTRIES}?sort=title&page_size=3")
    cursor = data["next"].split("cursor=")[1].split("&")[0]
    response = client.get(f"{ENTRIES}?sort=oldest&cursor={cursor}")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["parameter"] == "cursor"
    assert "title" in error["message"]


def test_a_tampered_cursor_is_refused(client, catalogue):
    data = page(client, f"{ENTRIES}?sort=title&page_size=3")
    cursor = data["next"].split("cursor=")[1].split("&")[0]
    response = client.get(f"{ENTRIES}?sort=title&cursor=x{cursor[1:]}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "cursor"


def test_drafts_are_never_on_any_page(client, catalogue):
    EntryFactory(title="Peer groups draft", status=Status.DRAFT)
    assert "peer-groups-draft" not in walk(client, f"{ENTRIES}?q=groups&page_size=10")
