"""The links in newsletter emails: confirm, unsubscribe, and what happens when they go wrong."""

import datetime
import time
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from newsletter.emails import newsletter_email, send_confirmation
from newsletter.models import CONSENT_TEXT, Subscriber, SubscriberStatus
from newsletter.tokens import make_confirm_token, make_unsubscribe_token
from tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db


def confirm_url(subscriber):
    return reverse("newsletter:confirm", args=[make_confirm_token(subscriber)])


def unsubscribe_url(subscriber):
    return reverse("newsletter:unsubscribe", args=[make_unsubscribe_token(subscriber)])


def made_days_ago(days, make_url, subscriber):
    past = time.time() - datetime.timedelta(days=days).total_seconds()
    with mock.patch("django.core.signing.time.time", return_value=past):
        return make_url(subscriber)


def test_opening_the_confirm_link_confirms_and_records_consent(client):
    subscriber = SubscriberFactory(consent_text=CONSENT_TEXT)
    response = client.get(confirm_url(subscriber))
    assert response.status_code == 200
    assert b"You are subscribed" in response.content
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED
    assert subscriber.confirmed_at is not None
    assert subscriber.consented_at == subscriber.confirmed_at
    assert subscriber.consent_text == CONSENT_TEXT


def test_opening_the_confirm_link_again_is_harmless(client):
    subscriber = SubscriberFactory()
    url = confirm_url(subscriber)
    client.get(url)
    first_confirmed_at = Subscriber.objects.get().confirmed_at
    response = client.get(url)
    assert response.status_code == 200
    assert b"You are subscribed" in response.content
    assert Subscriber.objects.get().confirmed_at == first_confirmed_at


def test_a_confirm_link_older_than_seven_days_gets_the_expired_page(client):
    subscriber = SubscriberFactory()
    response = client.get(made_days_ago(8, confirm_url, subscriber))
    assert response.status_code == 400
    assert b"This link has expired" in response.content
    assert b'href="/newsletter/"' in response.content
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.PENDING


def test_a_confirm_link_six_days_old_still_works(client):
    subscriber = SubscriberFactory()
    client.get(made_days_ago(6, confirm_url, subscriber))
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED


@pytest.mark.parametrize(
    "alter",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token[:10],
        lambda token: "not-a-token",
    ],
)
def test_a_tampered_confirm_link_gets_a_page_offering_a_new_link(client, alter):
    subscriber = SubscriberFactory()
    token = alter(make_confirm_token(subscriber))
    response = client.get(reverse("newsletter:confirm", args=[token]))
    assert response.status_code == 400
    assert b"This link does not work" in response.content
    assert b"Get a new link" in response.content
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.PENDING


def test_an_unsubscribe_token_cannot_confirm_a_subscription(client):
    subscriber = SubscriberFactory()
    token = make_unsubscribe_token(subscriber)
    response = client.get(reverse("newsletter:confirm", args=[token]))
    assert response.status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.PENDING


def test_an_old_confirm_link_does_not_resubscribe_someone_who_left(client):
    subscriber = SubscriberFactory(unsubscribed=True)
    response = client.get(confirm_url(subscriber))
    assert response.status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED


def test_a_confirm_link_for_a_purged_signup_offers_a_new_link(client):
    subscriber = SubscriberFactory()
    url = confirm_url(subscriber)
    subscriber.delete()
    response = client.get(url)
    assert response.status_code == 400
    assert b"Get a new link" in response.content


def test_get_on_the_unsubscribe_link_shows_a_button_and_changes_nothing(client):
    subscriber = SubscriberFactory(confirmed=True)
    response = client.get(unsubscribe_url(subscriber))
    assert response.status_code == 200
    assert b'<button type="submit" class="button">Unsubscribe</button>' in response.content
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED


def test_the_unsubscribe_button_unsubscribes(client):
    subscriber = SubscriberFactory(confirmed=True)
    response = client.post(unsubscribe_url(subscriber))
    assert response.status_code == 200
    assert b"You have unsubscribed" in response.content
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED
    assert subscriber.unsubscribed_at is not None


def test_a_mail_clients_one_click_post_unsubscribes_without_a_csrf_token():
    subscriber = SubscriberFactory(confirmed=True)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        unsubscribe_url(subscriber),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED


def test_unsubscribing_twice_is_harmless(client):
    subscriber = SubscriberFactory(unsubscribed=True)
    left_at = subscriber.unsubscribed_at
    response = client.post(unsubscribe_url(subscriber))
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at == left_at


def test_unsubscribe_links_keep_working_years_later(client):
    subscriber = SubscriberFactory(confirmed=True)
    client.post(made_days_ago(3 * 365, unsubscribe_url, subscriber))
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED


def test_a_tampered_unsubscribe_link_changes_nothing(client):
    subscriber = SubscriberFactory(confirmed=True)
    token = make_unsubscribe_token(subscriber)
    forged = reverse("newsletter:unsubscribe", args=[token.replace(":", ":x", 1)])
    response = client.post(forged)
    assert response.status_code == 400
    assert b"This link does not work" in response.content
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED


def test_a_confirm_token_cannot_unsubscribe(client):
    subscriber = SubscriberFactory(confirmed=True)
    token = make_confirm_token(subscriber)
    response = client.post(reverse("newsletter:unsubscribe", args=[token]))
    assert response.status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED


def test_the_unsubscribe_link_of_an_erased_person_says_there_is_nothing_to_do(client):
    subscriber = SubscriberFactory(confirmed=True)
    url = unsubscribe_url(subscriber)
    subscriber.delete()
    response = client.post(url)
    assert response.status_code == 200
    assert b"You are not on our list" in response.content


@pytest.mark.parametrize(
    "build",
    [
        lambda subscriber: send_confirmation(subscriber),
        lambda subscriber: newsletter_email(
            subscriber, subject="News", template="confirm", context={"confirm_url": "x"}
        ).send(),
    ],
)
def test_every_newsletter_email_carries_the_one_click_unsubscribe_headers(settings, build):
    settings.SITE_URL = "https://hub.example.org"
    subscriber = SubscriberFactory()
    build(subscriber)
    [message] = mail.outbox
    expected = f"<https://hub.example.org{unsubscribe_url(subscriber)}>"
    assert message.extra_headers["List-Unsubscribe"] == expected
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    sent = message.message()
    assert sent["List-Unsubscribe"] == expected
    assert f"https://hub.example.org{unsubscribe_url(subscriber)}" in message.body


def test_the_whole_journey_from_signup_to_unsubscribe(admin_client):
    """Sign up, read the email, confirm, be exported, unsubscribe by one click, leave the export."""
    public = Client()
    public.post("/newsletter/", {"email": "Journey@Example.org", "consent": "on"})
    [message] = mail.outbox
    confirm_link = next(word for word in message.body.split() if "/newsletter/confirm/" in word)
    assert public.get(confirm_link).status_code == 200

    export = admin_client.get(reverse("admin:newsletter_subscriber_export"))
    assert "journey@example.org" in export.content.decode()

    unsubscribe_link = message.extra_headers["List-Unsubscribe"].strip("<>")
    one_click = Client(enforce_csrf_checks=True).post(
        unsubscribe_link,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 200

    export = admin_client.get(reverse("admin:newsletter_subscriber_export"))
    assert "journey@example.org" not in export.content.decode()
