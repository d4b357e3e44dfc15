"""Cursor pagination in a listing's own order, stable while the catalogue changes.

A page number names a position counted from the start, so an entry published meanwhile
shifts every later page by one: one entry is shown twice, or never. A cursor instead names
the last entry a page showed by its place in the sort order, the values of every ordering
key of the listing (resources/filters.py SORT_ORDERINGS, which all end with the id, so no two
entries share a place): the next page is the entries after that place (`WHERE (year, …, id)
< (…)`, spelt out so that it also holds for entries without a year, wherever the database
sorts NULLs). Entries added or removed before or after it never move it, so walking the
pages shows every entry that stays listed exactly once.

Relevance is the one key that is not the entry's own: SQLite's bm25 ranks depend on the whole
index (how many entries hold each word, how long entries are), so they all shift a little
when any entry is added. The cursor therefore re-reads the boundary entry's rank for the
same search at the time of the next request and continues after the entry where it now ranks.
PostgreSQL's ts_rank depends only on the entry and the query, so there the re-read rank is
the same. Only entries whose order relative to each other changes (one edited to match the
words better) can then show twice or not at all, as in any listing that is re-sorted.

Cursors are signed (SECRET_KEY), so a made-up one is refused with a 400 rather than read.
"""

import functools
import operator
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import F, FloatField, OrderBy, Q
from django.db.models.fields import DateTimeField
from django.db.models.functions import Cast
from django.utils.dateparse import parse_datetime
from rest_framework.utils.urls import remove_query_param, replace_query_param

from resources.filters import SORT_ORDERINGS
from resources.models import Entry
from resources.search import search

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
CURSOR_SALT = "api.entries.cursor"
# The ordering key computed by the search engine rather than read from the entry.
RANK = "rank"
# Every sort order ends with the id, the key that makes each entry's place its own.
UNIQUE_KEYS = ("pk", "id")


@dataclass(frozen=True)
class SortKey:
    """One ordering key of a listing: its annotation, direction and where NULLs sort."""

    alias: str
    source: str  # the column or annotation it reads ("year", "rank"), or "" for expressions
    expression: object
    descending: bool
    nulls_last: bool  # whether NULLs come after every value in this direction
    nullable: bool

    def reversed(self):
        return SortKey(
            self.alias,
            self.source,
            self.expression,
            not self.descending,
            not self.nulls_last,
            self.nullable,
        )

    def beyond(self, value):
        """Entries strictly after `value` on this key (None: no condition can hold)."""
        if value is None:
            return None if self.nulls_last else Q(**{f"{self.alias}__isnull": False})
        lookup = "lt" if self.descending else "gt"
        condition = Q(**{f"{self.alias}__{lookup}": value})
        if self.nullable and self.nulls_last:
            condition |= Q(**{f"{self.alias}__isnull": True})
        return condition

    def same(self, value):
        if value is None:
            return Q(**{f"{self.alias}__isnull": True})
        return Q(**{self.alias: value})


def sort_keys(sort, using):
    """The keys of a listing sort order, from SORT_ORDERINGS, as the database applies them."""
    nulls_largest = connections[using].features.nulls_order_largest
    keys = []
    for position, item in enumerate(SORT_ORDERINGS[sort]):
        if isinstance(item, str):
            item = F(item.removeprefix("-")).desc() if item.startswith("-") else F(item).asc()
        elif not isinstance(item, OrderBy):
            item = item.asc()
        expression, descending = item.expression, item.descending
        source = expression.name if isinstance(expression, F) else ""
        if item.nulls_first or item.nulls_last:
            nulls_last = bool(item.nulls_last)
        else:
            nulls_last = nulls_largest != descending
        keys.append(
            SortKey(
                alias=f"cursor_key_{position}",
                source=source,
                expression=expression,
                descending=descending,
                nulls_last=nulls_last,
                nullable=_is_nullable(expression),
            )
        )
    return keys


def _is_nullable(expression):
    """Whether an ordering expression can be NULL: a nullable column of Entry, or built on one."""
    if isinstance(expression, F):
        try:
            return Entry._meta.get_field(expression.name).null
        except FieldDoesNotExist:  # an annotation, such as the search rank: never NULL
            return False
    return any(_is_nullable(part) for part in expression.get_source_expressions())


def after(keys, values):
    """The filter for entries after the place `values` in the order of `keys`."""
    alternatives = []
    ties = Q()
    for key, value in zip(keys, values, strict=True):
        beyond = key.beyond(value)
        if beyond is not None:
            alternatives.append(ties & beyond)
        ties &= key.same(value)
    if not alternatives:
        return Q(pk__in=[])
    return functools.reduce(operator.or_, alternatives)


@dataclass(frozen=True)
class Cursor:
    """A place in a sort order, and which way from it a page goes."""

    sort: str
    values: list
    backwards: bool = False

    def encode(self):
        values = [
            value.isoformat() if hasattr(value, "isoformat") else value for value in self.values
        ]
        payload = {"s": self.sort, "v": values, "b": self.backwards}
        return signing.dumps(payload, salt=CURSOR_SALT, compress=True)

    @classmethod
    def decode(cls, text):
        """The cursor `text` names, or None when it is not one this API gave out."""
        try:
            payload = signing.loads(text, salt=CURSOR_SALT)
            return cls(str(payload["s"]), list(payload["v"]), bool(payload["b"]))
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return None


@dataclass
class CursorPage:
    entries: list
    next_url: str | None
    previous_url: str | None


class CursorPaginator:
    """Pages of a listing FilterSet's results, `page_size` at a time, from `cursor`."""

    def __init__(self, params, errors):
        self.page_size = self._read_page_size(params.getlist("page_size"), errors)
        self.cursor = self._read_cursor(params.getlist("cursor"), errors)

    @staticmethod
    def _read_page_size(values, errors):
        if not values:
            return DEFAULT_PAGE_SIZE
        allowed = f"Give a whole number from 1 to {MAX_PAGE_SIZE}."
        if len(values) > 1:
            errors.add("page_size", f"Give page_size once. {allowed}", values[-1])
            return DEFAULT_PAGE_SIZE
        try:
            size = int(values[0])
        except ValueError:
            size = 0
        if not 1 <= size <= MAX_PAGE_SIZE:
            errors.add("page_size", f"{values[0]!r} is not a page size. {allowed}", values[0])
            return DEFAULT_PAGE_SIZE
        return size

    @staticmethod
    def _read_cursor(values, errors):
        if not values:
            return None
        cursor = Cursor.decode(values[-1]) if len(values) == 1 else None
        if cursor is None:
            message = "This is not a cursor the API gave out: follow the next or previous link."
            errors.add("cursor", message, values[-1])
        return cursor

    def check_sort(self, sort, errors):
        """A cursor belongs to one sort order: report it used with another (or with this
        one after a release changed its keys)."""
        if self.cursor is None:
            return
        if self.cursor.sort != sort:
            message = f"This cursor pages the {self.cursor.sort} order, not {sort}: start again."
            errors.add("cursor", message, None)
        elif len(self.cursor.values) != len(SORT_ORDERINGS[sort]):
            errors.add("cursor", "This cursor has expired: start again from the first page.", None)

    def page(self, filterset, request):
        """The entries of this page, in the listing's order, with links to the next and previous."""
        queryset = filterset.qs.for_records()
        keys = sort_keys(filterset.sort, queryset.db)
        queryset = queryset.annotate(**{key.alias: _key_value(key) for key in keys})
        cursor = self.cursor
        if cursor is None:
            rows = list(queryset[: self.page_size + 1])
            backwards = False
        else:
            backwards = cursor.backwards
            if backwards:
                keys = [key.reversed() for key in keys]
                queryset = queryset.reverse()
            values = self._current_values(cursor, keys, queryset, filterset.query)
            rows = list(queryset.filter(after(keys, values))[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if backwards:
            rows.reverse()
        # Going forwards there is a page before unless this is the first; going back, the
        # page it came from is after it.
        has_next = more if not backwards else True
        has_previous = cursor is not None if not backwards else more
        url = request.build_absolute_uri()
        sort = filterset.sort
        return CursorPage(
            entries=rows,
            next_url=self._link(url, sort, keys, rows[-1], False) if has_next and rows else None,
            previous_url=self._link(url, sort, keys, rows[0], True)
            if has_previous and rows
            else None,
        )

    def _current_values(self, cursor, keys, queryset, q):
        """The cursor's values as the database compares them: timestamps as datetimes, and
        the search rank re-read for the boundary entry (see the module's docstring)."""
        fields = {key.alias: queryset.query.annotations[key.alias].output_field for key in keys}
        values = [
            parse_datetime(value)
            if isinstance(fields[key.alias], DateTimeField) and isinstance(value, str)
            else value
            for key, value in zip(keys, cursor.values, strict=True)
        ]
        rank_positions = [i for i, key in enumerate(keys) if key.source == RANK]
        ids = [value for key, value in zip(keys, values, strict=True) if key.source in UNIQUE_KEYS]
        if rank_positions and ids and q:
            boundary = Entry.objects.filter(pk=ids[0])
            rank = (
                search(boundary, q)
                .annotate(current_rank=Cast(RANK, FloatField()))
                .values_list("current_rank", flat=True)
                .first()
            )
            if rank is not None:
                for i in rank_positions:
                    values[i] = rank
        return values

    @staticmethod
    def _link(url, sort, keys, entry, backwards):
        values = [getattr(entry, key.alias) for key in keys]
        cursor = Cursor(sort, values, backwards).encode()
        return replace_query_param(url, "cursor", cursor)

    @staticmethod
    def first_page_url(url):
        return remove_query_param(url, "cursor")


def _key_value(key):
    """The key as selected and compared: floats (the rank, a `real` on PostgreSQL) widened to
    double precision, so the value a cursor keeps compares equal to the row's."""
    if isinstance(key.expression, F) and key.source == RANK:
        return Cast(key.expression, FloatField())
    return key.expression
