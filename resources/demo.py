"""The real demo data set: verified peer support items, their findings, the starting taxonomy.

`demo_data/peer_support_items.json` holds the items exactly as they were verified;
`demo_data/taxonomy.json` holds the starting terms of each taxonomy and, on each term,
which of the items' free-text values mean it; `demo_data/peer_support_findings.json` holds the
outcome terms, and what each evidence item reports outcome by outcome. `load_demo()` brings
them all into the database.

Loading is idempotent and never overwrites a curator's work: an item is already present when
any entry has its slug, its DOI or its verified-at address (`source_seen`), and a present item
is left exactly as it is. A term is present when one has its slug or its name. An item's
findings are added only to an entry that never had any, so findings curators edited, added
or removed are kept.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from resources.cache import start_new_catalogue_version
from resources.models import (
    Entry,
    Finding,
    Kind,
    ResourceFormat,
    Status,
    StudyDesign,
    Term,
    ToolFormat,
)
from resources.services import (
    create_entries,
    link_versions,
    refresh_planner_statistics,
    save_entry,
    slug_from_title,
)
from resources.taxonomies import TAXONOMIES

DEMO_DATA_DIR = Path(__file__).resolve().parent / "demo_data"
ITEMS_FILE = DEMO_DATA_DIR / "peer_support_items.json"
TAXONOMY_FILE = DEMO_DATA_DIR / "taxonomy.json"
FINDINGS_FILE = DEMO_DATA_DIR / "peer_support_findings.json"
HISTORY_REASON = "Loaded from the demo data set"

# read_taxonomy()'s keys are the taxonomies' plurals ("topics"); the values are their names.
TAXONOMY_KEYS = {taxonomy.plural: taxonomy.name for taxonomy in TAXONOMIES}

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


def read_items():
    return json.loads(ITEMS_FILE.read_text(encoding="utf-8"))


def read_findings():
    return json.loads(FINDINGS_FILE.read_text(encoding="utf-8"))


def read_taxonomy():
    """The starting terms by taxonomy plural: taxonomy.json's, and the findings file's outcomes."""
    taxonomy = json.loads(TAXONOMY_FILE.read_text(encoding="utf-8"))
    taxonomy["outcomes"] = read_findings()["outcomes"]
    return taxonomy


class FindingsIndex:
    """The findings file's records, found for an entry by DOI, else link, else title."""

    def __init__(self, records):
        self.by_doi = {record["doi"].lower(): record for record in records if record["doi"]}
        self.by_url = {record["url"]: record for record in records if record["url"]}
        self.by_title = {record["title"]: record for record in records}

    def record_for(self, entry):
        doi = entry.doi.lower() if entry.doi else ""
        return self.by_doi.get(doi) or self.by_url.get(entry.url) or self.by_title.get(entry.title)

    def findings_for(self, entry, outcome_ids):
        """Unsaved `Finding`s for `entry` from its record, if it has one; outcomes that are
        no longer terms (a curator removed them) are left out."""
        record = self.record_for(entry) if entry.spec.has_findings else None
        return [
            Finding(outcome_id=outcome_ids[pair["outcome"]], direction=pair["direction"])
            for pair in (record or {}).get("outcomes", [])
            if pair["outcome"] in outcome_ids
        ]


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
        TermRule.from_spec(field, spec)
        for field in TAXONOMY_KEYS
        for spec in taxonomy.get(field, [])
    ]


def term_slugs_for_item(item, rules):
    """`{"topics": ["mental-health", …], …}`: the terms an item is filed under."""
    slugs = {field: [] for field in TAXONOMY_KEYS}
    for rule in rules:
        if rule.applies_to(item):
            slugs[rule.field].append(rule.slug)
    return slugs


def entry_from_item(item):
    """An unsaved, published Entry for one demo item; unknown (null) fields stay empty. Its
    DOI and published date are set on saving, as for every entry (resources/services.py)."""
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
        doi=item["doi"] or "",
        population=item["population"] or "",
        country=item["country"] or "",
        source_seen=item["source_seen"] or "",
        status=Status.PUBLISHED,
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
    findings_created: int = 0

    def __str__(self):
        return (
            f"Created {self.entries_created} entries, {self.entries_present} already present; "
            f"created {self.terms_created} taxonomy terms, {self.terms_present} already present; "
            f"added {self.findings_created} findings."
        )


def load_taxonomy(taxonomy=None, report=None):
    """Create the starting taxonomy terms that are missing; existing terms are left alone."""
    taxonomy = taxonomy or read_taxonomy()
    report = report or LoadReport()
    existing = Term.objects.values_list("taxonomy", "slug", "name")
    slugs = {(name, slug) for name, slug, _ in existing}
    names = {(name, term_name.casefold()) for name, _, term_name in existing}
    missing = [
        Term(
            taxonomy=name,
            name=spec["name"],
            slug=spec["slug"],
            description=spec.get("description", ""),
            position=(position + 1) * 10,
        )
        for key, name in TAXONOMY_KEYS.items()
        for position, spec in enumerate(taxonomy.get(key, []))
        if (name, spec["slug"]) not in slugs and (name, spec["name"].casefold()) not in names
    ]
    Term.objects.bulk_create(missing)
    if missing:
        start_new_catalogue_version()
    report.terms_created += len(missing)
    report.terms_present += sum(len(taxonomy.get(key, [])) for key in TAXONOMY_KEYS) - len(missing)
    return report


def _already_present(entry):
    """Whether an entry already holds this demo item (see the module docstring)."""
    same = Q(slug=entry.slug)
    if entry.source_seen:
        same |= Q(source_seen=entry.source_seen)
    return (Entry.objects.filter(same) | Entry.objects.with_doi(entry.doi)).exists()


def term_ids_by_slug():
    """`{"topics": {slug: id, …}, …}`: every term, keyed as in taxonomy.json."""
    ids = {key: {} for key in TAXONOMY_KEYS}
    keys = {name: key for key, name in TAXONOMY_KEYS.items()}
    for taxonomy, slug, pk in Term.objects.order_by("slug").values_list("taxonomy", "slug", "pk"):
        ids[keys[taxonomy]][slug] = pk
    return ids


@transaction.atomic
def load_demo():
    """Load the starting taxonomy, every demo item not already present and the findings of
    items whose entries have none. Returns a report."""
    taxonomy = read_taxonomy()
    report = load_taxonomy(taxonomy)
    rules = term_rules(taxonomy)
    terms = term_ids_by_slug()
    findings = FindingsIndex(read_findings()["findings"])
    new_items = []
    for item in read_items():
        entry = entry_from_item(item)
        if _already_present(entry):
            report.entries_present += 1
            continue
        term_slugs = term_slugs_for_item(item, rules)
        term_ids = [
            terms[key][slug] for key, slugs in term_slugs.items() for slug in slugs
            if slug in terms[key]
        ]  # fmt: skip
        new_items.append((entry, term_ids, findings.findings_for(entry, terms["outcomes"])))
    if new_items:
        create_entries(new_items, history_reason=HISTORY_REASON)
    report.entries_created = len(new_items)
    report.findings_created = sum(len(item[2]) for item in new_items)
    report.findings_created += load_missing_findings(findings, terms["outcomes"])
    if report.entries_created or report.findings_created:
        refresh_planner_statistics()
    return report


def load_missing_findings(findings, outcome_ids):
    """Give the file's findings to evidence entries that never had any (entries loaded before
    findings existed): not to one whose findings a curator removed. Returns how many."""
    added = 0
    had_findings = link_versions("outcomes").objects.values("entry_id")
    entries = (
        Entry.objects.real()
        .of_kind(Kind.EVIDENCE)
        .filter(findings__isnull=True)
        .exclude(pk__in=had_findings)
    )
    for entry in entries:
        missing = findings.findings_for(entry, outcome_ids)
        if missing:
            save_entry(entry, findings=missing, reason="Findings loaded from the demo data set")
            added += len(missing)
    return added
