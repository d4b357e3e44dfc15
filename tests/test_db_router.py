"""Which database each request reads when a read replica is configured (hub/db_router.py,
hub/replica.py). The `replica` alias of the test settings is a mirror of the test database, so
these run on SQLite and PostgreSQL alike: the queries each connection runs tell them apart."""

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.management import call_command
from django.db import connection, connections, router, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

import hub.replica
from hub.db_router import PRIMARY, REPLICA, reading_from_primary, reading_from_replica
from hub.replica import may_read_replica
from newsletter.models import Subscriber, SubscriberStatus
from newsletter.tokens import make_confirm_token, make_unsubscribe_token
from resources.models import Entry, Status, Term
from tests.factories import EntryFactory, TopicFactory
from tests.instances import free_port

# Transactional: the mirror is a connection of its own, which sees only committed rows.
# Serialized rollback puts back what the migrations made (the Curators group) after each flush.
pytestmark = pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=[PRIMARY, REPLICA]
)


@pytest.fixture
def replica_reads(settings, monkeypatch):
    """Public pages read the replica, as with DATABASE_REPLICA_URL set."""
    settings.REPLICA_READS = True
    monkeypatch.setattr(hub.replica, "_unavailable_until", 0.0)


@pytest.fixture
def queries():
    """The SQL each database has run since the test began: `queries(REPLICA)`."""
    contexts = {alias: CaptureQueriesContext(connections[alias]) for alias in (PRIMARY, REPLICA)}
    for context in contexts.values():
        context.__enter__()

    def run_on(alias):
        return [
            query["sql"] for query in connections[alias].queries[contexts[alias].initial_queries :]
        ]

    yield run_on
    for context in contexts.values():
        context.__exit__(None, None, None)


def entry_reads(sqls):
    """The queries that read entries."""
    return [sql for sql in sqls if 'FROM "resources_entry"' in sql]


@pytest.fixture
def carers_entry():
    return EntryFactory(title="Peer support for carers", topics=[TopicFactory(name="Carers")])


def test_anonymous_listing_and_detail_pages_read_the_replica(
    client, replica_reads, carers_entry, queries
):
    listing = client.get("/search/?topic=carers")
    detail = client.get(carers_entry.get_absolute_url())

    assert b"Peer support for carers" in listing.content
    assert b"Peer support for carers" in detail.content
    # The listing's page of cards, fetched by the ids its sort order and filters give.
    page_of_cards = [sql for sql in entry_reads(queries(REPLICA)) if '"id" IN (' in sql]
    assert page_of_cards
    assert any('"resources_entry"."slug" =' in sql for sql in entry_reads(queries(REPLICA)))
    assert not any('"resources_entry"."slug" =' in sql for sql in entry_reads(queries(PRIMARY)))


def test_catalogue_figures_are_computed_from_the_primary_during_a_replica_page(
    client, replica_reads, carers_entry, queries
):
    client.get("/search/?topic=carers")
    client.get(carers_entry.get_absolute_url())

    def tables_read_whole(sqls):
        return {
            sql.split(" FROM ")[1].split()[0]
            for sql in sqls
            if " FROM " in sql and " WHERE " not in sql
        }

    # The facet index reads every term link and finding, the term lists every term.
    expected = {'"resources_entryterm"', '"resources_finding"', '"resources_term"'}
    assert expected <= tables_read_whole(queries(PRIMARY))
    assert not tables_read_whole(queries(REPLICA))


def test_signed_in_curators_read_the_primary(client, replica_reads, curator, queries):
    draft = EntryFactory(title="Peer support for carers", status=Status.DRAFT)
    client.force_login(curator)

    assert client.get("/search/").status_code == 200
    assert b"Draft preview" in client.get(draft.get_absolute_url()).content
    assert client.get("/admin/resources/").status_code == 200
    assert queries(REPLICA) == []


def test_the_admin_reads_the_primary_even_for_anonymous_visitors(client, replica_reads, queries):
    assert client.get("/admin/login/").status_code == 200
    assert queries(REPLICA) == []


@pytest.mark.parametrize(
    ("method", "path", "signed_in", "reads_replica"),
    [
        ("get", "/search/", False, True),
        ("head", "/evidence/some-study/", False, True),
        ("get", "/search/", True, False),
        ("post", "/search/", False, False),
        ("get", "/admin/resources/entry/", False, False),
        ("get", "/newsletter/confirm/token/", False, False),
        ("get", "/newsletter/unsubscribe/token/", False, False),
    ],
)
def test_only_anonymous_gets_of_public_pages_may_read_the_replica(
    method, path, signed_in, reads_replica
):
    request = getattr(RequestFactory(), method)(path)
    request.user = User(username="curator", is_staff=True) if signed_in else AnonymousUser()
    assert may_read_replica(request) is reads_replica


def test_newsletter_links_read_and_write_the_primary(client, replica_reads, queries):
    # Signed up a moment ago: a replica might not have the row yet.
    subscriber = Subscriber.objects.get(pk=Subscriber.objects.note_signup("new@example.org"))

    assert (
        b"You are subscribed"
        in client.get(f"/newsletter/confirm/{make_confirm_token(subscriber)}/").content
    )
    unsubscribe = f"/newsletter/unsubscribe/{make_unsubscribe_token(subscriber)}/"
    assert client.get(unsubscribe).status_code == 200
    assert client.post(unsubscribe).status_code == 200

    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED
    assert queries(REPLICA) == []


def test_management_commands_read_the_primary(replica_reads, carers_entry, queries):
    call_command("purge_pending_subscribers", "--days", "30", stdout=None)
    assert router.db_for_read(Entry) == PRIMARY
    assert Entry.objects.count() == 1
    assert queries(REPLICA) == []


def test_without_a_replica_every_page_reads_the_primary(client, carers_entry, queries):
    assert b"Peer support for carers" in client.get("/search/").content
    assert queries(REPLICA) == []


def test_writes_and_reads_in_a_transaction_go_to_the_primary(replica_reads):
    with reading_from_replica():
        assert router.db_for_read(Entry) == REPLICA
        assert router.db_for_write(Entry) == PRIMARY
        with reading_from_primary():
            assert router.db_for_read(Entry) == PRIMARY
        with transaction.atomic():  # must see its own writes
            assert router.db_for_read(Entry) == PRIMARY
        assert router.db_for_read(Entry) == REPLICA
    assert router.db_for_read(Entry) == PRIMARY


def test_an_entry_read_from_the_replica_saves_to_the_primary(replica_reads, carers_entry):
    with reading_from_replica():
        entry = Entry.objects.get()
        topic = Term.objects.get()
        assert entry._state.db == REPLICA
        assert router.allow_relation(entry, topic)
        entry.summary = "Changed on the primary."
        entry.save()
    assert Entry.objects.using(PRIMARY).get().summary == "Changed on the primary."


def test_migrations_run_only_on_the_primary():
    assert router.allow_migrate(PRIMARY, "resources")
    assert not router.allow_migrate(REPLICA, "resources")


@pytest.fixture
def replica_down():
    """The replica alias pointed at a port where nothing listens."""
    replica = connections[REPLICA]
    saved = dict(replica.settings_dict)
    replica.close()
    replica.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
    yield
    replica.close()
    replica.settings_dict.clear()
    replica.settings_dict.update(saved)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a replica is a PostgreSQL streaming standby"
)
def test_pages_are_served_by_the_primary_while_the_replica_does_not_answer(
    client, replica_reads, carers_entry, replica_down
):
    for _ in range(2):  # the second does not even try the replica
        response = client.get("/search/?topic=carers")
        assert response.status_code == 200
        assert b"Peer support for carers" in response.content
    assert hub.replica._unavailable_until > 0
