"""Curators prepare, preview, test, send and follow newsletter digests in the admin."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from newsletter.models import DeliveryStatus, DigestIssue, DigestStatus, WhenNothingNew
from resources.models import Entry
from tests.factories import EntryFactory, SubscriberFactory, TopicFactory

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
END = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)


@pytest.fixture
def curator_client(client):
    curator = User.objects.create_user(
        "curator", "curator@example.org", password="pw", is_staff=True
    )
    curator.groups.add(Group.objects.get(name="Curators"))
    client.force_login(curator)
    client.user = curator
    return client


@pytest.fixture
def carers():
    return TopicFactory(name="Carers")


@pytest.fixture
def digest(carers):
    made = EntryFactory(title="For carers", topics=[carers])
    Entry.objects.filter(pk=made.pk).update(published_at=START + datetime.timedelta(days=3))
    other = EntryFactory(title="For everyone")
    Entry.objects.filter(pk=other.pk).update(published_at=START + datetime.timedelta(days=4))
    return DigestIssue.objects.create(
        subject="November", intro="Hello.", period_start=START, period_end=END,
        when_nothing_new=WhenNothingNew.SKIP,
    )  # fmt: skip


def people(carers, youth):
    ann = SubscriberFactory(email="ann@example.org", confirmed=True)
    ann.topics.set([carers])
    bob = SubscriberFactory(email="bob@example.org", confirmed=True)
    bob.topics.set([youth])  # nothing new on youth: skipped by this issue
    SubscriberFactory(email="cat@example.org", confirmed=True)  # no topics: everything
    SubscriberFactory(email="pending@example.org")
    return ann, bob


def url(name, digest):
    return reverse(f"admin:newsletter_digestissue_{name}", args=[digest.pk])


def test_curators_are_granted_preparing_sending_and_following_digests():
    codenames = set(
        Group.objects.get(name="Curators")
        .permissions.filter(content_type__app_label="newsletter")
        .values_list("codename", flat=True)
    )
    assert {"add_digestissue", "change_digestissue", "view_digestissue", "send_digestissue",
            "view_digestdelivery"} <= codenames  # fmt: skip
    assert "delete_digestissue" not in codenames


def test_a_curator_creates_a_draft_whose_period_starts_where_the_last_issue_ended(
    curator_client,
):
    page = curator_client.get(reverse("admin:newsletter_digestissue_add"))
    assert page.status_code == 200

    response = curator_client.post(
        reverse("admin:newsletter_digestissue_add"),
        {"subject": "December", "intro": "Hi **all**", "period_start": "",
         "period_end": "", "when_nothing_new": "notable"},
    )  # fmt: skip

    assert response.status_code == 302
    issue = DigestIssue.objects.get()
    assert issue.created_by == curator_client.user and issue.status == DigestStatus.DRAFT
    assert issue.period_start is not None and issue.period_end is None


def test_the_preview_shows_the_text_the_framed_html_and_who_will_receive_it(
    curator_client, digest, carers, django_assert_max_num_queries
):
    people(carers, TopicFactory(name="Youth"))

    with django_assert_max_num_queries(15):
        response = curator_client.get(url("preview", digest))

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<strong>2</strong> will receive items on their topics", html)
    assert re.search(
        r"<strong>1</strong> have nothing new on their topics and will be skipped", html
    )
    assert "What someone who chose no topics receives" in html
    assert "For carers" in html and "For everyone" in html  # the text part
    assert f'<iframe class="digest-preview" src="{url("preview_html", digest)}" sandbox' in html
    assert "<script>" not in html


def test_the_preview_for_a_subscriber_is_what_they_will_receive(curator_client, digest, carers):
    people(carers, TopicFactory(name="Youth"))

    response = curator_client.get(url("preview", digest), {"email": "ANN@example.org"})
    html = response.content.decode()
    assert "What ann@example.org receives" in html
    assert "On your topics: Carers." in html and "For everyone" not in html

    skipped = curator_client.get(url("preview", digest), {"email": "bob@example.org"})
    assert "Nothing: there is nothing new on their topics" in skipped.content.decode()

    unknown = curator_client.get(url("preview", digest), {"email": "who@example.org"})
    assert "No subscriber has this address." in unknown.content.decode()


def test_the_html_part_is_served_under_a_policy_that_runs_and_loads_nothing(
    curator_client, digest, carers
):
    response = curator_client.get(url("preview_html", digest), {"topics": [carers.pk]})

    assert response.status_code == 200
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    html = response.content.decode()
    assert "<h2>Resources</h2>" in html and "For carers" in html and "For everyone" not in html


def test_a_test_send_goes_to_the_curators_own_address(curator_client, digest, carers, mailoutbox):
    response = curator_client.post(url("test_send", digest), {"topics": [carers.pk]})

    assert response.status_code == 302
    assert response["Location"] == f"{url('preview', digest)}?topics={carers.pk}"
    [message] = mailoutbox
    assert message.to == ["curator@example.org"]
    assert message.subject == "[Test] November"
    assert "For carers" in message.body
    assert digest.deliveries.count() == 0


def test_sending_asks_first_then_sends_and_shows_progress_and_the_log(
    curator_client, digest, carers, mailoutbox, django_assert_max_num_queries
):
    ann, bob = people(carers, TopicFactory(name="Youth"))

    confirm = curator_client.get(url("send", digest))
    assert "Yes, send it" in confirm.content.decode()
    assert digest.deliveries.count() == 0

    response = curator_client.post(url("send", digest))

    assert response.status_code == 302 and response["Location"] == url("progress", digest)
    assert sorted(message.to[0] for message in mailoutbox) == ["ann@example.org",
                                                               "cat@example.org"]  # fmt: skip
    digest.refresh_from_db()
    assert digest.status == DigestStatus.SENT and digest.sent_count == 2
    assert digest.skipped_count == 1

    with django_assert_max_num_queries(8):
        progress = curator_client.get(url("progress", digest))
    html = progress.content.decode()
    assert "Finished" in html and "2 sent, 1 skipped, 0 bounced, 0 failed" in html
    assert re.search(r'<script src="[^"]*/js/digest-progress[.\w]*\.js" defer>', html)
    assert "<script>" not in html

    log = curator_client.get(
        reverse("admin:newsletter_digestdelivery_changelist"),
        {"issue__id__exact": digest.pk, "status__exact": DeliveryStatus.SKIPPED},
    )
    assert log.status_code == 200
    assert "bob@example.org" in log.content.decode()
    assert "ann@example.org" not in log.content.decode()

    # Sent once: posting again sends nothing more, and the issue no longer changes.
    curator_client.post(url("send", digest))
    assert len(mailoutbox) == 2
    change = curator_client.get(reverse("admin:newsletter_digestissue_change", args=[digest.pk]))
    assert 'name="subject"' not in change.content.decode()


def test_progress_while_sending_refreshes_itself_and_can_be_reloaded(curator_client, digest):
    DigestIssue.objects.filter(pk=digest.pk).update(status=DigestStatus.SENDING)

    html = curator_client.get(url("progress", digest)).content.decode()

    assert 'id="digest-progress" data-refresh-seconds="5">' in html
    assert "Sending: 0 of 0 done." in html
    assert ">Reload</a>" in html


def test_staff_outside_the_curators_group_cannot_preview_or_send(client, digest):
    other = User.objects.create_user("other", password="pw", is_staff=True)
    client.force_login(other)

    assert client.get(url("preview", digest)).status_code == 403
    assert client.post(url("send", digest)).status_code == 403
    digest.refresh_from_db()
    assert digest.status == DigestStatus.DRAFT
