"""A real streaming replica of the test server (bench/replica.sh) behind an app instance: public
pages read it, signed-in curators the primary, and a publish while the replica lags shows at once,
counts included, because nothing kept per catalogue version comes from a lagging replica.

Replay is paused (`pg_wal_replay_pause()`) to make the lag last as long as a test needs. One
replica per module (and so per xdist worker that runs it), in its own directory and port.
"""

import os
import subprocess
import time
from dataclasses import dataclass

import psycopg2
import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection, connections
from django.http import QueryDict

from hub.db_router import PRIMARY, REPLICA, reading_from_replica
from hub.replica import replica_is_current
from resources.facet_index import count, facet_index
from resources.filters import listing_filterset
from resources.models import Entry, Status
from tests.factories import EntryFactory, TopicFactory
from tests.instances import ROOT, database_url, fetch, get, instance_env, running_instances

SCRIPT = ROOT / "bench" / "replica.sh"
CATCH_UP_SECONDS = 30

pytestmark = [
    # Serialized rollback: each flush is followed by what the migrations made (the Curators
    # group), as the migration tests that may follow on this worker expect.
    pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=[PRIMARY, REPLICA]),
    pytest.mark.skipif(
        not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="a read replica is a PostgreSQL streaming standby",
    ),
]


@dataclass
class Replica:
    port: int
    directory: str

    def value(self, port, sql):
        """The first value `sql` returns on the server at `port`."""
        database = connection.settings_dict
        with psycopg2.connect(
            host="127.0.0.1", port=port, user=database["USER"], dbname="postgres"
        ) as server:
            server.autocommit = True
            with server.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchone()[0]

    def pause(self):
        """Stop applying the primary's changes (they are still received)."""
        self.value(self.port, "SELECT pg_wal_replay_pause()")

    def resume(self):
        self.value(self.port, "SELECT pg_wal_replay_resume()")

    def catch_up(self):
        """Wait until the replica has applied everything the primary has written so far."""
        target = self.value(connection.settings_dict["PORT"] or 5432, "SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + CATCH_UP_SECONDS
        while self.value(self.port, f"SELECT pg_last_wal_replay_lsn() < '{target}'::pg_lsn"):
            if time.monotonic() > deadline:
                raise AssertionError(f"the replica did not reach {target}")
            time.sleep(0.05)


@pytest.fixture(scope="module")
def replica(django_db_setup):
    """A hot standby of the whole test server, started after pytest-django made the test
    database (so the copy has it) and stopped and removed afterwards, whatever happened."""
    if os.geteuid() != 0:
        pytest.skip("bench/replica.sh runs PostgreSQL's tools as the postgres user: needs root")
    started = subprocess.run(
        ["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=300
    )
    if started.returncode:
        pytest.fail(f"bench/replica.sh start failed:\n{started.stderr}")
    values = dict(line.split("=", 1) for line in started.stdout.split())
    try:
        yield Replica(port=int(values["REPLICA_PORT"]), directory=values["REPLICA_DIR"])
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", values["REPLICA_DIR"]], timeout=120)


@pytest.fixture
def lagging(replica):
    """The replica, replaying again after the test even if it paused it."""
    yield replica
    replica.resume()


@pytest.fixture(scope="module")
def shared_cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("replica-cache")


@pytest.fixture(scope="module")
def instance(replica, shared_cache_dir, tmp_path_factory):
    """An app instance reading public pages from the replica; its port."""
    env = instance_env(
        tmp_path_factory.mktemp("replica-static"),
        DATABASE_REPLICA_URL=database_url(port=replica.port),
        CACHE_URL=f"filecache://{shared_cache_dir}",
        SECRET_KEY=django_settings.SECRET_KEY,  # so the curator's session made here is valid there
    )
    with running_instances(env) as [port]:
        yield port


@pytest.fixture
def shared_cache(settings, shared_cache_dir):
    """This test process uses the instance's cache, as a curator's instance would."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(shared_cache_dir),
        }
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def curator_cookie(client, curator):
    client.force_login(curator)
    name = django_settings.SESSION_COOKIE_NAME
    return {"Cookie": f"{name}={client.cookies[name].value}"}


def test_public_pages_read_the_replica_and_signed_in_curators_the_primary(
    instance, lagging, shared_cache, curator_cookie
):
    entry = EntryFactory(title="Peer support for carers", topics=[TopicFactory(name="Carers")])
    assert "Peer support for carers" in get(instance, "/search/?topic=carers")[1]
    lagging.catch_up()
    lagging.pause()

    # A bulk update sends no signal: the catalogue version stays, so the replica stays current.
    Entry.objects.filter(pk=entry.pk).update(title="Renamed on the primary")

    for path in ("/search/?topic=carers", entry.get_absolute_url()):
        public = get(instance, path)[1]
        assert "Peer support for carers" in public and "Renamed on the primary" not in public
        assert "Renamed on the primary" in get(instance, path, curator_cookie)[1]

    lagging.resume()
    lagging.catch_up()
    assert "Renamed on the primary" in get(instance, "/search/?topic=carers")[1]


def test_a_publish_while_the_replica_lags_shows_at_once_counts_included(
    instance, lagging, shared_cache
):
    carers = TopicFactory(name="Carers")
    EntryFactory(title="Already public", topics=[carers])
    draft = EntryFactory(title="Peer support for carers", topics=[carers], status=Status.DRAFT)
    assert "1 result" in get(instance, "/search/?topic=carers")[1]
    lagging.catch_up()
    lagging.pause()

    draft.publish()  # a new catalogue version, which the replica has not replayed

    def shows_the_publish(page):
        return (
            "2 results" in page
            and "Peer support for carers" in page
            and 'Carers <span class="facet__count">2<' in page
        )

    status, headers, page = fetch(instance, "/search/?topic=carers")
    assert status == 200 and shows_the_publish(page)  # read from the primary meanwhile
    assert get(instance, draft.get_absolute_url())[0] == 200
    etag = headers["ETag"]

    lagging.resume()
    lagging.catch_up()
    # Cards from the replica again, counts from the cache filled during the lag: not stale.
    assert shows_the_publish(get(instance, "/search/?topic=carers")[1])
    # A shared cache's copy from the lag is still current, and it was complete.
    assert fetch(instance, "/search/?topic=carers", {"If-None-Match": etag})[0] == 304


@pytest.fixture
def replica_alias(replica):
    """This process's `replica` alias on the real replica instead of the test mirror."""
    alias = connections[REPLICA]
    saved = dict(alias.settings_dict)
    alias.close()
    alias.settings_dict.update(HOST="127.0.0.1", PORT=str(replica.port))
    yield
    alias.close()
    alias.settings_dict.clear()
    alias.settings_dict.update(saved)


def test_catalogue_figures_come_from_the_primary_even_when_a_page_reads_a_lagging_replica(
    lagging, replica_alias
):
    carers = TopicFactory(name="Carers")
    EntryFactory(title="Already public", topics=[carers])
    draft = EntryFactory(title="Peer support for carers", topics=[carers], status=Status.DRAFT)
    lagging.catch_up()
    lagging.pause()

    draft.publish()

    assert not replica_is_current()  # so no page would read the replica now; if one did:
    with reading_from_replica():
        assert Entry.objects.published().count() == 1  # the replica lags
        assert count(facet_index().published) == 2
        assert listing_filterset(QueryDict("topic=carers")).result_count == 2
    lagging.resume()
    lagging.catch_up()
    assert replica_is_current()
