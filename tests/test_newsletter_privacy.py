"""Subscribers' rights: a copy of everything held about one person, erasure of people who left
after the retention period, and the about page saying so."""

import datetime
import io
import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from hub.tasks import send_email
from newsletter.models import CONSENT_TEXT, Subscriber
from tests.factories import SubscriberFactory, TopicFactory
from tests.tasks import run_ready_tasks

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:newsletter_subscriber_changelist")


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def sign_up(client, email, **fields):
    return client.post("/newsletter/", {"email": email, "consent": "on", **fields})


def export(client, *subscribers):
    return client.post(
        CHANGELIST,
        {"action": "export_access_record", "_selected_action": [s.pk for s in subscribers]},
    )


@pytest.fixture
def two_people(client, database_tasks):
    """Ann and Bob signed up through the page (the worker answered both), and Ann confirmed."""
    carers = TopicFactory(name="Carers")
    TopicFactory(name="Dementia")
    sign_up(client, "ann@example.org", name="Ann Example", topics=[carers.slug])
    sign_up(client, "bob@example.org", name="Bob Other", topics=["dementia"])
    run_ready_tasks()
    ann = Subscriber.objects.get(email="ann@example.org")
    ann.confirm()
    return ann, Subscriber.objects.get(email="bob@example.org")


def test_a_curator_downloads_everything_held_about_one_person_as_json(curator_client, two_people):
    ann, _ = two_people
    response = export(curator_client, ann)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="newsletter-subscriber-{ann.pk}-'
    )
    record = json.loads(response.content)

    subscriber = record["subscriber"]
    assert subscriber["email"] == "ann@example.org"
    assert subscriber["name"] == "Ann Example"
    assert subscriber["status"] == "confirmed"
    for field in ("created", "last_signup_at", "last_confirmation_sent_at", "confirmed_at"):
        assert subscriber[field], field
    assert subscriber["unsubscribed_at"] is None
    assert record["topics"] == [{"slug": "carers", "name": "Carers"}]
    assert record["consent"]["wording"] == CONSENT_TEXT
    agreed_at = datetime.datetime.fromisoformat(record["consent"]["agreed_at"])
    assert abs(agreed_at - ann.consented_at) < datetime.timedelta(milliseconds=1)

    [signup] = record["send_log"]
    assert signup["task"] == "process_signup"
    assert signup["status"] == TaskResultStatus.SUCCESSFUL
    assert signup["arguments"]["name"] == "Ann Example"
    assert signup["result"] == {"email": "confirmation", "delivery": "sent"}
    assert signup["enqueued_at"] and signup["finished_at"]


def test_the_access_record_holds_nothing_about_anyone_else(curator_client, two_people):
    ann, bob = two_people
    content = export(curator_client, ann).content.decode()
    sign_up(curator_client, "bob@example.org", name="Bob Other")  # waiting for the worker
    for trace in ("bob@example.org", "Bob Other", "dementia", f'"subscriber_id": {bob.pk}'):
        assert trace not in content
    assert "curator" not in content  # who changed or exported the record is not theirs


def test_the_access_record_includes_retried_emails_and_admin_history(
    curator_client, two_people, admin_client
):
    ann, _ = two_people
    send_email.enqueue(subject="Confirm", body="…", to=[ann.email], attempt=2)
    send_email.enqueue(subject="Confirm", body="…", to=["bob@example.org"], attempt=2)
    change_url = reverse("admin:newsletter_subscriber_change", args=[ann.pk])
    admin_client.post(change_url, {"name": "Ann E.", "topics": []})

    record = json.loads(export(curator_client, ann).content)
    tasks = [(entry["task"], entry["arguments"]) for entry in record["send_log"]]
    assert tasks[1] == ("send_email", {"subject": "Confirm", "to": [ann.email], "attempt": 2})
    assert len(tasks) == 2
    [history] = record["admin_history"]
    assert history["action"] == "changed" and "Name" in history["change"]


def test_the_access_record_includes_signups_still_waiting_for_the_worker(
    curator_client, two_people
):
    ann, _ = two_people
    sign_up(curator_client, "ANN@Example.org", name="Ann Again")
    record = json.loads(export(curator_client, ann).content)
    answered, waiting = record["send_log"]
    assert answered["status"] == TaskResultStatus.SUCCESSFUL
    assert waiting["task"] == "process_signup"
    assert waiting["status"] == TaskResultStatus.READY
    assert waiting["arguments"]["email"] == "ann@example.org"
    assert waiting["arguments"]["name"] == "Ann Again"
    assert waiting["finished_at"] is None


def test_the_export_is_noted_in_the_persons_admin_history(curator_client, two_people):
    ann, _ = two_people
    export(curator_client, ann)
    entry = LogEntry.objects.get(object_id=str(ann.pk))
    assert entry.action_flag == CHANGE
    assert "access request" in entry.get_change_message()


def test_the_export_takes_exactly_one_person(curator_client, two_people):
    response = export(curator_client, *two_people)
    assert response.status_code == 302
    page = curator_client.get(response["Location"]).content.decode()
    assert "Select exactly one subscriber" in page


def test_staff_who_may_not_view_subscribers_cannot_export(client, two_people):
    client.force_login(User.objects.create_user("editor", password="pw", is_staff=True))
    assert export(client, two_people[0]).status_code == 403


def test_erasing_a_person_erases_their_send_log_too(admin_client, two_people):
    ann, bob = two_people
    sign_up(admin_client, "ann@example.org", name="Ann Again")  # not yet answered
    send_email.enqueue(subject="Confirm", body="…", to=[ann.email], attempt=2)
    delete_url = reverse("admin:newsletter_subscriber_delete", args=[ann.pk])
    admin_client.post(delete_url, {"post": "yes"})
    assert not Subscriber.objects.filter(pk=ann.pk).exists()
    [left] = DBTaskResult.objects.all()
    assert left.args_kwargs["kwargs"]["email"] == bob.email
    run_ready_tasks()  # nothing was left to bring the erased person back
    assert not Subscriber.objects.filter(email="ann@example.org").exists()


def make_subscriber(*, left_days_ago=None, **kwargs):
    if left_days_ago is None:
        return SubscriberFactory(**kwargs)
    left = timezone.now() - datetime.timedelta(days=left_days_ago)
    return SubscriberFactory(status="unsubscribed", unsubscribed_at=left, **kwargs)


def purge(*args):
    out = io.StringIO()
    call_command("purge_pending_subscribers", *args, stdout=out)
    return out.getvalue()


def test_purge_erases_people_who_left_more_than_a_year_ago_and_says_how_many():
    long_gone = make_subscriber(left_days_ago=366)
    long_gone.topics.add(TopicFactory(name="Carers"))
    recently_left = make_subscriber(left_days_ago=364)
    confirmed_long_ago = make_subscriber(
        confirmed=True, created=timezone.now() - datetime.timedelta(days=1000)
    )
    output = purge()
    assert "Erased 1 unsubscribed subscriber(s) who left more than 365 days ago." in output
    assert set(Subscriber.objects.all()) == {recently_left, confirmed_long_ago}


def test_the_retention_period_comes_from_the_setting(settings):
    settings.UNSUBSCRIBED_RETENTION_DAYS = 30
    make_subscriber(left_days_ago=31)
    kept = make_subscriber(left_days_ago=29)
    assert "Erased 1 unsubscribed" in purge()
    assert list(Subscriber.objects.all()) == [kept]


def test_the_retention_period_can_be_given_to_the_command():
    make_subscriber(left_days_ago=8)
    assert "more than 7 days ago" in purge("--unsubscribed-days", "7")
    assert not Subscriber.objects.exists()


def test_purge_erases_the_send_log_of_the_people_it_erases(client, database_tasks):
    sign_up(client, "ann@example.org")
    sign_up(client, "bob@example.org")
    run_ready_tasks()
    Subscriber.objects.filter(email="ann@example.org").update(
        status="unsubscribed", unsubscribed_at=timezone.now() - datetime.timedelta(days=400)
    )
    purge()
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["bob@example.org"]
    [left] = DBTaskResult.objects.all()
    assert left.args_kwargs["kwargs"]["email"] == "bob@example.org"


def test_purge_erases_signups_of_the_people_it_erases_still_waiting_for_the_worker(
    client, database_tasks
):
    SubscriberFactory(
        email="ann@example.org",
        status="unsubscribed",
        unsubscribed_at=timezone.now() - datetime.timedelta(days=400),
    )
    sign_up(client, "ann@example.org")
    sign_up(client, "bob@example.org")
    purge()
    [left] = DBTaskResult.objects.all()
    assert left.args_kwargs["kwargs"]["email"] == "bob@example.org"


def test_the_send_log_still_finds_signups_queued_by_subscriber_id(client, database_tasks):
    from newsletter.tasks import process_signup

    ann = SubscriberFactory(email="ann@example.org")
    bob = SubscriberFactory(email="bob@example.org")
    for person in (ann, bob):
        process_signup.enqueue(
            subscriber_id=person.pk, name="", topic_slugs=[], consent_text=CONSENT_TEXT
        )
    Subscriber.objects.filter(pk=ann.pk).erase()
    [left] = DBTaskResult.objects.all()
    assert left.args_kwargs["kwargs"]["subscriber_id"] == bob.pk


def test_purge_deletes_finished_send_logs_after_thirty_days_only(client, database_tasks):
    sign_up(client, "ann@example.org")
    sign_up(client, "bob@example.org")
    run_ready_tasks()
    old, recent = DBTaskResult.objects.order_by("enqueued_at")
    DBTaskResult.objects.filter(pk=old.pk).update(
        finished_at=timezone.now() - datetime.timedelta(days=31)
    )
    assert "Deleted 1 send log task(s) older than 30 days." in purge()
    assert list(DBTaskResult.objects.all()) == [recent]
    assert Subscriber.objects.count() == 2  # the people stay; only the log goes


def test_purge_refuses_a_retention_under_one_day():
    with pytest.raises(Exception, match="1 or more"):
        purge("--unsubscribed-days", "0")


def test_the_about_page_says_what_is_kept_for_how_long_and_how_to_ask(client, settings):
    settings.CONTACT_EMAIL = "privacy@example.org"
    settings.UNSUBSCRIBED_RETENTION_DAYS = 200
    html = client.get("/about/").content.decode()
    assert "your email address" in html
    assert "the wording you agreed to" in html
    assert "log of each signup we answered and each email we sent you, kept for 30 days" in html
    assert "for each digest, whether and when we sent it to you" in html
    assert "kept as long as your record and erased with it" in html
    assert "Signups that are never confirmed are deleted after 30 days" in html
    assert "keep your record for 200 days" in html
    assert "a copy of everything we hold about you" in html
    assert "erase it sooner" in html
    assert 'href="mailto:privacy@example.org"' in html


def test_without_a_contact_address_the_about_page_still_says_how_to_ask(client, settings):
    settings.CONTACT_EMAIL = ""
    html = client.get("/about/").content.decode()
    assert "a copy of everything we hold about you" in html
    assert "mailto:" not in html
