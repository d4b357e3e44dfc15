"""The curators' dashboard in a real browser: accessible, and its links open their lists."""

from django.utils import timezone
from playwright.sync_api import expect

from resources.models import Kind, LinkCheck, LinkState, Status
from tests.browser.conftest import assert_no_axe_violations
from tests.browser.test_curator import curator, log_in  # noqa: F401 (a fixture)
from tests.factories import EntryFactory


def test_the_dashboard_passes_axe_and_its_cards_open_the_filtered_lists(page, curator):  # noqa: F811
    EntryFactory(title="Draft guide", status=Status.DRAFT)
    EntryFactory(title="Study in review", kind=Kind.EVIDENCE, status=Status.IN_REVIEW)
    gone = EntryFactory(title="Gone toolkit", url="https://example.org/gone")
    LinkCheck.objects.create(
        entry=gone, url=gone.url, state=LinkState.BROKEN, last_checked=timezone.now()
    )
    log_in(page)

    page.goto("/admin/")

    expect(page.get_by_role("heading", name="Waiting for curators")).to_be_visible()
    in_review = page.locator("#card-in_review")
    expect(in_review.locator(".dashboard-card__count")).to_have_text("1")
    expect(page.get_by_role("heading", name="Recent changes to entries")).to_be_visible()
    expect(page.get_by_role("link", name="Gone toolkit")).to_be_visible()
    assert_no_axe_violations(page)

    page.locator("#card-broken_links").get_by_role("link", name="Resources: 1").click()

    expect(page).to_have_url("/admin/resources/resource/?link=broken")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text("Gone toolkit")


def test_a_co_produced_entry_with_a_note_passes_axe_on_its_page_and_in_the_filtered_list(page):
    entry = EntryFactory(
        title="Made with carers",
        co_produced=True,
        curator_note="Clear and practical; **UK services only**. See [the guide](https://example.org/).",
    )
    EntryFactory(title="Made for carers")

    page.goto(entry.get_absolute_url())
    expect(page.get_by_role("heading", name="Curator's note")).to_be_visible()
    expect(page.get_by_text("Co-produced with people with lived experience")).to_be_visible()
    assert_no_axe_violations(page)

    page.goto("/search/")
    page.get_by_label("Co-produced with people with lived experience").check()
    page.get_by_role("button", name="Apply filters").click()

    expect(page).to_have_url("/search/?co_produced=yes")
    expect(page.locator(".entry-card")).to_have_count(1)
    expect(
        page.get_by_role(
            "link", name="Remove Co-production: Co-produced with people with lived experience"
        )
    ).to_be_visible()
    assert_no_axe_violations(page)
