from django.core.management.base import BaseCommand, CommandError

from accounts.models import SignInEvent

DEFAULT_DAYS = 365


class Command(BaseCommand):
    help = f"Delete sign-in events older than --days days (default {DEFAULT_DAYS})."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS)

    def handle(self, *args, days, **options):
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        deleted, _ = SignInEvent.objects.older_than(days=days).delete()
        self.stdout.write(f"Deleted {deleted} sign-in event(s) older than {days} days.")
