"""The evidence map in Chromium, with the real demo data: accessibility at desktop and phone
widths, sideways scrolling in its own region with sticky approach names, a keyboard path from a
cell to the listing it counts, and switching columns with or without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from resources.demo import load_demo
from tests.browser.conftest import assert_no_axe_violations

MAP_URL = "/evidence/map/"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 320, "height": 640}
# The skip link, the header, the search box and every filter checkbox come before the map.
MAX_TABS_TO_MAP = 200


@pytest.fixture
def demo(transactional_db):
    load_demo()


def map_region(page):
    return page.locator(".evidence-map__scroll")


def column_headers(page):
    """The map's column headers, without the corner cell and the totals column."""
    return page.locator(
        ".evidence-map thead th:not(.evidence-map__corner):not(.evidence-map__total)"
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "320px"])
def test_the_evidence_map_has_no_accessibility_violations(page, demo, viewport):
    page.set_viewport_size(viewport)
    page.goto(MAP_URL)
    expect(page.locator(".map-cell__link").first).to_be_visible()
    assert_no_axe_violations(page)


def test_the_map_with_topic_columns_has_no_accessibility_violations(page, demo):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{MAP_URL}?columns=topic")
    expect(page.get_by_role("radio", name="Topics")).to_be_checked()
    assert_no_axe_violations(page)


def test_on_a_phone_only_the_map_region_scrolls_sideways_and_approach_names_stay_in_view(
    page, demo
):
    page.set_viewport_size(PHONE)
    page.goto(MAP_URL)
    region = map_region(page)
    expect(region).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")

    first_row_header = page.locator(".evidence-map tbody th[scope=row]").first
    before = first_row_header.bounding_box()
    region.evaluate("el => { el.scrollLeft = 400; }")
    assert region.evaluate("el => el.scrollLeft") > 0
    box = region.bounding_box()
    after = first_row_header.bounding_box()
    assert after["x"] == pytest.approx(before["x"], abs=1)  # sticky: it did not move
    assert box["x"] - 1 <= after["x"] < box["x"] + box["width"]
    # A cell in the same row did move, under the sticky header.
    first_cell = page.locator(".evidence-map tbody tr").first.locator("td").first
    assert first_cell.bounding_box()["x"] < after["x"] + after["width"]


def focus_state(page):
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return {
                inRegion: !!el.closest('.evidence-map__scroll'),
                isRegion: el.matches('.evidence-map__scroll'),
                isCellLink: el.matches('.map-cell__link'),
            };
        }"""
    )


def tab_until(page, condition, limit):
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if condition(focus_state(page)):
            return presses
    pytest.fail(f"not reached within {limit} Tabs")


def test_a_keyboard_user_tabs_to_a_cell_and_enter_lists_exactly_its_entries(page, demo):
    page.set_viewport_size(DESKTOP)
    page.goto(MAP_URL)
    to_region = tab_until(page, lambda state: state["inRegion"], MAX_TABS_TO_MAP)
    # The region itself takes focus first, so keyboard users can scroll it with the arrows.
    assert focus_state(page)["isRegion"]
    expect(map_region(page)).to_be_focused()
    tab_until(page, lambda state: state["isCellLink"], MAX_TABS_TO_MAP - to_region)

    link = page.locator(".map-cell__link:focus")
    expect(link).to_have_count(1)
    expect(link).to_be_in_viewport()
    style = link.evaluate(
        "el => { const s = getComputedStyle(el);"
        " return {outline: s.outlineStyle, shadow: s.boxShadow}; }"
    )
    assert style["outline"] != "none" or style["shadow"] != "none", style
    count = int(link.locator(".map-cell__count").inner_text())
    expect(link).to_have_accessible_name(re.compile(rf"^{count} entr(y|ies) on .+ and .+$"))

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/evidence/\?(?=.*approach=)(?=.*outcome=)"))
    expect(page.locator("#result-count")).to_have_text(
        re.compile(rf"^{count} results?( \(page 1 of \d+\))?$")
    )


def test_show_with_the_topics_radio_switches_the_columns_to_topics(page, demo):
    page.set_viewport_size(DESKTOP)
    page.goto(MAP_URL)
    outcome_headers = column_headers(page).all_inner_texts()
    assert outcome_headers
    page.get_by_role("radio", name="Topics").check()
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"[?&]columns=topic(&|$)"))
    expect(page.get_by_role("radio", name="Topics")).to_be_checked()
    expect(column_headers(page).first).to_be_visible()
    topic_headers = column_headers(page).all_inner_texts()
    assert "Mental health" in topic_headers
    assert not set(topic_headers) & set(outcome_headers)


def test_switching_columns_works_without_javascript(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.set_viewport_size(DESKTOP)
        page.goto(MAP_URL)
        # Sanity: hub.js did not run (it would open the filter panel on a wide screen).
        expect(page.locator("details[data-open-on-wide]")).not_to_have_attribute("open", "")
        page.get_by_role("radio", name="Topics").check()
        page.get_by_role("button", name="Show").click()
        # Without hub.js the empty search box is submitted too (?q=&columns=topic).
        expect(page).to_have_url(re.compile(r"[?&]q=&(.*&)?columns=topic(&|$)"))
        expect(column_headers(page)).to_contain_text(["Mental health"])
        # With topic columns a cell links to the listing by approach and topic.
        link = page.locator(".map-cell__link").first
        expect(link).to_have_attribute("href", re.compile(r"^/evidence/\?.*topic="))
    finally:
        context.close()
