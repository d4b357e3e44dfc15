"""Two app instances on one PostgreSQL and one Redis stay consistent: a curator's publish shows
on both at once, counts included (the multi-machine shape the README documents)."""

import socket

import pytest
from django.conf import settings as django_settings

from resources.models import Status
from tests.factories import EntryFactory, TopicFactory
from tests.instances import get, instance_env, running_instances

REDIS_URL = "redis://127.0.0.1:6379/14"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="instances share a PostgreSQL server (the SQLite test database is in memory)",
    ),
]


def redis_available():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture
def instances(tmp_path, settings):
    """Two gunicorn instances (one worker each) on the test database and a shared Redis, which
    this test process (standing in for a third instance, where the curator works) uses too."""
    if not redis_available():
        pytest.skip("needs Redis on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    env = instance_env(tmp_path / "static", CACHE_URL=REDIS_URL)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    try:
        with running_instances(env, count=2) as ports:
            yield ports
    finally:
        redis.Redis.from_url(REDIS_URL).flushdb()


def test_a_publish_shows_on_every_instance_at_once(instances):
    topic = TopicFactory(name="Carers")
    EntryFactory(title="Already public", topics=[topic])
    draft = EntryFactory(title="Peer support for carers", topics=[topic], status=Status.DRAFT)
    for port in instances:  # each instance builds and caches what it shows
        assert "1 result" in get(port, "/search/?topic=carers")[1]
        assert get(port, draft.get_absolute_url())[0] == 404

    draft.publish()

    for port in instances:
        status, page = get(port, "/search/?topic=carers")
        assert "2 results" in page and "Peer support for carers" in page
        assert get(port, draft.get_absolute_url())[0] == 200
        # Search matches are kept in Redis as a bitset, as large as the catalogue's ids.
        assert "1 result" in get(port, "/search/?q=carers")[1]
