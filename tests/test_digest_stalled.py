"""Digests that recover by themselves: `send_digest --resume-stalled` (from cron) finds the
issues still sending that nothing has moved for DIGEST_STALLED_MINUTES and queues what their
dead worker left. Immediate task backend (mail to the locmem outbox) unless a test asks for
the database one; tests/test_digest_workers.py kills a real worker and recovers with it."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from newsletter import tasks
from newsletter.models import DeliveryStatus, DigestIssue, DigestStatus
from resources.models import Entry
from tests.factories import EntryFactory, SubscriberFactory

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def fifteen_minutes(settings):
    settings.DIGEST_STALLED_MINUTES = 15


def sending_issue(*statuses, moved=20 * MINUTE, now=None, subject="November at the hub"):
    """An issue being sent, with one delivery (and subscriber) in each of `statuses`, none of
    which has changed for `moved`; a status may be (status, retry_at)."""
    now = now or timezone.now()
    published = EntryFactory()
    Entry.objects.filter(pk=published.pk).update(published_at=now - datetime.timedelta(days=3))
    issue = DigestIssue.objects.create(
        subject=subject, intro="Hello.", period_start=now - datetime.timedelta(days=30)
    )
    issue.begin_sending()
    for status in statuses:
        status, retry_at = status if isinstance(status, tuple) else (status, None)
        subscriber = SubscriberFactory(confirmed=True)
        issue.deliveries.create(
            subscriber=subscriber,
            status=status,
            retry_at=retry_at,
            sent_at=now if status == DeliveryStatus.SENT else None,
        )
    issue.deliveries.update(updated=now - moved)
    DigestIssue.objects.filter(pk=issue.pk).update(started_at=now - moved)
    return issue


def stalled_ids(now=None, minutes=None):
    return set(DigestIssue.objects.stalled(now, minutes).values_list("pk", flat=True))


def resume_stalled(*arguments):
    out = StringIO()
    call_command("send_digest", "--resume-stalled", *arguments, stdout=out)
    return out.getvalue()


def test_an_issue_none_of_whose_deliveries_moved_for_the_set_minutes_is_stalled(settings):
    now = timezone.now()
    at_the_limit = sending_issue("sent", "pending", moved=15 * MINUTE, now=now)
    just_past = sending_issue("sent", "pending", moved=15 * MINUTE + datetime.timedelta(seconds=1))

    assert stalled_ids(now) == {just_past.pk}
    settings.DIGEST_STALLED_MINUTES = 30
    assert stalled_ids(now) == set()
    assert stalled_ids(now, minutes=10) == {at_the_limit.pk, just_past.pk}


def test_an_issue_with_one_delivery_changed_lately_is_healthy():
    moving = sending_issue("sent", "pending", "pending", moved=40 * MINUTE)
    moving.deliveries.filter(status="sent").update(updated=timezone.now() - MINUTE)
    stuck = sending_issue("sent", "pending", moved=40 * MINUTE)

    assert stalled_ids() == {stuck.pk}


def test_failures_waiting_for_their_retry_are_not_stalled_until_it_is_long_overdue():
    now = timezone.now()
    waiting = sending_issue("sent", ("failed", now + 30 * MINUTE), moved=2 * 60 * MINUTE)
    just_due = sending_issue("sent", ("failed", now - 5 * MINUTE), moved=2 * 60 * MINUTE)
    overdue = sending_issue("sent", ("failed", now - 16 * MINUTE), moved=2 * 60 * MINUTE)

    assert stalled_ids(now) == {overdue.pk}
    assert waiting.pk not in stalled_ids(now + 45 * MINUTE)  # due 15 minutes before
    assert waiting.pk in stalled_ids(now + 46 * MINUTE)  # its retry died with its worker
    assert just_due.pk in stalled_ids(now + 11 * MINUTE)


def test_sent_and_draft_issues_are_never_stalled():
    finished = sending_issue("sent", "pending", moved=60 * MINUTE)
    DigestIssue.objects.filter(pk=finished.pk).update(status=DigestStatus.SENT)
    draft = sending_issue("pending", moved=60 * MINUTE)
    DigestIssue.objects.filter(pk=draft.pk).update(status=DigestStatus.DRAFT)
    queued = DigestIssue.objects.create(subject="Queued", intro="Hi.")
    DigestIssue.objects.filter(pk=queued.pk).update(status=DigestStatus.SENDING)  # not started

    assert stalled_ids() == set()


def test_finding_the_stalled_issues_is_one_query(django_assert_num_queries):
    for number in range(3):
        sending_issue("sent", "pending", subject=f"Issue {number}")

    with django_assert_num_queries(1):
        assert len(stalled_ids()) == 3


def test_resume_stalled_sends_what_is_left_to_each_once_and_leaves_healthy_issues_alone(
    mailoutbox,
):
    stuck = sending_issue("sent", "sent", "pending", "pending", "pending")
    healthy = sending_issue("sent", "pending", moved=MINUTE, subject="December at the hub")
    left = set(
        stuck.deliveries.filter(status="pending").values_list("subscriber__email", flat=True)
    )

    output = resume_stalled("--batch-size", "2")

    assert output == (
        f"Digest {stuck.pk} (“November at the hub”): no progress for 15 minutes; queued its 3 "
        "unsent delivery(ies) again, in 2 batch(es) of up to 2.\n"
    )
    assert sorted(message.to[0] for message in mailoutbox) == sorted(left)
    stuck.refresh_from_db()
    assert stuck.status == DigestStatus.SENT and stuck.sent_count == 5
    healthy.refresh_from_db()
    assert healthy.status == DigestStatus.SENDING
    assert healthy.deliveries.filter(status="pending").count() == 1
    assert resume_stalled() == ""  # nothing left: cron gets no output and mails nothing


def test_resume_stalled_says_so_when_nothing_is_stalled_only_when_asked(mailoutbox):
    sending_issue("sent", "pending", moved=MINUTE)

    assert resume_stalled() == ""
    assert resume_stalled("--verbosity", "2") == (
        "No digest being sent has stopped moving for 15 minutes.\n"
    )
    assert mailoutbox == []


def test_resume_stalled_leaves_failures_out_of_retries_to_an_operator(mailoutbox):
    stuck = sending_issue("sent", "failed", "pending")
    gave_up = stuck.deliveries.get(status="failed")
    left = stuck.deliveries.get(status="pending").subscriber.email

    resume_stalled()

    assert [message.to[0] for message in mailoutbox] == [left]
    gave_up.refresh_from_db()
    assert gave_up.status == DeliveryStatus.FAILED and gave_up.attempts == 0
    stuck.refresh_from_db()
    assert stuck.status == DigestStatus.SENT and stuck.failed_count == 1


def test_resume_stalled_starts_again_an_issue_whose_start_died_before_its_deliveries(
    mailoutbox,
):
    stuck = sending_issue()
    people = {SubscriberFactory(confirmed=True).email for _ in range(3)}

    assert "started it again" in resume_stalled()

    assert {message.to[0] for message in mailoutbox} == people
    stuck.refresh_from_db()
    assert stuck.status == DigestStatus.SENT and stuck.sent_count == 3


def test_resume_stalled_marks_sent_an_issue_that_died_before_its_final_count(mailoutbox):
    stuck = sending_issue("sent", "sent", "bounced")

    assert resume_stalled().endswith("nothing was left to send: now sent.\n")

    assert mailoutbox == []
    stuck.refresh_from_db()
    assert stuck.status == DigestStatus.SENT
    assert (stuck.sent_count, stuck.bounced_count, stuck.recipient_count) == (2, 1, 3)


def test_an_issue_whose_batch_waits_for_a_worker_is_not_stalled(database_tasks):
    stuck = sending_issue("sent", "pending", "pending")
    tasks.send_digest_batch.enqueue(
        issue_id=stuck.pk, delivery_ids=list(stuck.deliveries.values_list("pk", flat=True))
    )

    assert stalled_ids() == set()  # queueing more would not help: no worker is taking them
    DBTaskResult.objects.update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - 20 * MINUTE
    )
    assert stalled_ids() == {stuck.pk}  # taken by a worker that then stopped moving


def test_resume_stalled_records_the_dead_workers_task_as_failed_and_queues_the_rest(
    database_tasks,
):
    stuck = sending_issue("sent", "pending", "pending")
    tasks.send_digest_batch.enqueue(
        issue_id=stuck.pk, delivery_ids=list(stuck.deliveries.values_list("pk", flat=True))
    )
    dead = DBTaskResult.objects.get()
    DBTaskResult.objects.update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - 20 * MINUTE
    )

    output = resume_stalled()

    assert "queued its 2 unsent delivery(ies) again, in 1 batch(es)" in output
    assert output.endswith("; 1 task(s) left running by a dead worker marked failed.\n")
    dead.refresh_from_db()
    assert dead.status == TaskResultStatus.FAILED
    assert dead.exception_class_path == "newsletter.tasks.AbandonedTask"
    queued = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert queued.args_kwargs["kwargs"]["delivery_ids"] == list(
        stuck.deliveries.filter(status="pending").values_list("pk", flat=True)
    )


def test_resume_stalled_takes_no_digest_id_and_send_digest_needs_one_without_it():
    issue = sending_issue("pending")

    with pytest.raises(CommandError, match="give it no digest id"):
        call_command("send_digest", issue.pk, "--resume-stalled")
    with pytest.raises(CommandError, match="Give the digest's id"):
        call_command("send_digest")
