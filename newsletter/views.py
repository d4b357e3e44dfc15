"""Newsletter pages: signup, "check your email", confirm, unsubscribe and preferences."""

import functools

from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from hub.ratelimit import is_rate_limited
from newsletter.emails import send_preferences_link
from newsletter.forms import PreferencesForm, SignupForm
from newsletter.models import CONFIRMATION_RESEND_INTERVAL, Subscriber
from newsletter.tasks import request_signup
from newsletter.tokens import (
    ExpiredToken,
    InvalidToken,
    preferences_max_age,
    read_confirm_token,
    read_preferences_token,
    read_unsubscribe_token,
)

SIGNUPS_PER_WINDOW = 5
SIGNUP_WINDOW_SECONDS = 600
# "Email me a new link" from expired preferences links: per client address, and at most one
# email per subscriber per CONFIRMATION_RESEND_INTERVAL, so nobody can flood an inbox with it.
NEW_LINKS_PER_WINDOW = 5
NEW_LINK_WINDOW_SECONDS = 600


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    """Show the form; on a valid POST, start the double opt-in and redirect (PRG).

    Every accepted submission ends on the same page after the same work, whatever the
    address's state, so neither the page nor its timing tells anyone who is subscribed.
    """
    if request.method != "POST":
        return render(request, "newsletter/signup.html", {"form": SignupForm()})
    if is_rate_limited(request, "newsletter-signup", SIGNUPS_PER_WINDOW, SIGNUP_WINDOW_SECONDS):
        return render(
            request, "429.html", {"retry_minutes": SIGNUP_WINDOW_SECONDS // 60}, status=429
        )
    form = SignupForm(request.POST)
    if form.is_from_bot():
        return redirect("newsletter:check-email")
    if not form.is_valid():
        return render(request, "newsletter/signup.html", {"form": form}, status=400)
    # The same task for every address and nothing else (no subscriber row is read or
    # written here): the worker records the signup and decides what to send.
    request_signup(
        email=form.cleaned_data["email"],
        name=form.cleaned_data["name"],
        topics=form.cleaned_data["topics"],
    )
    return redirect("newsletter:check-email")


@require_safe
def check_email(request):
    return render(request, "newsletter/check_email.html")


def _link_problem(request, *, expired, link="confirm", token=""):
    """The page for a link that was altered or has run out: says which, offers a new one.

    `link` is the kind of link ("confirm" or "preferences"); an expired preferences link's
    `token` lets the page offer to email a fresh one.
    """
    context = {
        "expired": expired,
        "link": link,
        "token": token,
        "preferences_days": preferences_max_age().days,
    }
    return render(request, "newsletter/link_problem.html", context, status=400)


def same_origin_referrer(view):
    """Send `Referrer-Policy: same-origin`: the page's URL holds a personal token, so no link
    followed from it to another site gets even the origin. (Not `no-referrer`: browsers then
    send `Origin: null` with the page's own form posts, which Django's CSRF check refuses.)"""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    return wrapped


@never_cache
@require_GET  # not HEAD: a link checker probing the URL must not confirm anyone
def confirm(request, token):
    """Opening the emailed link confirms the subscription; opening it again does no harm."""
    try:
        subscriber_id = read_confirm_token(token)
    except ExpiredToken:
        return _link_problem(request, expired=True)
    except InvalidToken:
        return _link_problem(request, expired=False)
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    # A purged signup, or one that unsubscribed since, needs a fresh signup to subscribe.
    if subscriber is None or subscriber.is_unsubscribed:
        return _link_problem(request, expired=True)
    subscriber.confirm()
    return render(request, "newsletter/confirmed.html", {"subscriber": subscriber})


# RFC 8058: mail clients send the one-click POST without cookies or a CSRF token; the signed
# token in the URL is what authorises it, so CSRF protection would only break it.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET shows a button and changes nothing (link scanners follow links); POST unsubscribes."""
    try:
        subscriber_id = read_unsubscribe_token(token)
    except InvalidToken:
        return _link_problem(request, expired=False)
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if request.method == "POST" and subscriber is not None:
        subscriber.unsubscribe()
    return render(request, "newsletter/unsubscribe.html", {"subscriber": subscriber})


@never_cache
@same_origin_referrer
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request, token):
    """The page an emailed "change your topics" link opens: GET shows the topics and changes
    nothing; POST (with a CSRF token: it is a page in a browser) saves them, or unsubscribes.

    Someone who left sees that they did and a link to sign up again: this page never
    resubscribes anyone (that needs the double opt-in).
    """
    try:
        subscriber_id = read_preferences_token(token)
    except ExpiredToken:
        return _link_problem(request, expired=True, link="preferences", token=token)
    except InvalidToken:
        return _link_problem(request, expired=False, link="preferences")
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.is_unsubscribed:
        return render(
            request,
            "newsletter/preferences_closed.html",
            {"subscriber": subscriber},
            status=404 if subscriber is None else 200,
        )
    if request.method == "POST" and request.POST.get("action") == "unsubscribe":
        subscriber.unsubscribe()
        return redirect(request.path)
    form = PreferencesForm(subscriber, data=request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        form.save()
        messages.success(request, "Your topics are saved.")
        return redirect(request.path)
    context = {"subscriber": subscriber, "form": form}
    status = 400 if form.errors else 200
    return render(request, "newsletter/preferences.html", context, status=status)


@never_cache
@same_origin_referrer
@require_http_methods(["POST"])
def preferences_new_link(request, token):
    """The expired-link page's "Email me a new link": a fresh link goes to the subscriber's
    own address (never one typed in), so it tells the person pressing it nothing new.

    The page after it is the same whether an email went out or not (the person left, was
    erased, or was sent one a moment ago).
    """
    try:
        subscriber_id = read_preferences_token(token, check_age=False)
    except InvalidToken:
        return _link_problem(request, expired=False, link="preferences")
    if is_rate_limited(
        request, "newsletter-preferences-link", NEW_LINKS_PER_WINDOW, NEW_LINK_WINDOW_SECONDS
    ):
        return render(
            request, "429.html", {"retry_minutes": NEW_LINK_WINDOW_SECONDS // 60}, status=429
        )
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is not None and not subscriber.is_unsubscribed:
        # cache.add only succeeds for the first request in the interval: one email at most.
        interval = int(CONFIRMATION_RESEND_INTERVAL.total_seconds())
        if cache.add(f"newsletter:preferences-link:{subscriber.pk}", 1, timeout=interval):
            send_preferences_link(subscriber)
    return redirect("newsletter:preferences-link-sent")


@require_safe
def preferences_link_sent(request):
    """The same "check your email" page after every "Email me a new link"."""
    return render(request, "newsletter/preferences_link_sent.html")
