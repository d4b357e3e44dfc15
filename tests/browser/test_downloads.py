"""Downloading a whole listing and finding its feed, in Chromium."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from resources.models import Kind
from tests.browser.conftest import assert_no_axe_violations
from tests.factories import EntryFactory, TopicFactory


@pytest.fixture
def catalogue(transactional_db):
    carers = TopicFactory(name="Carers")
    for number in range(23):
        EntryFactory(title=f"Carers evidence {number:02d}", kind=Kind.EVIDENCE, topics=[carers])
    EntryFactory(title="Other evidence", kind=Kind.EVIDENCE)


def test_downloading_a_filtered_listing_gets_every_result_not_one_page(page, catalogue):
    page.goto("/evidence/?topic=carers")
    section = page.get_by_role("region", name="Download or follow these results")
    expect(section).to_contain_text("All 23 results, not just this page")
    with page.expect_download() as download_info:
        section.get_by_role("link", name="Download CSV (spreadsheet)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("evidence-")
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 23
    assert {row["topics"] for row in rows} == {"Carers"}


def test_listing_names_its_feed_and_has_no_accessibility_violations(page, catalogue):
    page.goto("/evidence/?topic=carers&page=2")
    feeds = page.locator('head link[rel="alternate"][type="application/atom+xml"]')
    expect(feeds).to_have_count(2)
    assert feeds.nth(1).get_attribute("href") == "/evidence/feed/?topic=carers"
    response = page.request.get("/evidence/feed/?topic=carers")
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert response.text().count("<entry>") == 23
    assert_no_axe_violations(page)
