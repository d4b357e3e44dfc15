"""The API documentation page in a real browser, under the site's strict Content Security Policy."""

import pytest
from playwright.sync_api import expect

from tests.factories import EntryFactory, TopicFactory


@pytest.fixture
def browser_messages(page):
    """Every console message and failed request of the page: CSP violations show as both."""
    messages = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    page.on("requestfailed", lambda request: messages.append(f"failed: {request.url}"))
    return messages


def test_the_docs_page_shows_every_operation_and_breaks_no_csp_rule(page, browser_messages):
    EntryFactory(title="Peer support for carers", topics=[TopicFactory(name="Carers")])
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/api/v1/docs/")
    expect(page.locator('[data-path="/api/v1/entries/"]')).to_be_visible()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert {path.replace("\u200b", "") for path in paths} == {
        "/api/v1/",
        "/api/v1/entries/",
        "/api/v1/entries/{slug}/",
        "/api/v1/facets/",
        "/api/v1/terms/",
        "/api/v1/terms/{taxonomy}/",
    }
    # Open the listing operation: its filters are described, topics with today's terms.
    page.locator('[data-path="/api/v1/entries/"]').click()
    expect(page.get_by_text("cursor", exact=True)).to_be_visible()
    expect(page.locator("select").filter(has_text="carers").first).to_be_attached()
    assert not [m for m in browser_messages if "Content Security Policy" in m]
    assert not [m for m in browser_messages if m.startswith(("error", "failed"))]
    origin = page.url.split("/api/")[0]
    assert all(url.startswith(origin) for url in requests), "nothing from another origin"


def test_try_it_out_calls_the_api_from_the_page(page, browser_messages):
    EntryFactory(title="Peer support for carers")
    page.goto("/api/v1/docs/#/entries_list")
    operation = page.locator("#operations-entries-entries_list")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    responses = operation.locator(".live-responses-table")
    expect(responses.locator("tbody .response-col_status").first).to_have_text("200")
    expect(responses).to_contain_text("Peer support for carers")
    assert not [m for m in browser_messages if "Content Security Policy" in m]
