"""Newsletter pages: signup, "check your email", confirm and unsubscribe."""

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from hub.ratelimit import is_rate_limited
from newsletter.forms import SignupForm
from newsletter.models import Subscriber
from newsletter.tasks import request_signup
from newsletter.tokens import (
    ExpiredToken,
    InvalidToken,
    read_confirm_token,
    read_unsubscribe_token,
)

SIGNUPS_PER_WINDOW = 5
SIGNUP_WINDOW_SECONDS = 600


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


def _link_problem(request, *, expired):
    """The page for a link that was altered or has run out: says which, offers a new one."""
    return render(request, "newsletter/link_problem.html", {"expired": expired}, status=400)


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
