"""Subscribers' data out of the hub: the CSV for the mailing platform, and one person's access
record (JSON) for a subject access request."""

import csv

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from newsletter.models import SEND_EMAIL_TASK_PATH, tasks_about

CSV_HEADER = ["email", "name", "topics", "confirmed_at"]
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """Prefix a cell that a spreadsheet would treat as a formula with ', so it stays text."""
    value = str(value)
    return f"'{value}" if value.startswith(FORMULA_TRIGGERS) else value


def subscriber_row(subscriber):
    topics = "; ".join(topic.name for topic in subscriber.topics.all())
    confirmed = subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else ""
    return [csv_safe(cell) for cell in (subscriber.email, subscriber.name, topics, confirmed)]


def subscribers_csv_response(subscribers):
    """A CSV download of `subscribers` (expects `.for_export()`), named with today's date."""
    filename = f"newsletter-subscribers-{timezone.localdate():%Y-%m-%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    writer.writerows(subscriber_row(subscriber) for subscriber in subscribers)
    return response


def access_record(subscriber):
    """Everything the hub holds about one subscriber, for a subject access request.

    Their row, topics, the consent wording they were shown and when they agreed, the dates of
    their signup, confirmation and unsubscribing, the digests sent to them (or that bounced),
    their send log (the background tasks of their
    signups, answered or still waiting for the worker, and the emails sent to them, while the
    task backend keeps them), and the admin's history of changes to their record. Nothing
    about anyone else: curators' names are left out of the history.
    """
    return {
        "exported_at": timezone.now(),
        "subscriber": {
            "id": subscriber.pk,
            "email": subscriber.email,
            "name": subscriber.name,
            "status": subscriber.status,
            "created": subscriber.created,
            "last_signup_at": subscriber.last_signup_at,
            "last_confirmation_sent_at": subscriber.last_confirmation_sent_at,
            "confirmed_at": subscriber.confirmed_at,
            "unsubscribed_at": subscriber.unsubscribed_at,
            "bounced_at": subscriber.bounced_at,
        },
        "topics": [{"slug": topic.slug, "name": topic.name} for topic in subscriber.topics.all()],
        "consent": {"wording": subscriber.consent_text, "agreed_at": subscriber.consented_at},
        "send_log": [send_log_entry(result) for result in send_log(subscriber)],
        "digests": [
            {
                "subject": delivery.issue.subject,
                "status": delivery.status,
                "attempts": delivery.attempts,
                "sent_at": delivery.sent_at,
                "last_error": delivery.last_error,
            }
            for delivery in subscriber.digest_deliveries.select_related("issue")
        ],
        "admin_history": [
            {
                "time": entry.action_time,
                "action": ADMIN_ACTIONS.get(entry.action_flag, str(entry.action_flag)),
                "change": entry.get_change_message(),
            }
            for entry in admin_history(subscriber)
        ],
    }


ADMIN_ACTIONS = {ADDITION: "added", CHANGE: "changed", DELETION: "deleted"}
# What of an email task's stored arguments the send log shows: the message's text is the
# standard template, and its links are the person's own confirm and unsubscribe links.
SEND_EMAIL_LOGGED = ("subject", "to", "attempt")


def send_log(subscriber):
    return tasks_about([subscriber]).order_by("enqueued_at")


def send_log_entry(result):
    """One background task about the subscriber: what it was asked, when it ran, what it did."""
    arguments = result.args_kwargs["kwargs"]
    if result.task_path == SEND_EMAIL_TASK_PATH:
        arguments = {key: arguments[key] for key in SEND_EMAIL_LOGGED if key in arguments}
    return {
        "task": result.task_path.rsplit(".", 1)[-1],
        "arguments": arguments,
        "status": result.status,
        "enqueued_at": result.enqueued_at,
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "result": result.return_value,
    }


def admin_history(subscriber):
    content_type = ContentType.objects.get_for_model(subscriber)
    return LogEntry.objects.filter(
        content_type=content_type, object_id=str(subscriber.pk)
    ).order_by("action_time")


def access_record_response(subscriber):
    """The access record of `subscriber` as a JSON download."""
    filename = f"newsletter-subscriber-{subscriber.pk}-{timezone.localdate():%Y-%m-%d}.json"
    response = JsonResponse(
        access_record(subscriber), encoder=DjangoJSONEncoder, json_dumps_params={"indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
