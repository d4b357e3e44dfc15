"""Figures derived from the whole catalogue, kept in the shared cache.

Facet counts, term lists, related entries and the home page's counts are the costly part of
a page at scale and change only when the catalogue does. Each is cached under the current
*catalogue version*: any save or delete of an entry or a term, or a change to the links
between them, starts a new version (signals wired in resources/apps.py), so a curator's edit
shows at once. Bulk loads send no signals and call `start_new_catalogue_version()` instead.
"""

import time

from django.core.cache import cache
from django.db import transaction

CATALOGUE_CACHE_SECONDS = 300
CATALOGUE_VERSION_KEY = "catalogue-version"


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


def catalogue_changed(sender, instance=None, **kwargs):
    """Signal receiver: an entry or a term changed, so cached figures are out of date."""
    from resources.models import Entry, Term

    if isinstance(instance, Entry | Term):
        start_new_catalogue_version()


def cached(key, compute):
    """`compute()`, kept under `key` for this version of the catalogue."""
    key = f"catalogue:{catalogue_version()}:{key}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CATALOGUE_CACHE_SECONDS)
    return value
