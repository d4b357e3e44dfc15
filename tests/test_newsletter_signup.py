"""Signing up: the form, the "check your email" page, abuse handling and bad input."""

import datetime
import os
import re
import smtplib
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from newsletter.forms import SignupForm
from newsletter.models import CONSENT_TEXT, Subscriber, SubscriberStatus
from tests.factories import SubscriberFactory, TopicFactory

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/newsletter/"


def sign_up(client, email="ann@example.org", **fields):
    data = {"email": email, "consent": "on", **fields}
    return client.post(SIGNUP_URL, data)


def test_signup_page_shows_the_form_with_the_consent_wording(client):
    response = client.get(SIGNUP_URL)
    assert response.status_code == 200
    assert response.context["form"].fields["consent"].label == CONSENT_TEXT
    assert CONSENT_TEXT in response.content.decode()
    assert b'name="csrfmiddlewaretoken"' in response.content


def test_signup_page_lists_topics_as_checkboxes(client):
    TopicFactory(name="Mental health")
    response = client.get(SIGNUP_URL)
    assert b'type="checkbox" name="topics" value="mental-health"' in response.content


def test_signup_redirects_to_the_check_your_email_page(client):
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("newsletter:check-email")
    assert client.get(response["Location"]).status_code == 200


def test_signup_stores_a_pending_subscriber_with_details_and_consent_wording(client):
    topic = TopicFactory(name="Diabetes")
    sign_up(client, name="Ann", topics=[topic.slug])
    subscriber = Subscriber.objects.get()
    assert subscriber.status == SubscriberStatus.PENDING
    assert subscriber.name == "Ann"
    assert list(subscriber.topics.all()) == [topic]
    assert subscriber.consent_text == CONSENT_TEXT
    assert subscriber.confirmed_at is None


def test_signup_sends_one_confirmation_email_with_an_absolute_link(client, settings):
    settings.SITE_URL = "https://hub.example.org"
    sign_up(client)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ann@example.org"]
    assert "https://hub.example.org/newsletter/confirm/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert 'href="https://hub.example.org/newsletter/confirm/' in html


def test_the_file_email_backend_writes_the_confirmation_to_a_file(client, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    sign_up(client)
    [written] = list(tmp_path.iterdir())
    content = written.read_text()
    assert "To: ann@example.org" in content
    assert "/newsletter/confirm/" in content


def test_the_confirmation_email_does_not_repeat_text_a_stranger_typed(client):
    sign_up(client, name="Visit https://phishing.example now")
    message = mail.outbox[0]
    assert "phishing" not in message.body
    assert "phishing" not in message.alternatives[0][0]


def test_new_pending_and_confirmed_addresses_get_identical_responses(client):
    SubscriberFactory(email="pending@example.org")
    SubscriberFactory(email="confirmed@example.org", confirmed=True)
    responses = [
        sign_up(client, email)
        for email in ("new@example.org", "pending@example.org", "confirmed@example.org")
    ]
    assert {(r.status_code, r["Location"], r.content) for r in responses} == {
        (302, reverse("newsletter:check-email"), b"")
    }
    pages = {client.get(r["Location"]).content for r in responses}
    assert len(pages) == 1


def test_a_confirmed_address_gets_no_email_and_keeps_its_details(client):
    subscriber = SubscriberFactory(email="ann@example.org", name="Ann", confirmed=True)
    sign_up(client, name="Someone else")
    subscriber.refresh_from_db()
    assert mail.outbox == []
    assert subscriber.status == SubscriberStatus.CONFIRMED
    assert subscriber.name == "Ann"


def test_signing_up_again_while_pending_resends_the_link_without_a_duplicate(client):
    sign_up(client)
    Subscriber.objects.update(
        last_confirmation_sent_at=timezone.now() - datetime.timedelta(hours=1)
    )
    sign_up(client)
    assert Subscriber.objects.count() == 1
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == ["ann@example.org"]


def test_signing_up_again_straight_away_sends_no_second_email(client):
    sign_up(client)
    response = sign_up(client)
    assert response["Location"] == reverse("newsletter:check-email")
    assert len(mail.outbox) == 1


def test_addresses_are_stored_in_lower_case_and_matched_in_any_case(client):
    sign_up(client, "Ann@Example.ORG")
    Subscriber.objects.update(last_confirmation_sent_at=None)
    sign_up(client, "ANN@example.org")
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["ann@example.org"]


def test_the_database_refuses_one_address_in_two_letter_cases():
    SubscriberFactory(email="ann@example.org")
    with pytest.raises(IntegrityError):
        # update() skips save()'s normalisation, so only the constraint stands in the way.
        Subscriber.objects.create(email="other@example.org")
        Subscriber.objects.filter(email="other@example.org").update(email="ANN@example.org")


def test_someone_who_unsubscribed_can_sign_up_again(client):
    SubscriberFactory(email="ann@example.org", unsubscribed=True)
    sign_up(client)
    subscriber = Subscriber.objects.get()
    assert subscriber.status == SubscriberStatus.PENDING
    assert subscriber.unsubscribed_at is None
    assert len(mail.outbox) == 1


def test_a_filled_honeypot_gets_the_same_response_and_stores_nothing(client):
    response = sign_up(client, website="http://spam.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("newsletter:check-email")
    assert not Subscriber.objects.exists()
    assert mail.outbox == []


def test_the_honeypot_is_hidden_from_sight_and_the_tab_order(client):
    html = client.get(SIGNUP_URL).content.decode()
    assert '<div class="visually-hidden">' in html
    assert "Leave this empty" in html
    assert 'tabindex="-1"' in html
    assert 'name="website"' in html


@pytest.mark.parametrize(
    ("fields", "field_with_error"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": ""}, "email"),
        ({"email": "a" * 245 + "@example.org"}, "email"),
        ({"name": "n" * 101}, "name"),
        ({"topics": ["no-such-topic"]}, "topics"),
        ({"consent": ""}, "consent"),
    ],
)
def test_bad_input_gets_form_errors_and_stores_nothing(client, fields, field_with_error):
    data = {"email": "ann@example.org", "consent": "on", **fields}
    response = client.post(SIGNUP_URL, data)
    assert response.status_code == 400
    assert field_with_error in response.context["form"].errors
    assert b"There is a problem" in response.content
    assert not Subscriber.objects.exists()
    assert mail.outbox == []


def test_form_errors_are_linked_to_their_fields_for_screen_readers(client):
    response = client.post(SIGNUP_URL, {"email": "nope"})
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_email_error"' in html
    assert 'href="#id_email"' in html
    assert "<title>Error: " in html


def test_a_sixth_signup_within_ten_minutes_gets_the_429_page(client):
    for number in range(5):
        assert sign_up(client, f"person{number}@example.org").status_code == 302
    response = sign_up(client, "person5@example.org")
    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    assert Subscriber.objects.count() == 5


def test_the_rate_limit_counts_each_client_address_separately(client):
    for number in range(5):
        sign_up(client, f"person{number}@example.org")
    other_client = Client(REMOTE_ADDR="192.0.2.99")
    assert sign_up(other_client, "someone@example.org").status_code == 302


def test_the_signup_form_refuses_a_post_without_a_csrf_token():
    response = sign_up(Client(enforce_csrf_checks=True))
    assert response.status_code == 403
    assert not Subscriber.objects.exists()


def test_the_signup_form_accepts_a_post_with_its_csrf_token():
    client = Client(enforce_csrf_checks=True)
    client.get(SIGNUP_URL)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = sign_up(client, csrfmiddlewaretoken=token)
    assert response.status_code == 302


def test_the_compact_form_takes_only_email_and_consent():
    form = SignupForm({"email": "ann@example.org", "consent": "on"})
    assert form.is_valid(), form.errors


def test_the_home_page_has_the_compact_signup_form(client):
    html = client.get("/").content.decode()
    assert f'action="{SIGNUP_URL}"' in html
    assert 'id="newsletter-cta-email"' in html
    assert CONSENT_TEXT in html
    assert 'href="/newsletter/"' in html


@pytest.mark.parametrize(
    "data",
    [
        {"email": "ann@example.org", "consent": "on", "name": "Ann\x00"},
        {"email": "ann\x00@example.org", "consent": "on"},
        {"email": ["a@example.org", "b@example.org"], "consent": "on", "topics": ["' OR 1=1"]},
        {"email": "ann@example.org", "consent": "false"},
        {},
    ],
)
def test_malformed_submissions_get_a_400_not_a_server_error(client, data):
    response = client.post(SIGNUP_URL, data)
    assert response.status_code == 400
    assert not Subscriber.objects.exists()


def test_an_address_the_mail_server_refuses_still_gets_the_usual_page(client):
    refused = smtplib.SMTPRecipientsRefused({"ann@example.org": (550, b"No such user")})
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=refused):
        response = sign_up(client)
    assert response["Location"] == reverse("newsletter:check-email")
    assert Subscriber.objects.get().last_confirmation_sent_at is None


@pytest.mark.parametrize("path", [SIGNUP_URL, "/newsletter/check-your-email/"])
def test_newsletter_pages_have_no_inline_styles_or_scripts(client, path):
    html = client.get(path).content.decode()
    assert "style=" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None


def test_a_filemail_email_url_with_three_slashes_writes_to_that_absolute_folder(tmp_path):
    """django-environ alone would drop a slash (var/mail); the settings keep the path absolute."""
    code = (
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.EMAIL_BACKEND); print(settings.EMAIL_FILE_PATH)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hub.settings",
        "DEBUG": "1",
        "EMAIL_URL": f"filemail://{tmp_path}",  # tmp_path starts with "/": three slashes
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == [
        "django.core.mail.backends.filebased.EmailBackend",
        str(tmp_path),
    ], result.stderr
