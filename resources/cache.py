"""Figures derived from the whole catalogue, kept in the shared cache.

Facet counts, term lists, related entries and the home page's counts are the costly part of
a page at scale and change only when the catalogue does. Each is cached under the current
*catalogue version*: any save or delete of an entry or a term, or a change to the links
between them, starts a new version (signals wired in resources/apps.py), so a curator's edit
shows at once. Bulk writes (resources/services.py) run inside `catalogue_change()`, which
starts one new version for the whole batch instead of one per row.

Figures are always computed from the primary database, even during a page that reads a read
replica (hub/replica.py): a replica that had not yet replayed the change behind a version
would otherwise leave its old figures under that version until the next change.
"""

import contextvars
import time
from contextlib import contextmanager

from django.core.cache import cache
from django.db import transaction

from hub.db_router import reading_from_primary

CATALOGUE_CACHE_SECONDS = 300
CATALOGUE_VERSION_KEY = "catalogue-version"
# How long a process waits for another computing the same figure before computing it itself.
BUILD_WAIT_SECONDS = 10


def catalogue_version():
    version = cache.get(CATALOGUE_VERSION_KEY)
    if version is None:
        cache.add(CATALOGUE_VERSION_KEY, time.time_ns(), None)
        version = cache.get(CATALOGUE_VERSION_KEY)
    return version


def start_new_catalogue_version():
    """Make every cached figure out of date: now, and again when the transaction commits, so
    that nothing computed meanwhile from the uncommitted state's old data is kept."""
    _new_version()
    transaction.on_commit(_new_version)


def _new_version():
    cache.set(CATALOGUE_VERSION_KEY, time.time_ns(), None)


_in_catalogue_change = contextvars.ContextVar("in_catalogue_change", default=False)


@contextmanager
def catalogue_change():
    """Change many entries or terms as one: the rows' own signals start no new versions, and
    one is started when the block ends (and again on commit)."""
    token = _in_catalogue_change.set(True)
    try:
        yield
    finally:
        _in_catalogue_change.reset(token)
        start_new_catalogue_version()


def catalogue_changed(sender, **kwargs):
    """Signal receiver: an entry, a term or the links between them changed."""
    if not _in_catalogue_change.get():
        start_new_catalogue_version()


def cached(key, compute):
    """`compute()`, kept under `key` for this version of the catalogue."""
    key = f"catalogue:{catalogue_version()}:{key}"
    value = cache.get(key)
    if value is None:
        value = compute_once(key, compute, CATALOGUE_CACHE_SECONDS)
    return value


def compute_once(key, compute, timeout):
    """`compute()`, stored under `key` for `timeout` seconds, computed from the primary
    database (never a replica that may lag behind the version). When another process is
    computing it already (a new version, or a popular new search, makes many ask at once),
    wait for theirs rather than all doing the same work."""
    building = f"{key}:building"
    if not cache.add(building, True, BUILD_WAIT_SECONDS):
        deadline = time.monotonic() + BUILD_WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.02)
            value = cache.get(key)
            if value is not None:
                return value
    try:
        with reading_from_primary():
            value = compute()
            cache.set(key, value, timeout)  # pickling may still run queries
    finally:
        cache.delete(building)
    return value
