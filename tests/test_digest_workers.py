"""Digests sent as production sends them: TASKS_BACKEND=database, queued by the admin or
`send_digest`, and sent by real `manage.py db_worker` processes (one, two at once, one that is
killed) to a real SMTP server on 127.0.0.1 (tests/smtp.py), each address counted on arrival.

The last test has two batches end together, one of them failing, in this process.

The workers read the test database, so every test commits (transaction=True). Two workers at
once need PostgreSQL; the rest also run on SQLite, whose test database is a file the worker
opens too.
"""

import asyncio
import datetime
import os
import re
import signal
import threading
from collections import Counter
from io import StringIO
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from newsletter import tasks
from newsletter.models import DeliveryStatus, DigestDelivery, DigestIssue, DigestStatus
from resources.models import Entry
from tests.factories import EntryFactory, SubscriberFactory
from tests.smtp import Mailbox
from tests.workers import running_worker, wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

on_postgresql_only = pytest.mark.skipif(
    not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="two workers racing for the same rows need PostgreSQL's row locks: SQLite lets one "
    "process write at a time, so the second worker waits on the file and never overlaps",
)

BATCH_TASK = "newsletter.tasks.send_digest_batch"
START_TASK = "newsletter.tasks.start_digest"


class SlowMailbox(Mailbox):
    """A loopback SMTP server that takes `delay` seconds over each message, and can hold one
    session open until released: at MAIL FROM of message `hold_at` ("before" it is taken)
    or once it has been taken, before the reply ("after")."""

    def __init__(self, delay=0.0):
        super().__init__()
        self.delay = delay
        self.hold = None  # ("before" or "after", the message's number from 1)
        self.holding = threading.Event()  # set once the held session is waiting
        self.released = threading.Event()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.hold == ("before", len(self.messages) + 1):
            await self.wait_for_release()
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        reply = await super().handle_DATA(server, session, envelope)
        if self.hold == ("after", len(self.messages)):
            await self.wait_for_release()
        return reply

    async def wait_for_release(self):
        self.hold = None  # once
        self.holding.set()
        for _ in range(600):  # at most 30 s
            if self.released.is_set():
                return
            await asyncio.sleep(0.05)


@pytest.fixture
def mailbox():
    server = SlowMailbox()
    server.start()
    yield server
    server.released.set()
    server.stop()


def smtp_url(mailbox):
    return f"smtp://127.0.0.1:{mailbox.port}"


def readers(count):
    """`count` confirmed subscribers with no topics (everyone gets every entry)."""
    return [
        SubscriberFactory(email=f"reader{number}@example.org", confirmed=True).email
        for number in range(count)
    ]


def new_issue():
    """A draft digest of the last 30 days, with one entry published in them."""
    end = timezone.now()
    Entry.objects.filter(pk=EntryFactory(title="Peer support in practice").pk).update(
        published_at=end - datetime.timedelta(days=3)
    )
    return DigestIssue.objects.create(
        subject="November at the hub",
        intro="Hello.",
        period_start=end - datetime.timedelta(days=30),
        period_end=end,
    )


def send_digest(issue, *arguments):
    """`manage.py send_digest` here, with the database backend: it only queues."""
    out = StringIO()
    call_command("send_digest", issue.pk, *arguments, stdout=out)
    return out.getvalue()


def finished(count, task_path=None):
    """A condition: at least `count` tasks (of `task_path`) have finished."""
    results = DBTaskResult.objects.finished()
    if task_path:
        results = results.filter(task_path=task_path)
    return lambda: results.count() >= count


def delivery_statuses(issue):
    return Counter(issue.deliveries.values_list("status", flat=True))


def sending_progress(client, issue):
    """What the admin's progress page says: ("sending", done, total) or ("finished", text)."""
    html = client.get(reverse("admin:newsletter_digestissue_progress", args=[issue.pk]))
    html = html.content.decode()
    if match := re.search(r"Sending: (\d+) of (\d+) done\.", html):
        return "sending", int(match[1]), int(match[2])
    match = re.search(r"Finished [^<]*?\d\d:\d\d: ([^.(<]+)", html)
    assert match, html
    return "finished", match[1].strip()


def test_the_admins_send_only_queues_and_a_real_worker_sends_everyone_one_message(
    client, curator, database_tasks, mailbox
):
    people = readers(8)
    issue = new_issue()
    client.force_login(curator)
    mailbox.delay = 0.15  # slow enough to watch the counts move

    response = client.post(reverse("admin:newsletter_digestissue_send", args=[issue.pk]))

    assert response.status_code == 302
    # Queued, nothing more: no deliveries yet, nothing sent, the task waiting for a worker.
    assert DBTaskResult.objects.get().task_path == START_TASK
    assert DBTaskResult.objects.get().status == TaskResultStatus.READY
    assert issue.deliveries.count() == 0 and mailbox.messages == []
    assert sending_progress(client, issue) == ("sending", 0, 0)

    seen = []
    with running_worker(smtp_url(mailbox), DIGEST_BATCH_SIZE="3") as worker:

        def watch():
            seen.append(sending_progress(client, issue))
            return seen[-1][0] == "finished"

        wait_until(watch, "the progress page to say finished", [worker])

    assert seen[-1] == ("finished", "8 sent, 0 skipped, 0 bounced, 0 failed")
    done = [progress[1] for progress in seen[:-1] if progress[2] == 8]
    assert done == sorted(done) and any(0 < count < 8 for count in done)  # moving, never back
    assert mailbox.per_recipient() == dict.fromkeys(people, 1)
    assert mailbox.connections() == 3  # one per batch of 3
    results = DBTaskResult.objects.all()
    assert Counter(results.values_list("task_path", flat=True)) == {START_TASK: 1, BATCH_TASK: 3}
    assert set(results.values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}
    issue.refresh_from_db()
    assert issue.status == DigestStatus.SENT and issue.sent_count == 8


@on_postgresql_only
def test_two_workers_sending_the_same_batches_at_once_send_each_address_one_message(
    database_tasks, mailbox, tmp_path
):
    people = readers(12)
    issue = new_issue()
    issue.begin_sending()
    DigestDelivery.objects.create_for(issue)
    batches = tasks.digest_batch_ids(issue, 4)
    mailbox.delay = 0.15  # a batch takes ~0.6 s: the two workers overlap on each one

    with (
        running_worker(smtp_url(mailbox), log=tmp_path / "one.log") as one,
        running_worker(smtp_url(mailbox), log=tmp_path / "two.log") as two,
    ):
        # Every batch queued twice, as a retry and a resume might both queue it, at once.
        with transaction.atomic():
            for delivery_ids in batches:
                for _ in range(2):
                    tasks.send_digest_batch.enqueue(issue_id=issue.pk, delivery_ids=delivery_ids)
        wait_until(finished(6), "six batches", [one, two])

    results = list(DBTaskResult.objects.all())
    assert {result.status for result in results} == {TaskResultStatus.SUCCESSFUL}
    assert len({result.worker_ids[0] for result in results}) == 2  # both workers took batches
    outcomes = Counter()
    for result in results:
        outcomes.update({key: n for key, n in result.return_value.items() if key != "retry_at"})
    # Both read the same deliveries as sendable, and the second to claim each found it taken.
    assert outcomes["sent"] == 12 and outcomes["taken"] > 0
    assert mailbox.per_recipient() == dict.fromkeys(people, 1)
    assert set(issue.deliveries.values_list("status", "attempts")) == {(DeliveryStatus.SENT, 1)}
    issue.refresh_from_db()
    assert issue.status == DigestStatus.SENT and issue.sent_count == 12


def test_a_mail_server_down_at_first_is_retried_by_the_worker_when_the_time_comes(
    database_tasks, mailbox
):
    people = readers(5)
    issue = new_issue()
    mailbox.stop()  # down: connections to its port are refused

    assert "for the task worker" in send_digest(issue, "--batch-size", "2")
    with running_worker(smtp_url(mailbox)) as worker:
        wait_until(finished(3, BATCH_TASK), "the three batches' first attempts", [worker])

        assert delivery_statuses(issue) == {DeliveryStatus.FAILED: 5}
        assert not issue.deliveries.filter(retry_at__isnull=True).exists()
        retries = DBTaskResult.objects.filter(task_path=BATCH_TASK, status="READY")
        assert retries.count() == 3
        for retry in retries:
            # Deferred until the time each of its deliveries shows as its retry.
            assert retry.run_after > timezone.now()
            assert retry.args_kwargs["kwargs"]["attempt"] == 2
            retried = issue.deliveries.filter(pk__in=retry.args_kwargs["kwargs"]["delivery_ids"])
            assert set(retried.values_list("retry_at", flat=True)) == {retry.run_after}
        issue.refresh_from_db()
        assert issue.status == DigestStatus.SENDING and issue.failed_count == 5

        mailbox.start()  # back, on the same port
        retries.update(run_after=timezone.now())  # the minute has passed
        wait_until(finished(6, BATCH_TASK), "the three retries", [worker])

    assert mailbox.per_recipient() == dict.fromkeys(people, 1)
    assert delivery_statuses(issue) == {DeliveryStatus.SENT: 5}
    issue.refresh_from_db()
    assert issue.status == DigestStatus.SENT and issue.sent_count == 5 and issue.failed_count == 0


def resume_by_hand(issue, mailbox):
    """`send_digest ID --resume`, with a worker running, until the resumed batch is done."""
    with running_worker(smtp_url(mailbox)) as worker:
        send_digest(issue, "--resume")
        wait_until(finished(2, START_TASK), "the resume", [worker])
        wait_until(finished(1, BATCH_TASK), "the resumed batch", [worker])
    killed = DBTaskResult.objects.filter(task_path=BATCH_TASK).earliest("enqueued_at")
    assert killed.status == TaskResultStatus.RUNNING  # left as it was


def resume_from_cron(issue, mailbox):
    """`send_digest --resume-stalled`, as cron runs it: nothing just after the kill; once
    nothing has moved for DIGEST_STALLED_MINUTES (15), it queues the rest for the worker."""
    assert call_resume_stalled() == ""
    earlier = timezone.now() - datetime.timedelta(minutes=16)
    issue.deliveries.update(updated=earlier)
    DigestIssue.objects.filter(pk=issue.pk).update(started_at=earlier)
    DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).update(started_at=earlier)

    with running_worker(smtp_url(mailbox)) as worker:
        output = call_resume_stalled()
        wait_until(finished(2, BATCH_TASK), "the queued rest", [worker])

    assert output == (
        f"Digest {issue.pk} (“November at the hub”): no progress for 15 minutes; queued its 4 "
        "unsent delivery(ies) again, in 1 batch(es) of up to 200; 1 task(s) left running by "
        "a dead worker marked failed.\n"
    )
    batches = DBTaskResult.objects.filter(task_path=BATCH_TASK).order_by("enqueued_at")
    assert [batch.status for batch in batches] == ["FAILED", "SUCCESSFUL"]
    assert call_resume_stalled() == ""  # finished: nothing more to do


def call_resume_stalled():
    """`manage.py send_digest --resume-stalled` here: it only queues."""
    out = StringIO()
    call_command("send_digest", "--resume-stalled", stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("recover", [resume_by_hand, resume_from_cron])
@pytest.mark.parametrize(
    "when, received_twice",
    [
        ("before", 0),  # killed with the third message not yet taken: nobody twice
        ("after", 1),  # killed after the server took it, before the commit: that one twice
    ],
)
def test_a_worker_killed_mid_batch_then_recovered_sends_everyone_one_message_but_the_one_in_flight(
    database_tasks, mailbox, when, received_twice, recover
):
    people = readers(6)
    issue = new_issue()
    mailbox.hold = (when, 3)

    send_digest(issue, "--batch-size", "10")
    with running_worker(smtp_url(mailbox)) as worker:
        assert mailbox.holding.wait(timeout=30), "the worker never reached the third message"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    mailbox.released.set()

    # The in-flight delivery's transaction died with the worker: it is pending again.
    assert len(mailbox.messages) == 2 + received_twice
    assert delivery_statuses(issue) == {DeliveryStatus.SENT: 2, DeliveryStatus.PENDING: 4}
    in_flight = issue.deliveries.filter(status=DeliveryStatus.PENDING).earliest("pk")
    assert in_flight.attempts == 0
    killed = DBTaskResult.objects.get(task_path=BATCH_TASK)
    assert killed.status == TaskResultStatus.RUNNING  # no worker takes a dead one's task again

    recover(issue, mailbox)

    expected = dict.fromkeys(people, 1)
    expected[in_flight.subscriber.email] += received_twice
    assert mailbox.per_recipient() == expected
    assert delivery_statuses(issue) == {DeliveryStatus.SENT: 6}
    issue.refresh_from_db()
    assert issue.status == DigestStatus.SENT and issue.sent_count == 6


def test_an_issue_is_not_finished_while_a_failed_batch_has_yet_to_queue_its_retry(
    database_tasks, mailbox, settings
):
    readers(3)
    issue = new_issue()
    issue.begin_sending()
    DigestDelivery.objects.create_for(issue)
    first, second = tasks.digest_batch_ids(issue, 2)
    busy = issue.deliveries.get(pk=first[0]).subscriber.email
    mailbox.refuse[busy] = "450 4.2.1 Mailbox busy, try later"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", mailbox.port
    real_schedule = tasks.schedule_digest_retry

    def another_worker_finishes_first(*args):
        # The other batch, in another worker, ends between this one's last message and the
        # queueing of its retry; its totals must still see a delivery waiting for a retry.
        tasks.send_digest_batch.call(issue_id=issue.pk, delivery_ids=second)
        issue.refresh_from_db()
        assert issue.status == DigestStatus.SENDING
        return real_schedule(*args)

    with mock.patch.object(tasks, "schedule_digest_retry", another_worker_finishes_first):
        tasks.send_digest_batch.call(issue_id=issue.pk, delivery_ids=first)

    issue.refresh_from_db()
    assert issue.status == DigestStatus.SENDING and issue.finished_at is None
    assert delivery_statuses(issue) == {DeliveryStatus.SENT: 2, DeliveryStatus.FAILED: 1}
    assert DBTaskResult.objects.get(task_path=BATCH_TASK).status == TaskResultStatus.READY
