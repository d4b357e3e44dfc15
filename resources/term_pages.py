"""Overview pages for the terms of the paged taxonomies (/topics/carers/, /approaches/groups/),
their indexes (/topics/), and the glossary of every term and evidence label (/glossary/).

Every figure is about published entries only. The aggregate ones (counts by kind, the
findings table, the index counts, the map) are cached per catalogue version, so a page costs a
few small queries however large the catalogue.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import Truncator

from resources.cache import cached
from resources.evidence_map import EvidenceMap
from resources.kinds import (
    EVIDENCE_STRENGTH_DESCRIPTIONS,
    KINDS,
    STUDY_DESIGN_DESCRIPTIONS,
    EvidenceStrength,
    Kind,
    StudyDesign,
    kind_spec,
)
from resources.markdown import render_markdown
from resources.models import (
    DIRECTION_DESCRIPTIONS,
    DIRECTION_SYMBOLS,
    Direction,
    Entry,
    EntryTerm,
    Finding,
    Term,
)
from resources.taxonomies import TAXONOMIES, TAXONOMIES_BY_NAME

# Rows of the findings table per outcome, and cards per kind: a sample, with "see all" links.
FINDINGS_PER_OUTCOME = 10
NEWEST_PER_KIND = 5
# Words of a term's description shown on the index pages.
SHORT_DESCRIPTION_WORDS = 30


# -- queries ----------------------------------------------------------------------------------


def paged_taxonomy(name):
    """The taxonomy called `name` if its terms have pages, else a 404."""
    taxonomy = TAXONOMIES_BY_NAME.get(name)
    if taxonomy is None or not taxonomy.page_prefix:
        raise Http404("This taxonomy has no pages.")
    return taxonomy


def entries_with_term(term):
    """The published entries filed under `term`, matched on the link table as listings do."""
    links = EntryTerm.objects.filter(term_id=term.pk).values("entry_id")
    return Entry.objects.published().filter(pk__in=links)


def kind_counts(term):
    """The term's published entries by kind, each row's `url` its kind's listing filtered by
    the term (whose result count is the same number). One query, cached."""
    rows = cached(f"term-page:{term.pk}:kind-counts", entries_with_term(term).kind_counts)
    return [{**row, "url": term.filtered_url(row["url"])} for row in rows]


@dataclass(frozen=True)
class FindingRow:
    title: str
    url: str
    study_design: str
    year: int | None
    direction: str
    direction_label: str
    symbol: str
    note: str


@dataclass(frozen=True)
class OutcomeFindings:
    """One outcome's findings among the term's evidence: the newest few, and how many."""

    name: str
    slug: str
    total: int
    rows: tuple
    see_all_url: str

    @property
    def more(self):
        return self.total > len(self.rows)


def findings_by_outcome(term):
    """The findings of the term's published evidence, grouped by outcome in outcome order:
    up to FINDINGS_PER_OUTCOME per outcome, newest first as on the evidence listing. One
    query (the row limit and totals are window functions), cached."""
    return cached(f"term-page:{term.pk}:findings", lambda: _findings_by_outcome(term))


def _findings_by_outcome(term):
    evidence = entries_with_term(term).of_kind(Kind.EVIDENCE)
    newest = [F("entry__year").desc(), F("entry__published_at").desc(), F("entry_id").desc()]
    findings = (
        Finding.objects.filter(entry_id__in=evidence.values("pk"))
        .select_related("outcome", "entry")
        .only(
            "direction",
            "note",
            "outcome__name",
            "outcome__slug",
            "outcome__position",
            "entry__kind",
            "entry__title",
            "entry__slug",
            "entry__year",
            "entry__study_design",
            "entry__published_at",
        )
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("outcome_id")], order_by=newest),
            outcome_total=Window(Count("pk"), partition_by=[F("outcome_id")]),
        )
        .filter(rank__lte=FINDINGS_PER_OUTCOME)
        .order_by("outcome__position", "outcome__name", "outcome_id", "rank")
    )
    evidence_list = reverse(kind_spec(Kind.EVIDENCE).list_url_name)
    groups, current = [], None
    for finding in findings:
        outcome = finding.outcome
        if current is None or current["slug"] != outcome.slug:
            query = urlencode({term.taxonomy: term.slug, "outcome": outcome.slug})
            current = {
                "name": outcome.name,
                "slug": outcome.slug,
                "total": finding.outcome_total,
                "rows": [],
                "see_all_url": f"{evidence_list}?{query}",
            }
            groups.append(current)
        entry = finding.entry
        current["rows"].append(
            FindingRow(
                title=entry.title,
                url=entry.get_absolute_url(),
                study_design=entry.get_study_design_display(),
                year=entry.year,
                direction=finding.direction,
                direction_label=finding.get_direction_display(),
                symbol=finding.symbol,
                note=finding.note,
            )
        )
    return [OutcomeFindings(**{**group, "rows": tuple(group["rows"])}) for group in groups]


def newest_by_kind(term):
    """For each kind without findings (resources, tools), its newest published entries with the
    term and the link to all of them: one query per kind."""
    entries = entries_with_term(term).for_listing().newest_first()
    return [
        {
            "spec": spec,
            "entries": list(entries.of_kind(spec.value)[:NEWEST_PER_KIND]),
            "url": term.filtered_url(reverse(spec.list_url_name)),
        }
        for spec in KINDS
        if not spec.has_findings
    ]


def term_map(term):
    """The evidence map under the term's listing filter (`?topic=carers`)."""
    return EvidenceMap(QueryDict(urlencode({term.taxonomy: term.slug})))


def terms_with_published_counts(taxonomy):
    """Every term of `taxonomy` in display order, each with `published_count` (zero included).
    One query, cached."""
    terms = Term.objects.in_taxonomy(taxonomy).with_published_counts(include_empty=True)
    return cached(f"term-index:{taxonomy}", lambda: list(terms))


def short_description_html(term):
    """The first paragraph of the description, cut to a few words, as sanitised HTML."""
    first = term.description.strip().split("\n\n", 1)[0]
    return Truncator(render_markdown(first)).words(SHORT_DESCRIPTION_WORDS, html=True)


def glossary_taxonomies():
    """Every taxonomy with all its terms, in registry and display order: one query."""
    by_taxonomy = {taxonomy.name: [] for taxonomy in TAXONOMIES}
    search_url = reverse("resources:search")
    for term in Term.objects.order_by("taxonomy", *Term._meta.ordering):
        term.url = term.overview_url(search_url)
        by_taxonomy[term.taxonomy].append(term)
    return [{"taxonomy": taxonomy, "terms": by_taxonomy[taxonomy.name]} for taxonomy in TAXONOMIES]


def labelled(choices, descriptions, symbols=None):
    """(value, label, description, symbol) for each choice of a TextChoices class."""
    return [
        {
            "value": choice.value,
            "label": choice.label,
            "description": descriptions[choice],
            "symbol": (symbols or {}).get(choice, ""),
        }
        for choice in choices
    ]


# -- views ------------------------------------------------------------------------------------


def term_page(request, taxonomy, slug):
    """/topics/<slug>/: what the library holds on one term, published entries only."""
    taxonomy = paged_taxonomy(taxonomy)
    term = get_object_or_404(Term.objects.in_taxonomy(taxonomy.name), slug=slug)
    counts = kind_counts(term)
    context = {
        "taxonomy": taxonomy,
        "term": term,
        "description_html": term.description_html,
        "kind_counts": counts,
        "total": sum(row["count"] for row in counts),
        "evidence": next(row for row in counts if row["kind"] == Kind.EVIDENCE),
        "search_url": term.filtered_url(reverse("resources:search")),
        "map": term_map(term),
        "full_map_url": term.filtered_url(reverse("resources:evidence-map")),
        "findings": findings_by_outcome(term),
        "newest": newest_by_kind(term),
        "index_url": reverse("term-index", kwargs={"taxonomy": taxonomy.name}),
    }
    return render(request, "resources/term_page.html", context)


def term_index(request, taxonomy):
    """/topics/: every term of a paged taxonomy with its published entry count."""
    taxonomy = paged_taxonomy(taxonomy)
    terms = terms_with_published_counts(taxonomy.name)
    for term in terms:
        term.short_description_html = short_description_html(term)
    return render(request, "resources/term_index.html", {"taxonomy": taxonomy, "terms": terms})


def glossary(request):
    """/glossary/: every term of every taxonomy, and what the evidence labels mean."""
    context = {
        "taxonomies": glossary_taxonomies(),
        "study_designs": labelled(StudyDesign, STUDY_DESIGN_DESCRIPTIONS),
        "evidence_strengths": labelled(EvidenceStrength, EVIDENCE_STRENGTH_DESCRIPTIONS),
        "directions": labelled(Direction, DIRECTION_DESCRIPTIONS, DIRECTION_SYMBOLS),
    }
    return render(request, "glossary.html", context)
