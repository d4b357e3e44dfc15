"""Real app instances for tests: gunicorn processes on the test database, asked over HTTP."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 30


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path, headers=None):
    """(status, body) of a GET to one instance."""
    status, _, body = fetch(port, path, headers)
    return status, body


def fetch(port, path, headers=None):
    """(status, response headers, body) of a GET to one instance."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def database_url(port=None):
    """A DATABASE_URL for the test database, or for its copy on the server at `port`."""
    database = connection.settings_dict
    host = database["HOST"] or "127.0.0.1"
    port = port or database["PORT"] or 5432
    return f"postgres://{database['USER']}@{host}:{port}/{database['NAME']}"


def instance_env(static_root, **variables):
    """The environment of an instance on the test database, production-like (DEBUG off), with
    its static files collected into `static_root`; `variables` add to it."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "0",
        "SECRET_KEY": "app-instance-test-secret-key-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "WARNING",
        **variables,
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True, timeout=300,
    )  # fmt: skip
    return env


@contextmanager
def running_instances(env, count=1):
    """`count` gunicorn instances (one worker each) with `env`; yields their ports once each
    answers /health/, and stops them afterwards whatever happened."""
    ports = [free_port() for _ in range(count)]
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    processes = [
        subprocess.Popen(
            [
                gunicorn,
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
            wait_until_up(port)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_up(port):
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            if get(port, "/health/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the instance on port {port} did not start")
