"""Which database a query goes to when a read replica is configured (DATABASE_REPLICA_URL).

Reads go to the `replica` alias only where allowed: for the rest of a public page once the
middleware in hub/replica.py has found the replica up to date (`allow_replica_reads()`), or
inside `reading_from_replica()`. All else reads the primary (`default`): the admin, signed-in
curators, every POST, management commands, tasks and tests. Writes and migrations always go
to the primary, and so do reads inside a transaction on it (they must see its own uncommitted
writes). Code that must not read a replica even during a public page, because what it
computes is kept beyond the request (the catalogue figures of resources/cache.py), runs
inside `reading_from_primary()`.
"""

import contextvars
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"

_reads_replica = contextvars.ContextVar("reads_replica", default=False)


@contextmanager
def reading_from_replica(allowed=True):
    """Within the block, reads go to the replica (or, with `allowed=False`, the primary)."""
    token = _reads_replica.set(allowed)
    try:
        yield
    finally:
        _reads_replica.reset(token)


def allow_replica_reads():
    """Let reads go to the replica until the enclosing `reading_from_…()` block ends: the
    middleware's switch for the rest of a request."""
    _reads_replica.set(True)


def reading_from_primary():
    """Within the block, every read goes to the primary, whatever the request."""
    return reading_from_replica(allowed=False)


class ReplicaRouter:
    """Reads to the replica where `reading_from_replica()` allows them, everything else to
    the primary."""

    def db_for_read(self, model, **hints):
        if _reads_replica.get() and not connections[PRIMARY].in_atomic_block:
            return REPLICA
        return PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The same rows on both sides: an entry read from the replica may be linked to a term
        # read from the primary.
        return {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA, None} or None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
