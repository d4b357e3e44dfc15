"""The evidence map: published evidence counted by approach (rows) and outcome (columns).

Columns can be topics or populations instead (`?columns=topic`). The evidence listing's
filters apply with the same parameters, so `/evidence/map/?population=carers` is the map for
carers, and every number links to the evidence listing that lists exactly those entries:

- a cell: the map's filters with the row's approach and the column's term in place of any
  ticked approaches or column terms (ticking some of those only narrows the map to them);
- a row or column total: the map's filters and that one approach or column term;
- the grand total: the map's filters.

Each cell also says how its findings split by effect direction. With outcome columns that is
one finding per entry (each entry has at most one finding per outcome); with topic or
population columns it is every finding of the cell's entries that the outcome and effect
filters select. Cells, totals and splits all come from the facet index (bitsets of entries
per term and per finding, resources/facet_index.py): no query of its own, whatever the size
of the catalogue; the result is also cached per catalogue version.
"""

import csv
import hashlib
import io
from dataclasses import dataclass, field

from django.urls import reverse

from resources.cache import cached
from resources.facet_index import count, layers
from resources.filters import listing_filterset
from resources.kinds import Kind
from resources.models import DIRECTION_SYMBOLS, Direction
from resources.taxonomies import TAXONOMIES_BY_NAME

ROW_TAXONOMY = "approach"
COLUMN_TAXONOMIES = ("outcome", "topic", "population")
DEFAULT_COLUMNS = "outcome"
SHADES = 4  # cells are shaded 1 (fewest) to SHADES (most); gaps are 0


@dataclass(frozen=True)
class DirectionCount:
    direction: str
    count: int

    @property
    def label(self):
        return Direction(self.direction).label

    @property
    def symbol(self):
        return DIRECTION_SYMBOLS[self.direction]


@dataclass(frozen=True)
class Cell:
    row: str  # the names of its row and column terms, for screen readers
    column: str
    count: int
    directions: tuple = ()
    url: str = ""
    shade: int = 0

    @property
    def is_gap(self):
        return self.count == 0

    @property
    def findings_count(self):
        return sum(direction.count for direction in self.directions)


@dataclass(frozen=True)
class Line:
    """A row (an approach) or a column (an outcome, topic or population) of the map."""

    slug: str
    name: str
    total: int
    url: str
    cells: tuple = field(default=(), compare=False)


class EvidenceMap:
    """The map for a query string: `EvidenceMap(request.GET)`. Bad parameters never raise:
    an unknown `columns` falls back to outcomes (and says so), bad filters are left out as on
    the listing."""

    def __init__(self, data):
        self.filterset = listing_filterset(data, kind=Kind.EVIDENCE)
        requested = data.get("columns", DEFAULT_COLUMNS) or DEFAULT_COLUMNS
        self.columns_valid = requested in COLUMN_TAXONOMIES
        self.column_taxonomy = requested if self.columns_valid else DEFAULT_COLUMNS
        self._computed = None

    # -- what the page shows --------------------------------------------------------------

    @property
    def row_label(self):
        return TAXONOMIES_BY_NAME[ROW_TAXONOMY].label

    @property
    def column_label(self):
        return TAXONOMIES_BY_NAME[self.column_taxonomy].label

    @property
    def caption(self):
        described = ", ".join(
            f"{a.label.lower()}: {a.value}" for a in self.filterset.active_filters
        )
        text = f"Published evidence by approach (rows) and {self.column_label.lower()} (columns)"
        return f"{text}, {described}" if described else text

    @property
    def column_plural(self):
        return TAXONOMIES_BY_NAME[self.column_taxonomy].plural

    @property
    def column_choices(self):
        """(value, label, selected) for the "columns" switch."""
        return [
            (name, TAXONOMIES_BY_NAME[name].plural.capitalize(), name == self.column_taxonomy)
            for name in COLUMN_TAXONOMIES
        ]

    @property
    def rows(self):
        return self._data["rows"]

    @property
    def columns(self):
        return self._data["columns"]

    @property
    def total(self):
        return self._data["total"]

    @property
    def total_url(self):
        return self.listing_url({})

    @property
    def max_count(self):
        return max((cell.count for row in self.rows for cell in row.cells), default=0)

    @property
    def is_empty(self):
        return self.total == 0

    def state(self, extra=None):
        """The map's query string: its filters, the columns switch, and `extra` params."""
        state = self.filterset.query_state()
        if self.column_taxonomy != DEFAULT_COLUMNS:
            state["columns"] = self.column_taxonomy
        for key, value in (extra or {}).items():
            state[key] = value
        return state.urlencode()

    def canonical_query(self):
        """The query string of the map's canonical address: its filters and columns switch,
        without the sort order (which changes nothing on the map)."""
        state = self.filterset.filter_state()
        if self.column_taxonomy != DEFAULT_COLUMNS:
            state["columns"] = self.column_taxonomy
        return state.urlencode()

    def listing_url(self, replacements):
        """/evidence/ with the map's filters, `replacements` ({param: [values]}) in place."""
        state = self.filterset.query_state(replacements)
        state.pop("sort", None)
        query = state.urlencode()
        return f"{reverse('resources:evidence-list')}{'?' + query if query else ''}"

    # -- computing ---------------------------------------------------------------------------

    @property
    def _data(self):
        if self._computed is None:
            state = self.filterset.query_state()
            state.pop("sort", None)
            digest = hashlib.sha256(state.urlencode().encode()).hexdigest()
            key = f"evidence-map:{self.column_taxonomy}:{digest}"
            self._computed = cached(key, self._compute)
        return self._computed

    def _compute(self):
        filterset = self.filterset
        row_terms = self._terms(ROW_TAXONOMY)
        column_terms = self._terms(self.column_taxonomy)
        facets = {facet.name: facet for facet in filterset.facets}
        row_totals = {option.value: option.count for option in facets[ROW_TAXONOMY].options}
        column_totals = {
            option.value: option.count for option in facets[self.column_taxonomy].options
        }
        counts, splits = self._cell_counts(row_terms, column_terms)
        shade = _shader(max(counts.values(), default=0))

        columns = [
            Line(
                slug,
                name,
                column_totals.get(slug, 0),
                self.listing_url({self.column_taxonomy: [slug]}),
            )
            for slug, name, _ in column_terms
        ]
        rows = []
        for row_slug, row_name, row_id in row_terms:
            cells = []
            for column_slug, column_name, column_id in column_terms:
                entries = counts.get((row_id, column_id), 0)
                split = splits.get((row_id, column_id), {})
                url = self.listing_url(
                    {ROW_TAXONOMY: [row_slug], self.column_taxonomy: [column_slug]}
                )
                cells.append(
                    Cell(
                        row=row_name,
                        column=column_name,
                        count=entries,
                        directions=tuple(
                            DirectionCount(d, split[d]) for d in Direction.values if split.get(d)
                        ),
                        url=url if entries else "",
                        shade=shade(entries),
                    )
                )
            rows.append(
                Line(
                    row_slug,
                    row_name,
                    row_totals.get(row_slug, 0),
                    self.listing_url({ROW_TAXONOMY: [row_slug]}),
                    tuple(cells),
                )
            )
        return {"rows": rows, "columns": columns, "total": filterset.result_count}

    def _terms(self, taxonomy):
        """(slug, name, id) of the taxonomy's terms on the map: the ticked ones, else all."""
        facet = self.filterset.filters[taxonomy]
        ticked = set(self.filterset.cleaned.get(taxonomy, []))
        terms = [(slug, name, facet.term_ids[slug]) for slug, name in facet.options()]
        return [term for term in terms if term[0] in ticked] if ticked else terms

    def _base(self):
        """The evidence the map counts, as a bitset: every filter but its rows' and columns'
        own (and, with outcome columns, the effect filter, which then selects the findings
        counted)."""
        leave_out = {ROW_TAXONOMY, self.column_taxonomy}
        if self.column_taxonomy == "outcome":
            leave_out.add("effect")
        return self.filterset.matching_bits(leave_out=leave_out)

    def _counted_findings(self, index):
        """{direction: layers of the findings that count}: those of the ticked outcomes (else
        all) in the ticked effects (else all), as `facet_index.layers`, so that a cell's
        findings of a direction are a few ANDs however many outcomes there are."""
        cleaned = self.filterset.cleaned
        outcomes = set(self.filterset.filters["outcome"].ids_of(cleaned.get("outcome", [])))
        directions = cleaned.get("effect") or Direction.values
        counted = {direction: [] for direction in directions}
        for (outcome_id, direction), bits in index.findings.items():
            if direction in counted and (not outcomes or outcome_id in outcomes):
                counted[direction].append(bits)
        return {direction: layers(bitsets) for direction, bitsets in counted.items()}

    def _cell_counts(self, row_terms, column_terms):
        """({(row id, column id): entries}, {(row id, column id): {direction: findings}}),
        from the facet index: a few thousand ANDs of bitsets, no query."""
        index = self.filterset.index
        base = self._base()
        counts, splits = {}, {}
        outcome_columns = self.column_taxonomy == "outcome"
        directions = self.filterset.cleaned.get("effect") or Direction.values
        counted = None if outcome_columns else self._counted_findings(index)
        for _, _, row_id in row_terms:
            in_row = base & index.term(row_id)
            for _, _, column_id in column_terms:
                if outcome_columns:
                    # One finding per (entry, outcome): the split adds up to the count.
                    split = {
                        d: count(in_row & index.findings.get((column_id, d), 0)) for d in directions
                    }
                    counts[row_id, column_id] = sum(split.values())
                else:
                    cell = in_row & index.term(column_id)
                    counts[row_id, column_id] = count(cell)
                    split = {
                        d: sum(count(cell & bits) for bits in findings) if cell else 0
                        for d, findings in counted.items()
                    }
                splits[row_id, column_id] = split
        return counts, splits

    # -- other formats ------------------------------------------------------------------------

    def as_json(self, absolute):
        """The map as plain data; `absolute(path)` makes the listing links absolute."""
        return {
            "rows_are": ROW_TAXONOMY,
            "columns_are": self.column_taxonomy,
            "filters": {
                key: values for key, values in self.filterset.query_state().lists() if key != "sort"
            },
            "total": self.total,
            "listing_url": absolute(self.total_url),
            "columns": [
                {"slug": c.slug, "name": c.name, "total": c.total, "listing_url": absolute(c.url)}
                for c in self.columns
            ],
            "rows": [
                {
                    "slug": row.slug,
                    "name": row.name,
                    "total": row.total,
                    "listing_url": absolute(row.url),
                    "cells": [
                        {
                            "column": column.slug,
                            "count": cell.count,
                            "directions": {d.direction: d.count for d in cell.directions},
                            "listing_url": absolute(cell.url) if cell.url else None,
                        }
                        for column, cell in zip(self.columns, row.cells, strict=True)
                    ],
                }
                for row in self.rows
            ],
        }

    def as_csv(self):
        """One line per cell: the row and column terms, the entries, and the findings by
        direction (a spreadsheet pivots it back into the matrix)."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [self.row_label, self.column_label, "Entries", *(d.label for d in Direction)]
        )
        for row in self.rows:
            for column, cell in zip(self.columns, row.cells, strict=True):
                split = {d.direction: d.count for d in cell.directions}
                writer.writerow(
                    [
                        row.name,
                        column.name,
                        cell.count,
                        *(split.get(d, 0) for d in Direction.values),
                    ]
                )
        return out.getvalue()


def _shader(most):
    """A function from a cell's count to its shade: 0 for a gap, else 1 to SHADES."""

    def shade(count):
        if not count or not most:
            return 0
        return max(1, -(-count * SHADES // most))

    return shade
