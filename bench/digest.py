"""How fast does a newsletter digest go out to 10,000 subscribers?

`make bench-digest` runs this. It fills a database of its own with synthetic entries
(--entries), publishes --period-entries of them within the last 30 days (the digest's period),
makes --subscribers confirmed subscribers each with 0 to 3 random topics (as people choose
them), starts a real SMTP server (aiosmtpd) on 127.0.0.1 in a separate process, and sends the
digest through the real tasks (`start_digest`, then each `send_digest_batch` over one SMTP
connection) with the immediate backend, in this process. It prints the time, messages per
second and per minute, the distinct topic sets, the process's resident memory before and
after the send (and its peak, which setting up may have set); the SMTP server reports how
many messages it took and whether any address got two.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/digest_bench make bench-digest
    BENCH_ARGS="--subscribers 2000 --batch-size 100" make bench-digest

Without DATABASE_URL it uses a throwaway SQLite file in /tmp, never the development database.
"""

import argparse
import json
import os
import random
import resource
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/hub-digest-bench.sqlite3")
os.environ["TASKS_BACKEND"] = "immediate"

sys.path.insert(0, str(Path(__file__).resolve().parent))


def serve_smtp(port):
    """The SMTP server's process: count what arrives; print the counts when stopped."""
    from aiosmtpd.controller import Controller

    received = Counter()

    class Counting:
        async def handle_DATA(self, server, session, envelope):
            received.update(envelope.rcpt_tos)
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port,
                            server_hostname="localhost")  # fmt: skip
    controller.start()
    print("ready", flush=True)

    def stop(*_):
        controller.stop()
        twice = sum(1 for count in received.values() if count > 1)
        print(json.dumps({"messages": sum(received.values()), "twice": twice}), flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    while True:
        signal.pause()


def resident_mib():
    """The process's resident memory now (Linux), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_subscribers(count, seed):
    """`count` confirmed subscribers, each with 0-3 random topics; returns the topic sets."""
    from django.utils import timezone

    from newsletter.models import Subscriber, SubscriberStatus
    from resources.models import Topic

    Subscriber.objects.all().delete()
    rng = random.Random(seed)
    topic_ids = list(Topic.objects.values_list("pk", flat=True))
    now = timezone.now()
    Subscriber.objects.bulk_create(
        (
            Subscriber(email=f"reader{number}@bench.example.org", status=SubscriberStatus.CONFIRMED,
                       confirmed_at=now, consented_at=now, consent_text="Bench.")
            for number in range(count)
        ),
        batch_size=1000,
    )  # fmt: skip
    links, sets = [], set()
    through = Subscriber.topics.through
    for pk in Subscriber.objects.values_list("pk", flat=True):
        chosen = rng.sample(topic_ids, rng.choice([0, 1, 1, 2, 2, 3]))
        sets.add(frozenset(chosen))
        links += [through(subscriber_id=pk, topic_id=topic_id) for topic_id in chosen]
    through.objects.bulk_create(links, batch_size=2000)
    return len(sets), len(topic_ids)


def publish_in_period(count, seed):
    """Move `count` published entries' publication into the last 30 days."""
    import datetime

    from django.utils import timezone

    from resources.models import Entry

    rng = random.Random(seed)
    now = timezone.now()
    ids = list(Entry.objects.published().order_by("pk").values_list("pk", flat=True)[:count])
    for pk in ids:
        when = now - datetime.timedelta(seconds=rng.randint(60, 30 * 86400))
        Entry.objects.filter(pk=pk).update(published_at=when)
    return len(ids)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=2_000)
    parser.add_argument("--period-entries", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--serve-smtp", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_smtp:
        return serve_smtp(args.serve_smtp)

    port = free_port()
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve-smtp", str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout.readline().strip() == "ready"
        from common import prepare_database

        connection = prepare_database(args.entries, args.seed)
        from newsletter.models import DigestIssue
        from newsletter.tasks import start_digest

        in_period = publish_in_period(args.period_entries, args.seed)
        topic_sets, topics = make_subscribers(args.subscribers, args.seed)
        DigestIssue.objects.all().delete()
        issue = DigestIssue.objects.create(subject="Bench digest", intro="Hello **readers**.")
        print(
            f"{connection.vendor}: {args.subscribers} subscribers over {topics} topics "
            f"({topic_sets} distinct topic sets), {in_period} entries in the period, "
            f"batches of {args.batch_size}"
        )
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        resident_before = resident_mib()
        cpu_before = time.process_time()
        started = time.perf_counter()
        start_digest.call(issue_id=issue.pk, batch_size=args.batch_size)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        resident_after = resident_mib()
        issue.refresh_from_db()
    finally:
        server.send_signal(signal.SIGTERM)
        received = json.loads(server.stdout.read().strip().splitlines()[-1])
        server.wait()
    sent = issue.sent_count
    print(
        f"sent {sent} ({issue.skipped_count} skipped, {issue.failed_count} failed, "
        f"{issue.bounced_count} bounced) in {seconds:.1f} s: {sent / seconds:.0f} messages/s, "
        f"{sent / seconds * 60:,.0f} messages/minute; {cpu:.1f} s of this process's CPU "
        "(the rest is waiting for the SMTP server and the database)"
    )
    print(
        f"resident memory {resident_before:.0f} -> {resident_after:.0f} MiB (peak "
        f"{rss_before / 1024:.0f} -> {rss_after / 1024:.0f} MiB); the SMTP server took "
        f"{received['messages']} messages, {received['twice']} addresses twice"
    )


if __name__ == "__main__":
    main()
