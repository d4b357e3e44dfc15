"""The admin's sign-in form with its code field, the enrolment form, and password reset."""

from django import forms
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.signals import user_login_failed

from accounts import two_factor

# Few enough left that the curator should print new ones.
RECOVERY_CODES_LOW = 3


class CodeField(forms.CharField):
    """A one-time code: six digits from the app, or a recovery code."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "autocomplete": "one-time-code",
                    "autocapitalize": "none",
                    "spellcheck": "false",
                }
            ),
        )
        super().__init__(**kwargs)


class HubLoginForm(AdminAuthenticationForm):
    """Username, password and, for anyone who has set up two-factor sign-in, a code.

    A wrong code gets the same message as a wrong password (so it does not confirm that
    the password was right) and counts as a failed sign-in towards the lockouts.
    """

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": (
            "Please enter the correct %(username)s, password and code for a staff account. "
            "Note that the username and password may be case-sensitive."
        ),
    }

    otp_token = CodeField(
        label="Code",
        required=False,
        help_text="The six-digit code from your authenticator app, or one of your recovery "
        "codes. Leave it empty if you have not set up two-factor sign-in yet.",
    )

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not two_factor.is_enrolled(user):
            return
        device = two_factor.verify_code(user, self.cleaned_data.get("otp_token"))
        if device is None:
            user_login_failed.send(
                sender=__name__,
                credentials={
                    "username": user.get_username(),
                    "failure": "right password, wrong or reused code",
                },
                request=self.request,
            )
            raise self.get_invalid_login_error()
        # django-otp marks the session verified when it is signed in with this attribute set.
        user.otp_device = device
        if device.name == two_factor.RECOVERY_CODES_NAME:
            self.warn_about_recovery_codes(user)

    def warn_about_recovery_codes(self, user):
        left = two_factor.recovery_codes_left(user)
        if left <= RECOVERY_CODES_LOW:
            messages.warning(
                self.request,
                f"You signed in with a recovery code; {left} left. Get new ones on the "
                "Two-factor sign-in page (top right).",
            )


class ConfirmDeviceForm(forms.Form):
    """The first code from a newly scanned authenticator, proving it works."""

    code = CodeField(
        label="Code from your app",
        help_text="The six digits your authenticator app now shows for the hub.",
    )

    def __init__(self, *args, device, **kwargs):
        self.device = device
        super().__init__(*args, **kwargs)

    def clean_code(self):
        code = self.cleaned_data["code"]
        allowed, _ = self.device.verify_is_allowed()
        if not allowed:  # django-otp waits longer after each wrong code in a row
            raise forms.ValidationError(
                "Too many wrong codes in a row: wait a minute, then type the next code.",
                code="throttled",
            )
        if not two_factor.confirm_authenticator(self.device, code):
            raise forms.ValidationError(
                "That code is not right (or was too old). Check that the app's clock is "
                "right, wait for the next code, and type it within 30 seconds.",
                code="wrong_code",
            )
        return code


class StaffPasswordResetForm(PasswordResetForm):
    """Django's reset form, for staff accounts only, mailing through the background task."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if user.is_staff)

    def send_mail(self, subject_template_name, email_template_name, context, from_email,
                  to_email, html_email_template_name=None):  # fmt: skip
        """Runs inside the `send_password_reset` task: deliver now, retried by hub.tasks."""
        from django.core.mail import EmailMultiAlternatives
        from django.template import loader

        from hub.tasks import deliver

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        deliver(EmailMultiAlternatives(subject, body, from_email, [to_email]))
