"""How fast the public listings, the evidence map and topic pages answer, and in how many
queries, over a large catalogue.

`make bench-pages` runs this. It fills the database in DATABASE_URL with synthetic entries (through
`generate_entries`; real entries are left alone) up to --entries, then requests each listing
URL below --requests times through django.test.Client and prints the median and 95th
percentile response times, with every cache but the facet index emptied before each request
(cold: a URL nobody asked for yet) and without (warm), the number of queries of each, and
how long the facet index takes to build (once per catalogue version). Give it a database of its own:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/listing_bench make bench-pages
    DATABASE_URL=sqlite:////tmp/listing-bench.sqlite3 .venv/bin/python bench/listing.py

Without DATABASE_URL it uses a throwaway SQLite file in /tmp, never the development database.
A missing PostgreSQL database is created.
"""

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import prepare_database  # noqa: E402

# "23 results" on listings, "23 published evidence entries" on the map.
RESULT_COUNT = re.compile(r'role="status">([\d,]+) (?:results?|published evidence entr)')
URLS = [
    "/search/",
    "/search/?q=peer+support",
    "/search/?q=loneliness+older+people&kind=evidence&page=2",
    "/evidence/",
    "/evidence/?topic=mental-health&topic=dementia&approach=groups"
    "&study_design=rct&study_design=systematic_review&evidence_strength=strong&year_min=2005",
    "/evidence/?q=peer+support&topic=mental-health&approach=groups&year_min=2010",
    "/resources/?audience=commissioners&region=england&sort=title",
    "/tools/?page=999999",
    "/evidence/map/",
    "/evidence/map/?columns=topic&year_min=2010",
    "/evidence/map/?population=older-people&effect=positive&study_design=rct",
    "/evidence/map.json?columns=population&q=loneliness",
    "/topics/mental-health/",
    "/approaches/groups/",
]


def timed_requests(client, url, requests, before=lambda: None, action=None):
    """Milliseconds each of `requests` GETs of `url` (or calls of `action`) took, sorted."""
    timings = []
    for _ in range(requests):
        before()
        started = time.perf_counter()
        action() if action else client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)


def percentile(timings, fraction):
    return timings[max(0, round(fraction * len(timings)) - 1)]


def empty_page_caches():
    """Empty the cache of everything a page keeps (maps, related entries, term lists, search
    matches) but the facet index, which is kept per catalogue version for every page: a
    request after this is what a never-seen URL costs on a running site."""
    from django.core.cache import cache

    from resources.cache import CATALOGUE_VERSION_KEY
    from resources.facet_index import facet_index

    index = facet_index()
    cache.clear()
    cache.set(CATALOGUE_VERSION_KEY, index.version, None)
    cache.set(f"catalogue:{index.version}:facet-index", index)


def index_build_ms(repeats=3):
    """Median milliseconds to build the facet index (once per catalogue version)."""
    from resources.cache import catalogue_version
    from resources.facet_index import FacetIndex

    version = catalogue_version()
    return statistics.median(
        timed_requests(None, None, repeats, action=lambda: FacetIndex.build(version))
    )


def measure(client, url, requests):
    """(cold median, cold p95, warm median, warm p95, queries cold, queries warm, results).

    Cold: every cache but the facet index is emptied before every request (a URL nobody has
    asked for yet). Warm: the same URL again, as for a popular page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    empty_page_caches()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    # Counted now: the next request clears the connection's query log.
    cold_queries = len(queries)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    warm_queries = len(queries)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    # The page's own "23 results" text (the test client keeps no context outside tests);
    # pages without one (topic pages, JSON) print "-".
    found = RESULT_COUNT.search(response.content.decode())
    results = found.group(1).replace(",", "") if found else "-"
    cold = timed_requests(client, url, requests, before=empty_page_caches)
    warm = timed_requests(client, url, requests)
    return (
        statistics.median(cold),
        percentile(cold, 0.95),
        statistics.median(warm),
        percentile(warm, 0.95),
        cold_queries,
        warm_queries,
        results,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    connection = prepare_database(args.entries, args.seed)
    from django.test import Client

    from resources.models import Entry

    published = Entry.objects.published().count()
    print(f"{connection.vendor}: {published} published entries; {args.requests} requests per URL")
    print(f"facet index build (once per catalogue version): {index_build_ms():.0f} ms")
    print("times in ms; cold = every cache but the facet index emptied before each request")
    print(
        f"{'cold med':>8} {'cold p95':>8} {'warm med':>8} {'warm p95':>8} "
        f"{'queries':>9} {'results':>7}  url"
    )
    client = Client()
    for listing_url in URLS:
        cold, cold95, warm, warm95, cold_q, warm_q, results = measure(
            client, listing_url, args.requests
        )
        print(
            f"{cold:8.1f} {cold95:8.1f} {warm:8.1f} {warm95:8.1f} "
            f"{cold_q:>4}/{warm_q:<4} {results:>7}  {listing_url}"
        )


if __name__ == "__main__":
    main()
