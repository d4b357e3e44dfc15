"""Signups are answered in the background: the request records and enqueues, the worker decides.

A signup request does the same work for every address, whatever its state (new, pending,
confirmed, unsubscribed): one upsert (`Subscriber.objects.note_signup`) and one
`process_signup` task with arguments of the same shape, in one transaction. Whether an email
goes out is decided by the worker, so neither the response nor its timing tells a stranger who
is subscribed.
"""

from django.db import router, transaction
from django_tasks import task

from hub.tasks import REFUSED
from newsletter.emails import send_confirmation
from newsletter.models import CONSENT_TEXT, Subscriber


def request_signup(*, email, name="", topics=()):
    """The request's half of a signup: note the address and enqueue `process_signup`."""
    with transaction.atomic(using=router.db_for_write(Subscriber)):
        subscriber_id = Subscriber.objects.note_signup(email)
        return process_signup.enqueue(
            subscriber_id=subscriber_id,
            name=name,
            topic_slugs=sorted(topic.slug for topic in topics),
            consent_text=CONSENT_TEXT,
        )


@task()
def process_signup(*, subscriber_id, name, topic_slugs, consent_text):
    """The worker's half: update the signup and send the confirmation email if one is due.

    A confirmed subscriber gets nothing (and keeps their details), nor does anyone sent a
    confirmation a moment ago. Returns what happened, kept as the task's result (the send log).
    """
    subscriber = Subscriber.objects.answer_signup(
        subscriber_id, name=name, topic_slugs=topic_slugs, consent_text=consent_text
    )
    if subscriber is None:
        return {"email": None}
    delivery = send_confirmation(subscriber)
    if delivery == REFUSED:
        subscriber.forget_confirmation_sent()
    return {"email": "confirmation", "delivery": delivery}
