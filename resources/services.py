"""The one place that writes entries: the admin, `load_demo`, `generate_entries` and every
importer call these functions rather than saving entries themselves.

Every write follows the same rules: the entry's own (`Entry.normalise()`: the DOI in its
bare form, a trimmed link, a published date on publishing), a slug no other entry has, only
its own kind's fields, its taxonomy terms linked, one history version per change (with the
terms of that moment) and a new catalogue version so cached figures show it at once.
"""

from django.db import transaction
from django.utils.text import slugify

from resources.cache import catalogue_change
from resources.models import Entry, EntryTerm
from resources.models.history import history_paused

# Long titles make unwieldy addresses; slugs stop at the last whole word within this length.
SLUG_MAX_LENGTH = 80
BATCH_SIZE = 2000


def slug_from_title(title, max_length=SLUG_MAX_LENGTH):
    """A slug for a title, cut at the last whole word that fits in max_length."""
    slug = slugify(title)
    if len(slug) <= max_length:
        return slug
    return slug[: max_length + 1].rsplit("-", 1)[0]


def unique_slug(slug, entry=None):
    """`slug`, or `slug-2`, `slug-3`… : the first that no entry other than `entry` has."""
    others = Entry.objects.other_than(entry) if entry else Entry.objects.all()
    taken = set(others.filter(slug__startswith=slug).values_list("slug", flat=True))
    candidate, number = slug, 1
    while candidate in taken:
        number += 1
        candidate = f"{slug}-{number}"
    return candidate


def _prepare(entry):
    """What is checked and filled in before any write; `Entry.save()` (or, for bulk inserts,
    `create_entries`) then applies `Entry.normalise()`."""
    entry.check_kind_fields()
    if not entry.slug:
        entry.slug = unique_slug(slug_from_title(entry.title))


def _term_versions():
    """The history model of entry–term links (simple-history makes it for `Entry.terms`)."""
    return Entry.history_records.m2m_models[Entry._meta.get_field("terms")]


@transaction.atomic
def save_entry(entry, terms=None):
    """Create or update one entry and, when `terms` is given, make them its terms (every
    taxonomy at once). Writes one history version; the admin's user is recorded with it."""
    _prepare(entry)
    created = entry._state.adding
    with catalogue_change(), history_paused():
        entry.save()
        if terms is not None:
            set_terms(entry, terms)
    Entry.history_records.create_historical_record(entry, "+" if created else "~")
    return entry


def set_terms(entry, terms):
    """Make `terms` exactly the entry's terms, touching only the links that change."""
    wanted = {term.pk for term in terms}
    current = set(EntryTerm.objects.filter(entry=entry).values_list("term_id", flat=True))
    EntryTerm.objects.filter(entry=entry, term_id__in=current - wanted).delete()
    EntryTerm.objects.bulk_create(
        EntryTerm(entry=entry, term_id=term_id) for term_id in sorted(wanted - current)
    )


@transaction.atomic
def create_entries(entries_and_term_ids, *, history_reason=None, batch_size=BATCH_SIZE):
    """Insert many new entries fast: `(entry, term ids)` pairs, all or nothing.

    Each entry follows the same rules as `save_entry`. With `history_reason`, each gets one
    "created" version holding its terms (the demo set); without, none (synthetic rows).
    Returns the saved entries.
    """
    pairs = list(entries_and_term_ids)
    for entry, _ in pairs:
        _prepare(entry)
        entry.normalise()  # bulk_create skips save()
    with catalogue_change():
        entries = Entry.objects.bulk_create([entry for entry, _ in pairs], batch_size=batch_size)
        links = EntryTerm.objects.bulk_create(
            (
                EntryTerm(entry_id=entry.pk, term_id=term_id)
                for entry, term_ids in pairs
                for term_id in dict.fromkeys(term_ids)
            ),
            batch_size=batch_size * 4,
        )
        if history_reason:
            _record_created_versions(entries, links, history_reason)
    return entries


def _record_created_versions(entries, links, reason):
    """One "created" version per entry, terms included, as save_entry would write."""
    versions = Entry.history.bulk_history_create(entries, default_change_reason=reason)
    version_of_entry = {version.id: version for version in versions}
    # simple-history copies the term links into a version only when it writes one itself.
    term_versions = _term_versions()
    term_versions.objects.bulk_create(
        term_versions(history=version_of_entry[link.entry_id], entry_id=link.entry_id,
                      term_id=link.term_id, id=link.pk)
        for link in links
    )  # fmt: skip


@transaction.atomic
def delete_entries(entries, batch_size=BATCH_SIZE):
    """Delete these entries with their term links and their history, writing no new version:
    for synthetic load-test rows, never for curated ones (curators archive). Returns the count."""
    ids = list(entries.values_list("pk", flat=True))
    term_versions = _term_versions()
    with catalogue_change(), history_paused():
        for start in range(0, len(ids), batch_size):
            batch = ids[start : start + batch_size]
            term_versions.objects.filter(entry_id__in=batch).delete()
            Entry.history.filter(id__in=batch).delete()
            Entry.objects.filter(pk__in=batch).delete()
    return len(ids)
