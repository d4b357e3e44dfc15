"""Every email the newsletter sends, built in one place so each carries the unsubscribe headers."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from hub.tasks import deliver
from newsletter.tokens import CONFIRM_MAX_AGE, make_confirm_token, make_unsubscribe_token


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
