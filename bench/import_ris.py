"""How long importing a large RIS file takes, and how much memory it needs.

`make bench-import` runs this. It fills the database in DATABASE_URL with synthetic entries up
to --entries (through `generate_entries`; real entries are left alone), writes --records
realistic RIS records with rispy (authors, journal, year, DOI, link, a long abstract,
keywords; a few per hundred repeat a catalogue entry's DOI or title and year, or an earlier
record), then times the three steps of the admin's import: reading the file into rows, the
preview's plan (duplicates against the catalogue and within the file), and the confirm (one
transaction through resources/services.py). It prints each step's seconds and queries, the
peak of Python's allocations during it (tracemalloc, in a second pass whose confirm is rolled
back) and the peak resident memory of the process that imported (a fresh one, as a gunicorn
worker would be). Then, in another fresh process, it does the same through the admin's pages
as a signed-in superuser: the upload, the first preview page (every row, then only duplicates
and errors) and the confirm, each request's seconds and queries, and the size of the session
that keeps the file between them. The imported entries are deleted afterwards.

    .venv/bin/python bench/import_ris.py            # a throwaway SQLite file in /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_import_bench make bench-import
    BENCH_ARGS="--entries 100000" make bench-import # a catalogue of 100,000 entries

A database already holding --entries synthetic entries is used as it is (none are added).
"""

import argparse
import contextlib
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import prepare_database  # noqa: E402

WORDS = [
    "peer", "support", "carers", "mental", "health", "recovery", "community", "wellbeing",
    "loneliness", "older", "adults", "young", "people", "dementia", "diabetes", "mentoring",
    "groups", "online", "volunteers", "lived", "experience", "evaluation", "outcomes",
    "services", "stigma", "hope", "self-management", "trial", "qualitative", "cohort",
]  # fmt: skip
FAMILY_NAMES = [
    "Smith", "Jones", "Khan", "Patel", "Lee", "Brown", "Wilson", "Taylor", "Evans", "O'Neill",
]  # fmt: skip
GIVEN_NAMES = ["Jane", "Kim", "Amir", "Priya", "Tom", "Sara", "Li", "Oluwaseun", "Chloé"]
JOURNALS = ["BMJ Open", "Journal of Mental Health", "Health Expectations", "BMC Psychiatry"]


def max_rss_mib():
    """The process's peak resident memory so far: VmHWM, which (unlike getrusage's ru_maxrss,
    kept across exec) starts afresh in a new process; ru_maxrss where there is no /proc."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kib) / 1024


def ris_records(count, catalogue, seed):
    """`count` RIS records as rispy dicts; about 5% repeat a catalogue entry's DOI, 2% its
    title and year, 1% an earlier record."""
    rng = random.Random(seed)
    records = []
    for number in range(count):
        words = rng.sample(WORDS, rng.randint(5, 11))
        record = {
            "type_of_reference": "JOUR",
            "title": f"{' '.join(words).capitalize()}: study {number}",
            "authors": [
                f"{rng.choice(FAMILY_NAMES)}, {rng.choice(GIVEN_NAMES)}"
                for _ in range(rng.randint(1, 6))
            ],
            "year": str(rng.randint(1995, 2025)),
            "journal_name": rng.choice(JOURNALS),
            "doi": f"10.5555/bench.{seed}.{number}",
            "urls": [f"https://example.org/studies/{seed}/{number}"],
            "abstract": " ".join(rng.choice(WORDS) for _ in range(rng.randint(60, 160))),
            "keywords": rng.sample(WORDS, 3),
        }
        roll = rng.random()
        if roll < 0.05 and catalogue:
            record["doi"] = rng.choice(catalogue)[0]
        elif roll < 0.07 and catalogue:
            _, title, year = rng.choice(catalogue)
            record.update(title=title, year=str(year), doi="")
        elif roll < 0.08 and records:
            record["doi"] = rng.choice(records)["doi"]
        records.append(record)
    return records


@contextlib.contextmanager
def counted_queries():
    """Count the queries sent inside the block (a list holding the count), keeping no SQL:
    the confirm's bulk inserts would otherwise be held as text."""
    from django.db import connection

    count = [0]

    def wrapper(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield count


def run_steps(data, rollback=False, traced=False):
    """Read, plan and confirm once; each step's (seconds, tracemalloc peak MiB or None,
    queries)."""
    from django.db import transaction

    from resources.imports import ImportPlan, read_upload

    results = {}

    def step(name, work):
        if traced:
            tracemalloc.reset_peak()
        started = time.perf_counter()
        with counted_queries() as queries:
            value = work()
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else None
        results[name] = (seconds, peak, queries[0])
        return value

    upload = step("read", lambda: read_upload(data, "bench.ris", "ris", "evidence"))

    def make_plan():
        plan = ImportPlan(upload)
        plan.summary  # the preview's figures  # noqa: B018
        return plan

    plan = step("plan", make_plan)

    def confirm():
        with transaction.atomic():
            counts = plan.save()
            if rollback:
                transaction.set_rollback(True)
        return counts

    counts = step("confirm", confirm)
    return results, plan.summary, counts


def measure(path):
    """In a fresh process (so max RSS is the import's, not the set-up's): the timed pass, the
    imported entries deleted, then the traced pass, rolled back."""
    import django

    django.setup()
    from django.db import connection

    from resources.models import Entry
    from resources.services import delete_entries

    data = Path(path).read_bytes()
    before = set(Entry.objects.values_list("pk", flat=True))
    print(
        f"{connection.vendor}: {len(before)} entries in the catalogue; importing a RIS file of "
        f"{len(data) / 2**20:.1f} MiB"
    )
    rss_before = max_rss_mib()
    timed, figures, counts = run_steps(data)
    rss_after = max_rss_mib()
    delete_entries(Entry.objects.exclude(pk__in=before))
    tracemalloc.start()
    traced, _, _ = run_steps(data, rollback=True, traced=True)
    tracemalloc.stop()

    print(
        f"rows {figures['rows']}: {figures['new']} new, {figures['in_catalogue']} in the "
        f"catalogue, {figures['in_file']} repeated in the file, {figures['errors']} with errors"
    )
    print(f"saved: {counts}")
    for name, label in [
        ("read", "read the file"),
        ("plan", "preview plan"),
        ("confirm", "confirm"),
    ]:
        seconds, _, queries = timed[name]
        _, peak, _ = traced[name]
        print(
            f"  {label:<14} {seconds:6.2f} s {queries:5} queries   tracemalloc peak {peak:6.1f} MiB"
        )
    total = sum(seconds for seconds, _, _ in timed.values())
    print(f"  {'total':<14} {total:6.2f} s")
    print(f"max RSS {rss_before:.0f} MiB after start-up, {rss_after:.0f} MiB after the import")


def measure_pages(path):
    """In a fresh process, the admin's pages as a curator uses them: upload, the first
    preview page of every row and of duplicates and errors, confirm; the entries it created
    are deleted afterwards."""
    import django

    django.setup()
    from dashboard import signed_in_client
    from django.contrib.sessions.models import Session
    from django.core.files.uploadedfile import SimpleUploadedFile

    from resources.import_admin import SESSION_KEY
    from resources.models import Entry
    from resources.services import delete_entries

    data = Path(path).read_bytes()
    before = set(Entry.objects.values_list("pk", flat=True))
    client = signed_in_client()
    rss_before = max_rss_mib()
    form = {"kind": "evidence", "status": "draft", "file_format": "", "terms": []}
    preview = "/admin/resources/entry/import/preview/"
    print("through the admin's pages, as a signed-in superuser:")

    def request(label, send, expected):
        started = time.perf_counter()
        with counted_queries() as queries:
            response = send()
        seconds = time.perf_counter() - started
        if response.status_code != expected:
            raise SystemExit(f"{label}: status {response.status_code}, not {expected}")
        size = f"{len(response.content) / 1000:6.0f} kB" if expected == 200 else " " * 9
        print(f"  {label:<30} {seconds:6.2f} s {queries[0]:5} queries {size}")
        return response

    request(
        "upload (read, keep)",
        lambda: client.post(
            "/admin/resources/entry/import/",
            {**form, "file": SimpleUploadedFile("bench.ris", data)},
        ),
        302,
    )
    session = Session.objects.get(session_key=client.session.session_key)
    kept = len(client.session[SESSION_KEY]["data"])
    request("preview, every row, page 1", lambda: client.get(preview), 200)
    request("preview, duplicates, page 1", lambda: client.get(f"{preview}?show=attention"), 200)
    token = client.session[SESSION_KEY]["token"]
    request("confirm", lambda: client.post(preview, {"token": token, "import": "Import"}), 302)
    created = Entry.objects.exclude(pk__in=before).count()
    delete_entries(Entry.objects.exclude(pk__in=before))
    print(
        f"  session: {len(session.session_data) / 2**20:.2f} MiB in the database "
        f"(the file compressed and in base64: {kept / 2**20:.2f} MiB); {created} created"
    )
    print(f"max RSS {rss_before:.0f} MiB after start-up, {max_rss_mib():.0f} MiB after the pages")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000, help="catalogue size")
    parser.add_argument("--records", type=int, default=5_000, help="RIS records to import")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--measure", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--measure-pages", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure)
        return
    if args.measure_pages:
        measure_pages(args.measure_pages)
        return

    prepare_database(args.entries, args.seed)
    import rispy

    from resources.models import Entry

    catalogue = list(
        Entry.objects.exclude(doi="").exclude(year=None).values_list("doi", "title", "year")[:2000]
    )
    path = Path(tempfile.gettempdir()) / f"hub-import-bench-{args.records}.ris"
    path.write_text(rispy.dumps(ris_records(args.records, catalogue, args.seed)), "utf-8")
    try:
        subprocess.run([sys.executable, __file__, "--measure", str(path)], check=True)
        subprocess.run([sys.executable, __file__, "--measure-pages", str(path)], check=True)
    finally:
        path.unlink()


if __name__ == "__main__":
    main()
