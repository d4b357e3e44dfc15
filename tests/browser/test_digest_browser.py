"""A curator previews a digest and watches it go out, in a real browser under the site's CSP."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from newsletter import digest_admin
from newsletter.models import DeliveryStatus, DigestDelivery, DigestIssue, DigestStatus
from tests.browser.conftest import assert_no_axe_violations
from tests.browser.test_curator import csp_violations, curator, log_in  # noqa: F401 (fixtures)
from tests.factories import EntryFactory, SubscriberFactory, TopicFactory

digests_migration = importlib.import_module("newsletter.migrations.0006_digests")


@pytest.fixture
def digest(curator):  # noqa: F811 (the curator fixture)
    """A draft with one entry in its period, and the curators' digest permissions granted
    again (transactional tests empty the table their migration filled)."""
    digests_migration.grant_to_curators(apps, None)
    EntryFactory(title="Peer support for carers", topics=[TopicFactory(name="Carers")])
    now = timezone.now()
    return DigestIssue.objects.create(
        subject="This month at the hub",
        intro="Hello **readers**.",
        period_start=now - datetime.timedelta(days=30),
        period_end=now + datetime.timedelta(minutes=1),
    )


def test_the_preview_frames_the_html_part_and_passes_axe(page, digest, csp_violations):  # noqa: F811
    SubscriberFactory(confirmed=True)
    log_in(page)

    page.goto(f"/admin/newsletter/digestissue/{digest.pk}/preview/")

    frame = page.frame_locator("iframe.digest-preview")
    expect(frame.get_by_role("heading", name="This month at the hub")).to_be_visible()
    expect(frame.get_by_role("link", name="Peer support for carers")).to_be_visible()
    expect(page.locator("pre.digest-preview-text")).to_contain_text("Peer support for carers")
    assert csp_violations == []
    assert_no_axe_violations(page)


def test_the_progress_page_refreshes_its_counts_until_the_digest_is_sent(
    page,
    digest,
    csp_violations,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(digest_admin, "PROGRESS_REFRESH_SECONDS", 1)
    person = SubscriberFactory(confirmed=True)
    DigestIssue.objects.filter(pk=digest.pk).update(status=DigestStatus.SENDING)
    delivery = DigestDelivery.objects.create(issue=digest, subscriber=person)
    log_in(page)

    page.goto(f"/admin/newsletter/digestissue/{digest.pk}/progress/")
    expect(page.get_by_role("status")).to_have_text("Sending: 0 of 1 done.")

    DigestDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENT)
    digest.refresh_from_db()
    digest.refresh_totals()

    expect(page.get_by_role("status")).to_contain_text("1 sent, 0 skipped", timeout=5_000)
    assert csp_violations == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_html_part_is_styled_in_its_frame_and_passes_axe_on_its_own(
    page,
    digest,
    csp_violations,  # noqa: F811
    scheme,
):
    log_in(page)
    page.emulate_media(color_scheme=scheme)
    page.goto(f"/admin/newsletter/digestissue/{digest.pk}/preview/")
    # The email's own styles apply in the sandboxed frame (its policy allows inline styles).
    body = {"light": "rgb(255, 255, 255)", "dark": "rgb(26, 30, 35)"}[scheme]
    frame = page.frame_locator("iframe.digest-preview")
    expect(frame.locator(".email-body")).to_have_css("background-color", body)
    expect(frame.locator("header.email-header")).to_contain_text("Peer Support Evidence Hub")
    assert csp_violations == []

    # axe cannot run inside a frame that may run no script: check the same HTML on its own.
    html = page.request.get(f"/admin/newsletter/digestissue/{digest.pk}/preview/html/").text()
    page.goto("about:blank")  # a page without the site's policy, which refuses inline styles
    page.set_content(html)
    expect(page.locator(".email-body")).to_have_css("background-color", body)
    expect(page.get_by_role("link", name="Peer support for carers")).to_have_css(
        "text-decoration-line", "underline"
    )
    assert_no_axe_violations(page)
