import environ
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from hub.backups import BackupError, describe, restore_database


class Command(BaseCommand):
    help = (
        "Restore a backup made by backup_database into the database of DATABASE_URL, or into "
        "the one --database-url names (created if missing on PostgreSQL). Everything in that "
        "database is replaced."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="the backup file (.dump for PostgreSQL, .sqlite3)")
        parser.add_argument(
            "--database-url",
            help="restore into this database instead, e.g. postgres://hub@db/hub_restored",
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args, backup, database_url, interactive, **options):
        if database_url:
            target = environ.Env.db_url_config(database_url)
        else:
            target = dict(connections["default"].settings_dict)
        where = describe(target)
        if interactive:
            answer = input(
                f"This replaces everything in the database {where} with {backup}.\n"
                "Type 'yes' to continue, or anything else to stop: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled; nothing was changed.")
        try:
            restore_database(backup, target)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored {backup} into {where}. Run `manage.py migrate` if the backup comes "
            "from an older release."
        )
