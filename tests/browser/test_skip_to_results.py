"""Keyboard users skip the search box and the filters to reach the results of a listing."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_axe_violations
from tests.factories import EntryFactory

# Before the skip link a keyboard user needed 57 Tabs at desktop width to reach the first
# result. Now: the page's own skip link, the header's links, then "Skip to results".
MAX_TABS_TO_SKIP_LINK = 8


@pytest.fixture
def twenty_five_entries(transactional_db):
    for number in range(25):
        EntryFactory(title=f"Peer support entry number {number}", year=2000 + number)


def focused_text(page):
    return page.evaluate("() => document.activeElement.textContent.trim()")


def tab_to_skip_link(page):
    for presses in range(1, MAX_TABS_TO_SKIP_LINK + 1):
        page.keyboard.press("Tab")
        if focused_text(page) == "Skip to results":
            return presses
    pytest.fail(f"'Skip to results' not focused within {MAX_TABS_TO_SKIP_LINK} Tabs")


def test_skip_to_results_then_one_tab_reaches_the_first_result(page, twenty_five_entries):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/search/")
    expect(page.locator("#result-count")).to_have_text("25 results (page 1 of 2)")
    skip_link = page.get_by_role("link", name="Skip to results")
    search_box = page.get_by_role("searchbox", name="Search the library")
    search_box_before = search_box.bounding_box()
    # Hidden until focused.
    assert skip_link.bounding_box()["width"] <= 1

    tab_to_skip_link(page)
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    assert skip_link.bounding_box()["width"] > 1
    assert search_box.bounding_box() == search_box_before  # shown over the page, nothing moves
    assert_no_axe_violations(page)

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/#results$"))
    expect(page.locator("#results")).to_be_focused()
    page.keyboard.press("Tab")
    first_result = page.locator(".results .entry-card__title a").first
    expect(first_result).to_have_text("Peer support entry number 24")
    expect(first_result).to_be_focused()


def test_a_listing_with_the_skip_link_has_no_accessibility_violations(page, twenty_five_entries):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/search/")
    assert_no_axe_violations(page)


def test_the_skip_link_is_reachable_on_a_narrow_screen_too(page, twenty_five_entries):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/resources/")
    tab_to_skip_link(page)
    skip_link = page.get_by_role("link", name="Skip to results")
    expect(skip_link).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.keyboard.press("Enter")
    expect(page.locator("#results")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(".results .entry-card__title a").first).to_be_focused()
