from django.core.management.base import BaseCommand, CommandError

from newsletter.models import STALE_PENDING_DAYS, Subscriber


class Command(BaseCommand):
    help = "Delete newsletter signups never confirmed within --days days (default 30)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=STALE_PENDING_DAYS)

    def handle(self, *args, days, **options):
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        # delete() also counts the rows linking subscribers to topics; report people only.
        _, deleted_by_model = Subscriber.objects.stale_pending(days=days).delete()
        deleted = deleted_by_model.get(Subscriber._meta.label, 0)
        self.stdout.write(f"Deleted {deleted} pending subscriber(s) older than {days} days.")
