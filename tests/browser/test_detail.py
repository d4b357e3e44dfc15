"""Journeys from the home page to a detail page and its "Cite this" downloads; accessibility."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_axe_violations
from tests.factories import ApproachFactory, EntryFactory, RegionFactory, TopicFactory
from tests.two_factor import confirmed_authenticator, current_code


@pytest.fixture
def review():
    """A published evidence entry with every field a detail page shows, and related entries."""
    mental_health = TopicFactory(name="Mental health")
    groups = ApproachFactory(name="Groups")
    entry = EntryFactory(
        kind="evidence",
        title="Peer support for people with severe mental illness",
        slug="peer-support-smi-review",
        summary="A systematic review of randomised trials of peer support.",
        body="## Why it matters\n\nPeer workers offer **hope** and practical help.",
        organisation="University College London",
        authors="Lloyd-Evans B, Mayo-Wilson E, Harrison B",
        publisher="BMC Psychiatry",
        year=2014,
        study_design="systematic_review",
        evidence_strength="moderate",
        finding="Peer support improved hope, recovery and empowerment.",
        population="Adults with severe mental illness",
        country="International",
        sample_size=5597,
        doi="10.1186/1471-244X-14-39",
        last_reviewed_on=datetime.date(2025, 6, 1),
        featured=True,
        topics=[mental_health],
        approaches=[groups],
        regions=[RegionFactory(name="International")],
    )
    EntryFactory(kind="tool", title="Recovery outcome tool", topics=[mental_health])
    EntryFactory(title="Running peer groups", topics=[mental_health], approaches=[groups])
    return entry


def test_visitor_opens_an_evidence_page_from_the_home_page(page, review):
    page.goto("/")
    page.get_by_role("region", name="Featured").get_by_role("link", name=review.title).click()
    expect(page).to_have_url(f"/evidence/{review.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(review.title)
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    expect(breadcrumb.get_by_role("link", name="Evidence")).to_have_attribute("href", "/evidence/")
    expect(page.get_by_role("link", name="Read the evidence")).to_have_attribute(
        "href", "https://doi.org/10.1186/1471-244x-14-39"
    )
    related = page.get_by_role("region", name="Related entries")
    expect(related.get_by_role("link")).to_have_text(
        ["Running peer groups", "Recovery outcome tool"]
    )


def test_visitor_follows_a_topic_to_its_page_and_on_to_the_filtered_listing(page, review):
    page.goto(review.get_absolute_url())
    page.get_by_role("region", name="Find more like this").get_by_role(
        "link", name="Mental health"
    ).click()
    expect(page).to_have_url("/topics/mental-health/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mental health")


def test_visitor_downloads_the_ris_citation(page, review):
    page.goto(review.get_absolute_url())
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download RIS").click()
    download = download_info.value
    assert download.suggested_filename == "peer-support-smi-review.ris"
    lines = download.path().read_bytes().decode("utf-8").split("\r\n")
    assert lines[0] == "TY  - JOUR"
    assert [line for line in lines if line.startswith("AU  - ")] == [
        "AU  - Lloyd-Evans, B",
        "AU  - Mayo-Wilson, E",
        "AU  - Harrison, B",
    ]
    assert "DO  - 10.1186/1471-244x-14-39" in lines
    assert lines[-2:] == ["ER  - ", ""]


def test_visitor_downloads_the_bibtex_citation(page, review):
    page.goto(review.get_absolute_url())
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download BibTeX").click()
    download = download_info.value
    assert download.suggested_filename == "peer-support-smi-review.bib"
    text = download.path().read_text(encoding="utf-8")
    assert text.startswith("@article{peer-support-smi-review,\n")


def test_visitor_copies_the_reference_with_one_click(page, review):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(review.get_absolute_url())
    page.get_by_role("button", name="Copy reference").click()
    expect(page.get_by_role("status")).to_have_text("Reference copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(
        "Lloyd-Evans, B., Mayo-Wilson, E., & Harrison, B. (2014). Peer support"
    )


def test_without_javascript_the_reference_is_text_and_no_copy_button_shows(
    browser, live_server, transactional_db
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        EntryFactory(kind="evidence", slug="no-script-review", authors="Smith J")
        page.goto("/evidence/no-script-review/")
        expect(page.get_by_text("Smith, J. (2020).")).to_be_visible()
        expect(page.get_by_role("button", name="Copy reference")).to_be_hidden()
        expect(page.get_by_role("link", name="Download RIS")).to_be_visible()
    finally:
        context.close()


def test_evidence_page_has_no_accessibility_violations(page, review):
    page.goto(review.get_absolute_url())
    assert_no_axe_violations(page)


def test_evidence_page_reads_at_320_pixels_without_sideways_scrolling(page, review):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(review.get_absolute_url())
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert_no_axe_violations(page)


def test_staff_preview_banner_has_no_accessibility_violations(page, review, admin_user):
    review.status = "draft"
    review.save()
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(admin_user.username)
    page.get_by_label("Password").fill("password")
    page.get_by_label("Code").fill(current_code(confirmed_authenticator(admin_user)))
    page.get_by_role("button", name="Log in").click()
    page.goto(review.get_absolute_url())
    expect(page.get_by_text("Draft preview — not public.")).to_be_visible()
    assert_no_axe_violations(page)


def test_home_page_with_topics_and_entries_has_no_accessibility_violations(page, review):
    page.goto("/")
    expect(page.get_by_role("link", name="Mental health 3 entries")).to_have_attribute(
        "href", "/topics/mental-health/"
    )
    assert_no_axe_violations(page)


def test_home_page_with_entries_reads_at_320_pixels(page, review):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert_no_axe_violations(page)
