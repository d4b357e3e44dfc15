"""Background mail: the task that sends any email, and how a failed send is tried again.

Every email the hub sends goes through here, so no request waits for the mail server (or
shows by its timing whether it wrote to anyone). With the database backend (production,
`TASKS_BACKEND=database`) a task waits in the database until the worker, `manage.py
db_worker`, runs it; with the immediate backend (DEBUG and tests) it runs at once.

Anywhere in the hub, to send an email in the background:

    from hub.tasks import send_in_background
    send_in_background(EmailMultiAlternatives(subject, body, to=[address]))
"""

import datetime
import logging
import smtplib

from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

# How long to wait before each new attempt when the mail server cannot be reached: about
# nine hours in all, so a mail server down overnight delays mail but loses none. After the
# last, the task fails: the worker logs it with its traceback and keeps it as "Failed".
RETRY_DELAYS = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=6),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1

SENT = "sent"
REFUSED = "refused"
RETRYING = "retrying"


class MailNotSent(Exception):
    """The email was not sent: every attempt failed, or the mail server rejected it outright."""


def email_parts(message):
    """The JSON-able parts of `message` that `send_email` rebuilds it from (a task's arguments
    are stored as JSON). Only a plain-text body with an optional HTML alternative is kept."""
    if message.attachments:
        raise ValueError("Background email does not carry attachments.")
    html_bodies = [
        content
        for content, mimetype in getattr(message, "alternatives", [])
        if mimetype == "text/html"
    ]
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "html_body": str(html_bodies[0]) if html_bodies else "",
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {name: str(value) for name, value in message.extra_headers.items()},
    }


def build_email(*, subject, body, to, html_body="", from_email=None, cc=(), bcc=(),
                reply_to=(), headers=None):  # fmt: skip
    """The email `email_parts` described."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=from_email or None,
        to=to,
        cc=cc,
        bcc=bcc,
        reply_to=reply_to,
        headers=headers or {},
    )
    if html_body:
        message.attach_alternative(html_body, "text/html")
    return message


def deliver(message, *, attempt=1):
    """Send `message` now and say how it went: SENT, REFUSED or RETRYING.

    A recipient the mail server refuses is a typing mistake, not a fault: logged, never
    retried. A mail server that cannot be reached (refused connection, timeout, a 4xx reply)
    gets the email again later as a new `send_email` task; after MAX_ATTEMPTS, or on a
    permanent (5xx) rejection, MailNotSent, which the worker logs and keeps as a failed task.
    """
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused:
        logger.warning("The mail server refused the recipient of %r", str(message.subject))
        return REFUSED
    except OSError as error:  # smtplib's errors, socket errors and timeouts
        if is_permanent(error):
            raise MailNotSent(f"{message.subject!r} rejected: {error!r}") from error
        retry_at = schedule_retry(message, attempt=attempt)
        if retry_at is None:
            raise MailNotSent(
                f"{message.subject!r} not sent after {attempt} attempt(s): {error!r}"
            ) from error
        logger.warning(
            "Could not send %r (attempt %d of %d: %r); trying again at %s",
            str(message.subject), attempt, MAX_ATTEMPTS, error, retry_at.isoformat(),
        )  # fmt: skip
        return RETRYING
    return SENT


def is_permanent(error):
    """A 5xx reply (other than a refused recipient) will not change by trying again."""
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def schedule_retry(message, *, attempt):
    """Enqueue `message` again after the delay for `attempt`; the time, or None if no more."""
    backend = send_email.get_backend()
    if attempt >= MAX_ATTEMPTS or not backend.supports_defer:
        return None  # the immediate backend cannot wait: the failure is logged instead
    retry_at = timezone.now() + RETRY_DELAYS[attempt - 1]
    send_email.using(run_after=retry_at).enqueue(**email_parts(message), attempt=attempt + 1)
    return retry_at


@task()
def send_email(*, attempt=1, **parts):
    """Send one email built from `email_parts`; tried again later if the server is away."""
    return deliver(build_email(**parts), attempt=attempt)


def send_in_background(message):
    """Enqueue `message` (an EmailMessage or EmailMultiAlternatives) for the worker to send."""
    return send_email.enqueue(**email_parts(message))
