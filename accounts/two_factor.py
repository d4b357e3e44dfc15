"""Two-factor sign-in for staff: who needs it, their devices, and checking a code.

A staff member's second factor is a TOTP authenticator app (one `TOTPDevice`, confirmed
with a first code when it is set up) with ten single-use recovery codes (one
`StaticDevice`). Superusers always need it; other staff when `REQUIRE_2FA` is on. Anyone
who has set it up gives a code at every sign-in, required or not.
"""

import re
from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"
# What a six-digit authenticator code looks like; anything else is tried as a recovery code,
# so a mistyped code never counts as a failure against the other device.
TOTP_CODE = re.compile(r"\d{6}")


def two_factor_required(user):
    """Superusers always need a second factor; other staff when REQUIRE_2FA is on."""
    return user.is_superuser or (user.is_staff and settings.REQUIRE_2FA)


def is_enrolled(user):
    """Whether `user` has a confirmed device (kept on the user for the rest of the request)."""
    if not hasattr(user, "_hub_two_factor_enrolled"):
        # A session verified by a device needs no query: OTPMiddleware loaded that device.
        user._hub_two_factor_enrolled = is_verified(user) or (
            user.is_authenticated and user_has_device(user)
        )
    return user._hub_two_factor_enrolled


def is_verified(user):
    """Whether this session was signed in with a code (django-otp's OTPMiddleware says)."""
    return getattr(user, "otp_device", None) is not None


def must_enrol(user):
    """Signed in with a password, needing a second factor and without one yet: such a person
    may only set one up (or sign out)."""
    return (
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and two_factor_required(user)
        and not is_enrolled(user)
    )


def is_signed_in_fully(user):
    """Staff whose session meets the policy: signed in with a code, or needing none and
    having none (a session without a code never counts once a device exists)."""
    if not user.is_authenticated:
        return False
    if is_verified(user):
        return True
    return not two_factor_required(user) and not is_enrolled(user)


def authenticator_of(user):
    """The confirmed authenticator app of `user`, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_authenticator(user):
    """The authenticator being set up for `user`: an unconfirmed TOTP device, kept (with its
    secret) until confirmed, so the QR code scanned stays valid across page loads."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def secret_of(device):
    """The device's secret as authenticator apps take it typed in: base32, in groups of 4."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[start : start + 4] for start in range(0, len(secret), 4))


def qr_code_svg(device):
    """The device's `otpauth://` address as an inline SVG QR code (no script, no network)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title="QR code for your authenticator app"
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)


def confirm_authenticator(device, code):
    """Confirm the pending `device` with its first code: it replaces any earlier
    authenticator of its user. True when the code was right."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(normalise_code(code)):
            return False
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return True


def issue_recovery_codes(user):
    """Ten new single-use recovery codes for `user`, replacing any left (shown once)."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_CODES_NAME)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        device.token_set.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def normalise_code(code):
    """A code as typed: spaces and hyphens dropped, lower case (recovery codes are)."""
    return re.sub(r"[\s-]", "", code or "").lower()


def verify_code(user, code):
    """The device of `user` that accepts `code` (a six-digit authenticator code, or a
    recovery code, used up by this), or None. A code is never accepted twice: an
    authenticator code must be newer than the last one accepted (django-otp's `last_t`)."""
    code = normalise_code(code)
    if not code:
        return None
    devices = TOTPDevice if TOTP_CODE.fullmatch(code) else StaticDevice
    with transaction.atomic():
        for device in devices.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(code):
                return device
    return None
