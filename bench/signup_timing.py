"""Does the newsletter signup tell by its timing whether an address is already subscribed?

`make bench-signup` runs this. It signs up --samples new addresses and as many addresses that
are already confirmed, each once, interleaved in random order, and prints the median time of
each group, their difference in %, and how well one request tells them apart: the AUC (the
chance that a random new-address request is slower than a random confirmed-address one; 0.5
is a coin toss) with the band a coin toss stays in 95% of the time at this sample size, and
the accuracy of the simplest attacker, a threshold halfway between the two medians. Within
noise means a difference under 10% and an AUC inside that band; otherwise it exits 1.

Requests go through Django's test client, in this process, with DEBUG off (production's
settings, TASKS_BACKEND=database): it measures exactly the work of the view and the
database, without the network or gunicorn's scheduling, whose jitter is the same for both
groups and so could only hide a difference, never make one. The task worker is not running,
so the measurement is of the request alone, which only enqueues (in production the worker
records the signup and sends mail later, in another process). Each request comes from its own
client address, so the rate limit (five signups per address per ten minutes) treats both
groups alike.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/signup_bench make bench-signup
    BENCH_ARGS="--samples 400" make bench-signup
    .venv/bin/python bench/signup_timing.py --tasks-backend immediate   # mail inside the request

`--tasks-backend immediate` sends the confirmation inside the request, as the hub did before
mail moved to the worker: the difference then shows, which is how to see the bench can tell.
Without DATABASE_URL it uses a throwaway SQLite file in /tmp, never the development database.
"""

import argparse
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/hub-signup-bench.sqlite3")
# Mail, if any is sent in the request, is kept in memory rather than printed.
os.environ.setdefault("EMAIL_URL", "memorymail://")

sys.path.insert(0, str(Path(__file__).resolve().parent))

MAX_DIFFERENCE_PERCENT = 10
WARM_UP = 20


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=200, help="per group (default 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--tasks-backend",
        choices=["database", "immediate"],
        default="database",
        help="database (production: the worker sends) or immediate (mail inside the request)",
    )
    return parser.parse_args()


def auc(slower, faster):
    """Mann–Whitney U / (n1 n2): the chance a value of `slower` exceeds one of `faster`."""
    ranked = sorted([(value, 0) for value in slower] + [(value, 1) for value in faster])
    rank_sum, position = 0.0, 0
    while position < len(ranked):  # average ranks over ties
        end = position
        while end < len(ranked) and ranked[end][0] == ranked[position][0]:
            end += 1
        average_rank = (position + 1 + end) / 2
        rank_sum += average_rank * sum(1 for _, group in ranked[position:end] if group == 0)
        position = end
    n1, n2 = len(slower), len(faster)
    return (rank_sum - n1 * (n1 + 1) / 2) / (n1 * n2)


def coin_toss_band(n1, n2):
    """Half-width of the 95% band of the AUC when the two groups do not differ."""
    return 1.96 * math.sqrt((n1 + n2 + 1) / (12 * n1 * n2))


def threshold_accuracy(new, confirmed):
    """How often a threshold halfway between the medians guesses the group of one request."""
    median_new, median_confirmed = statistics.median(new), statistics.median(confirmed)
    threshold = (median_new + median_confirmed) / 2
    new_is_slower = median_new >= median_confirmed
    right = sum((value > threshold) == new_is_slower for value in new)
    right += sum((value > threshold) != new_is_slower for value in confirmed)
    return right / (len(new) + len(confirmed))


def measure(samples, seed):
    """Milliseconds of each signup request, by group."""
    from django.test import Client
    from django_tasks_db.models import DBTaskResult

    from newsletter.models import SIGNUP_TASK_PATH, Subscriber
    from tests.factories import SubscriberFactory

    run = f"{time.time_ns():x}"  # addresses never used by an earlier run on this database
    confirmed = [f"confirmed-{run}-{n}@example.org" for n in range(samples + WARM_UP)]
    for email in confirmed:
        SubscriberFactory(email=email, confirmed=True)
    new = [f"new-{run}-{n}@example.org" for n in range(samples + WARM_UP)]

    client = Client()
    addresses = iter(f"127.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" for n in range(1, 10**7))

    def timed_signup(email):
        started = time.perf_counter()
        response = client.post(
            "/newsletter/", {"email": email, "consent": "on"}, REMOTE_ADDR=next(addresses)
        )
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 302, response.status_code
        return elapsed

    for email in new[:WARM_UP] + confirmed[:WARM_UP]:
        timed_signup(email)
    order = [("new", email) for email in new[WARM_UP:]]
    order += [("confirmed", email) for email in confirmed[WARM_UP:]]
    random.Random(seed).shuffle(order)
    timings = {"new": [], "confirmed": []}
    for group, email in order:
        timings[group].append(timed_signup(email))
    if os.environ["TASKS_BACKEND"] == "immediate":  # the task ran inside each request
        assert Subscriber.objects.filter(email__in=new).count() == len(new)
    else:  # the request only queued it: no row until a worker runs
        assert not Subscriber.objects.filter(email__in=new).exists()
        queued = DBTaskResult.objects.filter(
            task_path=SIGNUP_TASK_PATH, args_kwargs__kwargs__email__in=new
        )
        assert queued.count() == len(new)
    return timings["new"], timings["confirmed"]


def main():
    arguments = parse_arguments()
    os.environ["TASKS_BACKEND"] = arguments.tasks_backend
    from common import prepare_database

    connection = prepare_database(entries=0, seed=arguments.seed)
    new, confirmed = measure(arguments.samples, arguments.seed)

    median_new, median_confirmed = statistics.median(new), statistics.median(confirmed)
    difference = (median_new - median_confirmed) / median_confirmed * 100
    area = auc(new, confirmed)
    band = coin_toss_band(len(new), len(confirmed))
    within_noise = abs(difference) < MAX_DIFFERENCE_PERCENT and abs(area - 0.5) <= band
    print(
        f"signup timing on {connection.vendor}, tasks backend {arguments.tasks_backend}, "
        f"{len(new)} + {len(confirmed)} requests in random order (Django test client)"
    )
    print(f"  new address        median {median_new:7.2f} ms")
    print(f"  confirmed address  median {median_confirmed:7.2f} ms")
    print(f"  difference         {difference:+.1f}% (limit ±{MAX_DIFFERENCE_PERCENT}%)")
    print(f"  AUC                {area:.3f} (a coin toss stays within 0.5 ± {band:.3f})")
    print(f"  midpoint threshold right {threshold_accuracy(new, confirmed):.0%} of the time")
    print("  within noise" if within_noise else "  DISTINGUISHABLE: the timing tells")
    return 0 if within_noise else 1


if __name__ == "__main__":
    sys.exit(main())
