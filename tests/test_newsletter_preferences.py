"""The preferences page an emailed link opens: change topics or leave, and its bad links."""

import datetime
import re
import time
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from newsletter.emails import newsletter_email, preferences_url, send_confirmation
from newsletter.models import CONSENT_TEXT, SEND_EMAIL_TASK_PATH, Subscriber, SubscriberStatus
from newsletter.tokens import (
    ExpiredToken,
    InvalidToken,
    make_confirm_token,
    make_preferences_token,
    make_unsubscribe_token,
    read_preferences_token,
)
from tests.factories import SubscriberFactory, TopicFactory
from tests.tasks import run_ready_tasks

pytestmark = pytest.mark.django_db

OLD_CONSENT_TEXT = "I agree to receive the newsletter: about one email a month."


def page_url(subscriber):
    return reverse("newsletter:preferences", args=[make_preferences_token(subscriber)])


def made_days_ago(days, subscriber):
    """A preferences link signed `days` days ago."""
    past = time.time() - datetime.timedelta(days=days).total_seconds()
    with mock.patch("django.core.signing.time.time", return_value=past):
        return page_url(subscriber)


def topic_slugs(subscriber):
    return sorted(topic.slug for topic in subscriber.topics.all())


@pytest.fixture
def topics():
    return {
        "carers": TopicFactory(name="Carers", slug="carers"),
        "mental-health": TopicFactory(name="Mental health", slug="mental-health"),
        "youth": TopicFactory(name="Youth", slug="youth"),
    }


@pytest.fixture
def subscriber(topics):
    person = SubscriberFactory(confirmed=True, email="reader@example.org")
    person.topics.set([topics["carers"]])
    return person


# -- the page ------------------------------------------------------------------------------------


def test_get_shows_the_masked_address_and_current_topics_and_changes_nothing(
    client, subscriber, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        response = client.get(page_url(subscriber))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Your newsletter topics</h1>" in html
    assert "r•••••@example.org" in html
    assert "reader@example.org" not in html
    assert re.search(r'<input[^>]*value="carers"[^>]*checked', html)
    assert not re.search(r'<input[^>]*value="youth"[^>]*checked', html)
    assert "Save topics" in html and "Unsubscribe from everything" in html
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED
    assert topic_slugs(subscriber) == ["carers"]


def test_the_page_is_never_cached_keeps_its_address_from_other_sites_and_is_not_indexed(
    client, subscriber
):
    response = client.get(page_url(subscriber))
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    html = response.content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert 'rel="canonical"' not in html  # the canonical address would hold the token


@pytest.mark.parametrize(
    ("name", "make_token"),
    [
        ("newsletter:preferences", make_preferences_token),
        ("newsletter:unsubscribe", make_unsubscribe_token),
        ("newsletter:confirm", make_confirm_token),
    ],
)
def test_pages_opened_from_personal_links_never_repeat_the_token_in_their_head(
    client, subscriber, name, make_token
):
    token = make_token(subscriber)
    head = client.get(reverse(name, args=[token])).content.decode().split("</head>", 1)[0]
    assert "<title>" in head
    assert token not in head  # no canonical or og:url naming the personal address
    assert '<meta name="robots" content="noindex, nofollow">' in head


def test_robots_txt_keeps_crawlers_off_preferences_links(client):
    lines = client.get("/robots.txt").content.decode().splitlines()
    assert "Disallow: /newsletter/preferences/" in lines


def test_saving_topics_replaces_them_and_shows_a_success_message(client, subscriber):
    url = page_url(subscriber)
    response = client.post(url, {"topics": ["mental-health", "youth"], "action": "save"})
    assert response.status_code == 302
    assert response["Location"] == url
    assert topic_slugs(subscriber) == ["mental-health", "youth"]
    page = client.get(url)
    assert "Your topics are saved." in page.content.decode()
    assert re.search(r'<input[^>]*value="youth"[^>]*checked', page.content.decode())


def test_saving_no_topics_clears_them(client, subscriber):
    client.post(page_url(subscriber), {"action": "save"})
    assert topic_slugs(subscriber) == []


def test_saving_topics_keeps_the_subscription_and_the_consent_record(client, subscriber):
    subscriber.consent_text = OLD_CONSENT_TEXT
    subscriber.save()
    before = Subscriber.objects.get(pk=subscriber.pk)
    client.post(page_url(subscriber), {"topics": ["youth"]})
    after = Subscriber.objects.get(pk=subscriber.pk)
    assert after.consent_text == OLD_CONSENT_TEXT
    assert (after.status, after.confirmed_at, after.consented_at) == (
        before.status,
        before.confirmed_at,
        before.consented_at,
    )


def test_new_signups_agree_to_the_current_wording(client):
    client.post("/newsletter/", {"email": "new@example.org", "consent": "on"})
    assert Subscriber.objects.get(email="new@example.org").consent_text == CONSENT_TEXT


def test_the_consent_wording_says_what_is_sent_how_often_and_how_to_change_it():
    assert "digest of new resources, tools and evidence" in CONSENT_TEXT
    assert "topics I choose" in CONSENT_TEXT
    assert "about once a month" in CONSENT_TEXT
    assert "change my topics or unsubscribe" in CONSENT_TEXT


def test_a_pending_subscriber_may_set_topics_and_stays_pending(client, topics):
    person = SubscriberFactory(email="pending@example.org")
    response = client.get(page_url(person))
    assert "not confirmed your subscription yet" in response.content.decode()
    client.post(page_url(person), {"topics": ["youth"]})
    person.refresh_from_db()
    assert person.status == SubscriberStatus.PENDING
    assert topic_slugs(person) == ["youth"]


def test_an_unknown_topic_gets_a_clear_error_and_saves_nothing(client, subscriber):
    response = client.post(page_url(subscriber), {"topics": ["no-such-topic"]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Choose topics from the list." in html
    assert topic_slugs(subscriber) == ["carers"]


def test_the_page_needs_a_csrf_token_to_save_or_unsubscribe(subscriber):
    browser = Client(enforce_csrf_checks=True)
    url = page_url(subscriber)
    assert browser.post(url, {"topics": ["youth"]}).status_code == 403
    assert browser.post(url, {"action": "unsubscribe"}).status_code == 403
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED
    assert topic_slugs(subscriber) == ["carers"]

    form_page = browser.get(url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page).group(1)
    response = browser.post(url, {"topics": ["youth"], "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert topic_slugs(subscriber) == ["youth"]


def test_the_unsubscribe_button_unsubscribes_and_says_so(client, subscriber):
    url = page_url(subscriber)
    response = client.post(url, {"action": "unsubscribe"})
    assert response.status_code == 302
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED
    assert subscriber.unsubscribed_at is not None
    page = client.get(url)
    assert "<h1>You have unsubscribed</h1>" in page.content.decode()
    assert 'href="/newsletter/"' in page.content.decode()


def test_the_one_click_unsubscribe_still_needs_no_csrf_token(subscriber):
    response = Client(enforce_csrf_checks=True).post(
        reverse("newsletter:unsubscribe", args=[make_unsubscribe_token(subscriber)]),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED


def test_someone_who_left_is_told_so_and_never_resubscribed(client, topics):
    person = SubscriberFactory(unsubscribed=True)
    url = page_url(person)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>You have unsubscribed</h1>" in html
    assert "sign up again" in html
    assert "<form" not in html.split("<main", 1)[1]
    client.post(url, {"topics": ["youth"]})
    client.post(url, {"action": "save"})
    person.refresh_from_db()
    assert person.status == SubscriberStatus.UNSUBSCRIBED
    assert topic_slugs(person) == []


def test_the_link_of_an_erased_person_says_they_are_not_on_the_list(client, subscriber):
    url = page_url(subscriber)
    subscriber.delete()
    for response in (client.get(url), client.post(url, {"topics": ["youth"]})):
        assert response.status_code == 404
        assert "<h1>You are not on our list</h1>" in response.content.decode()
    assert not Subscriber.objects.exists()


# -- bad links -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "alter",
    [
        pytest.param(lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"), id="edited"),
        pytest.param(lambda token: token[:10], id="truncated"),
        pytest.param(lambda token: "not-a-token", id="garbage"),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_gets_a_clear_page_and_changes_nothing(client, subscriber, alter, method):
    token = alter(make_preferences_token(subscriber))
    response = getattr(client, method)(
        reverse("newsletter:preferences", args=[token]), {"action": "unsubscribe"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "<h1>This link does not work</h1>" in html
    assert "the one in the newest email works too" in html
    assert response["Referrer-Policy"] == "same-origin"
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED


def test_an_unsubscribe_token_does_not_open_the_preferences_page(client, subscriber):
    token = make_unsubscribe_token(subscriber)
    response = client.post(reverse("newsletter:preferences", args=[token]), {"topics": ["youth"]})
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert topic_slugs(subscriber) == ["carers"]
    with pytest.raises(InvalidToken):
        read_preferences_token(token)


def test_a_preferences_token_cannot_unsubscribe_by_one_click(client, subscriber):
    token = make_preferences_token(subscriber)
    assert client.post(reverse("newsletter:unsubscribe", args=[token])).status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED


def test_a_link_older_than_the_setting_allows_has_expired(client, settings, subscriber):
    settings.PREFERENCES_LINK_MAX_AGE_DAYS = 30
    response = client.post(made_days_ago(31, subscriber), {"topics": ["youth"]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<h1>This link has expired</h1>" in html
    assert "work for 30 days" in html
    assert "Email me a new link" in html
    assert topic_slugs(subscriber) == ["carers"]


def test_links_work_for_a_year_by_default(client, subscriber):
    assert client.get(made_days_ago(364, subscriber)).status_code == 200
    response = client.get(made_days_ago(366, subscriber))
    assert response.status_code == 400
    assert "work for 365 days" in response.content.decode()
    token = made_days_ago(366, subscriber).split("/")[-2]
    with pytest.raises(ExpiredToken):
        read_preferences_token(token)


# -- "Email me a new link" from an expired link ------------------------------------------------


def new_link_url(page):
    token = page.split("/")[-2]
    return reverse("newsletter:preferences-new-link", args=[token])


def test_an_expired_link_can_email_a_fresh_one_to_the_subscribers_own_address(
    client, settings, subscriber
):
    settings.SITE_URL = "https://hub.example.org"
    response = client.post(new_link_url(made_days_ago(400, subscriber)))
    assert response.status_code == 302
    assert response["Location"] == reverse("newsletter:preferences-link-sent")
    assert (
        "If that address is still subscribed" in client.get(response["Location"]).content.decode()
    )
    [message] = mail.outbox
    assert message.to == ["reader@example.org"]
    link = re.search(r"https://hub\.example\.org/newsletter/preferences/\S+/", message.body)
    assert client.get(link.group(0).removeprefix("https://hub.example.org")).status_code == 200


def test_the_new_link_is_sent_by_the_worker_not_the_request(client, database_tasks, subscriber):
    client.post(new_link_url(made_days_ago(400, subscriber)))
    assert mail.outbox == []
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == SEND_EMAIL_TASK_PATH
    run_ready_tasks()
    assert [message.to for message in mail.outbox] == [["reader@example.org"]]


def test_asking_twice_for_a_new_link_sends_one_email(client, subscriber):
    url = new_link_url(made_days_ago(400, subscriber))
    client.post(url)
    client.post(url)
    assert len(mail.outbox) == 1


def test_no_new_link_goes_to_someone_who_left_or_was_erased_and_the_page_is_the_same(client):
    left = SubscriberFactory(unsubscribed=True)
    erased = SubscriberFactory(confirmed=True)
    erased_url = new_link_url(made_days_ago(400, erased))
    erased.delete()
    staying = SubscriberFactory(confirmed=True)
    responses = [
        client.post(new_link_url(made_days_ago(400, left))),
        client.post(erased_url),
        client.post(new_link_url(made_days_ago(400, staying))),
    ]
    assert {(r.status_code, r["Location"]) for r in responses} == {
        (302, reverse("newsletter:preferences-link-sent"))
    }
    assert [message.to for message in mail.outbox] == [[staying.email]]


def test_a_forged_link_cannot_ask_for_a_new_one(client, subscriber):
    token = make_preferences_token(subscriber)[:-2] + "xx"
    response = client.post(reverse("newsletter:preferences-new-link", args=[token]))
    assert response.status_code == 400
    assert mail.outbox == []


def test_asking_for_new_links_is_rate_limited_per_client(client):
    people = SubscriberFactory.create_batch(6, confirmed=True)
    statuses = [
        client.post(new_link_url(made_days_ago(400, person))).status_code for person in people
    ]
    assert statuses == [302] * 5 + [429]
    assert len(mail.outbox) == 5


def test_asking_for_a_new_link_needs_a_csrf_token(subscriber):
    response = Client(enforce_csrf_checks=True).post(new_link_url(made_days_ago(400, subscriber)))
    assert response.status_code == 403
    assert mail.outbox == []


# -- the link in emails ------------------------------------------------------------------------


def preferences_links_in(message):
    [html] = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    pattern = r"https://hub\.example\.org/newsletter/preferences/[^\s\"<]+/"
    return re.findall(pattern, message.body), re.findall(pattern, html)


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(send_confirmation, id="confirmation"),
        pytest.param(
            lambda person: newsletter_email(
                person, subject="News", template="confirm", context={"confirm_url": "x"}
            ).send(),
            id="any newsletter email",
        ),
    ],
)
def test_every_email_links_to_the_recipients_own_preferences_page(client, settings, topics, build):
    settings.SITE_URL = "https://hub.example.org"
    someone_else = SubscriberFactory(confirmed=True)
    person = SubscriberFactory(email="person@example.org")
    person.topics.set([topics["youth"]])
    build(person)
    [message] = mail.outbox
    text_links, html_links = preferences_links_in(message)
    assert len(text_links) == 1 and text_links == html_links
    assert "Change your topics: https://hub.example.org/newsletter/preferences/" in message.body
    assert ">Change your topics</a>" in message.alternatives[0][0]
    page = client.get(text_links[0].removeprefix("https://hub.example.org"))
    assert page.status_code == 200
    assert "p•••••@example.org" in page.content.decode()
    assert page.context["subscriber"] == person != someone_else


def test_preferences_url_is_absolute_on_site_url(settings, subscriber):
    settings.SITE_URL = "https://hub.example.org"
    url = preferences_url(subscriber)
    assert url.startswith("https://hub.example.org/newsletter/preferences/")
    assert read_preferences_token(url.split("/")[-2]) == subscriber.pk


def test_the_confirmation_email_keeps_its_content_and_unsubscribe_link(settings):
    settings.SITE_URL = "https://hub.example.org"
    person = SubscriberFactory()
    send_confirmation(person)
    [message] = mail.outbox
    assert "To confirm, open this link within 7 days:" in message.body
    assert "https://hub.example.org/newsletter/confirm/" in message.body
    assert "Unsubscribe: https://hub.example.org/newsletter/unsubscribe/" in message.body
    assert "\n--\nPeer Support Evidence Hub\n" in message.body
