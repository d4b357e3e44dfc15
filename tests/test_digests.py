"""Newsletter digests: who gets which entries, and sending to a real SMTP server on loopback
that refuses, drops and goes down, without anyone getting an issue twice."""

import datetime
import re
from io import StringIO
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsletter import digests, tasks
from newsletter.digests import DigestPlan, one_line
from newsletter.export import access_record
from newsletter.models import (
    DeliveryStatus,
    DigestDelivery,
    DigestIssue,
    DigestStatus,
    Subscriber,
    SubscriberStatus,
    WhenNothingNew,
)
from resources.models import Entry, Kind
from tests.factories import EntryFactory, SubscriberFactory, TopicFactory
from tests.smtp import (
    parts,
    smtp_server_fixture,  # noqa: F401 (the smtp_server fixture)
)
from tests.tasks import run_ready_tasks

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
END = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
INSIDE = START + datetime.timedelta(days=10)


def entry(title, *, when=INSIDE, **fields):
    """A published entry with its published_at set to `when`."""
    made = EntryFactory(title=title, **fields)
    Entry.objects.filter(pk=made.pk).update(published_at=when)
    return made


def subscriber(email, *topics, **traits):
    person = SubscriberFactory(email=email, **({"confirmed": True} | traits))
    person.topics.set(topics)
    return person


def issue(**fields):
    defaults = {"subject": "November at the hub", "intro": "Hello **readers**.",
                "period_start": START, "period_end": END}  # fmt: skip
    return DigestIssue.objects.create(**(defaults | fields))


def send(digest, *arguments):
    out = StringIO()
    call_command("send_digest", digest.pk, *arguments, stdout=out)
    digest.refresh_from_db()
    return out.getvalue()


def statuses(digest):
    return dict(digest.deliveries.values_list("subscriber__email", "status"))


@pytest.fixture
def topics():
    return {
        "carers": TopicFactory(name="Carers"),
        "youth": TopicFactory(name="Young people"),
        "housing": TopicFactory(name="Housing"),
    }


def test_a_digest_arrives_with_its_headers_both_parts_and_absolute_links(smtp_server, topics):
    entry("Carers resource", topics=[topics["carers"]],
          summary="Helps carers find groups. Second sentence is left out.")  # fmt: skip
    entry("Carers evidence", kind=Kind.EVIDENCE, topics=[topics["carers"]])
    entry("Youth tool", kind=Kind.TOOL, topics=[topics["youth"]])
    subscriber("ann@example.org", topics["carers"])
    digest = issue(intro="Hello **readers**. <script>alert(1)</script>")

    output = send(digest)

    assert "1 recipient(s); 1 sent" in output
    message = smtp_server.to("ann@example.org")
    assert message["To"] == "ann@example.org"
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    assert message["Subject"] == "November at the hub"
    assert re.fullmatch(rf"<{re.escape(settings.SITE_URL)}/newsletter/unsubscribe/.+>",
                        message["List-Unsubscribe"].strip())  # fmt: skip
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(message)
    for body in (text, html):
        assert "Carers resource" in body and "Carers evidence" in body
        assert "Youth tool" not in body
        assert "Helps carers find groups." in body and "Second sentence" not in body
    # Grouped by kind, in the registry's order.
    assert html.index("<h2>Resources</h2>") < html.index("<h2>Evidence</h2>")
    assert text.index("RESOURCES") < text.index("EVIDENCE")
    assert '<html lang="en-GB">' in html and "<h1>November at the hub</h1>" in html
    assert "<strong>readers</strong>" in html and "<script" not in html and "<img" not in html
    links = re.findall(r'href="([^"]+)"', html)
    assert links and all(link.startswith(settings.SITE_URL) for link in links)
    assert f"{settings.SITE_URL}/resources/carers-resource/" in text
    assert "Unsubscribe: " + settings.SITE_URL in text
    assert "Change your topics: " + settings.SITE_URL in text
    assert "Change your topics" in html
    assert digest.status == DigestStatus.SENT and digest.sent_count == 1


def test_each_person_gets_the_entries_on_any_of_their_topics(smtp_server, topics):
    entry("On carers", topics=[topics["carers"]])
    entry("On youth", topics=[topics["youth"]])
    entry("On carers and housing", topics=[topics["carers"], topics["housing"]])
    entry("On nothing")
    subscriber("carer@example.org", topics["carers"])
    subscriber("youth@example.org", topics["youth"])
    subscriber("both@example.org", topics["youth"], topics["housing"])
    subscriber("all@example.org")

    send(issue())

    def titles(address):
        text, _ = parts(smtp_server.to(address))
        return {line[2:] for line in text.splitlines() if line.startswith("- ")}

    assert titles("carer@example.org") == {"On carers", "On carers and housing"}
    assert titles("youth@example.org") == {"On youth"}
    assert titles("both@example.org") == {"On youth", "On carers and housing"}
    assert titles("all@example.org") == {"On carers", "On youth", "On carers and housing",
                                         "On nothing"}  # fmt: skip


def test_the_period_includes_its_start_and_excludes_its_end(topics):
    entry("At the start", when=START)
    entry("Just before the end", when=END - datetime.timedelta(seconds=1))
    entry("At the end", when=END)
    entry("Just before the start", when=START - datetime.timedelta(seconds=1))
    EntryFactory(title="Draft in the period", status="draft")

    plan = DigestPlan(issue())

    assert [item.title for item in plan.items] == ["Just before the end", "At the start"]


def test_nothing_new_on_their_topics_gets_the_intro_and_the_notable_items(smtp_server, topics):
    for number in range(7):
        entry(f"Youth item {number}", topics=[topics["youth"]],
              when=INSIDE + datetime.timedelta(hours=number))  # fmt: skip
    entry("Featured item", topics=[topics["youth"]], featured=True, when=START)
    subscriber("carer@example.org", topics["carers"])

    send(issue(when_nothing_new=WhenNothingNew.NOTABLE))

    text, html = parts(smtp_server.to("carer@example.org"))
    assert "nothing new on your topics this time (Carers)" in text
    assert "Hello **readers**." in text and "<strong>readers</strong>" in html
    items = [line[2:] for line in text.splitlines() if line.startswith("- ")]
    # Featured first, then the newest, five in all.
    assert items == ["Featured item", "Youth item 6", "Youth item 5", "Youth item 4",
                     "Youth item 3"]  # fmt: skip


def test_nothing_new_on_their_topics_is_skipped_when_the_issue_says_so(smtp_server, topics):
    entry("On youth", topics=[topics["youth"]])
    subscriber("carer@example.org", topics["carers"])
    subscriber("youth@example.org", topics["youth"])
    digest = issue(when_nothing_new=WhenNothingNew.SKIP)

    send(digest)

    assert smtp_server.per_recipient() == {"youth@example.org": 1}
    assert statuses(digest) == {"carer@example.org": "skipped", "youth@example.org": "sent"}
    assert digest.skipped_count == 1 and digest.status == DigestStatus.SENT


def test_unsubscribed_pending_and_bounced_people_never_receive_it(smtp_server, topics):
    entry("Anything")
    subscriber("reader@example.org")
    subscriber("left@example.org", confirmed=False, unsubscribed=True)
    subscriber("pending@example.org", confirmed=False)
    subscriber("bounced@example.org", bounced_at=timezone.now())
    late = subscriber("late-leaver@example.org")
    digest = issue()
    DigestDelivery.objects.create_for(digest)
    late.unsubscribe()  # after the deliveries were made, before the batch runs

    send(digest, "--resume")

    assert smtp_server.per_recipient() == {"reader@example.org": 1}
    assert statuses(digest) == {"reader@example.org": "sent", "late-leaver@example.org": "skipped"}


def test_a_refused_recipient_is_bounced_never_retried_and_never_sent_again(smtp_server, topics):
    entry("Anything")
    subscriber("ann@example.org")
    gone = subscriber("gone@example.org")
    subscriber("zoe@example.org")
    smtp_server.refuse["gone@example.org"] = "550 5.1.1 No such mailbox"
    digest = issue()

    send(digest)

    assert smtp_server.per_recipient() == {"ann@example.org": 1, "zoe@example.org": 1}
    bounced = digest.deliveries.get(subscriber=gone)
    assert bounced.status == DeliveryStatus.BOUNCED and bounced.attempts == 1
    assert bounced.last_error.startswith("550 5.1.1 No such mailbox")
    gone.refresh_from_db()
    assert gone.bounced_at is not None
    assert digest.status == DigestStatus.SENT and digest.bounced_count == 1

    smtp_server.refuse.clear()
    send(digest, "--resume")
    next_issue = issue(subject="December", period_start=END, period_end=None)
    send(next_issue)

    assert smtp_server.per_recipient() == {"ann@example.org": 2, "zoe@example.org": 2}
    assert not next_issue.deliveries.filter(subscriber=gone).exists()


def test_a_temporary_refusal_is_failed_and_sent_by_a_later_run(smtp_server, topics):
    entry("Anything")
    subscriber("busy@example.org")
    subscriber("fine@example.org")
    smtp_server.refuse["busy@example.org"] = "450 4.2.1 Mailbox busy, try later"
    digest = issue()

    send(digest)

    assert statuses(digest) == {"busy@example.org": "failed", "fine@example.org": "sent"}
    assert Subscriber.objects.get(email="busy@example.org").bounced_at is None
    smtp_server.refuse.clear()
    send(digest, "--resume")
    assert smtp_server.per_recipient() == {"busy@example.org": 1, "fine@example.org": 1}


def test_a_dropped_connection_mid_batch_is_completed_by_a_rerun_without_duplicates(
    smtp_server, topics
):
    entry("Anything")
    people = [subscriber(f"reader{number}@example.org").email for number in range(8)]
    smtp_server.drop_after = 3
    digest = issue()

    output = send(digest, "--batch-size", "5")

    # Batch one: three sent, then the server went away; batch two: a new connection, all sent.
    assert len(smtp_server.messages) == 6
    assert digest.sent_count == 6 and digest.failed_count == 2
    assert "--resume" in output
    send(digest, "--resume")
    assert smtp_server.per_recipient() == dict.fromkeys(people, 1)
    assert digest.status == DigestStatus.SENT and digest.sent_count == 8


def test_a_server_that_is_down_fails_everyone_for_retry_then_a_later_run_sends_all(
    smtp_server, topics, database_tasks
):
    entry("Anything")
    people = [subscriber(f"reader{number}@example.org").email for number in range(5)]
    smtp_server.stop()
    digest = issue()

    output = send(digest, "--batch-size", "2")
    assert "Queued digest 1 (“November at the hub”) for the task worker" in output.replace(
        f"digest {digest.pk} ", "digest 1 "
    )
    run_ready_tasks()

    digest.refresh_from_db()
    assert set(statuses(digest).values()) == {"failed"}
    assert digest.deliveries.filter(retry_at__isnull=True).count() == 0
    assert digest.status == DigestStatus.SENDING  # retries are scheduled
    retries = DBTaskResult.objects.filter(task_path="newsletter.tasks.send_digest_batch",
                                          status="READY")  # fmt: skip
    assert retries.count() == 3 and all(r.run_after > timezone.now() for r in retries)

    smtp_server.start()
    retries.update(run_after=timezone.now())  # the retries' time has come
    run_ready_tasks()

    digest.refresh_from_db()
    assert smtp_server.per_recipient() == dict.fromkeys(people, 1)
    assert set(statuses(digest).values()) == {"sent"}
    assert digest.status == DigestStatus.SENT


def test_a_run_killed_mid_batch_and_resumed_sends_to_everyone_once(smtp_server, topics):
    entry("Anything")
    people = [subscriber(f"reader{number}@example.org").email for number in range(6)]
    digest = issue()
    real_digest_email = tasks.digest_email
    built = []

    def dies_at_the_fourth(*args, **kwargs):
        built.append(1)
        if len(built) == 4:
            raise SystemExit("killed")  # as a worker killed between two messages
        return real_digest_email(*args, **kwargs)

    # The immediate backend records the batch task as failed, as a worker would log it.
    with mock.patch.object(tasks, "digest_email", dies_at_the_fourth):
        send(digest, "--batch-size", "10")

    assert len(smtp_server.messages) == 3
    assert sorted(set(statuses(digest).values())) == ["pending", "sent"]
    send(digest, "--resume")
    assert smtp_server.per_recipient() == dict.fromkeys(people, 1)
    assert digest.status == DigestStatus.SENT


def test_a_batch_run_twice_sends_nothing_twice(smtp_server, topics):
    entry("Anything")
    for number in range(3):
        subscriber(f"reader{number}@example.org")
    digest = issue()
    digest.begin_sending()
    DigestDelivery.objects.create_for(digest)
    ids = list(digest.deliveries.values_list("pk", flat=True))

    tasks.send_digest_batch.call(issue_id=digest.pk, delivery_ids=ids)
    tasks.send_digest_batch.call(issue_id=digest.pk, delivery_ids=ids)

    assert len(smtp_server.messages) == 3
    assert not DigestDelivery.objects.claim(ids[0])  # sent: nobody may take it again


def test_each_batch_sends_over_one_smtp_connection(smtp_server, topics):
    entry("Anything")
    for number in range(12):
        subscriber(f"reader{number}@example.org")

    send(issue(), "--batch-size", "5")

    assert len(smtp_server.messages) == 12
    assert smtp_server.connections() == 3


def test_making_the_deliveries_again_gives_nobody_a_second_row(topics):
    for number in range(4):
        subscriber(f"reader{number}@example.org")
    digest = issue()

    assert DigestDelivery.objects.create_for(digest) == 4
    assert DigestDelivery.objects.create_for(digest) == 4


def test_each_distinct_set_of_topics_is_rendered_once_per_batch(topics, mailoutbox):
    entry("On carers", topics=[topics["carers"]])
    for number in range(30):
        chosen = [topics["carers"], topics["youth"]][: number % 3]
        subscriber(f"reader{number}@example.org", *chosen)
    digest = issue()

    with mock.patch.object(DigestPlan, "_build", autospec=True,
                           side_effect=DigestPlan._build) as build:  # fmt: skip
        send(digest, "--batch-size", "15")

    assert len(mailoutbox) == 30
    assert build.call_count == 2 * 3  # two batches, three distinct topic sets in each


def test_a_batch_costs_a_constant_number_of_queries_plus_a_few_per_person(topics):
    entry("On carers", topics=[topics["carers"]])

    def batch_queries(people):
        Subscriber.objects.all().delete()
        for number in range(people):
            subscriber(f"reader{number}@example.org", topics["carers"])
        digest = issue(subject=f"{people}")
        digest.begin_sending()
        DigestDelivery.objects.create_for(digest)
        ids = list(digest.deliveries.values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as queries:
            tasks.send_digest_batch.call(issue_id=digest.pk, delivery_ids=ids)
        return len(queries)

    small, large = batch_queries(5), batch_queries(25)
    # Per person: a savepoint or transaction, the claim and the outcome.
    assert (large - small) / 20 <= 4
    assert small <= 5 * 4 + 15


def test_the_command_refuses_an_issue_already_sent_unless_resumed(topics, mailoutbox):
    subscriber("ann@example.org")
    digest = issue()
    send(digest)

    with pytest.raises(CommandError, match=r"already sent on .*--resume"):
        send(digest)
    assert "0 sent" not in send(digest, "--resume")
    assert len(mailoutbox) == 1
    with pytest.raises(CommandError, match="There is no digest 999"):
        call_command("send_digest", 999)


def test_preview_only_prints_the_audience_and_sends_nothing(topics, mailoutbox):
    entry("On youth", topics=[topics["youth"]])
    subscriber("youth@example.org", topics["youth"])
    subscriber("carer@example.org", topics["carers"])
    subscriber("nobody@example.org", confirmed=False)
    digest = issue(when_nothing_new=WhenNothingNew.SKIP)

    output = send(digest, "--preview-only")

    assert "1 entries published from 2026-11-01" in output
    assert "1 would receive items on their topics, 0 the introduction" in output
    assert "1 would be skipped. Nothing was sent." in output
    assert mailoutbox == [] and digest.status == DigestStatus.DRAFT
    assert not digest.deliveries.exists()


def test_a_bounced_subscriber_who_signs_up_and_confirms_again_gets_digests_again(
    client, topics, mailoutbox
):
    person = subscriber("back@example.org", bounced_at=timezone.now())

    client.post("/newsletter/", {"email": "back@example.org", "consent": "on"})

    person.refresh_from_db()
    assert person.status == SubscriberStatus.PENDING and person.bounced_at is not None
    [confirmation] = mailoutbox
    link = re.search(r"https?://\S+/confirm/\S+", confirmation.body).group(0)
    client.get(link.removeprefix(settings.SITE_URL))
    person.refresh_from_db()
    assert person.status == SubscriberStatus.CONFIRMED and person.bounced_at is None
    assert list(Subscriber.objects.digest_recipients()) == [person]


def test_erasing_a_subscriber_deletes_their_deliveries_and_keeps_the_totals(topics, mailoutbox):
    subscriber("ann@example.org")
    gone = subscriber("gone@example.org")
    digest = issue()
    send(digest)

    Subscriber.objects.filter(pk=gone.pk).erase()

    digest.refresh_from_db()
    assert digest.deliveries.count() == 1
    assert digest.sent_count == 2 and digest.recipient_count == 2


def test_an_access_record_lists_the_digests_sent_to_the_person(topics, mailoutbox):
    ann = subscriber("ann@example.org")
    subscriber("bob@example.org")
    send(issue())

    record = access_record(ann)

    assert record["subscriber"]["bounced_at"] is None
    [digest] = record["digests"]
    assert digest["subject"] == "November at the hub" and digest["status"] == "sent"


def test_a_new_issue_starts_where_the_last_sent_one_ended():
    assert DigestIssue.objects.create(subject="First").period_start == pytest.approx(
        timezone.now() - datetime.timedelta(days=30), abs=datetime.timedelta(minutes=1)
    )
    sent = issue(subject="Sent")
    DigestIssue.objects.filter(pk=sent.pk).update(status=DigestStatus.SENT)

    assert DigestIssue.objects.create(subject="Next").period_start == END


@pytest.mark.parametrize(
    ("summary", "line"),
    [
        ("One sentence. Another one.", "One sentence."),
        ("Peer support, e.g. groups, helps. Then more.", "Peer support, e.g. groups, helps."),
        ("Smith et al. found it works! And so on.", "Smith et al. found it works!"),
        ("No full stop at all", "No full stop at all"),
        ("Word " * 100, ("Word " * 100)[:199].rstrip() + "…"),
    ],
)
def test_a_summary_becomes_its_first_sentence_cut_to_one_line(summary, line):
    assert one_line(summary) == line[: digests.SUMMARY_CHARACTERS]
