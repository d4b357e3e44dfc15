from playwright.sync_api import expect

from tests.browser.conftest import assert_no_axe_violations


def test_home_page_has_the_hub_title_and_a_working_skip_link(page):
    page.goto("/")
    expect(page).to_have_title("Peer Support Evidence Hub")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_home_page_has_no_accessibility_violations(page):
    page.goto("/")
    assert_no_axe_violations(page)


def test_home_page_reads_at_320_pixels_without_sideways_scrolling(page):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 320
    assert_no_axe_violations(page)


def test_about_page_has_no_accessibility_violations(page):
    page.goto("/about/")
    expect(page.get_by_role("heading", level=1)).to_have_text("About the hub")
    assert_no_axe_violations(page)
