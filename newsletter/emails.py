"""Every email the newsletter sends, built in one place so each carries the unsubscribe headers."""

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from newsletter.tokens import CONFIRM_MAX_AGE, make_confirm_token, make_unsubscribe_token

logger = logging.getLogger(__name__)


def absolute_url(path):
    """Emails are read outside the site, so every link in them is absolute (SITE_URL)."""
    return f"{settings.SITE_URL}{path}"


def unsubscribe_url(subscriber):
    return absolute_url(
        reverse("newsletter:unsubscribe", args=[make_unsubscribe_token(subscriber)])
    )


def confirm_url(subscriber):
    return absolute_url(reverse("newsletter:confirm", args=[make_confirm_token(subscriber)]))


def newsletter_email(subscriber, *, subject, template, context=None):
    """A plain-text email with an HTML alternative and RFC 8058 one-click unsubscribe headers.

    `template` names a pair: newsletter/email/<template>.txt and .html.
    """
    link = unsubscribe_url(subscriber)
    context = {
        "subscriber": subscriber,
        "unsubscribe_url": link,
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        **(context or {}),
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"newsletter/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[subscriber.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(
        render_to_string(f"newsletter/email/{template}.html", context), "text/html"
    )
    return message


def send_confirmation(subscriber):
    """Send the double opt-in email and note when, so repeated signups do not flood the inbox.

    An address the mail server refuses is a typing mistake, not a fault: it is logged and the
    person sees the usual page (which never says whether mail went out).
    """
    message = newsletter_email(
        subscriber,
        subject=f"Confirm your subscription to the {settings.SITE_NAME} newsletter",
        template="confirm",
        context={
            "confirm_url": confirm_url(subscriber),
            "expiry_days": CONFIRM_MAX_AGE.days,
        },
    )
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused:
        logger.warning(
            "The mail server refused a newsletter confirmation (subscriber %s)", subscriber.pk
        )
        return
    subscriber.record_confirmation_sent()
