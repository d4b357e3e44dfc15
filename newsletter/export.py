"""CSV export of subscribers for the mailing platform."""

import csv

from django.http import HttpResponse
from django.utils import timezone

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
