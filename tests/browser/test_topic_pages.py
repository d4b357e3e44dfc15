"""Topic and approach pages, their indexes, the glossary and an evidence page's findings table
in Chromium, with the real demo data: no accessibility violations and no sideways page scroll
at desktop and phone widths."""

import pytest
from playwright.sync_api import expect

from resources.demo import load_demo
from resources.models import Entry
from tests.browser.conftest import assert_no_axe_violations

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 320, "height": 640}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "320px"])

# (URL, what shows the page has its content): pages with a map, a findings table or a list.
PAGES = {
    "topic": ("/topics/mental-health/", "#term-map .map-cell__link"),
    "approach": ("/approaches/groups/", "#term-map .map-cell__link"),
    "topic-index": ("/topics/", ".term-summary"),
    "approach-index": ("/approaches/", ".term-summary"),
    "glossary": ("/glossary/", ".glossary__item"),
}
PAGE_NAMES = pytest.mark.parametrize("name", [*PAGES, "evidence-with-findings"])


@pytest.fixture
def demo(transactional_db):
    load_demo()


def open_page(page, name):
    if name == "evidence-with-findings":
        entry = Entry.objects.filter(findings__isnull=False).distinct().first()
        assert entry is not None, "the demo data has evidence with findings"
        page.goto(entry.get_absolute_url())
        expect(page.locator(".findings-table tbody tr").first).to_be_visible()
        return
    url, content = PAGES[name]
    page.goto(url)
    expect(page.locator(content).first).to_be_visible()


@VIEWPORTS
@PAGE_NAMES
def test_term_pages_glossary_and_findings_have_no_accessibility_violations(
    page, demo, name, viewport
):
    page.set_viewport_size(viewport)
    open_page(page, name)
    assert_no_axe_violations(page)


@PAGE_NAMES
def test_term_pages_glossary_and_findings_do_not_scroll_sideways_on_a_phone(page, demo, name):
    page.set_viewport_size(PHONE)
    open_page(page, name)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
