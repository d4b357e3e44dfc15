from django.apps import AppConfig
from django_otp.plugins.otp_static import apps as otp_static_apps
from django_otp.plugins.otp_totp import apps as otp_totp_apps


class AccountsConfig(AppConfig):
    """Curators' sign-in: lockouts (django-axes), two-factor codes (django-otp), password
    reset, and the trail of sign-in events."""

    name = "accounts"
    verbose_name = "Sign-in security"

    def ready(self):
        from accounts import events  # noqa: F401  (connects the sign-in signal receivers)


class AuthenticatorAppsConfig(otp_totp_apps.DefaultConfig):
    """django-otp's TOTP devices, named for administrators (one per staff member's app)."""

    verbose_name = "Two-factor: authenticator apps"


class RecoveryCodesConfig(otp_static_apps.DefaultConfig):
    """django-otp's static devices: each staff member's recovery codes."""

    verbose_name = "Two-factor: recovery codes"
