"""The public record of an entry: what reusers get in exports and from the read API.

One plain dict of JSON-ready values per published entry. It never holds what is for curators
only: notes on where an item was verified (`source_seen`), whether it is synthetic, its
status or its review dates.

`entry_record` reads `entry.terms.all()` and `entry.findings.all()`, so a queryset made with
`Entry.objects.…for_records()` builds a page of records in a constant number of queries;
`entry_records` builds any number of them, a chunk at a time, as exports do.
"""

from itertools import islice

from resources.kinds import KINDS, kind_spec
from resources.models import EntryTerm, Finding, Term
from resources.taxonomies import TAGGING_TAXONOMIES

# Every record's own columns, in the order exports list them.
ENTRY_RECORD_FIELDS = (
    "kind",
    "title",
    "slug",
    "hub_url",
    "url",
    "summary",
    "authors",
    "organisation",
    "publisher",
    "year",
    "doi",
    "country",
    "population",
    "co_produced",
    "curator_note",
)
# After them: the kind's own fields (resources/kinds.py), `terms` ({taxonomy name: [{slug,
# name}, …]} for every tagging taxonomy), `findings` for kinds with findings, then these.
ENTRY_RECORD_DATES = ("published_at", "updated")


def kind_fields(kind=None):
    """The names of the kind-only fields a record of `kind` has (None: of every kind, in
    registry order), as the CSV export's columns."""
    specs = [kind_spec(kind)] if kind else KINDS
    return [name for spec in specs for name in spec.fields]


def has_findings(kind=None):
    """Whether records of `kind` (None: of every kind) can carry findings."""
    return any(spec.has_findings for spec in ([kind_spec(kind)] if kind else KINDS))


def entry_record(entry, request=None, *, terms=None, findings=None):
    """The public record of one published entry as a dict of JSON-ready values; `hub_url` is
    absolute when a `request` is given.

    Its terms and findings are read from `entry.terms.all()` and `entry.findings.all()`
    (prefetched by `for_records()`) unless given as `entry_records` reads them.
    """
    if terms is None:
        terms = [(term.taxonomy, term.slug, term.name) for term in entry.terms.all()]
    hub_url = entry.get_absolute_url()
    if request is not None:
        hub_url = request.build_absolute_uri(hub_url)
    record = {
        "kind": entry.kind,
        "title": entry.title,
        "slug": entry.slug,
        "hub_url": hub_url,
        # Entry.link falls back to the DOI and refuses non-web links; only the link itself
        # is the `url`, and only when it is a web address.
        "url": entry.url if entry.link == entry.url else "",
        "summary": entry.summary,
        "authors": entry.authors,
        "organisation": entry.organisation,
        "publisher": entry.publisher,
        "year": entry.year,
        "doi": entry.doi,
        "country": entry.country,
        "population": entry.population,
        "co_produced": entry.co_produced,
        "curator_note": entry.curator_note,
    }
    record.update({name: getattr(entry, name) for name in entry.spec.fields})
    record["terms"] = _grouped_terms(terms)
    if entry.spec.has_findings:
        if findings is None:
            findings = [
                (finding.outcome.slug, finding.outcome.name, finding.direction, finding.note)
                for finding in entry.findings.all()
            ]
        record["findings"] = [
            {"outcome": {"slug": slug, "name": name}, "direction": direction, "note": note}
            for slug, name, direction, note in findings
        ]
    record["published_at"] = _iso(entry.published_at)
    record["updated"] = _iso(entry.updated)
    return record


def entry_records(entries, request=None, chunk_size=500):
    """The public records of any number of entries (an iterable, such as a queryset's
    `iterator()`), `chunk_size` at a time: two queries per chunk read their terms and
    findings as plain values, with no model instance per term (exports read 100,000)."""
    entries = iter(entries)
    while chunk := list(islice(entries, chunk_size)):
        ids = [entry.pk for entry in chunk]
        links = (
            EntryTerm.objects.filter(entry_id__in=ids)
            .order_by(*(f"term__{field}" for field in Term._meta.ordering))
            .values_list("entry_id", "term__taxonomy", "term__slug", "term__name")
        )
        # Finding's own ordering (by outcome) applies.
        findings = Finding.objects.filter(entry_id__in=ids).values_list(
            "entry_id", "outcome__slug", "outcome__name", "direction", "note"
        )
        terms_of, findings_of = _by_entry(links), _by_entry(findings)
        for entry in chunk:
            yield entry_record(
                entry,
                request,
                terms=terms_of.get(entry.pk, []),
                findings=findings_of.get(entry.pk, []),
            )


def _by_entry(rows):
    """{entry id: [the rest of each row, …]} from rows starting with an entry id."""
    grouped = {}
    for entry_id, *rest in rows:
        grouped.setdefault(entry_id, []).append(tuple(rest))
    return grouped


def _grouped_terms(terms):
    """{taxonomy name: [{slug, name}, …]} for every tagging taxonomy, from (taxonomy, slug,
    name) in display order."""
    grouped = {taxonomy.name: [] for taxonomy in TAGGING_TAXONOMIES}
    for taxonomy, slug, name in terms:
        if taxonomy in grouped:
            grouped[taxonomy].append({"slug": slug, "name": name})
    return grouped


def _iso(moment):
    return moment.isoformat() if moment else None
