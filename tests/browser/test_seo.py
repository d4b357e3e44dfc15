"""The home page's JSON-LD and icons in a real browser: the strict CSP holds."""

import json

from playwright.sync_api import expect

from tests.factories import EntryFactory, TopicFactory

# Records every CSP violation the page reports, before any of its own code runs.
RECORD_CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def test_home_page_with_its_json_ld_and_icons_logs_no_csp_violation(page):
    EntryFactory(title="Peer support for carers", topics=[TopicFactory(name="Carers")])
    console_errors = []
    page.on("console", lambda message: console_errors.append(message.text))
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find what works in peer support")
    page.wait_for_load_state("load")
    assert page.evaluate("window.cspViolations") == []
    assert not [text for text in console_errors if "Content Security Policy" in text]
    block = page.locator('script[type="application/ld+json"]')
    expect(block).to_have_count(1)
    graph = json.loads(block.text_content())["@graph"]
    assert {node["@type"] for node in graph} == {"WebSite", "Organization"}


def test_the_icons_and_share_card_the_home_page_names_can_be_fetched(page):
    page.goto("/")
    for selector, content_type in [
        ('link[rel="icon"][type="image/svg+xml"]', "image/svg+xml"),
        ('link[rel="apple-touch-icon"]', "image/png"),
    ]:
        href = page.locator(selector).get_attribute("href")
        response = page.request.get(href)
        assert response.ok and response.headers["content-type"].startswith(content_type), href
    assert page.request.get("/favicon.ico").ok  # after the redirect to the static icon
