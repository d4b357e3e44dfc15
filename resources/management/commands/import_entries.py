"""`python manage.py import_entries FILE --kind evidence [--format ris|bib|csv] [--status draft]
[--dry-run] [--update-empty] [--skip-duplicates]`: the admin's import, from the command line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from resources.imports import IMPORT_STATUSES, SKIP, UPDATE, ImportPlan, ImportRefused, plan_report
from resources.imports import read_upload as read_file
from resources.kinds import KINDS


class Command(BaseCommand):
    help = (
        "Import entries from a RIS, BibTeX or CSV file (the hub's own export columns): print "
        "the plan (rows, duplicates, errors), then save it in one transaction. New rows are "
        "created; rows with errors are skipped; duplicates of the catalogue or of an earlier "
        "row stop the import unless --skip-duplicates or --update-empty says what to do."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The file to import.")
        parser.add_argument(
            "--kind", required=True, choices=[spec.value for spec in KINDS], help="Their kind."
        )
        parser.add_argument(
            "--format",
            choices=["ris", "bib", "csv"],
            default="",
            help="The file's format (default: from its extension).",
        )
        parser.add_argument(
            "--status",
            choices=[status.value for status in IMPORT_STATUSES],
            default=IMPORT_STATUSES[0].value,
            help="The status of new entries (default: draft).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the plan and save nothing."
        )
        parser.add_argument(
            "--update-empty",
            action="store_true",
            help="Fill the empty fields of the entries that rows duplicate (never overwrite).",
        )
        parser.add_argument(
            "--skip-duplicates", action="store_true", help="Skip rows that are duplicates."
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from error
        try:
            upload = read_file(data, path.name, options["format"], options["kind"])
            plan = ImportPlan(upload, status=options["status"])
        except ImportRefused as refused:
            raise CommandError(f"{path.name}: {refused}") from refused
        for row in plan.rows:
            if options["update_empty"] and UPDATE in plan.allowed(row):
                plan.choose(row.number, UPDATE)
        for line in plan_report(plan):
            self.stdout.write(line)
        duplicates = [
            row
            for row in plan.rows
            if row.duplicate and not row.errors and plan.choice_of(row) == SKIP
        ]
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was saved.")
            return
        if duplicates and not (options["skip_duplicates"] or options["update_empty"]):
            raise CommandError(
                f"{len(duplicates)} row(s) duplicate entries or earlier rows: run again with "
                "--skip-duplicates (skip them) or --update-empty (fill the entries' empty "
                "fields). Nothing was saved."
            )
        counts = plan.save()
        self.stdout.write(self.style.SUCCESS(f"Imported {path.name}: {counts}."))
