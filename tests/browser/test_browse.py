"""Browsing journeys in Chromium: filter, clear, search, open a result; accessibility checks."""

import re

import pytest
from playwright.sync_api import expect

from resources.models import Kind
from tests.browser.conftest import assert_no_axe_violations
from tests.factories import ApproachFactory, EntryFactory, RegionFactory, TopicFactory

LISTINGS_WITH_FILTERS = [
    "/search/?topic=mental-health&kind=evidence",
    "/resources/?approach=groups&resource_format=guide",
    "/tools/?region=england&tool_format=checklist",
    "/evidence/?topic=mental-health&study_design=rct&q=peer+support",
]


@pytest.fixture
def catalogue(transactional_db):
    mental_health = TopicFactory(name="Mental health")
    carers = TopicFactory(name="Carers")
    groups = ApproachFactory(name="Groups")
    england = RegionFactory(name="England")
    EntryFactory(
        title="Peer support groups in mental health services",
        kind=Kind.EVIDENCE,
        study_design="rct",
        evidence_strength="moderate",
        topics=[mental_health],
        approaches=[groups],
        regions=[england],
    )
    EntryFactory(
        title="One-to-one peer support after discharge",
        kind=Kind.EVIDENCE,
        study_design="qualitative",
        topics=[mental_health],
        regions=[england],
    )
    EntryFactory(
        title="Running a carers' peer group",
        kind=Kind.RESOURCE,
        resource_format="guide",
        topics=[carers],
        approaches=[groups],
    )
    EntryFactory(
        title="Peer worker supervision checklist",
        kind=Kind.TOOL,
        tool_format="checklist",
        topics=[mental_health],
        regions=[england],
    )


def result_count(page):
    return page.locator("#result-count")


def test_filtering_by_two_facets_changes_the_count(page, catalogue):
    page.goto("/search/")
    expect(result_count(page)).to_have_text("4 results")
    page.get_by_role("checkbox", name=re.compile(r"^Mental health")).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(result_count(page)).to_have_text("3 results")
    page.get_by_role("checkbox", name=re.compile(r"^Groups")).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(result_count(page)).to_have_text("1 result")
    expect(page).to_have_url(re.compile(r"topic=mental-health.*approach=groups"))
    expect(page.get_by_role("heading", level=3)).to_have_text(
        "Peer support groups in mental health services"
    )


def test_removing_a_filter_tag_widens_the_results_and_clear_all_resets(page, catalogue):
    page.goto("/search/?topic=mental-health&approach=groups")
    expect(result_count(page)).to_have_text("1 result")
    page.get_by_role("link", name="Remove Approach: Groups").click()
    expect(result_count(page)).to_have_text("3 results")
    expect(page.get_by_role("checkbox", name=re.compile(r"^Mental health"))).to_be_checked()
    page.get_by_role("link", name="Clear all filters").click()
    expect(result_count(page)).to_have_text("4 results")
    expect(page).to_have_url(re.compile(r"/search/$"))


def test_searching_then_opening_a_result(page, catalogue):
    page.goto("/evidence/")
    search_box = page.get_by_role("searchbox", name="Search evidence")
    search_box.fill("support groups")
    search_box.press("Enter")
    expect(result_count(page)).to_have_text("1 result for “support groups”")
    expect(page.locator(".entry-card mark").first).to_have_text("support")
    # Empty fields stay out of the shareable URL (progressive enhancement).
    expect(page).to_have_url(re.compile(r"/evidence/\?q=support\+groups$"))
    page.get_by_role("link", name="Peer support groups in mental health services").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Peer support groups in mental health services"
    )


def test_filters_work_without_javascript(browser, live_server, catalogue):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/search/")
        page.locator("summary", has_text="Filters").click()
        page.get_by_role("checkbox", name=re.compile(r"^Carers")).check()
        page.get_by_role("button", name="Apply filters").click()
        expect(result_count(page)).to_have_text("1 result")
    finally:
        context.close()


def test_filters_fold_away_on_narrow_screens_and_open_beside_results_on_wide(page, catalogue):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/search/")
    expect(page.locator("details.filters")).not_to_have_attribute("open", "")
    expect(page.get_by_role("button", name="Apply filters")).to_be_hidden()
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.locator("details.filters")).to_have_attribute("open", "")
    expect(page.get_by_role("button", name="Apply filters")).to_be_visible()


@pytest.mark.parametrize("url", LISTINGS_WITH_FILTERS)
def test_listings_with_filters_have_no_accessibility_violations(page, catalogue, url):
    page.goto(url)
    assert_no_axe_violations(page)


@pytest.mark.parametrize("url", LISTINGS_WITH_FILTERS)
def test_listings_read_at_320_pixels_without_violations_or_sideways_scrolling(page, catalogue, url):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(url)
    page.locator("summary", has_text="Filters").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert_no_axe_violations(page)


def test_an_empty_result_with_errors_reported_has_no_accessibility_violations(page, catalogue):
    page.goto("/tools/?q=nothing-matches-this&year_min=x")
    expect(page.get_by_role("heading", name="No entries match")).to_be_visible()
    assert_no_axe_violations(page)
