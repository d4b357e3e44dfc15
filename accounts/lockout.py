"""django-axes as the hub uses it: who is locked out, and what they see.

Axes records each failed sign-in by (username, client address). A pair is locked after
`LOGIN_FAILURE_LIMIT` failures (so guessing from one address stops there, while the curator
still signs in from anywhere else), and an account after `LOGIN_ACCOUNT_FAILURE_LIMIT`
failures from any addresses (so guessing spread over many addresses stops too). Both last
`LOGIN_LOCKOUT_MINUTES` after the latest failure, or until an administrator lifts them.
"""

import contextlib
import contextvars
import ipaddress

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.db.models import Q, Sum
from django.shortcuts import render

from hub.ratelimit import client_address

# Who is lifting lockouts in the admin right now, for the trail (see `lifting_as`).
_lifted_by = contextvars.ContextVar("lifted_by", default="")


def client_ip_address(request):
    """The client address as the hub's rate limits read it (`hub.ratelimit.client_address`),
    or None when it is no IP address (axes stores addresses in an IP address column)."""
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None


def recent_failures(username, address, request):
    """(failures of this username from this address, failures of this username from any
    address) within the cool-off period."""
    if not username:
        return 0, 0
    recent = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=get_cool_off_threshold(request)
    )
    totals = recent.aggregate(
        pair=Sum("failures_since_start", filter=Q(ip_address=address)),
        account=Sum("failures_since_start"),
    )
    return totals["pair"] or 0, totals["account"] or 0


def is_account_locked(account_failures):
    return account_failures >= settings.LOGIN_ACCOUNT_FAILURE_LIMIT


class HubLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with the account-wide limit beside the per-pair one."""

    def get_failures(self, request, credentials=None):
        """Failures counted against AXES_FAILURE_LIMIT (the pair's limit): the pair's own, or
        the limit itself once the account has passed its own, larger limit."""
        username = get_client_username(request, credentials)
        pair, account = recent_failures(username, request.axes_ip_address, request)
        if is_account_locked(account):
            return max(pair, settings.AXES_FAILURE_LIMIT)
        return pair


def lockout_response(request, original_response=None, credentials=None):
    """The "locked, try later or ask an administrator" page, styled like the admin (429)."""
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    context = {
        **admin.site.each_context(request),
        "title": "Sign-in locked",
        "lockout_minutes": minutes,
    }
    response = render(request, "admin/accounts/locked_out.html", context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


@contextlib.contextmanager
def lifting_as(username):
    """Mark the lockouts deleted inside this block as lifted by `username` (the admin)."""
    token = _lifted_by.set(username)
    try:
        yield
    finally:
        _lifted_by.reset(token)


def lifted_by():
    """The administrator lifting lockouts in this request, or "" outside the admin."""
    return _lifted_by.get()
