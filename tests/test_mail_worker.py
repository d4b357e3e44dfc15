"""The real worker: `manage.py db_worker` in its own process, on the test database, sends the
confirmation of a signup made through the real view, as production does.

The worker reads the test database, so the data must be committed (transaction=True): on
PostgreSQL it is pytest-django's test database (one per xdist worker), on SQLite the test
database is a file for this reason (hub/settings.py). Mail goes to a folder (the file backend).
"""

import os
import re
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from newsletter.models import Subscriber, SubscriberStatus
from tests.factories import SubscriberFactory
from tests.instances import ROOT

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

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
def running_worker(mail_dir):
    """`manage.py db_worker` on the test database, sending mail into `mail_dir`; stopped
    afterwards (SIGTERM, as systemd stops it) whatever happened."""
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "DEBUG": "0",
        "SECRET_KEY": django_settings.SECRET_KEY,  # the links it signs must open here
        "SITE_URL": "https://hub.example.org",
        "TASKS_BACKEND": "database",
        "EMAIL_URL": f"filemail://{mail_dir}",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "manage.py", "db_worker", "--interval", "0.2"]
    command += ["--no-startup-delay", "--no-reload", "--verbosity", "0"]
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        yield worker
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def wait_for_tasks(count, worker):
    """Wait until `count` tasks have finished, or fail with what the worker said."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if DBTaskResult.objects.finished().count() >= count:
            return
        if worker.poll() is not None:
            pytest.fail(f"the worker stopped: {worker.stderr.read()}")
        time.sleep(0.1)
    pytest.fail(f"the worker did not finish {count} task(s) in {WAIT_SECONDS} s")


def sent_emails(mail_dir):
    return [path.read_text() for path in sorted(Path(mail_dir).iterdir())]


def test_the_worker_process_sends_the_confirmation_of_a_signup_made_through_the_page(
    client, database_tasks, tmp_path
):
    SubscriberFactory(email="confirmed@example.org", confirmed=True)
    with running_worker(tmp_path) as worker:
        for email in ("new@example.org", "confirmed@example.org"):
            response = client.post("/newsletter/", {"email": email, "consent": "on"})
            assert response.status_code == 302
        wait_for_tasks(2, worker)

    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {
        TaskResultStatus.SUCCESSFUL
    }
    [email] = sent_emails(tmp_path)  # none for the address already subscribed
    assert "To: new@example.org" in email
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in email

    # The link the worker signed confirms the subscription here.
    link = re.search(r"https://hub\.example\.org(/newsletter/confirm/[^/\s]+/)", email).group(1)
    assert b"You are subscribed" in client.get(urlsplit(link).path).content
    assert Subscriber.objects.get(email="new@example.org").status == SubscriberStatus.CONFIRMED
