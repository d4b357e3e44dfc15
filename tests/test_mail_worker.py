"""The real worker: `manage.py db_worker` in its own process, on the test database, sends the
confirmation of a signup made through the real view, as production does.

The worker reads the test database, so the data must be committed (transaction=True): on
PostgreSQL it is pytest-django's test database (one per xdist worker), on SQLite the test
database is a file for this reason (hub/settings.py). Mail goes to a folder (the file backend).
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from newsletter.models import Subscriber, SubscriberStatus
from tests.factories import SubscriberFactory
from tests.workers import running_worker, wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def wait_for_tasks(count, worker):
    """Wait until `count` tasks have finished, or fail with what the worker said."""
    wait_until(
        lambda: DBTaskResult.objects.finished().count() >= count, f"{count} task(s)", [worker]
    )


def sent_emails(mail_dir):
    return [path.read_text() for path in sorted(Path(mail_dir).iterdir())]


def test_the_worker_process_sends_the_confirmation_of_a_signup_made_through_the_page(
    client, database_tasks, tmp_path
):
    SubscriberFactory(email="confirmed@example.org", confirmed=True)
    with running_worker(f"filemail://{tmp_path}") as worker:
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
