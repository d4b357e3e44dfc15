"""The emails about suggestions: to the suggester when curators decide, and the curators' daily
summary. All are sent in the background (hub/tasks.py), never inside a request.

A stranger can type anyone's address into the form, so an email to a suggester never repeats
what the form took: the decline email names the suggestion by its date and gives the
curator's reason; the acceptance email names the draft entry a curator has just accepted.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from hub.tasks import send_in_background


def absolute_url(path):
    """Emails are read outside the site, so their links are absolute (SITE_URL)."""
    return f"{settings.SITE_URL}{path}"


def build_email(*, to, subject, template, context):
    """A plain-text email with an HTML alternative, from suggestions/email/<template>.txt/.html."""
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"suggestions/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    )
    message.attach_alternative(
        render_to_string(f"suggestions/email/{template}.html", context), "text/html"
    )
    return message


def notify_suggester(suggestion, *, subject, template, context=None):
    """Email the suggester about a decision, if they left an address and agreed to hear."""
    if not suggestion.may_be_emailed:
        return None
    context = {"suggestion": suggestion, **(context or {})}
    message = build_email(
        to=[suggestion.email], subject=subject, template=template, context=context
    )
    return send_in_background(message)


def notify_accepted(suggestion):
    """Tell the suggester we are adding it, naming the draft entry made from it."""
    subject = f"We are adding your suggestion to the {settings.SITE_NAME}"
    return notify_suggester(
        suggestion, subject=subject, template="accepted", context={"entry": suggestion.entry}
    )


def notify_declined(suggestion):
    """That it was declined, and the curator's reason."""
    return notify_suggester(
        suggestion,
        subject=f"About your suggestion to the {settings.SITE_NAME}",
        template="declined",
        context={"suggest_url": absolute_url(reverse("suggest"))},
    )


def summary_email(curator, suggestions):
    """One curator's daily summary of `suggestions` (with `attach_duplicates` run on them)."""
    count = len(suggestions)
    queue = reverse("admin:suggestions_suggestion_changelist") + "?status__exact=new"
    return build_email(
        to=[curator.email],
        subject=f"{count} new suggestion{'s' if count != 1 else ''} for the library",
        template="summary",
        context={
            "curator": curator,
            "suggestions": suggestions,
            "count": count,
            "queue_url": absolute_url(queue),
        },
    )
