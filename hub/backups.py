"""Backups of the database, and restoring one: `manage.py backup_database` and `restore_database`
(`make backup`, `make restore BACKUP=…`).

- **PostgreSQL**: `pg_dump --format=custom`, one compressed archive of the schema and every row,
  taken in one snapshot while the hub keeps serving. `pg_restore` reads it back into a given
  database (created if missing) in a single transaction, so a restore that fails changes
  nothing; generated columns (the search vector) are recomputed as the rows go in.
- **SQLite**: Python's `sqlite3` online backup API, which copies a consistent snapshot page by
  page even while workers write (a file copy taken during a write can be torn). The FTS5 search
  index is ordinary tables and triggers in the same file, so it comes along.

Backups are named `hub-YYYYMMDD-HHMMSSZ.dump` (PostgreSQL) or `.sqlite3` (SQLite), in UTC, so
they sort by age. Each is written under a temporary name and renamed once complete, so a
failed backup never counts as one; after each backup only the newest `keep` are left.
"""

import os
import re
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from django.db import connections
from django.db.backends.postgresql.client import DatabaseClient
from django.db.utils import ConnectionHandler

from resources.cache import start_new_catalogue_version

BACKUP_NAME = re.compile(r"^hub-\d{8}-\d{6}Z\.(dump|sqlite3)$")
EXTENSIONS = {"postgresql": ".dump", "sqlite": ".sqlite3"}


class BackupError(Exception):
    """A backup or restore that could not be made, with a sentence saying why."""


def backup_database(directory, keep, using="default", now=None):
    """Back up database `using` into `directory` and delete all but the newest `keep` backups
    there; the new backup's path."""
    connection = connections[using]
    if connection.vendor not in EXTENSIONS:
        raise BackupError(f"Backups are made of PostgreSQL and SQLite, not {connection.vendor}.")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%SZ")
    path = directory / f"hub-{stamp}{EXTENSIONS[connection.vendor]}"
    if path.exists():
        raise BackupError(f"{path} already exists: run the backup again in a second.")
    partial = directory / f".{path.name}.partial"
    try:
        if connection.vendor == "postgresql":
            flags, name, env = libpq_arguments(connection.settings_dict)
            run(["pg_dump", *flags, "--format=custom", f"--file={partial}", name], env)
        else:
            copy_sqlite(connection, partial)
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    prune(directory, keep)
    return path


def backups_in(directory):
    """The backups in `directory`, oldest first (their names sort by time)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.iterdir() if BACKUP_NAME.match(path.name))


def prune(directory, keep):
    """Delete all but the newest `keep` backups in `directory`; nothing else there is touched."""
    old = backups_in(directory)[:-keep]
    for path in old:
        path.unlink()
    return old


def restore_database(path, target):
    """Replace everything in the database `target` (a DATABASES entry) with the backup at
    `path`, and start a new catalogue version so that no cached figure of the old data stays."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no backup at {path}.")
    wrapper = database_wrapper(target)
    target, vendor = wrapper.settings_dict, wrapper.vendor  # with Django's defaults filled in
    if path.suffix != EXTENSIONS.get(vendor):
        raise BackupError(
            f"{path.name} is not a backup for {vendor}: restore a {EXTENSIONS.get(vendor)} "
            "file made by backup_database on the same kind of database."
        )
    connections.close_all()  # never hold the database being replaced open
    if vendor == "postgresql":
        create_postgresql_database_if_missing(target)
        flags, name, env = libpq_arguments(target)
        run(
            [
                "pg_restore",
                *flags,
                f"--dbname={name}",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                str(path),
            ],
            env,
        )
    else:
        restore_sqlite(path, target["NAME"])
    start_new_catalogue_version()


def database_wrapper(settings_dict):
    """A Django connection (not yet opened) to the database `settings_dict` describes, under
    the alias "default" (the one alias a ConnectionHandler must have)."""
    return ConnectionHandler({"default": dict(settings_dict)})["default"]


def describe(settings_dict):
    """A database's name and server, never its password: `hub on db.internal:5432`."""
    host = settings_dict.get("HOST")
    if not host:
        return str(settings_dict["NAME"])
    port = settings_dict.get("PORT")
    return f"{settings_dict['NAME']} on {host}{f':{port}' if port else ''}"


def libpq_arguments(settings_dict):
    """The connection flags (-U, -h, -p), the database name and the environment (password,
    SSL files) for PostgreSQL's tools, built as `manage.py dbshell` builds them for psql."""
    args, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    return args[1:-1], args[-1], {**os.environ, **(env or {})}


def run(command, env):
    """Run one of PostgreSQL's tools; a BackupError with its own message if it fails."""
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not installed: install PostgreSQL's client tools "
            "(apt-get install postgresql-client), of the server's major version or newer."
        )
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def create_postgresql_database_if_missing(settings_dict):
    """Create the database `settings_dict` names on its server unless it exists."""
    wrapper = database_wrapper(settings_dict)
    name = settings_dict["NAME"]
    try:
        with wrapper._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f"CREATE DATABASE {wrapper.ops.quote_name(name)}")
    finally:
        wrapper.close()


def copy_sqlite(connection, path):
    """Copy the SQLite database open on `connection` into a new file at `path`."""
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        with connection.wrap_database_errors:
            connection.connection.backup(target)
    finally:
        target.close()


def restore_sqlite(path, target_name):
    """Copy the SQLite backup at `path` over the database file `target_name`, after checking
    that the backup is whole."""
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        try:
            verdict = source.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not an SQLite database: {error}") from error
        if verdict != "ok":
            raise BackupError(f"{path} is damaged ({verdict}): restore another backup.")
        target = sqlite3.connect(target_name)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
