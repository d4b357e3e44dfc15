"""Detail pages' citation meta tags and JSON-LD in a real browser: the strict CSP holds."""

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_axe_violations
from tests.factories import EntryFactory, TopicFactory

# Records every CSP violation the page reports, before any of its own code runs.
RECORD_CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def article():
    return EntryFactory(
        kind="evidence",
        title='Peer support </script><script>document.title="x"</script> & recovery',
        slug="peer-support-recovery",
        summary="A systematic review of randomised trials of peer support.",
        authors="Lloyd-Evans B, Mayo-Wilson E, Harrison B",
        organisation="University College London",
        publisher="BMC Psychiatry",
        year=2014,
        study_design="systematic_review",
        doi="10.1186/1471-244X-14-39",
        topics=[TopicFactory(name="Mental health")],
    )


def test_detail_page_with_citation_metadata_logs_no_csp_violation(page, article):
    console_errors = []
    page.on("console", lambda message: console_errors.append(message.text))
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    page.goto(article.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(article.title)
    page.wait_for_load_state("load")
    assert page.evaluate("window.cspViolations") == []
    assert not [text for text in console_errors if "Content Security Policy" in text]
    # The title's "</script>" stayed inside the data block: no script of it ran.
    assert page.title().startswith("Peer support")
    blocks = page.locator('script[type="application/ld+json"]')
    expect(blocks).to_have_count(1)
    data = json.loads(blocks.text_content())
    assert data["name"] == article.title
    assert data["@type"] == "ScholarlyArticle"
    authors = page.locator('meta[name="citation_author"]')
    expect(authors).to_have_count(3)
    assert authors.first.get_attribute("content") == "Lloyd-Evans, B"


def test_detail_page_with_citation_metadata_has_no_accessibility_violations(page, article):
    page.goto(article.get_absolute_url())
    assert_no_axe_violations(page)
