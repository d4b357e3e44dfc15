"""Listing markup: valid year inputs, bounds from the code, and a skip link to the results."""

from html.parser import HTMLParser

import pytest

from resources.search import MAX_QUERY_LENGTH
from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db

LISTINGS = ["/search/", "/resources/", "/tools/", "/evidence/"]
YEAR_FIELDS = ["year_min", "year_max"]
# What a keyboard user can Tab to (links with an address, form controls, summaries).
FOCUSABLE_TAGS = {"input", "select", "textarea", "button", "summary"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class Element:
    def __init__(self, tag, attrs):
        self.tag = tag
        self.attrs = dict(attrs)
        self.text = ""

    @property
    def focusable(self):
        if self.attrs.get("tabindex") == "-1" or "disabled" in self.attrs:
            return False
        if self.attrs.get("type") == "hidden":
            return False
        return self.tag in FOCUSABLE_TAGS or (self.tag == "a" and "href" in self.attrs)


class Elements(HTMLParser):
    """Every element of a page in document order, with the text directly inside it."""

    def __init__(self, html):
        super().__init__()
        self.elements = []
        self._open = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs)
        self.elements.append(element)
        if tag not in VOID_TAGS:
            self._open.append(element)

    def handle_endtag(self, tag):
        if any(element.tag == tag for element in self._open):
            while self._open.pop().tag != tag:
                pass

    def handle_data(self, data):
        for element in self._open:
            element.text += data


def elements(response):
    assert response.status_code == 200
    return Elements(response.content.decode()).elements


def by_id(page, element_id):
    found = [element for element in page if element.attrs.get("id") == element_id]
    assert len(found) == 1, f"expected one element with id {element_id!r}, found {len(found)}"
    return found[0]


def skip_to_results_link(page):
    links = [e for e in page if e.tag == "a" and " ".join(e.text.split()) == "Skip to results"]
    assert len(links) == 1
    return links[0]


# -- The year inputs ------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["abc", "20x0", "12.5", "1e3"])
def test_a_malformed_year_is_reported_and_not_written_into_the_number_input(client, bad):
    response = client.get(f"/evidence/?year_min={bad}")
    html = response.content.decode()
    page = elements(response)
    year_min = by_id(page, "id_year_min")
    assert year_min.attrs["type"] == "number"
    assert year_min.attrs["value"] == ""
    assert f'value="{bad}"' not in html
    # The error is still reported: in the summary at the top and beside the field.
    assert any("error-summary" in e.attrs.get("class", "") for e in page)
    assert year_min.attrs["aria-invalid"] == "true"
    error = by_id(page, year_min.attrs["aria-describedby"])
    assert error.text.strip() == str(response.context["filterset"].form.errors["year_min"][0])


def test_a_year_out_of_range_is_reported_and_kept_in_the_input_to_correct(client):
    too_early = response_bounds(client)["year_max"][0] - 1
    response = client.get(f"/search/?year_max={too_early}")
    year_max = by_id(elements(response), "id_year_max")
    # A number outside min and max is still a valid value of a number input.
    assert year_max.attrs["value"] == str(too_early)
    assert year_max.attrs["aria-invalid"] == "true"
    assert "year_max" in response.context["filterset"].form.errors


@pytest.mark.parametrize("field", YEAR_FIELDS)
def test_a_valid_year_is_kept_in_the_number_input(client, field):
    response = client.get(f"/evidence/?{field}=2010")
    year = by_id(elements(response), f"id_{field}")
    assert year.attrs["value"] == "2010"
    assert "aria-invalid" not in year.attrs


def test_a_valid_year_is_written_as_a_plain_number_whatever_its_spelling(client):
    # " 2010 " and "+2010" are years to the form but not numbers to an <input type=number>.
    year = by_id(elements(client.get("/tools/?year_min=+2010")), "id_year_min")
    assert year.attrs["value"] == "2010"


def test_one_malformed_year_leaves_the_other_valid_year_in_place(client):
    page = elements(client.get("/resources/?year_min=2005&year_max=soon"))
    assert by_id(page, "id_year_min").attrs["value"] == "2005"
    assert by_id(page, "id_year_max").attrs["value"] == ""


# -- Bounds come from the code, not the templates ------------------------------------------


def response_bounds(client):
    """(min, max) of each year field of the listing's filter form."""
    form = client.get("/search/").context["filterset"].form
    return {name: (form[name].field.min_value, form[name].field.max_value) for name in YEAR_FIELDS}


@pytest.mark.parametrize("url", LISTINGS)
def test_the_year_inputs_take_their_bounds_from_the_filter_fields(client, url):
    response = client.get(url)
    form = response.context["filterset"].form
    page = elements(response)
    for name in YEAR_FIELDS:
        field = form[name].field
        assert field.min_value is not None and field.max_value is not None
        year = by_id(page, f"id_{name}")
        assert year.attrs["min"] == str(field.min_value)
        assert year.attrs["max"] == str(field.max_value)


@pytest.mark.parametrize(
    ("url", "search_box_id"), [(url, "listing-q") for url in LISTINGS] + [("/", "home-q")]
)
def test_search_boxes_are_limited_to_the_longest_query_we_act_on(client, url, search_box_id):
    response = client.get(url)
    assert response.context["SEARCH_MAX_LENGTH"] == MAX_QUERY_LENGTH
    search_box = by_id(elements(response), search_box_id)
    assert search_box.attrs["type"] == "search"
    assert search_box.attrs["maxlength"] == str(MAX_QUERY_LENGTH)


# -- Skip to results -----------------------------------------------------------------------


@pytest.mark.parametrize("url", LISTINGS)
def test_every_listing_has_a_skip_to_results_link_whose_target_exists(client, url):
    page = elements(client.get(url))
    link = skip_to_results_link(page)
    target = by_id(page, link.attrs["href"].removeprefix("#"))
    assert link.attrs["href"].startswith("#")
    # Focus moves to the target (a heading that cannot be tabbed to) when the link is followed.
    assert target.tag == "h2"
    assert target.attrs["tabindex"] == "-1"
    assert target.text.strip() == "Results"


def test_the_skip_link_comes_after_the_lede_and_before_the_search_box(client):
    page = elements(client.get("/search/"))
    link = skip_to_results_link(page)
    lede = next(e for e in page if "lede" in e.attrs.get("class", "").split())
    search_box = by_id(page, "listing-q")
    assert page.index(lede) < page.index(link) < page.index(search_box)
    before_link = [e for e in page[: page.index(link)] if e.focusable]
    # Only the page's own skip link and the header's links come first.
    assert len(before_link) <= 6


def test_the_first_thing_to_tab_to_after_the_skip_target_is_the_first_result(client):
    EntryFactory(title="First of all", year=2024)
    EntryFactory(title="Second", year=2001)
    # An active filter puts its tag (a link) before the results; the skip target is after it.
    response = client.get("/search/?year_min=2000&sort=newest")
    page = elements(response)
    target = by_id(page, skip_to_results_link(page).attrs["href"].removeprefix("#"))
    after = [e for e in page[page.index(target) + 1 :] if e.focusable]
    first_entry = response.context["entries"][0]
    assert after[0].tag == "a"
    assert after[0].attrs["href"] == first_entry.get_absolute_url()
    assert " ".join(after[0].text.split()) == first_entry.title == "First of all"


def test_an_empty_listing_still_has_the_skip_target(client):
    response = client.get("/tools/?q=nothing-matches-this")
    assert not response.context["entries"]
    page = elements(response)
    target = by_id(page, skip_to_results_link(page).attrs["href"].removeprefix("#"))
    assert target.tag == "h2"
