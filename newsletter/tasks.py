"""Signups are answered in the background: the request enqueues, the worker records and decides.

A signup request does the same work for every address, whatever its state (new, pending,
confirmed, unsubscribed): it enqueues one `process_signup` task with arguments of the same
shape (the normalised address, name, topic slugs and consent wording) and reads or writes no
subscriber row. The worker then records the signup (`Subscriber.objects.note_signup`, which
creates the row of a new address) and decides whether an email goes out, so neither the
response nor its timing tells a stranger who is subscribed.
"""

import logging
import smtplib
from collections import Counter

from django.conf import settings
from django.core.mail import get_connection
from django.db import router, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from hub.tasks import MAX_ATTEMPTS, REFUSED, RETRY_DELAYS
from newsletter.digests import DigestPlan, digest_email, topic_sets
from newsletter.emails import send_confirmation
from newsletter.models import (
    CONSENT_TEXT,
    DeliveryStatus,
    DigestDelivery,
    DigestIssue,
    Subscriber,
    SubscriberStatus,
    digest_tasks,
    normalise_email,
)

logger = logging.getLogger(__name__)


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


# Digests ---------------------------------------------------------------------------------
#
# `start_digest` makes one DigestDelivery row per recipient and enqueues them in batches;
# each `send_digest_batch` opens one SMTP connection and sends its deliveries one by one,
# each in its own transaction: the row is claimed (an UPDATE that only a sendable row
# matches, so it stays locked until the commit and a second worker finds it taken), the
# message sent, and its outcome written and committed at once. A run killed half-way leaves
# every delivery either committed as sent or still pending, so starting again sends to
# nobody twice and to everyone once. The one gap is between the server accepting a message
# and that commit (one UPDATE): a process killed exactly there sends that one message again.
# A worker killed mid-batch leaves its task "running" for good (no worker takes it up again)
# and the issue sending: `send_digest --resume-stalled`, from cron, finds the issues nothing
# has moved for DIGEST_STALLED_MINUTES and queues what is left (resume_stalled_digest), as
# `send_digest ID --resume` does by hand. Either is safe while a slow worker still holds the
# batch: claims serialise, and the second sender finds the row taken. A delivery that fails
# is written with the time of its retry in the same commit, so another worker's batch
# finishing meanwhile does not take the issue for finished before this batch has queued that
# retry.


def digest_batch_ids(issue, batch_size, deliveries=None):
    """The ids of the issue's sendable deliveries (or of `deliveries`, some of them), in
    batches of `batch_size`."""
    deliveries = issue.deliveries.sendable() if deliveries is None else deliveries
    ids = list(deliveries.order_by("pk").values_list("pk", flat=True))
    return [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]


def queue_digest_batches(issue, batch_size=None, deliveries=None):
    """Enqueue a `send_digest_batch` for each batch of the issue's sendable deliveries (or of
    `deliveries`); returns the batches (lists of ids)."""
    batches = digest_batch_ids(issue, batch_size or settings.DIGEST_BATCH_SIZE, deliveries)
    for delivery_ids in batches:
        send_digest_batch.enqueue(issue_id=issue.pk, delivery_ids=delivery_ids)
    return batches


@task()
def start_digest(*, issue_id, batch_size=None, resume=False):
    """Create the issue's deliveries and enqueue its batches; returns the counts.

    Resuming sends what is left (pending or failed) to the people it was started for, adding
    nobody who subscribed since; run again without `resume`, nobody gets a second row."""
    issue = DigestIssue.objects.filter(pk=issue_id).first()
    if issue is None:
        return {"batches": 0}
    issue.begin_sending()
    if not (resume and issue.deliveries.exists()):
        with transaction.atomic():
            DigestDelivery.objects.create_for(issue)
    batches = queue_digest_batches(issue, batch_size)
    issue.refresh_from_db()
    return {"batches": len(batches), **issue.refresh_totals()}


class AbandonedTask(Exception):
    """Recorded on a digest task still "running" when its issue was found stalled: its worker
    died (or hangs) running it, and what it had left was queued again."""


def resume_stalled_digest(issue, cutoff, batch_size=None):
    """Queue again what a dead worker left of a stalled issue (DigestIssue.objects.stalled,
    nothing moved since `cutoff`); returns what was done.

    Its stranded deliveries are queued in batches; the start is run again when it died
    before making any; when nothing was left, only the final count is stored. Its tasks
    "running" since before `cutoff` are recorded as failed (a worker that was only slow
    still records its own result when it ends)."""
    running = digest_tasks(issue.pk).filter(status=TaskResultStatus.RUNNING)
    abandoned = list(running.filter(started_at__lt=cutoff))
    for result in abandoned:
        result.set_failed(
            AbandonedTask(f"No progress since {cutoff:%Y-%m-%d %H:%M} UTC: queued again.")
        )
    done = {"abandoned": len(abandoned), "batches": 0, "deliveries": 0, "restarted": False}
    if not issue.deliveries.exists():
        start_digest.enqueue(issue_id=issue.pk, batch_size=batch_size, resume=True)
        return done | {"restarted": True}
    batches = queue_digest_batches(issue, batch_size, issue.deliveries.stranded(cutoff))
    if not batches:
        issue.refresh_totals()
    return done | {"batches": len(batches), "deliveries": sum(map(len, batches))}


# What `send_one` says when the mail server cannot take more now (down, dropped the
# connection, timed out, refused the sender): that delivery failed, and the batch stops.
SERVER_UNAVAILABLE = "server unavailable"


@task()
def send_digest_batch(*, issue_id, delivery_ids, attempt=1):
    """Send the issue to these deliveries over one SMTP connection; failed ones (temporary)
    are tried again later as a new batch, after hub.tasks' RETRY_DELAYS."""
    issue = DigestIssue.objects.filter(pk=issue_id).first()
    if issue is None:
        return {"sent": 0}
    deliveries = list(
        issue.deliveries.sendable()
        .filter(pk__in=delivery_ids)
        .select_related("subscriber")
        .order_by("pk")
    )
    if not deliveries:
        issue.refresh_totals()
        return {"sent": 0}
    plan = DigestPlan(issue)
    topics = topic_sets([delivery.subscriber_id for delivery in deliveries])
    outcomes = Counter()
    connection = get_connection()
    try:
        for position, delivery in enumerate(deliveries):
            status = send_one(connection, plan, delivery, topics, attempt=attempt)
            outcomes[status] += 1
            if status == SERVER_UNAVAILABLE:
                # The rest of the batch is not tried now: failed too, and in the retry batch.
                untried = [later.pk for later in deliveries[position + 1 :]]
                issue.deliveries.filter(pk__in=untried).sendable().update(
                    status=DeliveryStatus.FAILED,
                    last_error=f"Not tried: {connection.last_digest_error}"[:500],
                    retry_at=digest_retry_time(attempt),
                    updated=timezone.now(),
                )
                outcomes[DeliveryStatus.FAILED] += len(untried)
                break
    finally:
        close_quietly(connection)
    # Those that failed, and any the server went away before: tried again later.
    retry_ids = list(
        issue.deliveries.sendable()
        .filter(pk__in=[delivery.pk for delivery in deliveries])
        .values_list("pk", flat=True)
    )
    retry_at = schedule_digest_retry(issue, retry_ids, attempt) if retry_ids else None
    issue.refresh_totals()
    outcomes[DeliveryStatus.FAILED] += outcomes.pop(SERVER_UNAVAILABLE, 0)
    return {**outcomes, "retry_at": retry_at.isoformat() if retry_at else None}


def send_one(connection, plan, delivery, topics, attempt=1):
    """Claim, send and record one delivery in its own transaction (this batch's `attempt`);
    returns its new status, or SERVER_UNAVAILABLE (the delivery recorded as failed) when the
    server cannot go on."""
    with transaction.atomic():
        if not DigestDelivery.objects.claim(delivery.pk):
            return "taken"  # sent, or being sent, by another worker
        subscriber = delivery.subscriber
        if subscriber.status != SubscriberStatus.CONFIRMED or subscriber.bounced_at:
            return record(delivery, DeliveryStatus.SKIPPED, "No longer a recipient.")
        content = plan.content_for(topics.get(subscriber.pk, frozenset()))
        if content is None:
            return record(delivery, DeliveryStatus.SKIPPED, "Nothing new on their topics.")
        message = digest_email(subscriber, plan, content)
        try:
            # Opened once per batch (here, at its first message, or again after a failure):
            # send_messages closes only a connection it opened itself.
            connection.open()
            connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()), (0, b""))
            if code >= 500:
                Subscriber.objects.filter(pk=subscriber.pk).update(bounced_at=timezone.now())
                return record(delivery, DeliveryStatus.BOUNCED, smtp_error(code, reply))
            return record(delivery, DeliveryStatus.FAILED, smtp_error(code, reply), attempt)
        except smtplib.SMTPDataError as error:
            status = DeliveryStatus.BOUNCED if error.smtp_code >= 500 else DeliveryStatus.FAILED
            return record(delivery, status, smtp_error(error.smtp_code, error.smtp_error), attempt)
        except OSError as error:  # down, dropped, timed out, or refusing us (the sender)
            connection.last_digest_error = repr(error)
            record(delivery, DeliveryStatus.FAILED, repr(error), attempt)
            close_quietly(connection)
            return SERVER_UNAVAILABLE
        return record(delivery, DeliveryStatus.SENT)


def record(delivery, status, error="", attempt=1):
    """Write a delivery's outcome (in the caller's transaction), a failure with the time of
    its retry after `attempt` (if any); returns the status."""
    now = timezone.now()
    DigestDelivery.objects.filter(pk=delivery.pk).update(
        status=status,
        last_error=error[:500],
        sent_at=now if status == DeliveryStatus.SENT else None,
        retry_at=digest_retry_time(attempt) if status == DeliveryStatus.FAILED else None,
        updated=now,
    )
    return status


def smtp_error(code, reply):
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {text}".strip()


def close_quietly(connection):
    """Close the SMTP connection, ignoring a server that already went away."""
    try:
        connection.close()
    except (OSError, smtplib.SMTPException):
        connection.connection = None


def digest_retry_time(attempt):
    """When deliveries that failed at `attempt` are tried again; None when they are not: no
    more attempts are left, or the backend cannot wait (immediate: `send_digest --resume`
    tries them again)."""
    if attempt >= MAX_ATTEMPTS or not send_digest_batch.get_backend().supports_defer:
        return None
    return timezone.now() + RETRY_DELAYS[attempt - 1]


def schedule_digest_retry(issue, delivery_ids, attempt):
    """Enqueue these deliveries again after the delay for `attempt`; the time, or None when
    they are not retried automatically (digest_retry_time)."""
    retry_at = digest_retry_time(attempt)
    if retry_at is None:
        logger.warning(
            "Digest %s: %d deliveries failed and are not retried automatically (attempt %d)",
            issue.pk, len(delivery_ids), attempt,
        )  # fmt: skip
        return None
    issue.deliveries.filter(pk__in=delivery_ids).sendable().update(retry_at=retry_at)
    send_digest_batch.using(run_after=retry_at).enqueue(
        issue_id=issue.pk, delivery_ids=list(delivery_ids), attempt=attempt + 1
    )
    return retry_at
