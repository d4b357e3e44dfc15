"""Suggest an item in a real browser: a visitor suggests a DOI, a curator accepts it in the
admin and lands on the draft entry, filled in from (recorded) Crossref metadata."""

import importlib
import re

import pytest
from django.apps import apps
from django.core import mail
from playwright.sync_api import expect

from suggestions.models import Suggestion
from tests.browser.conftest import assert_no_axe_violations

# A curator who signs in with a code, and the local server serving a recorded Crossref record.
from tests.browser.test_curator import curator, log_in  # noqa: F401
from tests.test_fill_from_doi import AUTHORS, DOI, TITLE, crossref_server  # noqa: F401

suggestions_migration = importlib.import_module("suggestions.migrations.0001_initial")


@pytest.fixture
def moderator(curator):  # noqa: F811
    """The curator, with the permissions the suggestions migration gives the Curators group
    (made again: transactional tests empty every table after each test)."""
    suggestions_migration.grant_to_curators(apps, None)
    return curator


@pytest.mark.usefixtures("crossref_server")
def test_a_visitor_suggests_a_doi_and_a_curator_accepts_it_as_a_filled_in_draft(page, moderator):
    page.goto("/")
    page.get_by_role("link", name="Suggest an item").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Suggest an item")
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Send the suggestion").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter the link or DOI of the item you suggest.")
    assert_no_axe_violations(page)
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Link or DOI")).to_be_focused()

    page.get_by_label("Link or DOI").fill(f"https://doi.org/{DOI}")
    page.get_by_label("Title (optional)").fill("The peer support review")
    page.get_by_label("Evidence").check()
    page.get_by_label("Your email address (optional)").fill("ann@example.org")
    page.get_by_label("You may email me about this suggestion").check()
    page.get_by_role("button", name="Send the suggestion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your suggestion")
    item = Suggestion.objects.get()

    log_in(page)
    page.goto("/admin/suggestions/suggestion/?status__exact=new")
    page.get_by_role("link", name=re.compile(rf"^Suggestion #{item.pk}, ")).click()
    expect(page.get_by_label("Add it as")).to_have_value("evidence")
    page.get_by_role("button", name="Accept and create a draft").click()

    expect(page).to_have_url(re.compile(r"/admin/resources/evidence/\d+/change/$"))
    expect(page.get_by_text("accepted: this draft was made from it")).to_be_visible()
    expect(page.locator("#id_title")).to_have_value(TITLE)
    expect(page.locator("#id_doi")).to_have_value(DOI.lower())
    expect(page.locator("#id_authors")).to_have_value(AUTHORS)
    expect(page.locator("#id_year")).to_have_value("2014")
    expect(page.locator("#id_status")).to_have_value("draft")
    assert [message.to for message in mail.outbox] == [["ann@example.org"]]
