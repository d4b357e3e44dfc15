from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from newsletter.models import SEND_LOG_DAYS, STALE_PENDING_DAYS, Subscriber, expired_send_log


class Command(BaseCommand):
    help = (
        "Erase newsletter signups never confirmed within --days days (default 30), and people "
        "who unsubscribed more than --unsubscribed-days days ago (default "
        "UNSUBSCRIBED_RETENTION_DAYS, 365), with their send log; and everyone's send log "
        f"(finished mail tasks) after {SEND_LOG_DAYS} days. Run it daily (cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=STALE_PENDING_DAYS)
        parser.add_argument(
            "--unsubscribed-days", type=int, default=settings.UNSUBSCRIBED_RETENTION_DAYS
        )

    def handle(self, *args, days, unsubscribed_days, **options):
        if days < 1 or unsubscribed_days < 1:
            raise CommandError("--days and --unsubscribed-days must be 1 or more.")
        # erase() counts people, not the rows linking them to topics or their tasks.
        deleted = Subscriber.objects.stale_pending(days=days).erase()
        self.stdout.write(f"Deleted {deleted} pending subscriber(s) older than {days} days.")
        erased = Subscriber.objects.past_retention(days=unsubscribed_days).erase()
        self.stdout.write(
            f"Erased {erased} unsubscribed subscriber(s) who left more than "
            f"{unsubscribed_days} days ago."
        )
        pruned, _ = expired_send_log().delete()
        self.stdout.write(f"Deleted {pruned} send log task(s) older than {SEND_LOG_DAYS} days.")
