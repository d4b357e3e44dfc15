"""How long the curators' dashboard (/admin/) takes, and what each of its queries costs.

It fills the database in DATABASE_URL with synthetic entries up to --entries (through
`generate_entries`; real entries are left alone), gives them what a catalogue under curation
has and `generate_entries` does not make (a link check for every published entry, a few
percent broken or moved, and one history version each, by a curator), then signs a superuser
in (with an authenticator, as the admin requires) and requests /admin/ --repeat times. It
prints the median and slowest time, the number of queries, each query's time in the slowest
request and, on PostgreSQL, the plan of every query that took longer than --explain-ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dashboard_bench \
        .venv/bin/python bench/dashboard.py

`manage.py generate_entries --delete` removes the entries with their link checks and history.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import analyse, prepare_database  # noqa: E402

BROKEN_EVERY, MOVED_EVERY = 31, 47  # about 3% broken and 2% moved links


def add_curation_state(connection):
    """Link checks and history versions for the synthetic entries that have none."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from resources.models import Entry, LinkCheck, LinkState

    curator, _ = get_user_model().objects.get_or_create(
        username="bench-curator", defaults={"is_staff": True}
    )
    unchecked = Entry.objects.synthetic().published().filter(link_check__isnull=True)
    now = timezone.now()
    checks = []
    for pk, url in unchecked.values_list("pk", "url").iterator(chunk_size=5000):
        state = LinkState.OK
        if pk % BROKEN_EVERY == 0:
            state = LinkState.BROKEN
        elif pk % MOVED_EVERY == 0:
            state = LinkState.MOVED
        checks.append(LinkCheck(entry_id=pk, url=url or "https://example.org/", state=state,
                                last_checked=now))  # fmt: skip
    LinkCheck.objects.bulk_create(checks, batch_size=5000)
    without_history = (
        Entry.objects.synthetic().exclude(pk__in=Entry.history.values("id")).defer("search_vector")
    )
    versions = 0
    batch = []
    for entry in without_history.iterator(chunk_size=2000):
        entry._history_user = curator
        batch.append(entry)
        if len(batch) == 2000:
            versions += len(Entry.history.bulk_history_create(batch, default_user=curator))
            batch = []
    if batch:
        versions += len(Entry.history.bulk_history_create(batch, default_user=curator))
    print(f"added {len(checks)} link checks and {versions} history versions")
    analyse(connection)


def signed_in_client():
    """A test client signed in as a superuser whose session verified a code."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
        user=user, name="bench"
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain-ms", type=float, default=20.0)
    args = parser.parse_args()

    connection = prepare_database(args.entries, args.seed)
    add_curation_state(connection)
    from django.test.utils import CaptureQueriesContext

    client = signed_in_client()
    client.get("/admin/")  # the URL resolver, templates and permissions, once per worker
    timings, slowest = [], None
    for _ in range(args.repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get("/admin/")
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"/admin/ answered {response.status_code}")
        timings.append(elapsed)
        if slowest is None or elapsed >= max(timings):
            slowest = list(queries.captured_queries)
    print(f"{connection.vendor}, {args.entries} entries: /admin/ median "
          f"{statistics.median(timings):.1f} ms, slowest {max(timings):.1f} ms, "
          f"{len(slowest)} queries")  # fmt: skip
    for query in slowest:
        ms = float(query["time"]) * 1000
        print(f"  {ms:7.1f} ms  {query['sql'][:150]}")
        if connection.vendor == "postgresql" and ms > args.explain_ms:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                print("\n".join(f"           {row[0]}" for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
