"""The real task worker for tests: `manage.py db_worker` in its own process on the test
database, as production runs it (TASKS_BACKEND=database).

The worker reads the test database, so the data must be committed (transaction=True): on
PostgreSQL it is pytest-django's test database, on SQLite a file (hub/settings.py).
"""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.instances import ROOT

WAIT_SECONDS = 60


def worker_database_url():
    """A DATABASE_URL for the database this test process uses."""
    database = connection.settings_dict
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    host = database["HOST"] or "127.0.0.1"
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    return f"postgres://{credentials}@{host}:{database['PORT'] or 5432}/{database['NAME']}"


@contextmanager
def running_worker(email_url, *, log=None, **variables):
    """`manage.py db_worker` on the test database, sending mail to `email_url`; `variables`
    add to its environment. With `log` (a path) its output goes there, one line per task, and
    it is yielded once it polls for tasks. Stopped afterwards (SIGTERM, as systemd stops it)
    whatever happened; a test may kill it first."""
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "DEBUG": "0",
        "SECRET_KEY": django_settings.SECRET_KEY,  # the links it signs must open here
        "SITE_URL": "https://hub.example.org",
        "TASKS_BACKEND": "database",
        "EMAIL_URL": email_url,
        "LOG_LEVEL": "WARNING",
        **variables,
    }
    command = [sys.executable, "manage.py", "db_worker", "--interval", "0.2"]
    command += ["--no-startup-delay", "--no-reload", "--verbosity", "1" if log else "0"]
    output = open(log, "w") if log else None  # noqa: SIM115 (closed below, after the worker)
    worker = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.PIPE, text=True
    )
    try:
        if log:
            wait_until(
                lambda: "Starting worker" in log.read_text(), "the worker to start", [worker]
            )
        yield worker
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        if output:
            output.close()


def wait_until(condition, what, workers=(), seconds=WAIT_SECONDS):
    """Wait until `condition()` is true, or fail saying `what` never happened (or what a
    worker said if one stopped)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        for worker in workers:
            if worker.poll() is not None:
                pytest.fail(f"a worker stopped while waiting for {what}: {worker.stderr.read()}")
        time.sleep(0.05)
    pytest.fail(f"waited {seconds} s for {what}")
