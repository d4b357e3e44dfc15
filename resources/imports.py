"""Importing entries from RIS, BibTeX and CSV files: read, check, find duplicates, plan, save.

`read_upload` turns a file into `ImportRow`s (the would-be entries, with per-row errors and
warnings); `find_duplicates` flags rows whose DOI, link or title and year an entry of the
catalogue or an earlier row already has, in a handful of queries however many rows;
`ImportPlan` holds each row's choice (create, skip, or fill the empty fields of the entry it
duplicates); `ImportPlan.save` writes the chosen rows through resources/services.py in one
transaction. The admin (resources/import_admin.py) and `manage.py import_entries` share it.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils.text import capfirst, slugify

from resources import services
from resources.crossref import fit
from resources.import_formats import FORMAT_LABELS, FileProblem, decode, format_of, read_text
from resources.kinds import KINDS_BY_VALUE, kind_spec
from resources.models import (
    Direction,
    Entry,
    EntryTerm,
    Finding,
    Status,
    Term,
    normalise_doi,
    normalise_title,
)
from resources.models.findings import OUTCOME_TAXONOMY
from resources.taxonomies import TAGGING_TAXONOMIES, TAXONOMIES_BY_NAME

CREATE, UPDATE, SKIP = "create", "update", "skip"
CHOICE_LABELS = {CREATE: "Create a new entry", UPDATE: "Fill its empty fields", SKIP: "Skip"}
# The statuses an import may give new entries. Publishing needs no permission of its own in
# the hub (the admin's Publish action needs only "change"), so imports never publish: a
# curator publishes imported entries after checking them.
IMPORT_STATUSES = (Status.DRAFT, Status.IN_REVIEW)
# Fields every kind has that a file may fill, in the order the preview shows them.
SHARED_FIELDS = (
    "title", "authors", "organisation", "publisher", "year", "doi", "url", "summary",
    "country", "population",
)  # fmt: skip
# Fields a file never sets, whatever its columns: publishing and provenance are the hub's.
NEVER_IMPORTED = frozenset(
    {"id", "kind", "status", "published_at", "created", "updated", "featured", "is_synthetic",
     "search_vector", "title_key", "last_reviewed_on"}
)  # fmt: skip
FINDING_CELL = re.compile(r"^(?P<outcome>[^:]+):\s*(?P<direction>[^(]+?)\s*(?:\((?P<note>.*)\))?$")
# `__in` lists are sent in pieces: SQLite and PostgreSQL both take this many parameters easily.
QUERY_CHUNK = 900
BOOLEAN_WORDS = {
    **dict.fromkeys(["yes", "y", "true", "t", "1"], True),
    **dict.fromkeys(["no", "n", "false", "f", "0"], False),
}


class ImportRefused(Exception):
    """The file cannot be imported at all; the message says why, for curators."""


def max_bytes():
    """The largest file an import reads (IMPORT_MAX_BYTES)."""
    return settings.IMPORT_MAX_BYTES


def size_in_words(size):
    """A size in bytes as curators read it: "20 MB", "900 kB"."""
    return f"{size / 1_000_000:.0f} MB" if size >= 1_000_000 else f"{size / 1000:.0f} kB"


# -- Keys that say two records are the same work -----------------------------------------------


def url_key(url):
    """A link as compared for duplicates: trimmed, scheme and host in lower case, no trailing
    slash (`HTTPS://Example.org/a/` and `https://example.org/a` are one link)."""
    url = (url or "").strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.rstrip("/")
    path = parts.path.rstrip("/")
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), path, parts.query, parts.fragment)
    )


def url_variants(url):
    """The spellings of a link the catalogue may hold for one `url_key`: as given and as
    normalised, each with and without a trailing slash (the query stays index-friendly)."""
    bare = (url or "").strip().rstrip("/")
    key = url_key(url)
    return {bare, f"{bare}/", key, f"{key}/"} - {"", "/"}


def title_key(title, year):
    """A title as compared for duplicates (`normalise_title`, as `Entry.title_key` holds it),
    with its year; None for a title with no words."""
    key = normalise_title(title)
    return (key, year) if key else None


# -- Rows ---------------------------------------------------------------------------------------


@dataclass
class Duplicate:
    """What a row duplicates: an entry of the catalogue or an earlier row, and by what."""

    by: str  # "DOI", "link" or "title and year"
    entry_id: int | None = None
    entry_title: str = ""
    entry_kind: str = ""
    row_number: int | None = None

    @property
    def in_catalogue(self):
        return self.entry_id is not None

    @property
    def admin_url(self):
        if not self.in_catalogue:
            return ""
        return reverse(f"admin:resources_{self.entry_kind}_change", args=[self.entry_id])


@dataclass
class ImportRow:
    """One record of the file as it would become an entry."""

    number: int
    kind: str
    fields: dict
    slug: str = ""
    term_ids: list = field(default_factory=list)
    term_names: list = field(default_factory=list)
    term_taxonomies: dict = field(default_factory=dict)  # term id -> taxonomy name
    findings: list = field(default_factory=list)  # (outcome id, outcome name, direction, note)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    duplicate: Duplicate | None = None
    fillable: list = field(default_factory=list)  # field labels an update would fill

    @property
    def title(self):
        return self.fields.get("title", "")

    @property
    def doi(self):
        return self.fields.get("doi", "")

    @property
    def url(self):
        return self.fields.get("url", "")

    @property
    def year(self):
        return self.fields.get("year")

    @property
    def kind_label(self):
        return KINDS_BY_VALUE[self.kind].label if self.kind in KINDS_BY_VALUE else self.kind

    @property
    def choices(self):
        """The choices this row allows, the default first."""
        if self.errors:
            return [SKIP]
        if self.duplicate is None:
            return [CREATE, SKIP]
        allowed = [SKIP]
        if self.duplicate.in_catalogue:
            allowed.append(UPDATE)
        # A DOI belongs to one entry only (the database refuses a second).
        if self.duplicate.by != "DOI":
            allowed.append(CREATE)
        return allowed

    @property
    def default_choice(self):
        return self.choices[0]

    @property
    def shown_fields(self):
        """(label, value) of every filled field, for the preview."""
        shown = []
        for name, value in self.fields.items():
            if value in ("", None) or name == "title":
                continue
            model_field = Entry._meta.get_field(name)
            if model_field.choices:
                value = dict(model_field.flatchoices).get(value, value)
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            shown.append((capfirst(model_field.verbose_name), value))
        return shown


def field_names_of(kind):
    """The fields a row of `kind` may fill: every kind's, its own, and any other field the
    export writes (a column added to the export is imported with no change here)."""
    own = list(kind_spec(kind).fields)
    other_kinds = {name for spec in KINDS_BY_VALUE.values() for name in spec.fields} - set(own)
    return [*SHARED_FIELDS, *own], other_kinds


class RowBuilder:
    """Turns RawRecords into ImportRows: each value checked by its model field, terms and
    outcomes matched by name or slug against the taxonomy (read once)."""

    def __init__(self, default_kind, default_term_ids=()):
        self.default_kind = default_kind
        self.default_term_ids = list(default_term_ids)
        terms = Term.objects.values_list("pk", "taxonomy", "slug", "name")
        self.terms = {}  # (taxonomy, folded name or slug) -> (pk, name)
        self.any_term = {}  # folded name or slug -> (pk, name), tagging taxonomies only
        tagging = {taxonomy.name for taxonomy in TAGGING_TAXONOMIES}
        self.taxonomy_of = {}
        for pk, taxonomy, slug, name in terms:
            self.taxonomy_of[pk] = taxonomy
            for key in (name.casefold(), slug.casefold()):
                self.terms[(taxonomy, key)] = (pk, name)
                if taxonomy in tagging:
                    self.any_term.setdefault(key, (pk, name))
        self.directions = {
            **{value.casefold(): value for value in Direction.values},
            **{label.casefold(): value for value, label in Direction.choices},
        }
        self.entry_fields = {f.name: f for f in Entry._meta.concrete_fields}

    def build(self, raw):
        kind = raw.kind or self.default_kind
        row = ImportRow(raw.number, kind, {}, errors=list(raw.errors), warnings=list(raw.warnings))
        if kind not in KINDS_BY_VALUE:
            row.errors.append(f"Unknown kind “{kind}”: use resource, tool or evidence.")
            row.kind = self.default_kind
        allowed, other_kinds = field_names_of(row.kind)
        for name, value in raw.values.items():
            if name == "slug":
                row.slug = slugify(value)[: services.SLUG_MAX_LENGTH]
            elif name in other_kinds:
                if value:
                    kind = row.kind_label.lower()
                    row.warnings.append(f"{self.label(name)} left out: {kind} entries have none.")
            elif name in self.entry_fields and name not in NEVER_IMPORTED:
                if name not in allowed:
                    allowed.append(name)
                self.clean_value(row, name, value)
        row.fields = {name: row.fields[name] for name in allowed if name in row.fields}
        if not row.fields.get("title"):
            row.errors.insert(0, "No title.")
        if not row.fields.get("summary"):
            row.warnings.append("No summary: write one before publishing.")
        self.match_terms(row, raw)
        self.match_findings(row, raw)
        return row

    def label(self, name):
        return capfirst(self.entry_fields[name].verbose_name)

    def clean_value(self, row, name, value):
        """Check one value with its model field's own rules; a long summary is cut at a word."""
        model_field = self.entry_fields[name]
        value = " ".join(value.split()) if name != "body" else value.strip()
        if value == "":
            row.fields[name] = None if model_field.null else ""
            return
        if name == "doi":
            value = normalise_doi(value)
        elif name == "summary" and len(value) > model_field.max_length:
            value = fit(name, value)
            row.warnings.append(f"Summary cut to {model_field.max_length} characters.")
        elif model_field.choices:
            labels = {str(label).casefold(): key for key, label in model_field.choices}
            value = labels.get(value.casefold(), value.lower())
        elif isinstance(model_field, models.BooleanField):
            # The export writes yes/no; spreadsheets write TRUE/FALSE.
            value = BOOLEAN_WORDS.get(value.casefold(), value)
        try:
            row.fields[name] = model_field.clean(value, None)
        except ValidationError as error:
            row.errors.append(f"{self.label(name)}: {' '.join(error.messages)}")
        if name == "url" and row.fields.get("url"):
            if not row.fields["url"].lower().startswith(("http://", "https://")):
                row.errors.append(f"{self.label(name)}: not a web address ({value}).")
            elif row.fields["url"].startswith(f"{settings.SITE_URL}/"):
                # The hub's own page is where the export points when a work has no link.
                row.fields["url"] = ""
            elif row.doi and url_key(row.fields["url"]) == url_key(f"https://doi.org/{row.doi}"):
                row.fields["url"] = ""

    def match_terms(self, row, raw):
        found = {}
        for taxonomy, names in raw.terms.items():
            for name in names:
                term = self.terms.get((taxonomy, name.casefold()))
                if term:
                    found[term[0]] = term[1]
                else:
                    label = TAXONOMIES_BY_NAME[taxonomy].label.lower()
                    row.warnings.append(f"No {label} “{name}” in the taxonomy: left out.")
        unmatched = []
        for keyword in raw.keywords:
            term = self.any_term.get(keyword.casefold()) or self.any_term.get(slugify(keyword))
            if term:
                found[term[0]] = term[1]
            else:
                unmatched.append(keyword)
        if unmatched:
            row.warnings.append(f"Keywords matching no term, left out: {', '.join(unmatched)}.")
        for pk in self.default_term_ids:
            found.setdefault(pk, "")
        row.term_ids = [pk for pk in found if pk in self.taxonomy_of]
        row.term_taxonomies = {pk: self.taxonomy_of[pk] for pk in row.term_ids}
        row.term_names = [name for name in found.values() if name]

    def match_findings(self, row, raw):
        if raw.findings and not kind_spec(row.kind).has_findings:
            row.warnings.append(f"Findings left out: {row.kind_label.lower()} entries have none.")
            return
        seen = set()
        for cell in raw.findings:
            match = FINDING_CELL.match(cell)
            outcome = match and self.terms.get(
                (OUTCOME_TAXONOMY, match["outcome"].strip().casefold())
            )
            direction = match and self.directions.get(match["direction"].strip().casefold())
            if not (outcome and direction):
                row.warnings.append(f"Finding “{cell}” not understood (outcome: effect): left out.")
            elif outcome[0] not in seen:
                seen.add(outcome[0])
                row.findings.append(
                    (outcome[0], outcome[1], direction, (match["note"] or "").strip())
                )


# -- Reading a file ------------------------------------------------------------------------------


@dataclass
class ReadUpload:
    """A file read into rows: its format, its rows, and notes about the file as a whole."""

    filename: str
    file_format: str
    rows: list
    notes: list

    @property
    def format_label(self):
        return FORMAT_LABELS[self.file_format]


def read_upload(data, filename, file_format="", kind="evidence", term_ids=()):
    """Read a file's bytes into rows, raising ImportRefused with a message for curators when
    the file as a whole cannot be read. Duplicates are the plan's to find (ImportPlan)."""
    if len(data) > max_bytes():
        raise ImportRefused(
            f"The file is {size_in_words(len(data))}; at most {size_in_words(max_bytes())} "
            "may be imported at once. Split it into smaller files."
        )
    try:
        text, encoding_note = decode(data)
        file_format = format_of(filename, text, file_format)
        read = read_text(text, file_format)
    except FileProblem as problem:
        raise ImportRefused(str(problem)) from problem
    builder = RowBuilder(kind, term_ids)
    rows = [builder.build(raw) for raw in read.records]
    notes = [note for note in [encoding_note, *read.notes] if note]
    return ReadUpload(filename, file_format, rows, notes)


# -- Duplicates -----------------------------------------------------------------------------------


def chunks(values, size=QUERY_CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def find_duplicates(rows):
    """Flag each row that an entry of the catalogue or an earlier row has the DOI, link or
    title and year of: three queries (more only past QUERY_CHUNK DOIs, links or titles)."""
    catalogue_doi, catalogue_url, catalogue_title = catalogue_matches(rows)
    first_doi, first_url, first_title = {}, {}, {}
    for row in rows:
        keys = (row.doi, url_key(row.url), title_key(row.title, row.year))
        for by, key, in_catalogue, earlier in (
            ("DOI", keys[0], catalogue_doi, first_doi),
            ("link", keys[1], catalogue_url, first_url),
            ("title and year", keys[2], catalogue_title, first_title),
        ):
            if not key:
                continue
            if row.duplicate is None and key in in_catalogue:
                entry_id, title, kind = in_catalogue[key]
                row.duplicate = Duplicate(by, entry_id, title, kind)
            elif row.duplicate is None and key in earlier:
                row.duplicate = Duplicate(by, row_number=earlier[key])
            earlier.setdefault(key, row.number)


def catalogue_matches(rows):
    """{key: (id, title, kind)} of catalogue entries sharing a row's DOI, link or title and
    year; titles are looked up by `Entry.title_key`."""
    dois = {row.doi for row in rows if row.doi}
    by_doi = {}
    for batch in chunks(dois):
        # `doi <> ''` lets PostgreSQL use the unique index on DOIs, which is partial (it
        # cannot prove the condition from a list of over 100 DOIs): without it, every entry is
        # read (0.6 s of a 5,000-row preview at 100,000 entries).
        for pk, doi, title, kind in (
            Entry.objects.filter(doi__in=batch)
            .exclude(doi="")
            .order_by()
            .values_list("pk", "doi", "title", "kind")
        ):
            by_doi[doi] = (pk, title, kind)
    variants = set().union(*(url_variants(row.url) for row in rows if row.url))
    by_url = {}
    for batch in chunks(variants):
        for pk, url, title, kind in Entry.objects.filter(url__in=batch).values_list(
            "pk", "url", "title", "kind"
        ):
            by_url.setdefault(url_key(url), (pk, title, kind))
    wanted = {title_key(row.title, row.year) for row in rows} - {None}
    by_title = {}
    # By the stored key (indexed with the year): only entries sharing a row's title are read,
    # and those of another year are passed over here.
    for batch in chunks({key for key, _ in wanted}):
        for pk, key, year, title, kind in (
            Entry.objects.filter(title_key__in=batch)
            .order_by("pk")
            .values_list("pk", "title_key", "year", "title", "kind")
        ):
            if (key, year) in wanted:
                by_title.setdefault((key, year), (pk, title, kind))
    return by_doi, by_url, by_title


# -- The plan -------------------------------------------------------------------------------------


@dataclass
class ImportCounts:
    """What a confirmed import did, as its message says it: "3 created, 1 updated, 2 skipped"."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    unchanged: int = 0

    def __str__(self):
        text = f"{self.created} created, {self.updated} updated, {self.skipped} skipped"
        if self.unchanged:
            text += f" ({self.unchanged} chosen to update had no empty field to fill)"
        return text


class ImportPlan:
    """Each row's choice (its default unless `choices` says otherwise), what it adds up to,
    and the save. `can_update` False (no permission to change entries) offers no updates."""

    def __init__(self, upload, *, status=Status.DRAFT, choices=None, can_update=True):
        if status not in IMPORT_STATUSES:
            raise ImportRefused(f"Imported entries can be draft or in review, not “{status}”.")
        self.upload = upload
        self.rows = upload.rows
        self.status = status
        self.can_update = can_update
        self._by_number = {row.number: row for row in self.rows}
        find_duplicates(self.rows)
        self.existing = self.existing_entries()
        for row in self.rows:
            row.fillable = self.fillable_fields(row)
        self.choices = {}
        # Stored choices the rows no longer allow (the catalogue changed since they were made)
        # fall back to the row's default, and are listed so the curator can be told.
        self.dropped = []
        for number, choice in (choices or {}).items():
            try:
                self.choose(int(number), choice)
            except ValueError:
                self.dropped.append(int(number))

    def allowed(self, row):
        return [choice for choice in row.choices if choice != UPDATE or self.can_update]

    def choose(self, number, choice):
        """Set one row's choice; a choice the row does not allow is refused (ValueError)."""
        row = self.row(number)
        if row is None or choice not in self.allowed(row):
            raise ValueError(f"Row {number} cannot be “{choice}”.")
        self.choices[number] = choice

    def row(self, number):
        return self._by_number.get(number)

    def choice_of(self, row):
        return self.choices.get(row.number, row.default_choice)

    @property
    def summary(self):
        """The figures at the top of the preview and of the command's report."""
        rows = self.rows
        planned = [self.choice_of(row) for row in rows]
        return {
            "rows": len(rows),
            "new": sum(1 for row in rows if row.duplicate is None and not row.errors),
            "in_catalogue": sum(1 for row in rows if row.duplicate and row.duplicate.in_catalogue),
            "in_file": sum(1 for row in rows if row.duplicate and not row.duplicate.in_catalogue),
            "errors": sum(1 for row in rows if row.errors),
            "warnings": sum(1 for row in rows if row.warnings),
            CREATE: planned.count(CREATE),
            UPDATE: planned.count(UPDATE),
            SKIP: planned.count(SKIP),
        }

    def existing_entries(self):
        """The catalogue entries rows duplicate, with their term ids and whether they have
        findings: three queries."""
        ids = {
            row.duplicate.entry_id
            for row in self.rows
            if row.duplicate and row.duplicate.in_catalogue
        }
        entries = {}
        for batch in chunks(ids):
            entries.update(Entry.objects.in_bulk(batch))
        self.existing_terms = {}
        for batch in chunks(ids):
            for entry_id, term_id, taxonomy in EntryTerm.objects.filter(
                entry_id__in=batch
            ).values_list("entry_id", "term_id", "term__taxonomy"):
                self.existing_terms.setdefault(entry_id, []).append((term_id, taxonomy))
        self.with_findings = set()
        for batch in chunks(ids):
            self.with_findings |= set(
                Finding.objects.filter(entry_id__in=batch).values_list("entry_id", flat=True)
            )
        return entries

    def empty_fields_filled(self, row, entry):
        """{field: value} of the row's values for fields the entry has empty (never others)."""
        own = set(SHARED_FIELDS) | set(entry.spec.fields)
        others = {name for spec in KINDS_BY_VALUE.values() for name in spec.fields} - own
        return {
            name: value
            for name, value in row.fields.items()
            if name not in others and value not in ("", None) and getattr(entry, name) in ("", None)
        }

    def terms_filled(self, row, entry):
        """The row's terms in taxonomies the entry has no term of yet."""
        have = {taxonomy for _, taxonomy in self.existing_terms.get(entry.pk, [])}
        return [pk for pk in row.term_ids if row.term_taxonomies[pk] not in have]

    def fillable_fields(self, row):
        entry = row.duplicate and self.existing.get(row.duplicate.entry_id)
        if not entry:
            return []
        labels = [
            Entry._meta.get_field(name).verbose_name
            for name in self.empty_fields_filled(row, entry)
        ]
        if self.terms_filled(row, entry):
            labels.append("terms")
        if row.findings and entry.spec.has_findings and entry.pk not in self.with_findings:
            labels.append("findings")
        return labels

    # -- Saving ----------------------------------------------------------------------------------

    @transaction.atomic
    def save(self, user=None):
        """Create and update the chosen rows, all or nothing: new entries through
        `services.create_entries`, updates through `services.save_entry`, each with the
        history reason "Imported from <file name>"."""
        reason = f"Imported from {self.upload.filename}"
        counts = ImportCounts()
        to_create = []
        for row in self.rows:
            choice = self.choice_of(row)
            if choice == CREATE:
                to_create.append(row)
            elif choice == UPDATE:
                if self.update_entry(row, user, reason):
                    counts.updated += 1
                else:
                    counts.unchanged += 1
                    counts.skipped += 1
            else:
                counts.skipped += 1
        entries = [self.new_entry(row, user) for row in to_create]
        services.assign_unique_slugs(entries, [row.slug for row in to_create])
        services.create_entries(
            [
                (
                    entry,
                    row.term_ids,
                    [Finding(outcome_id=o, direction=d, note=n) for o, _, d, n in row.findings],
                )
                for entry, row in zip(entries, to_create, strict=True)
            ],
            history_reason=reason,
        )
        counts.created = len(entries)
        services.refresh_planner_statistics()
        return counts

    def new_entry(self, row, user):
        entry = Entry(kind=row.kind, status=self.status, **row.fields)
        if user is not None:
            entry._history_user = user
        return entry

    def update_entry(self, row, user, reason):
        """Fill the empty fields of the entry `row` duplicates; False when none was empty."""
        entry = Entry.objects.get(
            pk=row.duplicate.entry_id
        )  # fresh: an earlier row may have filled it
        self.existing[entry.pk] = entry
        values = self.empty_fields_filled(row, entry)
        new_terms = self.terms_filled(row, entry)
        findings = None
        if (
            row.findings
            and entry.spec.has_findings
            and not Finding.objects.filter(entry=entry).exists()
        ):
            findings = [Finding(outcome_id=o, direction=d, note=n) for o, _, d, n in row.findings]
        if not (values or new_terms or findings):
            return False
        for name, value in values.items():
            setattr(entry, name, value)
        terms = None
        if new_terms:
            current = [pk for pk, _ in self.existing_terms.get(entry.pk, [])]
            terms = list(Term.objects.filter(pk__in=[*current, *new_terms]))
            taxonomy_of = {term.pk: term.taxonomy for term in terms}
            self.existing_terms[entry.pk] = [(pk, taxonomy_of[pk]) for pk in [*current, *new_terms]]
        if user is not None:
            entry._history_user = user
        services.save_entry(entry, terms=terms, findings=findings, reason=reason)
        return True


def plan_report(plan):
    """The plan as lines of text: figures, then each row with an error or a duplicate."""
    figures = plan.summary
    lines = [
        f"{plan.upload.filename} ({plan.upload.format_label}): {figures['rows']} rows: "
        f"{figures['new']} new, {figures['in_catalogue']} already in the catalogue, "
        f"{figures['in_file']} repeated in the file, {figures['errors']} with errors.",
        f"Plan: {figures[CREATE]} to create, {figures[UPDATE]} to update, {figures[SKIP]} to skip.",
        *plan.upload.notes,
    ]
    for row in plan.rows:
        title = row.title or "(no title)"
        if row.errors:
            lines.append(f"  Row {row.number} “{title}”: {' '.join(row.errors)}")
        elif row.duplicate:
            where = (
                f"entry #{row.duplicate.entry_id} “{row.duplicate.entry_title}”"
                if row.duplicate.in_catalogue
                else f"row {row.duplicate.row_number}"
            )
            choice = plan.choice_of(row)
            lines.append(
                f"  Row {row.number} “{title}”: same {row.duplicate.by} as {where}: {choice}."
            )
    return lines
