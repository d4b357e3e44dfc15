"""`python manage.py generate_entries --count N --seed S [--delete]`: synthetic load-test data."""

import time

from django.core.management.base import BaseCommand, CommandError

from resources.synthetic import SeedAlreadyUsed, delete_synthetic_entries, generate_entries


class Command(BaseCommand):
    help = (
        "Create realistic-looking synthetic entries for load and scale tests, clearly marked "
        "as synthetic and never part of the demo data. The same seed gives the same entries. "
        "--delete removes every synthetic entry (and nothing else) before generating any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=0, help="How many entries to create.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--delete", action="store_true", help="Delete all synthetic entries first."
        )

    def handle(self, *args, count, seed, delete, **options):
        if count < 0 or seed < 0:
            raise CommandError("--count and --seed must be zero or more.")
        if not count and not delete:
            raise CommandError("Give --count N to create entries, or --delete to remove them.")
        if delete:
            deleted = delete_synthetic_entries()
            self.stdout.write(f"Deleted {deleted} synthetic entries.")
        if count:
            started = time.perf_counter()
            try:
                generate_entries(count, seed)
            except SeedAlreadyUsed:
                raise CommandError(
                    f"Entries from seed {seed} are already here. Run with --delete first, "
                    "or choose another --seed."
                ) from None
            seconds = time.perf_counter() - started
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created {count} synthetic entries from seed {seed} in {seconds:.1f} s."
                )
            )
