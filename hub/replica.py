"""Public pages read from the read replica (DATABASE_REPLICA_URL), only while it is up to date.

*Public pages* are the requests a shared cache may keep (hub/http_cache.py): anonymous GET and
HEAD outside `/admin/` and `/newsletter/`. Everything else reads the primary: curators, the
admin, POSTs, and the newsletter's confirm and unsubscribe links (GETs that write, about a
subscriber who may have signed up a second ago).

Replication lag is the hazard, because two things are kept per *catalogue version*
(resources/cache.py) beyond the request that made them: the catalogue figures in the shared
cache (the facet index, term lists, related entries, maps, counts), and the ETag a cache in
front keeps a page under. A figure computed from a replica that has not yet replayed the
change that started a version would be stored under that version and stay wrong all of it;
a page rendered from it would be vouched for by the version's ETag until the next change. So:

- the figures are always computed from the primary (`cached()` and the facet index build run
  inside `reading_from_primary()`), so lag can never be cached;
- a page reads the replica only when it has replayed the primary's WAL up to where the primary
  was when the current catalogue version was first seen (the position is noted once per
  version in the shared cache; one small query on the replica per page checks it). Until it
  has, public pages read the primary, so a publish shows at once everywhere, counts included,
  and no page older than its ETag is ever sent. The check is made after the ETag is taken
  (process_view runs after PublicCacheMiddleware's), so a change in between only makes it
  stricter.

A replica that does not answer is left alone for `RETRY_SECONDS` while the primary serves.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, connections

from hub.db_router import PRIMARY, REPLICA, allow_replica_reads, reading_from_primary
from hub.http_cache import SAFE_METHODS, is_never_cached, is_signed_in
from resources.cache import CATALOGUE_CACHE_SECONDS, catalogue_version

logger = logging.getLogger(__name__)

RETRY_SECONDS = 10
_unavailable_until = 0.0  # this process's pause after the replica failed to answer


class ReplicaReadsMiddleware:
    """Lets a public page read the replica when it is up to date. Goes after
    hub.http_cache.PublicCacheMiddleware and AuthenticationMiddleware."""

    def __init__(self, get_response):
        if not settings.REPLICA_READS:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        # Ends, with the response (rendering included), whatever process_view allowed.
        with reading_from_primary():
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if may_read_replica(request) and replica_is_current():
            allow_replica_reads()


def may_read_replica(request):
    """A public page: an anonymous GET or HEAD outside the admin and the newsletter."""
    return (
        request.method in SAFE_METHODS
        and not is_never_cached(request)
        and not is_signed_in(request)
    )


def replica_is_current():
    """Whether the replica has replayed every change of the current catalogue version (and
    answers at all)."""
    global _unavailable_until
    replica = connections[REPLICA]
    if replica.vendor != "postgresql":
        return True  # a test mirror of the SQLite database: there is no lag
    if time.monotonic() < _unavailable_until:
        return False
    position = primary_position(catalogue_version())
    try:
        with replica.cursor() as cursor:
            cursor.execute(
                "SELECT NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= %s::pg_lsn",
                [position],
            )
            [current] = cursor.fetchone()
    except DatabaseError:
        logger.warning("The read replica did not answer; reading the primary", exc_info=True)
        replica.close()
        _unavailable_until = time.monotonic() + RETRY_SECONDS
        return False
    return bool(current)


def primary_position(version):
    """The primary's WAL position when catalogue `version` was first seen: a replica that has
    replayed this far has every change the version stands for (it is started on commit)."""
    key = f"catalogue:{version}:primary-wal-position"
    position = cache.get(key)
    if position is None:
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            [position] = cursor.fetchone()
        # The first process to note it wins: later positions would only be stricter.
        cache.add(key, position, CATALOGUE_CACHE_SECONDS)
        position = cache.get(key, position)
    return position
