"""Signups are answered in the background: the request does the same work for every address,
the worker decides what to send, and a failed send is tried again or recorded, never lost."""

import datetime
import logging
import re
import smtplib
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from hub.tasks import MAX_ATTEMPTS, RETRY_DELAYS, send_email, send_in_background
from newsletter.models import CONSENT_TEXT, Subscriber, SubscriberStatus
from tests.factories import SubscriberFactory, TopicFactory
from tests.tasks import run_ready_tasks

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/newsletter/"
STATES = ["new", "pending", "confirmed", "unsubscribed"]
SEND = "django.core.mail.EmailMessage.send"


def sign_up(client, email, **fields):
    return client.post(SIGNUP_URL, {"email": email, "consent": "on", **fields})


def make_subscriber(state, email):
    """An address in `state`; "new" makes nothing."""
    if state != "new":
        SubscriberFactory(
            email=email,
            name="Kept name",
            confirmed=state == "confirmed",
            unsubscribed=state == "unsubscribed",
        )


LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b|\"s\d+_x\d+\"")


def query_shapes(queries):
    """The SQL run, with every literal (addresses, ids, times, arguments) and savepoint name
    blanked out."""
    return [LITERALS.sub("?", query["sql"]) for query in queries]


def argument_shape(value):
    if isinstance(value, dict):
        return {key: argument_shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [argument_shape(item) for item in value]
    return type(value).__name__


def signup_work(client, state):
    """What one signup for an address in `state` does in the request: its response, its SQL
    and the task it enqueued."""
    email = f"{state}@example.org"
    make_subscriber(state, email)
    with CaptureQueriesContext(connection) as queries:
        response = sign_up(client, email, name="Ann", topics=["carers"])
    [task] = DBTaskResult.objects.all()
    DBTaskResult.objects.all().delete()
    return response, query_shapes(queries), task


def test_a_signup_does_identical_work_whatever_the_address_state(client, database_tasks):
    TopicFactory(name="Carers")
    work = {state: signup_work(client, state) for state in STATES}

    responses = {
        (r.status_code, r["Location"], r.content, tuple(sorted(r.headers.items())))
        for r, _, _ in work.values()
    }
    assert responses == {responses.copy().pop()}
    assert next(iter(responses))[:2] == (302, reverse("newsletter:check-email"))

    shapes = [shape for _, shape, _ in work.values()]
    assert all(shape == shapes[0] for shape in shapes), shapes
    # One enqueued task (and the topics form field's check); no subscriber row read or written.
    assert sum("INSERT" in query for query in shapes[0]) == 1
    assert not any("newsletter_subscriber" in query for query in shapes[0]), shapes[0]

    tasks = [task for _, _, task in work.values()]
    assert {task.task_path for task in tasks} == {"newsletter.tasks.process_signup"}
    assert len({repr(argument_shape(task.args_kwargs)) for task in tasks}) == 1
    assert {task.status for task in tasks} == {TaskResultStatus.READY}
    assert mail.outbox == []  # nothing is sent inside the request


@pytest.mark.parametrize("state", STATES)
def test_the_enqueued_task_carries_the_same_kinds_of_arguments(client, database_tasks, state):
    TopicFactory(name="Carers")
    _, _, task = signup_work(client, state)
    assert task.args_kwargs == {
        "args": [],
        "kwargs": {
            "email": f"{state}@example.org",
            "name": "Ann",
            "topic_slugs": ["carers"],
            "consent_text": CONSENT_TEXT,
        },
    }


def test_the_request_touches_no_subscriber_row(client, database_tasks):
    SubscriberFactory(email="ann@example.org", name="Ann", confirmed=True)
    before = list(Subscriber.objects.values())
    sign_up(client, "ANN@example.org", name="Someone else")
    assert list(Subscriber.objects.values()) == before
    assert before[0]["last_signup_at"] is None
    [task] = DBTaskResult.objects.all()
    assert task.args_kwargs["kwargs"]["email"] == "ann@example.org"  # normalised

    run_ready_tasks()  # the worker records the signup, and changes nothing else

    subscriber = Subscriber.objects.get()
    assert subscriber.last_signup_at is not None
    assert (subscriber.name, subscriber.status) == ("Ann", SubscriberStatus.CONFIRMED)


def test_a_new_address_does_not_exist_until_the_worker_runs(client, database_tasks):
    sign_up(client, "new@example.org", name="Ann")
    assert not Subscriber.objects.exists()

    run_ready_tasks()

    subscriber = Subscriber.objects.get()
    assert (subscriber.email, subscriber.status) == ("new@example.org", SubscriberStatus.PENDING)
    assert (subscriber.name, subscriber.consent_text) == ("Ann", CONSENT_TEXT)
    assert subscriber.last_signup_at is not None
    assert subscriber.last_confirmation_sent_at is not None


@pytest.mark.parametrize(
    "state, sent_a_moment_ago, gets_confirmation",
    [
        ("new", False, True),
        ("pending", False, True),
        ("pending", True, False),
        ("confirmed", False, False),
        ("unsubscribed", False, True),
    ],
)
def test_the_worker_sends_the_right_email_for_each_state(
    client, database_tasks, state, sent_a_moment_ago, gets_confirmation
):
    topic = TopicFactory(name="Carers")
    make_subscriber(state, "ann@example.org")
    if sent_a_moment_ago:
        Subscriber.objects.update(last_confirmation_sent_at=timezone.now())
    sign_up(client, "ann@example.org", name="Ann", topics=[topic.slug])
    assert mail.outbox == []

    run_ready_tasks()

    [task] = DBTaskResult.objects.all()
    assert task.status == TaskResultStatus.SUCCESSFUL
    subscriber = Subscriber.objects.get()
    if gets_confirmation:
        [message] = mail.outbox
        assert message.to == ["ann@example.org"]
        assert "/newsletter/confirm/" in message.body
        assert task.return_value == {"email": "confirmation", "delivery": "sent"}
        assert (subscriber.status, subscriber.name) == (SubscriberStatus.PENDING, "Ann")
        assert list(subscriber.topics.all()) == [topic]
    else:
        assert mail.outbox == []
        assert task.return_value == {"email": None}
    if state == "confirmed":
        assert (subscriber.status, subscriber.name) == (SubscriberStatus.CONFIRMED, "Kept name")
        assert not subscriber.topics.exists()


def test_the_confirmation_link_from_the_worker_confirms(client, database_tasks):
    sign_up(client, "ann@example.org")
    run_ready_tasks()
    link = re.search(r"https?://\S+/newsletter/confirm/\S+/", mail.outbox[0].body).group()
    response = client.get(urlsplit(link).path)
    assert b"You are subscribed" in response.content
    assert Subscriber.objects.get().status == SubscriberStatus.CONFIRMED


def test_a_signup_erased_before_the_worker_runs_sends_nothing(client, database_tasks):
    SubscriberFactory(email="ann@example.org")
    sign_up(client, "Ann@example.org")
    Subscriber.objects.all().erase()  # an erasure request takes the waiting task with it
    assert not DBTaskResult.objects.exists()
    run_ready_tasks()
    assert mail.outbox == []
    assert not Subscriber.objects.exists()


def test_a_signup_queued_before_the_upgrade_names_its_subscriber_by_id(database_tasks):
    from newsletter.tasks import process_signup

    subscriber = SubscriberFactory(email="ann@example.org")
    process_signup.enqueue(
        subscriber_id=subscriber.pk, name="Ann", topic_slugs=[], consent_text=CONSENT_TEXT
    )
    run_ready_tasks()
    assert DBTaskResult.objects.get().return_value == {"email": "confirmation", "delivery": "sent"}
    assert [message.to for message in mail.outbox] == [["ann@example.org"]]


def test_two_signups_queued_together_send_one_confirmation(client, database_tasks):
    sign_up(client, "ann@example.org")
    sign_up(client, "ann@example.org")
    run_ready_tasks()
    assert len(mail.outbox) == 1


def test_an_unreachable_mail_server_is_tried_again_later(client, database_tasks, caplog):
    sign_up(client, "ann@example.org")
    with mock.patch(SEND, side_effect=ConnectionRefusedError("mail server down")):
        run_ready_tasks()
    signup = DBTaskResult.objects.get(task_path="newsletter.tasks.process_signup")
    assert signup.return_value == {"email": "confirmation", "delivery": "retrying"}
    retry = DBTaskResult.objects.get(task_path="hub.tasks.send_email")
    assert retry.status == TaskResultStatus.READY
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.args_kwargs["kwargs"]["to"] == ["ann@example.org"]
    delay = retry.run_after - timezone.now()
    assert RETRY_DELAYS[0] - datetime.timedelta(seconds=30) < delay <= RETRY_DELAYS[0]
    assert "trying again" in caplog.text
    assert mail.outbox == []

    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # it is time
    run_ready_tasks()

    retry.refresh_from_db()
    assert retry.status == TaskResultStatus.SUCCESSFUL
    [message] = mail.outbox
    assert message.to == ["ann@example.org"]
    assert "/newsletter/confirm/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.alternatives[0][1] == "text/html"


def test_after_the_last_attempt_the_email_task_fails_with_its_traceback_and_an_error_log(
    database_tasks, caplog
):
    send_email.enqueue(subject="Hello", body="Text", to=["ann@example.org"], attempt=MAX_ATTEMPTS)
    with (
        caplog.at_level(logging.ERROR),
        mock.patch(SEND, side_effect=smtplib.SMTPServerDisconnected("gone")),
    ):
        run_ready_tasks()
    [task] = DBTaskResult.objects.all()  # no further attempt queued
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == "hub.tasks.MailNotSent"
    assert "SMTPServerDisconnected" in task.traceback
    assert any(record.levelno == logging.ERROR for record in caplog.records)


def test_a_permanent_rejection_fails_at_once_without_retrying(database_tasks):
    send_email.enqueue(subject="Hello", body="Text", to=["ann@example.org"])
    rejected = smtplib.SMTPDataError(554, b"Message rejected")
    with mock.patch(SEND, side_effect=rejected):
        run_ready_tasks()
    [task] = DBTaskResult.objects.all()
    assert task.status == TaskResultStatus.FAILED
    assert "SMTPDataError" in task.traceback


def test_a_refused_address_is_logged_not_retried_and_may_be_asked_again(client, database_tasks):
    sign_up(client, "typo@example.org")
    refused = smtplib.SMTPRecipientsRefused({"typo@example.org": (550, b"No such user")})
    with mock.patch(SEND, side_effect=refused):
        run_ready_tasks()
    [task] = DBTaskResult.objects.all()
    assert task.return_value == {"email": "confirmation", "delivery": "refused"}
    assert Subscriber.objects.get().last_confirmation_sent_at is None


def test_with_the_immediate_backend_a_failed_send_is_logged_and_the_page_is_unchanged(
    client, caplog
):
    with (
        caplog.at_level(logging.ERROR),
        mock.patch(SEND, side_effect=ConnectionRefusedError("mail server down")),
    ):
        response = sign_up(client, "ann@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("newsletter:check-email")
    failures = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert failures and failures[0].exc_info is not None  # with the traceback
    assert "newsletter.tasks.process_signup" in failures[0].getMessage()


def test_send_in_background_sends_any_email_through_the_worker(database_tasks):
    message = mail.EmailMultiAlternatives(
        "Reset your password", "Text", "hub@example.org", ["curator@example.org"],
        headers={"X-Purpose": "reset"},
    )  # fmt: skip
    message.attach_alternative("<p>Text</p>", "text/html")
    send_in_background(message)
    assert mail.outbox == []

    run_ready_tasks()

    [sent] = mail.outbox
    assert (sent.subject, sent.body, sent.from_email) == (
        "Reset your password",
        "Text",
        "hub@example.org",
    )
    assert sent.to == ["curator@example.org"]
    assert sent.alternatives[0] == ("<p>Text</p>", "text/html")
    assert sent.extra_headers == {"X-Purpose": "reset"}


def test_background_email_refuses_attachments():
    message = mail.EmailMessage("Report", "Text", to=["curator@example.org"])
    message.attach("report.csv", "a,b", "text/csv")
    with pytest.raises(ValueError):
        send_in_background(message)
