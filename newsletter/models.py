"""Newsletter subscribers: double opt-in, consent records and unsubscribe state."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from resources.models import Topic

# The wording beside the consent checkbox. It is stored with each subscription, so a change
# here applies to new signups only and older consent records keep what people agreed to.
CONSENT_TEXT = (
    "I agree to receive the Peer Support Evidence Hub newsletter by email: about one email a "
    "month with new resources, tools and evidence. Every email has an unsubscribe link, and I "
    "can leave at any time."
)

# Signing up again within this interval sends no second email: it stops anyone using the form
# to flood someone's inbox from many addresses.
CONFIRMATION_RESEND_INTERVAL = datetime.timedelta(minutes=2)

STALE_PENDING_DAYS = 30


def normalise_email(value):
    """Addresses are compared and stored in lower case: `Ann@Example.org` is `ann@example.org`."""
    return (value or "").strip().lower()


class SubscriberStatus(models.TextChoices):
    PENDING = "pending", "Pending (not yet confirmed)"
    CONFIRMED = "confirmed", "Confirmed"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"


class SubscriberQuerySet(models.QuerySet):
    def with_email(self, email):
        """The subscriber with this address in any letter case (uses the lower(email) index)."""
        return self.alias(email_lower=Lower("email")).filter(email_lower=normalise_email(email))

    def confirmed(self):
        return self.filter(status=SubscriberStatus.CONFIRMED)

    def stale_pending(self, days=STALE_PENDING_DAYS):
        """Signups never confirmed within `days` days: safe to delete."""
        cutoff = timezone.now() - datetime.timedelta(days=days)
        return self.filter(status=SubscriberStatus.PENDING, created__lt=cutoff)

    def for_export(self):
        return self.prefetch_related("topics").order_by("confirmed_at", "pk")

    def sign_up(self, *, email, name="", topics=(), consent_text=CONSENT_TEXT):
        """Record a signup and return the subscriber, or None when no email should be sent.

        A new or former subscriber becomes pending; a pending one is updated in place. A
        confirmed subscriber is left untouched (a signup form must not let a stranger change
        someone's details) and gets no email, and neither does anyone asked a moment ago.
        """
        email = normalise_email(email)
        with transaction.atomic():
            subscriber = self.select_for_update().with_email(email).first()
            if subscriber is None:
                try:
                    with transaction.atomic():
                        subscriber = self.create(email=email)
                except IntegrityError:  # a simultaneous signup for the same address won
                    subscriber = self.select_for_update().with_email(email).get()
            if subscriber.status == SubscriberStatus.CONFIRMED:
                return None
            subscriber.make_pending(name=name, topics=topics, consent_text=consent_text)
            return subscriber if subscriber.confirmation_due() else None


class Subscriber(models.Model):
    """One email address and what its owner agreed to receive."""

    email = models.EmailField(max_length=254, help_text="Stored in lower case.")
    name = models.CharField(max_length=100, blank=True)
    topics = models.ManyToManyField(
        Topic,
        blank=True,
        related_name="subscribers",
        help_text="Topics this person is most interested in.",
    )
    status = models.CharField(
        max_length=12,
        choices=SubscriberStatus.choices,
        default=SubscriberStatus.PENDING,
        help_text="Only confirmed subscribers are exported for mailing.",
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    consent_text = models.TextField(
        blank=True, help_text="The consent wording this person was shown when they signed up."
    )
    consented_at = models.DateTimeField(
        null=True, blank=True, help_text="When they confirmed their consent by opening the link."
    )
    last_confirmation_sent_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="newsletter_subscriber_email_ci_unique"),
            models.CheckConstraint(
                condition=~Q(status=SubscriberStatus.CONFIRMED) | Q(confirmed_at__isnull=False),
                name="newsletter_confirmed_has_confirmed_at",
            ),
            models.CheckConstraint(
                condition=~Q(status=SubscriberStatus.UNSUBSCRIBED)
                | Q(unsubscribed_at__isnull=False),
                name="newsletter_unsubscribed_has_unsubscribed_at",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created"], name="newsletter_status_created"),
            models.Index(fields=["status", "confirmed_at"], name="newsletter_status_confirmed"),
            models.Index(fields=["-created"], name="newsletter_created_desc"),
        ]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)

    def clean(self):
        if self.status == SubscriberStatus.CONFIRMED and not self.confirmed_at:
            raise ValidationError("A confirmed subscriber needs the date they confirmed.")
        if self.status == SubscriberStatus.UNSUBSCRIBED and not self.unsubscribed_at:
            raise ValidationError("An unsubscribed subscriber needs the date they left.")

    def make_pending(self, *, name, topics, consent_text):
        """Start (or restart) the double opt-in with the details from the latest signup."""
        self.status = SubscriberStatus.PENDING
        self.name = name
        self.consent_text = consent_text
        self.confirmed_at = self.unsubscribed_at = self.consented_at = None
        self.save()
        self.topics.set(topics)

    def confirmation_due(self, now=None):
        """Whether a confirmation email may go out now (none sent in the last two minutes)."""
        now = now or timezone.now()
        sent = self.last_confirmation_sent_at
        return sent is None or now - sent >= CONFIRMATION_RESEND_INTERVAL

    def record_confirmation_sent(self):
        self.last_confirmation_sent_at = timezone.now()
        self.save(update_fields=["last_confirmation_sent_at"])

    def confirm(self):
        """Confirm a pending subscription; return whether anything changed."""
        if self.status != SubscriberStatus.PENDING:
            return False
        self.status = SubscriberStatus.CONFIRMED
        self.confirmed_at = self.consented_at = timezone.now()
        self.save(update_fields=["status", "confirmed_at", "consented_at"])
        return True

    def unsubscribe(self):
        """Stop all mail to this address; return whether anything changed."""
        if self.status == SubscriberStatus.UNSUBSCRIBED:
            return False
        self.status = SubscriberStatus.UNSUBSCRIBED
        self.unsubscribed_at = timezone.now()
        self.save(update_fields=["status", "unsubscribed_at"])
        return True

    @property
    def is_unsubscribed(self):
        return self.status == SubscriberStatus.UNSUBSCRIBED
