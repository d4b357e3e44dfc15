"""The one place that writes entries: the admin, `load_demo`, `generate_entries` and every
importer call these functions rather than saving entries themselves.

Every write follows the same rules: the entry's own (`Entry.normalise()`: the DOI in its
bare form, a trimmed link, a published date on publishing, the title's key for duplicates),
a slug no other entry has, only its own kind's fields, its taxonomy terms linked, its
findings (evidence only), one history version per change (with the terms and findings of
that moment) and a new catalogue version so cached figures show it at once.
"""

from django.db import connection, transaction
from django.utils.text import slugify

from resources.cache import catalogue_change
from resources.models import RESERVED_SLUGS, Entry, EntryTerm, Finding
from resources.models.history import history_paused

# Long titles make unwieldy addresses; slugs stop at the last whole word within this length.
SLUG_MAX_LENGTH = 80
# SQLite allows at most 999 parameters in one query.
SLUG_QUERY_CHUNK = 900
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
    taken |= RESERVED_SLUGS
    candidate, number = slug, 1
    while candidate in taken:
        number += 1
        candidate = f"{slug}-{number}"
    return candidate


def assign_unique_slugs(entries, bases=()):
    """Give each of these new entries a slug that no saved entry and no other of them has:
    its base in `bases` where one is given, else one from its title. A few queries for the
    whole batch (one more per base already taken), so bulk creates stay fast."""
    bases = list(bases) + [""] * (len(entries) - len(bases))
    bases = [
        base or slug_from_title(entry.title) or "entry"
        for entry, base in zip(entries, bases, strict=True)
    ]
    taken = set(RESERVED_SLUGS)
    distinct = sorted(set(bases))
    for start in range(0, len(distinct), SLUG_QUERY_CHUNK):
        chunk = distinct[start : start + SLUG_QUERY_CHUNK]
        taken |= set(Entry.objects.filter(slug__in=chunk).values_list("slug", flat=True))
    for base in {base for base in bases if base in taken}:
        taken |= set(
            Entry.objects.filter(slug__startswith=f"{base}-").values_list("slug", flat=True)
        )
    for entry, base in zip(entries, bases, strict=True):
        candidate, number = base, 1
        while candidate in taken:
            number += 1
            candidate = f"{base}-{number}"
        taken.add(candidate)
        entry.slug = candidate


def _prepare(entry):
    """What is checked and filled in before any write; `Entry.save()` (or, for bulk inserts,
    `create_entries`) then applies `Entry.normalise()`."""
    entry.check_kind_fields()
    if not entry.slug:
        entry.slug = unique_slug(slug_from_title(entry.title))


def link_versions(field_name):
    """The history model of an entry's link rows: "terms" (EntryTerm) or "outcomes" (Finding).
    simple-history makes one for each many-to-many field it follows."""
    return Entry.history_records.m2m_models[Entry._meta.get_field(field_name)]


@transaction.atomic
def save_entry(entry, terms=None, findings=None, *, reason=None, record_version=True):
    """Create or update one entry; when `terms` is given make them its terms (every taxonomy at
    once), and when `findings` is given (unsaved `Finding`s) make them its findings.

    Writes one history version, with `reason` as its change reason, and the admin's user is
    recorded with it. The admin passes `record_version=False` when its findings formset saves
    after the entry, then calls `record_version` once everything is saved.
    """
    _prepare(entry)
    created = entry._state.adding
    with catalogue_change(), history_paused():
        entry.save()
        if terms is not None:
            set_terms(entry, terms)
        if findings is not None:
            set_findings(entry, findings)
    if record_version:
        write_version(entry, "+" if created else "~", reason)
    return entry


def write_version(entry, history_type="~", reason=None):
    """Record the entry as it is now, terms and findings included, as one history version."""
    if reason:
        entry._change_reason = reason
    Entry.history_records.create_historical_record(entry, history_type)


def set_terms(entry, terms):
    """Make `terms` exactly the entry's terms, touching only the links that change."""
    wanted = {term.pk for term in terms}
    current = set(EntryTerm.objects.filter(entry=entry).values_list("term_id", flat=True))
    EntryTerm.objects.filter(entry=entry, term_id__in=current - wanted).delete()
    EntryTerm.objects.bulk_create(
        EntryTerm(entry=entry, term_id=term_id) for term_id in sorted(wanted - current)
    )


def set_findings(entry, findings):
    """Make `findings` (unsaved `Finding`s, one per outcome) exactly the entry's findings,
    touching only the rows that change."""
    wanted = {finding.outcome_id: finding for finding in findings}
    if wanted and not entry.spec.has_findings:
        raise ValueError(f"{entry.spec.plural} entries have no findings.")
    current = {finding.outcome_id: finding for finding in Finding.objects.filter(entry=entry)}
    Finding.objects.filter(entry=entry, outcome_id__in=current.keys() - wanted.keys()).delete()
    for outcome_id, finding in wanted.items():
        existing = current.get(outcome_id)
        if existing is None:
            finding.pk, finding.entry = None, entry
            finding.save()
        elif (existing.direction, existing.note) != (finding.direction, finding.note):
            existing.direction, existing.note = finding.direction, finding.note
            existing.save(update_fields=["direction", "note"])


@transaction.atomic
def create_entries(rows, *, history_reason=None, batch_size=BATCH_SIZE):
    """Insert many new entries fast, all or nothing. Each row is `(entry, term ids)` or
    `(entry, term ids, findings)`, findings being unsaved `Finding`s.

    Each entry follows the same rules as `save_entry`. With `history_reason`, each gets one
    "created" version holding its terms and findings (the demo set); without, none
    (synthetic rows). Returns the saved entries.
    """
    rows = [(row[0], row[1], row[2] if len(row) > 2 else ()) for row in rows]
    # Slugs for the whole batch at once: one by one, two new entries with the same title
    # would both be given the same free slug.
    assign_unique_slugs([entry for entry, _, _ in rows if not entry.slug])
    for entry, _, findings in rows:
        _prepare(entry)
        entry.normalise()  # bulk_create skips save()
        if findings and not entry.spec.has_findings:
            raise ValueError(f"{entry.spec.plural} entries have no findings.")
    with catalogue_change():
        entries = Entry.objects.bulk_create([row[0] for row in rows], batch_size=batch_size)
        links = EntryTerm.objects.bulk_create(
            (
                EntryTerm(entry_id=entry.pk, term_id=term_id)
                for entry, term_ids, _ in rows
                for term_id in dict.fromkeys(term_ids)
            ),
            batch_size=batch_size * 4,
        )
        for entry, _, findings in rows:
            for finding in findings:
                finding.entry = entry
        saved_findings = Finding.objects.bulk_create(
            (finding for _, _, findings in rows for finding in findings),
            batch_size=batch_size * 4,
        )
        if history_reason:
            _record_created_versions(entries, links, saved_findings, history_reason)
    return entries


def _record_created_versions(entries, links, findings, reason):
    """One "created" version per entry, terms and findings included, as save_entry would."""
    versions = Entry.history.bulk_history_create(entries, default_change_reason=reason)
    version_of_entry = {version.id: version for version in versions}
    # simple-history copies the link rows into a version only when it writes one itself.
    term_versions = link_versions("terms")
    term_versions.objects.bulk_create(
        term_versions(history=version_of_entry[link.entry_id], entry_id=link.entry_id,
                      term_id=link.term_id, id=link.pk)
        for link in links
    )  # fmt: skip
    finding_versions = link_versions("outcomes")
    finding_versions.objects.bulk_create(
        finding_versions(history=version_of_entry[finding.entry_id], entry_id=finding.entry_id,
                         outcome_id=finding.outcome_id, direction=finding.direction,
                         note=finding.note, id=finding.pk)
        for finding in findings
    )  # fmt: skip


@transaction.atomic
def delete_entries(entries, batch_size=BATCH_SIZE):
    """Delete these entries with their term links, findings and history, writing no new version:
    for synthetic load-test rows, never for curated ones (curators archive). Returns the count."""
    ids = list(entries.values_list("pk", flat=True))
    versions_of_links = [link_versions("terms"), link_versions("outcomes")]
    with catalogue_change(), history_paused():
        for start in range(0, len(ids), batch_size):
            batch = ids[start : start + batch_size]
            for versions in versions_of_links:
                versions.objects.filter(entry_id__in=batch).delete()
            Entry.history.filter(id__in=batch).delete()
            Entry.objects.filter(pk__in=batch).delete()
    return len(ids)


def refresh_planner_statistics():
    """ANALYZE the tables a bulk load fills, once it has committed: with statistics from an
    empty catalogue, PostgreSQL plans 100,000 entries as if they were a handful (pages then
    take seconds, not milliseconds). `generate_entries`, `load_demo` and importers call it."""
    tables = [
        Entry._meta.db_table,
        EntryTerm._meta.db_table,
        Finding._meta.db_table,
        Entry.history.model._meta.db_table,
        link_versions("terms")._meta.db_table,
        link_versions("outcomes")._meta.db_table,
    ]

    def analyse():
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")

    transaction.on_commit(analyse)
