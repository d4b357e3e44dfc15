"""Two app instances on one PostgreSQL and one Redis stay consistent: a curator's publish shows
on both at once, counts included (the multi-machine shape the README documents)."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from resources.models import Status
from tests.factories import EntryFactory, TopicFactory

ROOT = Path(__file__).resolve().parent.parent
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


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path):
    """(status, body) of a GET to one instance."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def instances(tmp_path, settings):
    """Two gunicorn instances (one worker each) on the test database and a shared Redis, which
    this test process (standing in for a third instance, where the curator works) uses too."""
    if not redis_available():
        pytest.skip("needs Redis on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}",
        "CACHE_URL": REDIS_URL,
        "DEBUG": "0",
        "SECRET_KEY": "two-instances-test-secret-key-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(tmp_path / "static"),
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "hub.wsgi",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )  # fmt: skip
        for port in ports
    ]
    try:
        for port in ports:
            for _ in range(100):
                try:
                    if get(port, "/health/")[0] == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.1)
            else:
                pytest.fail("an instance did not start")
        yield ports
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
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
