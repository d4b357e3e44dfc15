from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from hub.backups import BackupError, backup_database, backups_in


class Command(BaseCommand):
    help = (
        "Back up the database into BACKUP_DIR (pg_dump on PostgreSQL, the online backup API on "
        "SQLite) and keep only the newest BACKUP_KEEP backups there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the alias to back up")

    def handle(self, *args, database, **options):
        try:
            path = backup_database(settings.BACKUP_DIR, settings.BACKUP_KEEP, using=database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        kept = len(backups_in(settings.BACKUP_DIR))
        self.stdout.write(
            f"Backed up the database to {path} ({path.stat().st_size:,} bytes); "
            f"{kept} backup(s) kept in {settings.BACKUP_DIR} (BACKUP_KEEP={settings.BACKUP_KEEP})."
        )
