from django.core.management.base import BaseCommand, CommandError

from suggestions.summary import send_summary


class Command(BaseCommand):
    """`manage.py send_suggestion_summary`: the curators' daily email (suggestions/summary.py)."""

    help = (
        "Email the curators one summary of the suggestions received since the last summary "
        "(nothing when there are none). Run it daily from cron; running it twice sends once."
    )

    def handle(self, *args, **options):
        result = send_summary()
        if not result.suggestions:
            self.stdout.write("No new suggestions since the last summary: nothing sent.")
        elif not result.curators:
            raise CommandError(
                f"{result.suggestions} new suggestion(s), but no active staff user who may view "
                "suggestions has an email address: nothing sent. They wait for the next summary."
            )
        else:
            self.stdout.write(
                f"Sent a summary of {result.suggestions} new suggestion(s) to "
                f"{result.curators} curator(s)."
            )
