"""Facet counts in one pass: a bitset per facet value, kept per catalogue version.

Counting each facet with its own query re-runs the listing's filters once per facet, so a page
costs about ten passes over the matching rows, growing with the catalogue. Instead, for every
published entry the index knows its kind, its year, its choice columns (study design, formats…),
its terms and its findings, as *bitsets*: Python integers whose bit N is set when the entry with
id N has that value. Applying a filter is then an OR of the ticked values' bitsets, combining
filters an AND, and an option's count the number of bits set in `base & option` — microseconds
each, so every facet of a page, disjunctive counts included, costs about a millisecond however
large the catalogue. Only the search box (`q`) still asks the database: which entries match
those words, cached per catalogue version for each query text.

The index is built from three queries (entries, term links, findings) on the first request after
any change to the catalogue, kept in the shared cache for the other processes and in each
process's memory, and thrown away with its catalogue version (resources/cache.py). It is read
from the primary database even when the page reads a replica (hub/replica.py).
"""

import functools
import hashlib
from array import array
from dataclasses import dataclass, field

from django.core.cache import cache

from resources.cache import cached, catalogue_version, compute_once
from resources.kinds import KINDS
from resources.models import Entry, EntryTerm, Finding
from resources.search import RELEVANCE_ORDER, search

# Yes-or-no columns that every listing facets on; the index holds their set entries under True.
FLAG_FIELDS = ("co_produced",)
# The choice columns that some listing facets on: kind, each kind's own facets, and the flags.
CHOICE_FIELDS = (
    "kind",
    *dict.fromkeys(name for spec in KINDS for name, _ in spec.facets),
    *FLAG_FIELDS,
)
CACHE_SECONDS = 3600
_current = None  # this process's copy: the index of the latest version it has seen


class Bits:
    """Builds a bitset from many ids at a time (setting bits of an int one by one would copy it
    for every id)."""

    def __init__(self):
        self.buffer = bytearray()

    def add(self, pk):
        byte = pk >> 3
        if byte >= len(self.buffer):
            self.buffer.extend(bytes(byte - len(self.buffer) + 1024))
        self.buffer[byte] |= 1 << (pk & 7)

    def value(self):
        return int.from_bytes(self.buffer, "little")


def union(bitsets):
    """The OR of `bitsets` (0 for none)."""
    result = 0
    for bits in bitsets:
        result |= bits
    return result


def count(bits):
    return bits.bit_count()


def ids_of(bits):
    """The entry ids in a bitset, ascending."""
    digits = bin(bits)[:1:-1]  # lowest bit first
    ids, position = [], digits.find("1")
    while position != -1:
        ids.append(position)
        position = digits.find("1", position + 1)
    return ids


def layers(bitsets):
    """Bit-sliced counts: `result[k]` holds the entries found in more than k of `bitsets`, so
    that the sum over the result of `count(x & layer)` equals the sum over `bitsets` of
    `count(x & bits)`, in as many steps as the most bitsets any one entry is in (a study with
    three findings: three), not one step per bitset."""
    result = []
    for bits in bitsets:
        carry = bits
        for k, layer in enumerate(result):
            result[k], carry = layer | carry, layer & carry
            if not carry:
                break
        if carry:
            result.append(carry)
    return result


@dataclass
class FacetIndex:
    """The published entries as bitsets: all of them, by choice column value, by term id, by
    (outcome id, direction) of their findings, and by year."""

    version: object
    published: int = 0
    choices: dict = field(default_factory=dict)  # {"kind": {"evidence": bits}, …}
    terms: dict = field(default_factory=dict)  # {term id: bits}
    findings: dict = field(default_factory=dict)  # {(outcome id, direction): bits}
    years: dict = field(default_factory=dict)  # {2019: bits}; entries without a year: none
    newest: object = None  # an EntryOrder of the published entries, newest first

    @classmethod
    def build(cls, version):
        """Read the catalogue in three plain scans and make its bitsets. Links and findings
        are read whole (no join to the entries: an index-only scan) and then cut down to
        the published entries with one AND per bitset."""
        everything = Bits()
        choices = {name: {} for name in CHOICE_FIELDS}
        years = {}
        columns = Entry.objects.published().values_list("pk", "year", *CHOICE_FIELDS)
        newest = []
        # Plain iteration, not .iterator(): a server-side cursor outside a transaction is
        # materialised twice by PostgreSQL (WITH HOLD), which doubles the cost here. Newest
        # first, so the same scan gives related entries their tie-break order.
        for pk, year, *values in columns.order_by("-published_at", "-pk"):
            newest.append(pk)
            everything.add(pk)
            if year is not None:
                years.setdefault(year, Bits()).add(pk)
            for name, value in zip(CHOICE_FIELDS, values, strict=True):
                if value:
                    choices[name].setdefault(value, Bits()).add(pk)
        published = everything.value()
        terms = {}
        for term_id, pk in EntryTerm.objects.values_list("term_id", "entry_id").order_by():
            terms.setdefault(term_id, Bits()).add(pk)
        findings = {}
        rows = Finding.objects.values_list("outcome_id", "direction", "entry_id").order_by()
        for outcome_id, direction, pk in rows:
            findings.setdefault((outcome_id, direction), Bits()).add(pk)
        return cls(
            version=version,
            published=published,
            choices={name: _values(by_value) for name, by_value in choices.items()},
            terms=_values(terms, published),
            findings=_values(findings, published),
            years=_values(years),
            newest=EntryOrder(newest),
        )

    def choice(self, name, value):
        return self.choices.get(name, {}).get(value, 0)

    def term(self, term_id):
        return self.terms.get(term_id, 0)

    def related(self, pk, term_ids, limit, order=None):
        """[(id, shared terms)] of up to `limit` entries other than `pk` sharing the most of
        `term_ids`, ties in `order` (an `EntryOrder`, by default newest first): counted with
        bit-sliced sums of the terms' bitsets, so over the whole catalogue in a millisecond."""
        order = order or self.newest
        stacked = layers([self.term(term_id) for term_id in term_ids])
        others, above, chosen = ~(1 << pk), 0, []
        for shared in range(len(stacked), 0, -1):
            exactly = stacked[shared - 1] & ~above & others
            above = stacked[shared - 1]
            wanted = limit - len(chosen)
            chosen += [(i, shared) for i in order.page(exactly, count(exactly), 0, wanted)]
            if len(chosen) >= limit:
                break
        return chosen

    def with_findings(self, outcome_ids=None, directions=None):
        """Entries with a finding for one of `outcome_ids` (any, if None) in one of
        `directions` (any, if None)."""
        return union(
            bits
            for (outcome_id, direction), bits in self.findings.items()
            if (outcome_ids is None or outcome_id in outcome_ids)
            and (directions is None or direction in directions)
        )

    def years_between(self, first=None, last=None):
        """Entries published in a year from `first` to `last` (either open)."""
        return union(
            bits
            for year, bits in self.years.items()
            if (first is None or year >= first) and (last is None or year <= last)
        )


def _values(builders, within=None):
    """{key: bitset}, each cut down to `within` when given."""
    if within is None:
        return {key: bits.value() for key, bits in builders.items()}
    return {key: bits.value() & within for key, bits in builders.items()}


def facet_index():
    """The index of the current catalogue version: this process's copy, the shared cache's, or
    a new one (built once per version)."""
    global _current
    version = catalogue_version()
    if _current is not None and _current.version == version:
        return _current
    key = f"catalogue:{version}:facet-index"
    index = cache.get(key) or compute_once(key, lambda: FacetIndex.build(version), CACHE_SECONDS)
    _current = index
    return index


def bits_of(ids):
    """A bitset of entry ids."""
    bits = Bits()
    for pk in ids:
        bits.add(pk)
    return bits.value()


class EntryOrder:
    """Entry ids in one listing order (a sort of the whole catalogue, or a search's ranking),
    for listing a page under any filters without ordering anything in the database.

    Every order the listings use is total (it ends with the id), so restricted to the entries
    of a bitset it is exactly the order the database would give them: a page is the ids of
    `bits` at those positions of this order, fetched by primary key.
    """

    def __init__(self, ids):
        self.ids = array("I", ids)
        self._positions = None

    def __len__(self):
        return len(self.ids)

    def __eq__(self, other):
        return isinstance(other, EntryOrder) and self.ids == other.ids

    def __getstate__(self):
        return {"ids": self.ids, "_positions": None}  # positions are rebuilt where needed

    def page(self, bits, count, start, stop):
        """The ids from `start` to `stop` of the entries in `bits` (`count` of them), in this
        order. Few entries are sorted by their positions; many are found by walking the order,
        which meets a page's worth of them soon."""
        stop = min(stop, count)
        if start >= stop:
            return []
        if stop * len(self.ids) // max(count, 1) > count:
            positions = self.positions()
            return sorted(ids_of(bits), key=positions.__getitem__)[start:stop]
        return self._walk(bits, start, stop)

    def _walk(self, bits, start, stop):
        flags = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
        size, wanted, seen = len(flags), [], 0
        for pk in self.ids:
            byte = pk >> 3
            if byte < size and flags[byte] >> (pk & 7) & 1:
                if seen >= start:
                    wanted.append(pk)
                    if len(wanted) >= stop - start:
                        break
                seen += 1
        return wanted

    def positions(self):
        """{id: position} as an array indexed by id; ids not in the order come last."""
        if self._positions is None:
            last = len(self.ids)
            positions = array("I", [last]) * ((max(self.ids, default=0)) + 1)
            for position, pk in enumerate(self.ids):
                positions[pk] = position
            self._positions = _PositionLookup(positions, last)
        return self._positions


class _PositionLookup:
    """An id's position in an order; ids past the end of the array come last."""

    def __init__(self, positions, last):
        self.positions, self.last = positions, last

    def __getitem__(self, pk):
        return self.positions[pk] if pk < len(self.positions) else self.last


class SearchMatches:
    """The published entries matching one search: a bitset for counting, and their ranking
    (an `EntryOrder`, best first) for listing a page in order of relevance.

    One query finds and ranks every match, once per query text and catalogue version; no page
    then ranks anything. Relevance is a total order (rank, then year, date and id).
    """

    def __init__(self, ranked_ids):
        self.order = EntryOrder(ranked_ids)
        self.bits = bits_of(self.order.ids)


def entry_order(name, ordering):
    """Every published entry's id in `ordering` (an `order_by()` list, called `name`), kept
    per catalogue version in the shared cache and in this process: one query, about 0.1 s at
    100,000 entries, once per version."""
    return _entry_order(catalogue_version(), name, tuple(ordering))


@functools.lru_cache(maxsize=8)
def _entry_order(version, name, ordering):
    def order_all():
        ordered = Entry.objects.published().order_by(*ordering)
        return EntryOrder(ordered.values_list("pk", flat=True))

    return cached(f"entry-order:{name}", order_all)


def search_matches(q):
    """The `SearchMatches` of the text query `q`, kept per query and catalogue version in the
    shared cache, and the last few in this process too (a ranking of most of the catalogue is
    some 400 kB to fetch and unpickle)."""
    return _search_matches(catalogue_version(), q)


@functools.lru_cache(maxsize=16)
def _search_matches(version, q):
    digest = hashlib.sha256(q.encode()).hexdigest()

    def rank_all():
        ranked = search(Entry.objects.published(), q).order_by(*RELEVANCE_ORDER)
        return SearchMatches(ranked.values_list("pk", flat=True))

    return cached(f"search-matches:{digest}", rank_all)
