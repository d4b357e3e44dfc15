"""Newsletter subscribers: double opt-in, consent records and unsubscribe state."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.db.models import Exists, F, IntegerField, Max, OuterRef, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Lower
from django.utils import timezone

from resources.models import Topic

# The wording beside the consent checkbox. It is stored with each subscription, so a change
# here applies to new signups only and older consent records keep what people agreed to.
CONSENT_TEXT = (
    "I agree to receive the Peer Support Evidence Hub newsletter by email: a digest of new "
    "resources, tools and evidence in the topics I choose, about once a month. Every email has "
    "links to change my topics or unsubscribe, and I can leave at any time."
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

    def digest_recipients(self):
        """Who a digest goes to: confirmed subscribers whose address has not bounced."""
        return self.confirmed().filter(bounced_at__isnull=True)

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
            if subscriber is None:
                return None  # erased since
            if subscriber.status == SubscriberStatus.CONFIRMED and subscriber.bounced_at is None:
                return None  # already subscribed
            # A confirmed address that bounced gets mail again only once its owner confirms
            # that it works: signing up again restarts the double opt-in.
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
DIGEST_TASK_PATHS = ("newsletter.tasks.start_digest", "newsletter.tasks.send_digest_batch")


def digest_tasks(issue_id):
    """The start and batch tasks of digest `issue_id` (an id, or an OuterRef to one)."""
    from django_tasks_db.models import DBTaskResult

    return (
        DBTaskResult.objects.filter(task_path__in=DIGEST_TASK_PATHS)
        .alias(issue_id=Cast(KT("args_kwargs__kwargs__issue_id"), IntegerField()))
        .filter(issue_id=issue_id)
    )


def waiting_for_a_worker(results, now):
    """Those of these tasks queued and due by `now`, which no worker has taken yet."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import get_date_max

    ready = results.filter(status=TaskResultStatus.READY)
    return ready.filter(Q(run_after__lte=now) | Q(run_after=get_date_max()))


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
    bounced_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the mail server refused this address permanently (a 5xx reply). "
        "Bounced addresses are sent no digest; signing up again and confirming clears it.",
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
        # Opening the link proves the address receives mail again.
        self.bounced_at = None
        self.save(update_fields=["status", "confirmed_at", "consented_at", "bounced_at"])
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


# A first digest, with no sent issue before it, covers this many days up to its end.
FIRST_DIGEST_DAYS = 30


class DigestStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"


class WhenNothingNew(models.TextChoices):
    NOTABLE = "notable", "Send the introduction and the most notable items"
    SKIP = "skip", "Skip them: send nothing"


class DigestIssueQuerySet(models.QuerySet):
    def drafts(self):
        return self.filter(status=DigestStatus.DRAFT)

    def sent(self):
        return self.filter(status=DigestStatus.SENT)

    def default_period_start(self, now=None):
        """Where a new issue's period starts: the end of the last sent issue's, or
        FIRST_DIGEST_DAYS days ago when none was sent."""
        last_end = self.sent().aggregate(end=models.Max("period_end"))["end"]
        return last_end or (now or timezone.now()) - datetime.timedelta(days=FIRST_DIGEST_DAYS)

    def stalled(self, now=None, minutes=None):
        """Issues still sending that nothing has moved for `minutes` (DIGEST_STALLED_MINUTES):
        their worker died mid-batch (or mid-start), and what is left is safe to queue again.

        Progress is the newest change to a delivery, or the start. A stalled issue has
        stranded deliveries (DigestDeliveryQuerySet.stranded), or none unfinished (it died
        before making them, or before its final count); none has a task queued and due that
        no worker has taken yet: that one waits for a worker, and queueing more would not help.
        """
        minutes = settings.DIGEST_STALLED_MINUTES if minutes is None else minutes
        now = now or timezone.now()
        cutoff = now - datetime.timedelta(minutes=minutes)
        deliveries = DigestDelivery.objects.filter(issue=OuterRef("pk"))
        return (
            self.filter(status=DigestStatus.SENDING)
            .alias(progress=Coalesce(Max("deliveries__updated"), "started_at"))
            .filter(progress__lt=cutoff)
            .filter(Exists(deliveries.stranded(cutoff)) | ~Exists(deliveries.unfinished()))
            .exclude(Exists(waiting_for_a_worker(digest_tasks(OuterRef("pk")), now)))
        )


class DigestIssue(models.Model):
    """One digest: an introduction and the entries published in its period, per topic."""

    subject = models.CharField(max_length=150)
    intro = models.TextField(
        "introduction",
        blank=True,
        help_text="Markdown: **bold**, lists, [links](https://…). It opens every email.",
    )
    period_start = models.DateTimeField(
        blank=True,
        help_text="Entries published from this moment (included) are in it. Left empty: the "
        f"end of the last sent issue's period, or {FIRST_DIGEST_DAYS} days ago.",
    )
    period_end = models.DateTimeField(
        null=True,
        blank=True,
        help_text="…until this moment (not included). Left empty: the moment sending starts.",
    )
    when_nothing_new = models.CharField(
        "people with nothing new on their topics",
        max_length=10,
        choices=WhenNothingNew.choices,
        default=WhenNothingNew.NOTABLE,
    )
    status = models.CharField(
        max_length=10, choices=DigestStatus.choices, default=DigestStatus.DRAFT, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Totals kept on the issue, so its summary outlives the deliveries of erased people.
    recipient_count = models.PositiveIntegerField(default=0, editable=False)
    sent_count = models.PositiveIntegerField(default=0, editable=False)
    skipped_count = models.PositiveIntegerField(default=0, editable=False)
    failed_count = models.PositiveIntegerField(default=0, editable=False)
    bounced_count = models.PositiveIntegerField(default=0, editable=False)

    objects = DigestIssueQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = "digest"
        permissions = [("send_digestissue", "Can send a digest to subscribers")]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__isnull=True) | Q(period_end__gt=F("period_start")),
                name="newsletter_digest_period_ordered",
            ),
        ]

    def __str__(self):
        return self.subject

    def save(self, *args, **kwargs):
        if self.period_start is None:
            self.period_start = DigestIssue.objects.default_period_start()
        super().save(*args, **kwargs)

    def clean(self):
        start = self.period_start or DigestIssue.objects.default_period_start()
        if self.period_end is not None and self.period_end <= start:
            raise ValidationError({"period_end": "The period must end after it starts."})

    @property
    def is_draft(self):
        return self.status == DigestStatus.DRAFT

    def period(self, now=None):
        """(start, end) of the entries it carries; an open end is now (until sending fixes it)."""
        return self.period_start, self.period_end or now or timezone.now()

    def begin_sending(self):
        """Fix the period's end (now, when it was left open) and mark the issue as sending."""
        now = timezone.now()
        self.period_end = self.period_end or now
        self.started_at = self.started_at or now
        self.status = DigestStatus.SENDING
        self.finished_at = None
        self.save(update_fields=["period_end", "started_at", "status", "finished_at"])

    def status_counts(self):
        """How many deliveries are in each status (every status, zeros included): one query."""
        counts = dict(
            self.deliveries.order_by().values_list("status").annotate(count=models.Count("pk"))
        )
        return {status: counts.get(status, 0) for status in DeliveryStatus.values}

    def refresh_totals(self):
        """Store the current counts on the issue and mark it sent once nothing is left to do
        (nothing pending, no retry scheduled); returns the counts.

        Batches finish in several workers at once: the issue's row is locked first, so the
        counts each stores were read after the previous one's commit and never go back."""
        with transaction.atomic(using=router.db_for_write(DigestIssue)):
            issues = DigestIssue.objects.filter(pk=self.pk)
            self.status = issues.select_for_update().values_list("status", flat=True).get()
            counts = self.status_counts()
            totals = {
                "recipient_count": sum(counts.values()),
                "sent_count": counts[DeliveryStatus.SENT],
                "skipped_count": counts[DeliveryStatus.SKIPPED],
                "failed_count": counts[DeliveryStatus.FAILED],
                "bounced_count": counts[DeliveryStatus.BOUNCED],
            }
            if self.status == DigestStatus.SENDING and not self.deliveries.unfinished().exists():
                totals |= {"status": DigestStatus.SENT, "finished_at": timezone.now()}
            issues.update(**totals)
        for name, value in totals.items():
            setattr(self, name, value)
        return counts


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped (nothing to send, or no longer subscribed)"
    FAILED = "failed", "Failed (temporary: tried again)"
    BOUNCED = "bounced", "Bounced (refused permanently)"


# Deliveries a batch may (still) send.
SENDABLE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


class DigestDeliveryQuerySet(models.QuerySet):
    def sendable(self):
        """Not sent yet: pending, or failed for a reason that may pass."""
        return self.filter(status__in=SENDABLE_STATUSES)

    def unfinished(self):
        """What keeps an issue sending: pending deliveries and failed ones awaiting a retry."""
        return self.filter(
            Q(status=DeliveryStatus.PENDING)
            | Q(status=DeliveryStatus.FAILED, retry_at__isnull=False)
        )

    def stranded(self, cutoff):
        """Those left behind by a worker that died, given no progress since `cutoff`: pending,
        or failed with a retry that was due before then (its batch died too). Failures out
        of retries are not: they wait for an operator's `send_digest ID --resume`."""
        return self.filter(
            Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.FAILED, retry_at__lt=cutoff)
        )

    def create_for(self, issue):
        """A pending delivery for each digest recipient who has none yet (idempotent: run it
        again and nobody gets a second row); returns how many recipients there are now."""
        recipient_ids = Subscriber.objects.digest_recipients().values_list("pk", flat=True)
        self.bulk_create(
            (self.model(issue=issue, subscriber_id=pk) for pk in recipient_ids.iterator()),
            batch_size=1000,
            ignore_conflicts=True,
        )
        return self.filter(issue=issue).count()

    def claim(self, pk):
        """Take one sendable delivery for sending (inside the caller's transaction); returns
        whether this caller got it. The row stays locked until the transaction ends, so two
        workers never send the same delivery: the second finds it no longer sendable."""
        return bool(
            self.filter(pk=pk, status__in=SENDABLE_STATUSES).update(
                attempts=F("attempts") + 1, retry_at=None
            )
        )


class DigestDelivery(models.Model):
    """One digest issue to one subscriber: whether it went, and what the mail server said.

    Erasing a subscriber deletes their deliveries with them (CASCADE): the log keeps no trace
    of the address, and the issue's stored totals still count them.
    """

    issue = models.ForeignKey(DigestIssue, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="digest_deliveries"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    retry_at = models.DateTimeField(
        null=True, blank=True, help_text="When a failed delivery is tried again."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    objects = DigestDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = "digest delivery"
        verbose_name_plural = "digest deliveries"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "subscriber"], name="newsletter_delivery_once_per_issue"
            ),
        ]
        indexes = [models.Index(fields=["issue", "status"], name="newsletter_delivery_status")]

    def __str__(self):
        return f"{self.issue} → {self.subscriber_id}"
