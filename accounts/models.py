"""The sign-in trail: every failed and successful sign-in, lockout, lift, enrolment and reset."""

import datetime

from django.db import models
from django.utils import timezone


class SignInEventQuerySet(models.QuerySet):
    def older_than(self, *, days):
        return self.filter(at__lt=timezone.now() - datetime.timedelta(days=days))


class SignInEvent(models.Model):
    """One thing that happened to a sign-in, as the `security` log line said it."""

    class Kind(models.TextChoices):
        FAILED = "failed", "Sign-in failed"
        SIGNED_IN = "signed_in", "Signed in"
        LOCKED_OUT = "locked_out", "Locked out"
        UNLOCKED = "unlocked", "Lockout lifted"
        ENROLLED = "enrolled", "Two-factor set up"
        PASSWORD_RESET = "password_reset", "Password reset"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    username = models.CharField(max_length=255, blank=True)
    address = models.GenericIPAddressField("client address", null=True, blank=True)
    detail = models.CharField(max_length=255, blank=True)

    objects = SignInEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "sign-in event"

    def __str__(self):
        return f"{self.get_kind_display()}: {self.username or '(no username)'}"
