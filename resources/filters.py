"""Listing filters: the query string of /search/, /resources/, /tools/ and /evidence/.

Every listing parameter the README documents is a filter here: the search `q`, one facet per
taxonomy (resources/taxonomies.py) and per kind facet (resources/kinds.py), the effect facet of
kinds with findings, the co-production flag (`?co_produced=yes`), the year range and the sort
order. Facets (checkbox lists) are OR within a facet and AND across facets, and know how to
count their own options *disjunctively*: with every other facet's selection applied and
their own left out. The database lists the page;
the counts (and the number of results) come from the facet index, one bitset per facet value
(resources/facet_index.py), so every facet of a page costs about a millisecond, not a query.

Outcomes and effects come from findings: `?outcome=wellbeing` lists entries with a finding for
wellbeing, `?effect=positive` entries with a positive finding, and both together entries with
a positive finding *for wellbeing* (the effect facet is narrowed by the ticked outcomes).

Bad input never raises: unknown slugs and choices are dropped, malformed numbers and sort
orders are reported through the form's errors and otherwise ignored.
"""

import copy
from dataclasses import dataclass

import django_filters
from django import forms
from django.db.models import TextChoices
from django.db.models.functions import Lower
from django.http import QueryDict
from django.urls import reverse
from django.utils.functional import cached_property

from resources.cache import cached
from resources.facet_index import (
    count,
    entry_order,
    facet_index,
    ids_of,
    search_matches,
    union,
)
from resources.kinds import KINDS, Kind
from resources.models import MAX_STORED_YEAR, MIN_YEAR, Direction, Entry, EntryTerm, Finding, Term
from resources.search import MAX_QUERY_LENGTH, RELEVANCE_ORDER, clean_query, search
from resources.taxonomies import PAGED_TAXONOMIES, TAXONOMIES

# The one value of a yes-or-no facet (`?co_produced=yes`).
FLAG_YES = "yes"
# A search with at most this many results is ranked over those entries, named by id.
RANK_BY_IDS_LIMIT = 5000


class Sort(TextChoices):
    RELEVANCE = "relevance", "Relevance"
    NEWEST = "newest", "Newest first"
    OLDEST = "oldest", "Oldest first"
    TITLE = "title", "Title (A to Z)"


# Newest and oldest go by year of publication, then by when the entry was added.
SORT_ORDERINGS = {
    Sort.RELEVANCE: list(RELEVANCE_ORDER),
    Sort.NEWEST: ["-year", "-published_at", "-pk"],
    Sort.OLDEST: ["year", "published_at", "pk"],
    Sort.TITLE: [Lower("title"), "pk"],
}


class OrderedResults:
    """A listing's results in its order, for a paginator. Each page is the ids at those
    positions among the filters' bitset in the sort's `EntryOrder` (kept per catalogue
    version), fetched by id: no page sorts or ranks anything in the database."""

    def __init__(self, entries, order, bits, count):
        self.entries, self.order, self.bits, self._count = entries, order, bits, count

    def count(self):
        return self._count

    def __len__(self):
        return self._count

    def __getitem__(self, page):
        ids = self.order.page(self.bits, self._count, page.start or 0, page.stop)
        found = self.entries.order_by().in_bulk(ids)
        # An entry unpublished since the version began is simply not on the page.
        return [found[pk] for pk in ids if pk in found]


def sort_order(sort):
    """Every published entry's id in the order `sort` (an `EntryOrder`)."""
    return entry_order(f"sort:{sort}", SORT_ORDERINGS[sort])


@dataclass(frozen=True)
class ActiveFilter:
    label: str
    value: str
    remove_url: str


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool

    @property
    def disabled(self):
        """An option that would give no results cannot be ticked (unless it already is)."""
        return self.count == 0 and not self.selected


@dataclass(frozen=True)
class Facet:
    name: str
    legend: str
    options: list

    @property
    def selected(self):
        return [option for option in self.options if option.selected]


class ForgivingMultipleChoiceField(forms.MultipleChoiceField):
    """A multiple choice that keeps the valid values and silently drops the rest.

    `?topic=mental-health&topic=nope` filters by mental health: an old bookmark whose term
    was renamed still gives a useful page.
    """

    def clean(self, value):
        valid = {str(key) for key, _ in self.choices}
        kept = [v for v in self.to_python(value) if v in valid]
        return list(dict.fromkeys(kept))

    def __deepcopy__(self, memo):
        """A copy sharing the choices and widget, which nothing changes once made. Every
        request's form copies its fields, and copying a hundred choices per facet (checked
        again as they were set) was a twentieth of a listing's time."""
        result = copy.copy(self)
        memo[id(self)] = result
        result.error_messages = self.error_messages.copy()
        result.validators = self.validators[:]
        return result


class SearchTextField(forms.CharField):
    """The search box: control characters removed, whitespace collapsed, 200 characters."""

    def to_python(self, value):
        return clean_query(value)


class SearchFilter(django_filters.CharFilter):
    field_class = SearchTextField


class FacetFilter(django_filters.MultipleChoiceFilter):
    """A checkbox facet: OR within it. In the SQL it filters the listing; over the facet index
    (resources/facet_index.py) it gives the bitset of what a selection lets through (`mask`)
    and of each option (`option_bits`), from which its counts come."""

    field_class = ForgivingMultipleChoiceField
    # Facets show in this order: the kind's own choices, taxonomies, findings, then flags.
    display_group = 0
    # Other filters its counts leave out as well as its own (they count them another way).
    counts_leave_out = ()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)

    def options(self):
        """(value, label) pairs, in display order."""
        return list(self.extra["choices"])

    def mask(self, index, selected):
        """The bitset of the entries that `selected` (not empty) lets through."""
        bits = self.option_bits(index)
        return union(bits.get(value, 0) for value in selected)

    def option_bits(self, index):
        """{option value: bitset of the entries an option would list}."""
        raise NotImplementedError

    def facet(self, counts, selected):
        """The facet as shown: each option with its count from `counts` ({value: count})."""
        return Facet(
            name=self.field_name,
            legend=self.label,
            options=[
                FacetOption(value, label, counts.get(value, 0), value in selected)
                for value, label in self.options()
            ],
        )


class ChoiceFacetFilter(FacetFilter):
    """A facet over a choice column of Entry (kind, study design, formats)."""

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs

    def option_bits(self, index):
        return {value: index.choice(self.field_name, value) for value, _ in self.options()}


class FlagFacetFilter(FacetFilter):
    """A facet over a yes-or-no column of Entry with one option, `yes`: `?co_produced=yes`
    lists the entries with the flag set (the facet index holds them under True)."""

    display_group = 3

    def __init__(self, *args, option_label, **kwargs):
        kwargs["choices"] = [(FLAG_YES, option_label)]
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return qs.filter(**{self.field_name: True}) if value else qs

    def option_bits(self, index):
        return {FLAG_YES: index.choice(self.field_name, True)}


class TermFacetFilter(FacetFilter):
    """A facet over one taxonomy (?topic=, ?region=…): term slugs, matched by a subquery on
    the link table so that an entry with two selected terms is listed once."""

    display_group = 1

    def __init__(self, *args, taxonomy, **kwargs):
        self.taxonomy = taxonomy
        self.term_ids = {}
        kwargs.setdefault("choices", [])  # filled per request: use_terms()
        super().__init__(*args, **kwargs)

    def use_terms(self, terms):
        """Offer `terms`, (slug, name, id) rows of this taxonomy in display order."""
        self.extra["choices"] = [(slug, name) for slug, name, _ in terms]
        self.term_ids = {slug: pk for slug, _, pk in terms}

    def ids_of(self, slugs):
        return [self.term_ids[slug] for slug in slugs if slug in self.term_ids]

    def filter(self, qs, value):
        if not value:
            return qs
        # By id, not slug: the database then reads only the (term, entry) index.
        links = EntryTerm.objects.filter(term_id__in=self.ids_of(value))
        return qs.filter(pk__in=links.values("entry_id"))

    def option_bits(self, index):
        return {slug: index.term(pk) for slug, pk in self.term_ids.items()}


class OutcomeFacetFilter(TermFacetFilter):
    """?outcome=: entries with a finding for any ticked outcome. With effects ticked, each
    outcome counts the entries whose finding for it has one of those effects (what ticking
    it would list)."""

    display_group = 2
    counts_leave_out = ("effect",)

    def filter(self, qs, value):
        if not value:
            return qs
        findings = Finding.objects.filter(outcome_id__in=self.ids_of(value))
        return qs.filter(pk__in=findings.values("entry_id"))

    def mask(self, index, selected):
        return index.with_findings(outcome_ids=set(self.ids_of(selected)))

    def option_bits(self, index):
        directions = set(self.parent.cleaned.get("effect", [])) or None
        return {
            slug: index.with_findings(outcome_ids={pk}, directions=directions)
            for slug, pk in self.term_ids.items()
        }


class EffectFacetFilter(FacetFilter):
    """?effect=: entries with at least one finding of a ticked direction, for one of the
    ticked outcomes when any are."""

    display_group = 2

    def ticked_outcome_ids(self):
        outcomes = self.parent.filters["outcome"]
        return outcomes.ids_of(self.parent.cleaned.get("outcome", []))

    def ticked_outcome_findings(self):
        ids = self.ticked_outcome_ids()
        return Finding.objects.filter(outcome_id__in=ids) if ids else Finding.objects.all()

    def filter(self, qs, value):
        if not value:
            return qs
        findings = self.ticked_outcome_findings().filter(direction__in=value)
        return qs.filter(pk__in=findings.values("entry_id"))

    def option_bits(self, index):
        outcome_ids = set(self.ticked_outcome_ids()) or None
        return {
            direction: index.with_findings(outcome_ids=outcome_ids, directions={direction})
            for direction, _ in self.options()
        }


class YearField(forms.IntegerField):
    """A year box. Shown again, a bound value is the number the form read ("+2010" as 2010),
    or nothing when it is not a whole number: a number input may only hold a number."""

    def bound_data(self, data, initial):
        try:
            return self.to_python(data)
        except forms.ValidationError:
            return None


class YearFilter(django_filters.NumberFilter):
    field_class = YearField


def catalogue_terms():
    """{"topic": [(slug, name, id), …], …} for every taxonomy, in display order, in one query."""
    return cached("terms", _catalogue_terms)


def _catalogue_terms():
    terms = {taxonomy.name: [] for taxonomy in TAXONOMIES}
    for name, slug, term_name, pk in Term.objects.values_list("taxonomy", "slug", "name", "pk"):
        terms[name].append((slug, term_name, pk))
    return terms


class ListingForm(forms.Form):
    """Form fields that are not filters: the sort order (the page is the paginator's)."""

    sort = forms.ChoiceField(
        choices=Sort.choices,
        required=False,
        label="Sort by",
        error_messages={"invalid_choice": "That sort order is not one we offer."},
    )


def _year_filter(lookup, label):
    return YearFilter(
        field_name="year",
        lookup_expr=lookup,
        label=label,
        min_value=MIN_YEAR,
        max_value=MAX_STORED_YEAR,
        error_messages={
            "invalid": "Enter a year as four digits, such as 2019.",
            "min_value": f"Enter a year from {MIN_YEAR} onwards.",
            "max_value": f"Enter a year up to {MAX_STORED_YEAR}.",
        },
    )


class EntryFilterSet(django_filters.FilterSet):
    """What every listing shares: search, a facet per taxonomy, the year range and sort."""

    listing_kind = None  # the kind listed, or None for every kind (/search/)

    q = SearchFilter(method="filter_search", label="Search", max_length=MAX_QUERY_LENGTH)
    co_produced = FlagFacetFilter(
        label="Co-production", option_label="Co-produced with people with lived experience"
    )
    year_min = _year_filter("gte", "From year")
    year_max = _year_filter("lte", "To year")

    class Meta:
        model = Entry
        fields = []
        form = ListingForm

    @classmethod
    def get_filters(cls):
        """The declared filters, with one facet per taxonomy the listed kind has after the
        search box."""
        filters = super().get_filters()
        taxonomies = {
            taxonomy.name: (OutcomeFacetFilter if taxonomy.from_findings else TermFacetFilter)(
                field_name=taxonomy.name, taxonomy=taxonomy.name, label=taxonomy.label
            )
            for taxonomy in TAXONOMIES
            if taxonomy.applies_to(cls.listing_kind)
        }
        search_box = {"q": filters.pop("q")}
        return {**search_box, **taxonomies, **filters}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for facet, terms in catalogue_terms().items():
            if facet in self.filters:
                self.filters[facet].use_terms(terms)

    def filter_search(self, queryset, name, value):
        return search(queryset, value)

    # -- reading the cleaned query string ---------------------------------------------------

    @property
    def cleaned(self):
        """The valid part of the query string (invalid fields are left out)."""
        self.form.is_valid()
        return self.form.cleaned_data

    @property
    def query(self):
        return self.cleaned.get("q", "")

    @property
    def sort(self):
        """The sort order in force: the one asked for, else relevance when searching."""
        sort = self.cleaned.get("sort")
        default = Sort.RELEVANCE if self.query else Sort.NEWEST
        if not sort or (sort == Sort.RELEVANCE and not self.query):
            return default
        return sort

    @property
    def sort_options(self):
        """(value, label, selected) for the sort select. The first option, value "", is the
        default, so a new search falls back to relevance rather than keeping "newest"."""
        default = Sort.RELEVANCE if self.query else Sort.NEWEST
        options = [("", default.label)] + [
            (sort.value, sort.label) for sort in Sort if sort not in (default, Sort.RELEVANCE)
        ]
        selected = "" if self.sort == default else self.sort
        return [(value, label, value == selected) for value, label in options]

    @property
    def facet_filters(self):
        """The facets in display order: the listing's own (kind, formats), taxonomies,
        outcomes and effects, then co-production."""
        facets = [(n, f) for n, f in self.filters.items() if isinstance(f, FacetFilter)]
        return dict(sorted(facets, key=lambda item: item[1].display_group))

    # -- querysets ----------------------------------------------------------------------------

    def apply_filters(self, queryset, leave_out=()):
        for name, value in self.cleaned.items():
            if name in self.filters and name not in leave_out:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_queryset(self, queryset):
        queryset = self.apply_filters(queryset)
        if self.query and self.result_count <= RANK_BY_IDS_LIMIT:
            # The facet index knows exactly which entries match: naming them lets the
            # database rank just those, instead of testing the words on every row.
            queryset = queryset.filter(pk__in=ids_of(self.matching_bits()))
        if "rank" not in queryset.query.annotations:
            queryset = search(queryset, "")
        return queryset.order_by(*SORT_ORDERINGS[self.sort])

    @property
    def results(self):
        """The listing's entries in order, for a paginator: the page's ids come from the
        sort's order of the whole catalogue (or the search's ranking), cut to the filters."""
        if self.query and self.sort == Sort.RELEVANCE:
            order = self.search_matches.order
        else:
            order = sort_order(self.sort)
        return OrderedResults(self.queryset, order, self.matching_bits(), self.result_count)

    # -- counting, over the facet index (resources/facet_index.py) ---------------------------

    @cached_property
    def index(self):
        return facet_index()

    def scope_bits(self):
        """What the listing can show at all: the published entries (of its kind). The index
        holds published entries only, as every listing does (`listing_filterset`)."""
        if self.listing_kind:
            return self.index.choice("kind", self.listing_kind)
        return self.index.published

    def base_bits(self):
        """The listing's entries after the filters that are not facets: years and search."""
        bits = self.scope_bits()
        first, last = self.cleaned.get("year_min"), self.cleaned.get("year_max")
        if first is not None or last is not None:
            bits &= self.index.years_between(first, last)
        if self.query:
            bits &= self.search_matches.bits
        return bits

    @cached_property
    def search_matches(self):
        return search_matches(self.query)

    @cached_property
    def facet_masks(self):
        """{facet name: bitset of the entries its selection lets through}, ticked ones only."""
        return {
            name: facet_filter.mask(self.index, self.cleaned[name])
            for name, facet_filter in self.facet_filters.items()
            if self.cleaned.get(name)
        }

    def matching_bits(self, leave_out=()):
        """The entries the listing lists, with the facets named in `leave_out` left out."""
        bits = self.base_bits()
        for name, mask in self.facet_masks.items():
            if name not in leave_out:
                bits &= mask
        return bits

    @cached_property
    def result_count(self):
        """How many entries the listing lists, without counting them in the database."""
        return count(self.matching_bits())

    @property
    def facets(self):
        """Every facet with each option's disjunctive count: what ticking it would list."""
        if not hasattr(self, "_facets"):
            self._facets = []
            for name, facet_filter in self.facet_filters.items():
                base = self.matching_bits(leave_out={name, *facet_filter.counts_leave_out})
                counts = {
                    value: count(base & bits)
                    for value, bits in facet_filter.option_bits(self.index).items()
                }
                self._facets.append(facet_filter.facet(counts, self.cleaned.get(name, [])))
        return self._facets

    # -- describing the page ------------------------------------------------------------------

    @cached_property
    def active_filters(self):
        """What narrows the list, each with the link that removes it."""
        active = []
        if self.query:
            active.append(ActiveFilter("Search", f"“{self.query}”", self._without("q")))
        for facet in self.facets:
            active.extend(
                ActiveFilter(facet.legend, option.label, self._without(facet.name, option.value))
                for option in facet.selected
            )
        for name in ("year_min", "year_max"):
            year = self.cleaned.get(name)
            if year is not None:
                label = self.filters[name].label
                active.append(ActiveFilter(label, str(year), self._without(name)))
        return active

    @cached_property
    def overview_links(self):
        """(name, url) of the overview page of each ticked topic or approach."""
        links = []
        for taxonomy in PAGED_TAXONOMIES:
            facet = self.filters.get(taxonomy.name)
            names = dict(facet.options()) if facet else {}
            for slug in self.cleaned.get(taxonomy.name, []):
                url = reverse("term-page", kwargs={"taxonomy": taxonomy.name, "slug": slug})
                links.append((names[slug], url))
        return links

    @property
    def is_filtered(self):
        return bool(self.active_filters)

    def query_state(self, replacements=None):
        """The valid filters and sort as a query string (malformed parameters left out), with
        `replacements` ({name: [values]}) in place, in the filters' own order."""
        state = QueryDict(mutable=True)
        replacements = replacements or {}
        for key in self.form.fields:
            cleaned = replacements.get(key, self.cleaned.get(key))
            values = cleaned if isinstance(cleaned, list) else [cleaned]
            values = [str(v) for v in values if v not in (None, "")]
            if values:
                state.setlist(key, values)
        return state

    def filter_state(self):
        """The valid filters without the sort order: what the listing lists, whatever its order
        or page. Its query string is the listing's canonical address (and the map's filters)."""
        state = self.query_state()
        state.pop("sort", None)
        return state

    def _without(self, name, value=None):
        """A link to this listing without `name` (or just its `value`), back on page 1."""
        state = self.query_state()
        if value is None:
            state.pop(name, None)
        else:
            state.setlist(name, [v for v in state.getlist(name) if v != value])
        return f"?{state.urlencode()}" if state else "?"


class SearchFilterSet(EntryFilterSet):
    """/search/: every kind, with a kind facet."""

    kind = ChoiceFacetFilter(field_name="kind", label="Kind", choices=Kind.choices)


def _kind_filterset(spec):
    """A kind's listing: what every listing has, and the kind's own facets (resources/kinds.py)."""
    facets = {
        name: ChoiceFacetFilter(label=label, choices=Entry._meta.get_field(name).choices)
        for name, label in spec.facets
    }
    if spec.has_findings:
        facets["effect"] = EffectFacetFilter(label="Effect reported", choices=Direction.choices)
    attrs = {"listing_kind": spec.value, **facets}
    return type(f"{spec.label}FilterSet", (EntryFilterSet,), attrs)


FILTERSETS = {None: SearchFilterSet, **{spec.value: _kind_filterset(spec) for spec in KINDS}}


def listing_filterset(data, kind=None):
    """The FilterSet for one listing over what the public may see: all kinds or one kind."""
    entries = Entry.objects.published().for_listing()
    if kind:
        entries = entries.of_kind(kind)
    return FILTERSETS[kind](data, queryset=entries)
