"""Every email the newsletter sends, built in one place so each carries the unsubscribe headers."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from hub.tasks import deliver, send_in_background
from newsletter.tokens import (
    CONFIRM_MAX_AGE,
    make_confirm_token,
    make_preferences_token,
    make_unsubscribe_token,
    preferences_max_age,
)


def absolute_url(path):
    """Emails are read outside the site, so every link in them is absolute (SITE_URL)."""
    return f"{settings.SITE_URL}{path}"


def unsubscribe_url(subscriber):
    return absolute_url(
        reverse("newsletter:unsubscribe", args=[make_unsubscribe_token(subscriber)])
    )


def preferences_url(subscriber):
    """The subscriber's own page to change topics or leave (expires: newsletter/tokens.py)."""
    return absolute_url(
        reverse("newsletter:preferences", args=[make_preferences_token(subscriber)])
    )


def confirm_url(subscriber):
    return absolute_url(reverse("newsletter:confirm", args=[make_confirm_token(subscriber)]))


def newsletter_email(subscriber, *, subject, template, context=None):
    """A plain-text email with an HTML alternative and RFC 8058 one-click unsubscribe headers.

    `template` names a pair: newsletter/email/<template>.txt and .html; both end with the
    shared footer (newsletter/email/footer.txt and .html): the unsubscribe and "change your
    topics" links, from `unsubscribe_url` and `preferences_url` in the context.
    """
    link = unsubscribe_url(subscriber)
    context = {
        "subscriber": subscriber,
        "unsubscribe_url": link,
        "preferences_url": preferences_url(subscriber),
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


def confirmation_email(subscriber):
    """The double opt-in email, with the link that confirms the subscription."""
    return newsletter_email(
        subscriber,
        subject=f"Confirm your subscription to the {settings.SITE_NAME} newsletter",
        template="confirm",
        context={
            "confirm_url": confirm_url(subscriber),
            "expiry_days": CONFIRM_MAX_AGE.days,
        },
    )


def send_confirmation(subscriber):
    """Send the double opt-in email now (the worker does, newsletter/tasks.py); returns how it
    went: hub.tasks SENT, REFUSED (a mistyped address: logged) or RETRYING."""
    return deliver(confirmation_email(subscriber))


def preferences_link_email(subscriber):
    """A fresh link to the preferences page, asked for from an expired one."""
    return newsletter_email(
        subscriber,
        subject=f"Your link to change your {settings.SITE_NAME} newsletter topics",
        template="preferences_link",
        context={"expiry_days": preferences_max_age().days},
    )


def send_preferences_link(subscriber):
    """Queue the fresh-link email for the worker (nothing waits for the mail server)."""
    return send_in_background(preferences_link_email(subscriber))
