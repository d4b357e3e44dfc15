"""The public site under load: gunicorn driven by wrk, with the /health/ floor in the same run.

`make bench` runs this. It fills the database in DATABASE_URL with synthetic entries up to
--entries (as bench/listing.py does; real entries are left alone), starts gunicorn (2 workers,
Redis as the shared cache) on 127.0.0.1, and for each scenario drives it with
`wrk -t2 -c8 -d<seconds>s` over a list of *distinct* URLs, so that no cached page, map or
count helps (every request is cold), then once more with one connection (a request alone).
Before each run the cache is emptied and one request rebuilds what all pages share per
catalogue version (the facet index); that first request's time is printed on its own. It
prints throughput and the median and 99th percentile latency of each scenario.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/load_bench make bench
    DATABASE_URL=sqlite:////tmp/load-bench.sqlite3 .venv/bin/python bench/load.py

Needs `wrk` (Debian: `apt-get install wrk`) and Redis on 127.0.0.1:6379 (database 9 is
emptied). Only 127.0.0.1 is ever targeted; every run is bounded by --seconds per scenario.
"""

import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import prepare_database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/9"
WRK_SCRIPT = Path(__file__).resolve().parent / "distinct_paths.lua"
WORDS = [
    "peer", "support", "wellbeing", "loneliness", "recovery", "groups", "carers",
    "mentoring", "hope", "online", "dementia", "diabetes", "adherence", "confidence",
]  # fmt: skip


def scenarios(rng, slugs):
    """{name: [distinct paths]}: what the issue's table measures, and the evidence map."""
    topics, details = slugs["topics"], slugs["details"]

    def year():
        return rng.randint(1998, 2022)

    def many(make, count=4000):
        paths = {make() for _ in range(count * 2)}
        return rng.sample(sorted(paths), min(count, len(paths)))

    return {
        "/health/ (the floor)": ["/health/"],
        "search listings (q, topic, year; page 2)": many(
            lambda: rng.choice(
                [
                    f"/evidence/?q={rng.choice(WORDS)}&topic={rng.choice(topics)}&year_min={year()}",
                    f"/search/?q={rng.choice(WORDS)}&topic={rng.choice(topics)}"
                    f"&year_min={year()}&page=2",
                ]
            )
        ),
        "filtered listings (topic, year)": many(
            lambda: rng.choice(
                [
                    f"/evidence/?topic={rng.choice(topics)}&year_min={year()}",
                    f"/search/?topic={rng.choice(topics)}&year_max={year()}&sort=title",
                ]
            )
        ),
        "detail pages (50 different)": rng.sample(details, min(50, len(details))),
        "evidence map (topic, year)": many(
            lambda: f"/evidence/map/?topic={rng.choice(topics)}&year_min={year()}"
        ),
    }


def sample_slugs():
    """Topic slugs and published entries' detail paths, from the filled database."""
    from resources.models import Entry, Term

    details = [
        entry.get_absolute_url()
        for entry in Entry.objects.published().only("kind", "slug").order_by("?")[:2000]
    ]
    topics = list(Term.objects.in_taxonomy("topic").values_list("slug", flat=True))
    return {"topics": topics, "details": details}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port, env):
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "hub.wsgi", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def empty_cache(port):
    """Empty the shared cache, then make one request, timed: it builds what every page shares
    per catalogue version (the facet index), as the first visitor after a curator's edit
    does. Returns its milliseconds; the scenario's own URLs then find no page cached."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    started = time.perf_counter()
    urllib.request.urlopen(f"http://127.0.0.1:{port}/search/?year_min=1900", timeout=60).read()
    return (time.perf_counter() - started) * 1000


LATENCY = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(port, paths, threads, connections, seconds):
    """(requests per second, median ms, p99 ms, requests, non-2xx/3xx) of one wrk run."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(paths) + "\n")
    env = {**os.environ, "WRK_PATHS": listing.name}
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "--latency", "-s", str(WRK_SCRIPT), f"http://127.0.0.1:{port}"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    os.unlink(listing.name)
    latency = {p: float(v) * UNITS[u] for p, v, u in LATENCY.findall(output)}
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return (
        rate,
        latency.get("50", 0.0),
        latency.get("99", 0.0),
        total,
        int(errors.group(1)) if errors else 0,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench/load.py needs wrk: apt-get install wrk")

    connection = prepare_database(args.entries, args.seed)
    slugs = sample_slugs()
    env = {**os.environ, "CACHE_URL": REDIS_URL, "ALLOWED_HOSTS": "127.0.0.1",
           "DEBUG": "0"}  # fmt: skip
    port = free_port()
    server = start_gunicorn(port, env)
    try:
        print(f"{connection.vendor}, gunicorn 2 workers, Redis cache, wrk -t2 -c8 "
              f"-d{args.seconds}s; every URL distinct; cache emptied before each run")  # fmt: skip
        rng = random.Random(args.seed)
        first = empty_cache(port)
        print(f"first request after emptying the cache (builds the facet index): {first:.0f} ms")
        print(f"{'req/s':>8} {'median':>8} {'p99':>8} {'alone':>8}  {'requests':>8}  scenario")
        for name, paths in scenarios(rng, slugs).items():
            empty_cache(port)
            rate, median, p99, total, errors = run_wrk(port, paths, 2, 8, args.seconds)
            empty_cache(port)
            _, alone, _, _, _ = run_wrk(
                port, list(reversed(paths)), 1, 1, max(args.seconds // 2, 3)
            )
            note = f" ({errors} errors)" if errors else ""
            if len(paths) > 1 and total > len(paths):
                note += f" (only {len(paths)} distinct URLs: later ones were warm)"
            print(
                f"{rate:8.1f} {median:6.1f}ms {p99:6.1f}ms {alone:6.1f}ms  {total:8d}  {name}{note}"
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
