"""The real demo data set: verified peer support items and the starting taxonomy.

`demo_data/peer_support_items.json` holds the items exactly as they were verified;
`demo_data/taxonomy.json` holds the starting terms of the five taxonomies and, on each term,
which of the items' free-text values mean it. `load_demo()` brings both into the database.

Loading is idempotent and never overwrites a curator's work: an item is already present when
any entry has its slug, its DOI or its verified-at address (`source_seen`), and a present item
is left exactly as it is. A term is present when one has its slug or its name.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from resources.cache import start_new_catalogue_version
from resources.models import (
    TAXONOMY_FIELDS,
    Entry,
    Kind,
    ResourceFormat,
    Status,
    StudyDesign,
    ToolFormat,
    normalise_doi,
)

DEMO_DATA_DIR = Path(__file__).resolve().parent / "demo_data"
ITEMS_FILE = DEMO_DATA_DIR / "peer_support_items.json"
TAXONOMY_FILE = DEMO_DATA_DIR / "taxonomy.json"

# Entry's many-to-many field for each taxonomy, which are also the keys of taxonomy.json.
TAXONOMY_MODELS = {field: Entry._meta.get_field(field).related_model for field in TAXONOMY_FIELDS}

# Long titles make unwieldy addresses; slugs stop at the last whole word within this length.
SLUG_MAX_LENGTH = 80

# The items' free-text study designs, first match wins. Reviews of reviews and scoping or
# literature reviews come before "systematic review" because their text contains it. A
# feasibility RCT with a qualitative process evaluation counts as mixed methods: it tests
# whether a trial can run, not whether peer support works, and the item says mixed methods.
STUDY_DESIGN_RULES = [
    (r"umbrella|scoping|literature review", StudyDesign.OTHER_REVIEW),
    (r"feasibility|mixed methods", StudyDesign.MIXED_METHODS),
    (r"systematic review|meta-?analysis|metaregression", StudyDesign.SYSTEMATIC_REVIEW),
    (r"\bRCT\b|randomi[sz]ed", StudyDesign.RCT),
    (r"quasi-experimental", StudyDesign.QUASI_EXPERIMENTAL),
    (r"cohort|observational", StudyDesign.OBSERVATIONAL),
    (r"qualitative", StudyDesign.QUALITATIVE),
    (r"evaluation|\bSROI\b", StudyDesign.EVALUATION),
]

# Formats are set only where an item's title says what it is; otherwise they stay blank.
RESOURCE_FORMAT_RULES = [
    (r"\bguide\b", ResourceFormat.GUIDE),
    (r"\btoolkit\b|\bresource pack\b", ResourceFormat.TOOLKIT),
    (r"\breport\b", ResourceFormat.REPORT),
]
TOOL_FORMAT_RULES = [
    (r"\boutcomes? (?:protocol|measure)", ToolFormat.OUTCOME_MEASURE),
    (
        r"\bfidelity (?:index|scale)\b|\bdeveloping and evaluating\b",
        ToolFormat.EVALUATION_FRAMEWORK,
    ),
    (r"\bchecklist\b", ToolFormat.CHECKLIST),
    (r"\btemplate\b", ToolFormat.TEMPLATE),
]


def first_match(rules, text):
    """The value of the first `(pattern, value)` rule whose pattern is found in text, or ""."""
    for pattern, value in rules:
        if text and re.search(pattern, text, re.IGNORECASE):
            return value
    return ""


def slug_from_title(title, max_length=SLUG_MAX_LENGTH):
    """A slug for a title, cut at the last whole word that fits in max_length."""
    slug = slugify(title)
    if len(slug) <= max_length:
        return slug
    return slug[: max_length + 1].rsplit("-", 1)[0]


def read_items():
    return json.loads(ITEMS_FILE.read_text(encoding="utf-8"))


def read_taxonomy():
    return json.loads(TAXONOMY_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class TermRule:
    """Which items a taxonomy term applies to, from the `tags`, `*_pattern` and `countries`
    keys of its entry in taxonomy.json."""

    field: str
    slug: str
    tags: frozenset = frozenset()
    countries: frozenset = frozenset()
    population_pattern: str = ""
    title_pattern: str = ""

    @classmethod
    def from_spec(cls, field, spec):
        return cls(
            field=field,
            slug=spec["slug"],
            tags=frozenset(tag.casefold() for tag in spec.get("tags", [])),
            countries=frozenset(spec.get("countries", [])),
            population_pattern=spec.get("population_pattern", ""),
            title_pattern=spec.get("title_pattern", ""),
        )

    def applies_to(self, item):
        item_tags = {tag.casefold() for tag in (item["topics"] or []) + (item["approaches"] or [])}
        return bool(
            self.tags & item_tags
            or item["country"] in self.countries
            or _search(self.population_pattern, item["population"])
            or _search(self.title_pattern, item["title"])
        )


def _search(pattern, text):
    return bool(pattern and text and re.search(pattern, text, re.IGNORECASE))


def term_rules(taxonomy=None):
    taxonomy = taxonomy or read_taxonomy()
    return [
        TermRule.from_spec(field, spec) for field in TAXONOMY_MODELS for spec in taxonomy[field]
    ]


def term_slugs_for_item(item, rules):
    """`{"topics": ["mental-health", …], …}`: the terms an item is filed under."""
    slugs = {field: [] for field in TAXONOMY_MODELS}
    for rule in rules:
        if rule.applies_to(item):
            slugs[rule.field].append(rule.slug)
    return slugs


def entry_from_item(item):
    """An unsaved, published Entry for one demo item; unknown (null) fields stay empty."""
    kind = Kind(item["kind"])
    entry = Entry(
        kind=kind,
        title=item["title"],
        slug=slug_from_title(item["title"]),
        summary=item["summary"],
        url=item["url"] or "",
        organisation=item["organisation"] or "",
        authors=item["authors"] or "",
        publisher=item["publisher"] or "",
        year=item["year"],
        doi=normalise_doi(item["doi"]),
        population=item["population"] or "",
        country=item["country"] or "",
        source_seen=item["source_seen"] or "",
        status=Status.PUBLISHED,
        published_at=timezone.now(),
    )
    if kind == Kind.EVIDENCE:
        entry.study_design = first_match(STUDY_DESIGN_RULES, item["study_design"]) or (
            StudyDesign.OTHER if item["study_design"] else ""
        )
        entry.finding = item["finding"] or ""
    elif kind == Kind.TOOL:
        entry.tool_format = first_match(TOOL_FORMAT_RULES, item["title"])
    else:
        entry.resource_format = first_match(RESOURCE_FORMAT_RULES, item["title"])
    return entry


@dataclass
class LoadReport:
    entries_created: int = 0
    entries_present: int = 0
    terms_created: int = 0
    terms_present: int = 0

    def __str__(self):
        return (
            f"Created {self.entries_created} entries, {self.entries_present} already present; "
            f"created {self.terms_created} taxonomy terms, {self.terms_present} already present."
        )


def load_taxonomy(taxonomy=None, report=None):
    """Create the starting taxonomy terms that are missing; existing terms are left alone."""
    taxonomy = taxonomy or read_taxonomy()
    report = report or LoadReport()
    for field, model in TAXONOMY_MODELS.items():
        existing = model.objects.values_list("slug", "name")
        slugs = {slug for slug, _ in existing}
        names = {name.casefold() for _, name in existing}
        missing = [
            model(
                name=spec["name"],
                slug=spec["slug"],
                description=spec.get("description", ""),
                position=(position + 1) * 10,
            )
            for position, spec in enumerate(taxonomy[field])
            if spec["slug"] not in slugs and spec["name"].casefold() not in names
        ]
        model.objects.bulk_create(missing)
        report.terms_created += len(missing)
        report.terms_present += len(taxonomy[field]) - len(missing)
    return report


def _already_present(entry):
    """Whether an entry already holds this demo item (see the module docstring)."""
    same = Q(slug=entry.slug)
    if entry.source_seen:
        same |= Q(source_seen=entry.source_seen)
    if entry.doi:
        same |= Q(doi=entry.doi)
    return Entry.objects.filter(same).exists()


def _terms_by_slug():
    return {
        field: {term.slug: term.pk for term in model.objects.all()}
        for field, model in TAXONOMY_MODELS.items()
    }


def link_terms(links, batch_size=None):
    """Insert taxonomy links in bulk; `links` maps each many-to-many field name of Entry to
    `(entry_id, term_id)` pairs. Returns the created through rows by field name."""
    created = {}
    for field, pairs in links.items():
        m2m = Entry._meta.get_field(field)
        through = m2m.remote_field.through
        entry_column = f"{m2m.m2m_field_name()}_id"
        term_column = f"{m2m.m2m_reverse_field_name()}_id"
        rows = [through(**{entry_column: entry, term_column: term}) for entry, term in pairs]
        created[field] = through.objects.bulk_create(rows, batch_size=batch_size)
    return created


def _record_created_versions(entries, through_rows):
    """One "created" history version per entry, including its terms, as save() would make."""
    versions = Entry.history.bulk_history_create(
        entries, default_change_reason="Loaded from the demo data set"
    )
    version_of_entry = {version.id: version for version in versions}
    # simple-history copies the many-to-many rows into a version only when it saves one
    # itself, so the bulk-created versions get theirs here.
    for field, rows in through_rows.items():
        through_fields = getattr(Entry, field).through._meta.fields
        m2m_version = getattr(Entry.history.model, field).model
        m2m_version.objects.bulk_create(
            m2m_version(
                history=version_of_entry[row.entry_id],
                **{f.attname: getattr(row, f.attname) for f in through_fields},
            )
            for row in rows
        )


@transaction.atomic
def load_demo():
    """Load the starting taxonomy and every demo item not already present. Returns a report."""
    taxonomy = read_taxonomy()
    report = load_taxonomy(taxonomy)
    rules = term_rules(taxonomy)
    terms = _terms_by_slug()
    new_items = []
    for item in read_items():
        entry = entry_from_item(item)
        if _already_present(entry):
            report.entries_present += 1
        else:
            new_items.append((entry, term_slugs_for_item(item, rules)))

    # bulk_create skips Entry.save(): entry_from_item already set published_at and the DOI.
    entries = Entry.objects.bulk_create([entry for entry, _ in new_items])
    links = {
        field: [
            (entry.pk, terms[field][slug])
            for entry, term_slugs in new_items
            for slug in term_slugs[field]
            if slug in terms[field]
        ]
        for field in TAXONOMY_MODELS
    }
    _record_created_versions(entries, link_terms(links))
    report.entries_created = len(entries)
    if report.entries_created or report.terms_created:
        start_new_catalogue_version()
    return report
