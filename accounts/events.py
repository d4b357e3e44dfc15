"""The sign-in trail: each event is one line on the `security` logger (stdout) and one row
of `SignInEvent` (Admin → Sign-in security → Sign-in events).

Recorded: failed sign-ins (a wrong password, or a wrong or reused code), successful
sign-ins, lockouts, lockouts lifted (in the admin, by an `axes_reset` command or at the end
of the cool-off), two-factor enrolments and password resets.
"""

import logging

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.lockout import client_ip_address, lifted_by
from accounts.models import SignInEvent

logger = logging.getLogger("security")

Kind = SignInEvent.Kind


def record(kind, *, username="", address=None, detail=""):
    """Log one sign-in event to the `security` logger and keep it for the admin."""
    username = (username or "")[:255]
    detail = detail[:255]
    logger.info(
        "%s username=%r address=%s%s",
        kind.label.lower(),
        username,
        address or "-",
        f" ({detail})" if detail else "",
    )
    return SignInEvent.objects.create(kind=kind, username=username, address=address, detail=detail)


def record_request(kind, request, *, username="", detail=""):
    """`record`, with the client address read from `request` as the lockouts read it."""
    address = client_ip_address(request) if request is not None else None
    return record(kind, username=username, address=address, detail=detail)


@receiver(user_login_failed)
def sign_in_failed(sender, credentials, request=None, **kwargs):
    record_request(
        Kind.FAILED,
        request,
        username=credentials.get("username", ""),
        detail=credentials.get("failure", "wrong username or password, or locked out"),
    )


@receiver(user_logged_in)
def signed_in(sender, request, user, **kwargs):
    device = getattr(user, "otp_device", None)
    if device is None:
        detail = "without a second factor"
    elif isinstance(device, StaticDevice):
        detail = "with a recovery code"
    else:
        detail = "with the authenticator app"
    record_request(Kind.SIGNED_IN, request, username=user.get_username(), detail=detail)


@receiver(user_locked_out)
def locked_out(sender, request, username, ip_address, **kwargs):
    failures = getattr(request, "axes_failures_since_start", None)
    detail = f"{failures} recent failures counted" if failures else "locked"
    record(Kind.LOCKED_OUT, username=username or "", address=ip_address, detail=detail)


@receiver(post_delete, sender=AccessAttempt)
def failures_cleared(sender, instance, **kwargs):
    """A row of failed sign-ins deleted: lifted by an administrator or a command, or expired."""
    failures = instance.failures_since_start
    administrator = lifted_by()
    if administrator:
        how = f"lifted in the admin by {administrator}"
    elif instance.attempt_time > timezone.now() - settings.AXES_COOLOFF_TIME:
        how = "reset by an axes_reset command"
    elif failures >= settings.AXES_FAILURE_LIMIT:
        how = "cool-off over"
    else:
        return  # a few old failures forgotten: no lockout ended
    record(
        Kind.UNLOCKED,
        username=instance.username or "",
        address=instance.ip_address,
        detail=f"{failures} failed sign-in(s) cleared, {how}",
    )
