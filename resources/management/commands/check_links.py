"""`python manage.py check_links [--only-due DAYS] [--limit N]`: check published entries' links."""

import time

from django.core.management.base import BaseCommand, CommandError

from resources.link_checks import check_links, entries_to_check


class Command(BaseCommand):
    help = (
        "Check the link of every published entry (HEAD, or GET where HEAD is refused; "
        "redirects followed; failures tried twice more) and record each as ok, moved or "
        "broken for curators. Entries never checked come first, then the longest unchecked."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only-due",
            type=int,
            metavar="DAYS",
            help="Only entries whose link was not checked in the last DAYS days.",
        )
        parser.add_argument("--limit", type=int, help="Check at most this many entries.")

    def handle(self, *args, only_due, limit, **options):
        if (only_due is not None and only_due < 0) or (limit is not None and limit < 1):
            raise CommandError("--only-due must be zero or more and --limit one or more.")
        started = time.perf_counter()
        counts = check_links(entries_to_check(only_due_days=only_due, limit=limit))
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Checked {sum(counts.values())} links: {counts['ok']} ok, {counts['moved']} moved, "
            f"{counts['broken']} broken in {seconds:.1f} s."
        )
