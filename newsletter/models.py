"""Newsletter subscribers: double opt-in, consent records and unsubscribe state."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
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
# How long the send log (the finished tasks that answered signups and sent email) is kept.
SEND_LOG_DAYS = 30


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

    def past_retention(self, days=None):
        """People who unsubscribed more than UNSUBSCRIBED_RETENTION_DAYS (or `days`) days ago:
        to be erased."""
        days = settings.UNSUBSCRIBED_RETENTION_DAYS if days is None else days
        cutoff = timezone.now() - datetime.timedelta(days=days)
        return self.filter(status=SubscriberStatus.UNSUBSCRIBED, unsubscribed_at__lt=cutoff)

    def erase(self):
        """Delete these subscribers and every task that names them (their send log); returns
        how many people were erased."""
        subscribers = list(self.only("pk", "email"))
        tasks_about(subscribers).delete()
        erased = self.model.objects.filter(pk__in=[subscriber.pk for subscriber in subscribers])
        _, deleted_by_model = erased.delete()
        return deleted_by_model.get(self.model._meta.label, 0)

    def note_signup(self, email):
        """Record that `email` was entered in the signup form; return its subscriber's id.

        Run by the worker (`process_signup`), never in the request, which only enqueues: one
        upsert whatever the address's state (new, pending, confirmed, unsubscribed), so a new
        address gets a pending row with no consent yet and any other only `last_signup_at`.
        What the signup means is decided next, by `answer_signup`.
        """
        connection = connections[router.db_for_write(self.model)]
        quote = connection.ops.quote_name
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        table = quote(self.model._meta.db_table)
        email_column = quote("email")
        sql = (
            f"INSERT INTO {table} ({email_column}, {quote('name')}, {quote('status')}, "
            f"{quote('created')}, {quote('consent_text')}, {quote('last_signup_at')}) "
            "VALUES (%s, '', %s, %s, '', %s) "
            # The conflict target is the case-insensitive unique index on the address.
            f"ON CONFLICT (LOWER({email_column})) DO UPDATE "
            f"SET {quote('last_signup_at')} = excluded.{quote('last_signup_at')} "
            f"RETURNING {quote('id')}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [normalise_email(email), SubscriberStatus.PENDING, now, now])
            return cursor.fetchone()[0]

    def answer_signup(self, subscriber_id, *, name="", topic_slugs=(), consent_text=CONSENT_TEXT):
        """Act on a signup `note_signup` has just recorded (both in the worker); return the
        subscriber when a confirmation email is due now, else None.

        A new or former subscriber becomes pending; a pending one is updated in place. A
        confirmed subscriber is left untouched (a signup form must not let a stranger change
        someone's details) and gets no email, and neither does anyone asked a moment ago.
        The send is claimed under the row lock, so two signups at once send one email.
        """
        with transaction.atomic(using=router.db_for_write(self.model)):
            subscriber = self.select_for_update().filter(pk=subscriber_id).first()
            if subscriber is None or subscriber.status == SubscriberStatus.CONFIRMED:
                return None  # erased since, or already subscribed
            topics = Topic.objects.filter(slug__in=topic_slugs)
            subscriber.make_pending(name=name, topics=topics, consent_text=consent_text)
            if not subscriber.confirmation_due():
                return None
            subscriber.record_confirmation_sent()
            return subscriber


def tasks_about(subscribers):
    """The background tasks that name these subscribers (their signups, answered or still
    waiting for the worker, and the emails sent to them): their send log, kept by the database
    task backend. A signup task names the person by their (normalised) address; ones queued
    before the request stopped writing the subscriber row named them by id."""
    from django_tasks_db.models import DBTaskResult

    subscribers = list(subscribers)
    emails = [normalise_email(subscriber.email) for subscriber in subscribers]
    return DBTaskResult.objects.filter(
        Q(task_path=SIGNUP_TASK_PATH, args_kwargs__kwargs__email__in=emails)
        | Q(
            task_path=SIGNUP_TASK_PATH,
            args_kwargs__kwargs__subscriber_id__in=[subscriber.pk for subscriber in subscribers],
        )
        | Q(task_path=SEND_EMAIL_TASK_PATH, args_kwargs__kwargs__to__0__in=emails)
    )


def expired_send_log(days=SEND_LOG_DAYS):
    """Finished signup and email tasks older than `days` days: the send log past its time."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - datetime.timedelta(days=days)
    return DBTaskResult.objects.finished().filter(
        task_path__in=[SIGNUP_TASK_PATH, SEND_EMAIL_TASK_PATH], finished_at__lt=cutoff
    )


# The tasks' import paths, named here so that the models need not import the tasks.
SIGNUP_TASK_PATH = "newsletter.tasks.process_signup"
SEND_EMAIL_TASK_PATH = "hub.tasks.send_email"


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
    last_confirmation_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last confirmation email went out."
    )
    last_signup_at = models.DateTimeField(
        null=True, blank=True, help_text="When this address was last entered in the signup form."
    )

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

    def forget_confirmation_sent(self):
        """The confirmation did not go out after all (the mail server refused the address)."""
        self.last_confirmation_sent_at = None
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
