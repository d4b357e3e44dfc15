"""`python manage.py load_demo`: the real demo data set and the starting taxonomy."""

from django.core.management.base import BaseCommand

from resources.demo import load_demo


class Command(BaseCommand):
    help = (
        "Load the real demo data set (verified peer support items) and the starting taxonomy. "
        "Idempotent: items already present (same slug, DOI or verified-at address) and "
        "existing terms are left exactly as they are, so curators' edits survive."
    )

    def handle(self, *args, **options):
        report = load_demo()
        self.stdout.write(self.style.SUCCESS(str(report)))
