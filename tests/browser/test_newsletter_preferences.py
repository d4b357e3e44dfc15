"""The preferences page in Chromium: opened from an email, used with the keyboard, accessible."""

import datetime
import re
import time
from unittest import mock

from django.urls import reverse
from playwright.sync_api import expect

from newsletter.emails import send_confirmation
from newsletter.models import SubscriberStatus
from newsletter.tokens import make_preferences_token
from tests.browser.conftest import assert_no_axe_violations
from tests.factories import SubscriberFactory, TopicFactory


def preferences_link_in(message):
    return re.search(r"https?://\S+/newsletter/preferences/\S+/", message.body).group(0)


def test_changing_topics_from_the_emailed_link_with_the_keyboard(page, mailoutbox, site_url):
    carers = TopicFactory(name="Carers", slug="carers")
    TopicFactory(name="Mental health", slug="mental-health")
    subscriber = SubscriberFactory(confirmed=True, email="reader@example.org")
    subscriber.topics.set([carers])
    send_confirmation(subscriber)

    page.goto(preferences_link_in(mailoutbox[0]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your newsletter topics")
    expect(page.get_by_text("r•••••@example.org")).to_be_visible()
    expect(page.get_by_label("Carers")).to_be_checked()
    assert_no_axe_violations(page)

    page.get_by_label("Carers").focus()
    page.keyboard.press("Space")  # untick Carers
    page.keyboard.press("Tab")
    expect(page.get_by_label("Mental health")).to_be_focused()
    page.keyboard.press("Space")  # tick Mental health
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save topics")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_have_text("Your topics are saved.")
    expect(page.get_by_label("Mental health")).to_be_checked()
    expect(page.get_by_label("Carers")).not_to_be_checked()
    assert_no_axe_violations(page)
    assert [topic.slug for topic in subscriber.topics.all()] == ["mental-health"]
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED


def test_unsubscribing_from_the_preferences_page(page):
    subscriber = SubscriberFactory(confirmed=True)
    page.goto(reverse("newsletter:preferences", args=[make_preferences_token(subscriber)]))
    page.get_by_role("button", name="Unsubscribe from everything").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have unsubscribed")
    assert_no_axe_violations(page)
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED


def test_an_expired_link_page_is_accessible_and_emails_a_fresh_link(page, mailoutbox, site_url):
    subscriber = SubscriberFactory(confirmed=True, email="reader@example.org")
    past = time.time() - datetime.timedelta(days=400).total_seconds()
    with mock.patch("django.core.signing.time.time", return_value=past):
        token = make_preferences_token(subscriber)
    page.goto(reverse("newsletter:preferences", args=[token]))
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired")
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Email me a new link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    [message] = mailoutbox
    assert message.to == ["reader@example.org"]
    page.goto(preferences_link_in(message))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your newsletter topics")


def test_a_broken_preferences_link_page_is_accessible(page):
    token = make_preferences_token(SubscriberFactory(confirmed=True))
    page.goto(reverse("newsletter:preferences", args=[token[:-3] + "xyz"]))
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    assert_no_axe_violations(page)
