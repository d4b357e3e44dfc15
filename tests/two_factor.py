"""Two-factor helpers for tests: a confirmed authenticator, and the code it shows now."""

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import AUTHENTICATOR_NAME


def confirmed_authenticator(user):
    """The confirmed authenticator app of `user`, set up if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME)


def current_code(device, steps=0):
    """The six digits the authenticator app shows now (or `steps` time steps away), computed
    as an app does, with django-otp's own `totp`."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                drift=device.drift + steps)  # fmt: skip
    return f"{code:0{device.digits}d}"


def wrong_code(device):
    """Six digits that no nearby time step of `device` accepts."""
    accepted = {current_code(device, steps) for steps in range(-2, 3)}
    return next(code for code in (f"{n:06d}" for n in range(1000000)) if code not in accepted)
