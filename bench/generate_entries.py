"""How long `generate_entries` takes to create, and `--delete` to remove, N synthetic entries.

Run it against a migrated database of its own (it deletes every synthetic entry there first):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench DEBUG=0 SECRET_KEY=x \\
        .venv/bin/python bench/generate_entries.py --count 100000
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/generate_entries.py
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from resources.models import EntryTerm  # noqa: E402
from resources.synthetic import delete_synthetic_entries, generate_entries  # noqa: E402


def timed(action):
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    delete_synthetic_entries()
    _, seconds = timed(lambda: generate_entries(args.count, args.seed))
    links = EntryTerm.objects.filter(entry__is_synthetic=True).count()
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    print(f"generate_entries --count {args.count}: {seconds:.1f} s")
    print(f"  {args.count / seconds:,.0f} entries/s; {links:,} taxonomy links")
    deleted, seconds = timed(delete_synthetic_entries)
    print(f"generate_entries --delete ({deleted:,} entries): {seconds:.1f} s")


if __name__ == "__main__":
    main()
