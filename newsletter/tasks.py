"""Signups are answered in the background: the request enqueues, the worker records and decides.

A signup request does the same work for every address, whatever its state (new, pending,
confirmed, unsubscribed): it enqueues one `process_signup` task with arguments of the same
shape (the normalised address, name, topic slugs and consent wording) and reads or writes no
subscriber row. The worker then records the signup (`Subscriber.objects.note_signup`, which
creates the row of a new address) and decides whether an email goes out, so neither the
response nor its timing tells a stranger who is subscribed.
"""

from django.db import router, transaction
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from hub.tasks import REFUSED
from newsletter.emails import send_confirmation
from newsletter.models import CONSENT_TEXT, Subscriber, normalise_email


def request_signup(*, email, name="", topics=()):
    """The request's half of a signup: enqueue `process_signup`, nothing else."""
    with transaction.atomic(using=router.db_for_write(DBTaskResult)):
        return process_signup.enqueue(
            email=normalise_email(email),
            name=name,
            topic_slugs=sorted(topic.slug for topic in topics),
            consent_text=CONSENT_TEXT,
        )


@task()
def process_signup(*, name, topic_slugs, consent_text, email=None, subscriber_id=None):
    """The worker's half: record the signup, update it and send the confirmation email if one
    is due.

    A new address gets its (pending) row here. A confirmed subscriber gets nothing (and keeps
    their details), nor does anyone sent a confirmation a moment ago. Returns what happened,
    kept as the task's result (the send log). `subscriber_id` instead of `email` is how tasks
    queued before the request stopped writing the row named the person.
    """
    if email is not None:
        subscriber_id = Subscriber.objects.note_signup(email)
    subscriber = Subscriber.objects.answer_signup(
        subscriber_id, name=name, topic_slugs=topic_slugs, consent_text=consent_text
    )
    if subscriber is None:
        return {"email": None}
    delivery = send_confirmation(subscriber)
    if delivery == REFUSED:
        subscriber.forget_confirmation_sent()
    return {"email": "confirmation", "delivery": delivery}
