"""What the benchmarks share: the environment they measure in, and a filled, analysed database.

Each benchmark gets a database of its own from DATABASE_URL (a missing PostgreSQL database is
created); without it, a throwaway SQLite file in /tmp, never the development database.
"""

import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/hub-bench.sqlite3")
# Measure what production runs: DEBUG off (no query logging, cached templates), plain HTTP.
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-any-deployment-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ["SECURE_SSL_REDIRECT"] = "0"
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Production serves hashed static names from a manifest: collect them somewhere harmless.
os.environ.setdefault("STATIC_ROOT", "/tmp/hub-bench-static")


def create_postgresql_database_if_missing(url):
    """Connect to the server's `postgres` database and create ours if it is not there."""
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    admin.close()


def fill(entries, seed):
    """Make the catalogue hold at least `entries` synthetic entries."""
    from resources.models import Entry
    from resources.synthetic import delete_synthetic_entries, generate_entries

    synthetic = Entry.objects.filter(is_synthetic=True).count()
    if synthetic >= entries:
        return
    delete_synthetic_entries()
    started = time.perf_counter()
    generate_entries(entries, seed)
    print(f"generated {entries} synthetic entries in {time.perf_counter() - started:.1f} s")


def analyse(connection):
    """Fresh planner statistics and visibility maps (index-only scans), as autovacuum would
    give a real database some minutes after a bulk load."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def prepare_database(entries, seed):
    """Set Django up on a migrated database holding `entries` synthetic entries; returns the
    connection."""
    url = os.environ["DATABASE_URL"]
    if url.startswith(("postgres://", "postgresql://")):
        create_postgresql_database_if_missing(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    fill(entries, seed)
    analyse(connection)
    return connection
