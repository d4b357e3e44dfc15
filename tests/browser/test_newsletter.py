"""The newsletter in Chromium: signup, the emailed confirm link, unsubscribe, accessibility."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from newsletter.models import Subscriber, SubscriberStatus
from newsletter.tokens import make_confirm_token, make_unsubscribe_token
from tests.browser.conftest import assert_no_axe_violations
from tests.factories import SubscriberFactory, TopicFactory


def confirm_link_in(message):
    return re.search(r"https?://\S+/newsletter/confirm/\S+/", message.body).group(0)


def test_signing_up_and_opening_the_emailed_link_confirms_the_subscription(
    page, mailoutbox, site_url
):
    TopicFactory(name="Mental health")
    page.goto("/newsletter/")
    assert_no_axe_violations(page)
    page.get_by_label("Email address").fill("reader@example.org")
    page.get_by_label("Your name (optional)").fill("Reader")
    page.get_by_label("Mental health").check()
    page.get_by_label(re.compile("I agree to receive")).check()
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_no_axe_violations(page)

    [message] = mailoutbox
    assert message.to == ["reader@example.org"]
    page.goto(confirm_link_in(message))
    expect(page.get_by_role("heading", level=1)).to_have_text("You are subscribed")
    assert_no_axe_violations(page)
    subscriber = Subscriber.objects.get()
    assert subscriber.status == SubscriberStatus.CONFIRMED
    assert [topic.name for topic in subscriber.topics.all()] == ["Mental health"]


def test_the_signup_page_with_errors_is_accessible_and_links_to_the_fields(page):
    page.goto("/newsletter/")
    page.get_by_label("Email address").fill("not an address")
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_title(re.compile("^Error: "))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter an email address like name@example.org.")
    expect(summary).to_contain_text("Tick the box to agree")
    assert_no_axe_violations(page)
    summary.get_by_role("link", name=re.compile("Enter an email address")).click()
    expect(page.get_by_label("Email address")).to_be_focused()
    assert not Subscriber.objects.exists()


def test_keyboard_users_never_land_on_the_honeypot(page):
    page.goto("/newsletter/")
    page.get_by_label("Email address").focus()
    focused_names = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        focused_names.add(page.evaluate("document.activeElement.name"))
    assert "website" not in focused_names
    assert "consent" in focused_names


def test_the_home_page_form_signs_up_with_email_and_consent(page, mailoutbox, site_url):
    page.goto("/")
    form = page.locator(".newsletter-cta")
    form.get_by_label("Email address").fill("home@example.org")
    form.get_by_label(re.compile("I agree to receive")).check()
    form.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert [message.to for message in mailoutbox] == [["home@example.org"]]


def test_the_unsubscribe_page_asks_first_and_then_unsubscribes(page):
    subscriber = SubscriberFactory(confirmed=True)
    page.goto(reverse("newsletter:unsubscribe", args=[make_unsubscribe_token(subscriber)]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribe from the newsletter")
    assert_no_axe_violations(page)
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED

    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have unsubscribed")
    assert_no_axe_violations(page)
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED


def test_a_broken_confirm_link_page_is_accessible_and_offers_a_new_link(page):
    token = make_confirm_token(SubscriberFactory())
    page.goto(reverse("newsletter:confirm", args=[token[:-3] + "xyz"]))
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Get a new link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign up to the newsletter")
