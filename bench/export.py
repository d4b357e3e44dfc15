"""How long exporting a whole listing takes in each format, and how much memory it needs.

`make bench-export` runs this. It fills the database in DATABASE_URL with synthetic entries
(through `generate_entries`; real entries are left alone) up to --entries, then exports the
listing at --url (every published entry by default) as CSV, JSON, RIS and BibTeX, each in a
fresh Python process, reading the streamed response to the end as a client would. It prints,
per format: the seconds to the last byte, the file's size and lines, the process's peak
resident memory (max RSS, as the operating system sees a gunicorn worker) after serving the
listing page and after the export, and the peak of Python's own allocations during the
export (tracemalloc, in a second, slower pass). A streamed export should need about the
same memory for 1,000 entries as for 100,000. Give it a database of its own:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/export_bench make bench-export
    DATABASE_URL=sqlite:////tmp/export-bench.sqlite3 .venv/bin/python bench/export.py

Without DATABASE_URL it uses a throwaway SQLite file in /tmp, never the development database.
A missing PostgreSQL database is created.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import prepare_database  # noqa: E402

FORMATS = ["csv", "json", "ris", "bib"]


def max_rss_kib():
    """The process's peak resident memory so far, in KiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def read_export(client, url):
    """(bytes, lines) of one export, read piece by piece and thrown away."""
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    size = lines = 0
    for piece in response.streaming_content:
        size += len(piece)
        lines += piece.count(b"\n")
    return size, lines


def export_url(listing_url, extension):
    """/search/?q=x and "csv" give /search/export.csv?q=x."""
    path, _, query = listing_url.partition("?")
    return f"{path}export.{extension}" + (f"?{query}" if query else "")


def measure_one(listing_url, extension):
    """In this process: export the listing once timed (max RSS growth), once under tracemalloc."""
    import django

    django.setup()
    from django.test import Client

    client = Client()
    # The facet index, term lists and URL resolver, which every request of a worker shares.
    client.get(listing_url)
    url = export_url(listing_url, extension)
    rss_before = max_rss_kib()
    started = time.perf_counter()
    size, lines = read_export(client, url)
    seconds = time.perf_counter() - started
    rss_after = max_rss_kib()
    tracemalloc.start()
    read_export(client, url)
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "seconds": seconds,
        "bytes": size,
        "lines": lines,
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "python_peak_bytes": python_peak,
    }


def measure_in_subprocess(listing_url, extension):
    """Run `measure_one` in a fresh interpreter, so each format's max RSS is its own."""
    env = {**os.environ, "EXPORT_RATE_LIMIT": "1000000"}
    result = subprocess.run(
        [sys.executable, __file__, "--child", extension, "--url", listing_url],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", default="/search/", help="the listing, with any query string")
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=FORMATS)
    parser.add_argument("--child", choices=FORMATS, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(measure_one(args.url, args.child)))
        return

    connection = prepare_database(args.entries, args.seed)
    from resources.models import Entry

    published = Entry.objects.published().count()
    print(f"{connection.vendor}: {published} published entries; exporting {args.url}")
    print("max RSS: the worker's peak resident memory after serving the listing page once, then")
    print("after the export (it only grows if the export needs more than the page did)")
    print(
        f"{'format':<6} {'seconds':>8} {'MB':>7} {'lines':>8} "
        f"{'max RSS MiB':>17} {'Python peak MB':>14}"
    )
    for extension in args.formats:
        figures = measure_in_subprocess(args.url, extension)
        rss = f"{figures['rss_before_kib'] / 1024:.0f} -> {figures['rss_after_kib'] / 1024:.0f}"
        print(
            f"{extension:<6} {figures['seconds']:8.1f} {figures['bytes'] / 1e6:7.1f} "
            f"{figures['lines']:>8} {rss:>17} {figures['python_peak_bytes'] / 1e6:14.1f}"
        )


if __name__ == "__main__":
    main()
