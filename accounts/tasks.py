"""Password reset mail, sent by the background worker so that a request for an address with
an account does the same work, and takes the same time, as one for an address without."""

import hashlib
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django_tasks import task

logger = logging.getLogger("security")

# One reset email per address in this many seconds, however often it is asked for.
RESET_EMAIL_SPACING_SECONDS = 120


@task()
def send_password_reset(*, email):
    """Mail a reset link to each active staff account with this address; none, nothing."""
    from accounts.forms import StaffPasswordResetForm

    form = StaffPasswordResetForm({"email": email})
    if not form.is_valid():
        return 0
    accounts = list(form.get_users(form.cleaned_data["email"]))
    spacing_key = "password-reset-sent:" + hashlib.sha256(email.lower().encode()).hexdigest()
    if not accounts or not cache.add(spacing_key, 1, timeout=RESET_EMAIL_SPACING_SECONDS):
        logger.info("password reset requested email=%r accounts=%d sent=0", email, len(accounts))
        return 0
    site = urlsplit(settings.SITE_URL)
    form.save(
        domain_override=site.netloc,
        use_https=site.scheme == "https",
        extra_email_context={"site_name": settings.SITE_NAME},
    )
    logger.info(
        "password reset requested email=%r accounts=%d sent=%d", email, len(accounts),
        len(accounts),
    )  # fmt: skip
    return len(accounts)
