"""Text search over the catalogue: one interface, two engines.

`search(entries, q)` filters a queryset to the entries matching `q` and annotates each with a
`rank` (higher is better). On PostgreSQL it uses the stored, weighted `search_vector` column
(migration 0002) with English stemming; on SQLite it falls back to matching every word of the
query, naively stemmed, anywhere in the same fields, with title matches ranked first.

`highlight(text, q)` and `snippet(entry, q)` give escaped HTML in which only `<mark>` is markup,
so text from the database can never inject HTML.
"""

import html
import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connections
from django.db.models import Case, F, FloatField, Q, Value, When
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe

# The longest query we act on; longer input is cut here (a search box, not a document).
MAX_QUERY_LENGTH = 200
# A few function words the SQLite fallback skips (PostgreSQL's English config drops these).
STOP_WORDS = frozenset(
    ("a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it",
     "of", "on", "or", "the", "to", "with", "without")
)  # fmt: skip
MIN_STEM_LENGTH = 3
SNIPPET_WORDS = 30

SEARCHED_FIELDS = ("title", "summary", "finding", "body", "authors", "organisation")
# SQLite ranking: what a match in each group of fields is worth (mirrors weights A, B, C).
FIELD_WEIGHTS = (
    (("title",), 1.0),
    (("summary", "finding"), 0.4),
    (("body", "authors", "organisation"), 0.1),
)

_WORD = re.compile(r"-?\w+")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_query(q):
    """The query as we search for it: no control characters, single spaces, at most 200
    characters. Returns "" for anything that is not a non-blank string."""
    if not isinstance(q, str):
        return ""
    q = _CONTROL_CHARACTERS.sub(" ", q)
    return " ".join(q.split())[:MAX_QUERY_LENGTH].strip()


def word_forms(word):
    """The forms of one query word to look for: the word and a naive stem of it.

    "groups" gives ("groups", "group"), so a substring match on "group" finds both;
    "studies" gives ("studies", "study"). Not a real stemmer: PostgreSQL has one.
    """
    forms = [word]
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("s", ""), ("ing", ""), ("ed", "")):
        if word.endswith(suffix) and not word.endswith("ss"):
            stem = word[: -len(suffix)] + replacement
            if len(stem) >= MIN_STEM_LENGTH:
                forms.append(stem)
            break
    return tuple(dict.fromkeys(forms))


def query_words(q):
    """The words a query asks for, lower-case, as `word_forms` tuples.

    Words written with a leading minus ("-children", websearch syntax for "not") and stop
    words are left out; a query of nothing but stop words keeps them.
    """
    words = [w.lower() for w in _WORD.findall(clean_query(q)) if not w.startswith("-")]
    meaningful = [w for w in words if w not in STOP_WORDS] or words
    return [word_forms(w) for w in dict.fromkeys(meaningful)]


def search(entries, q):
    """`entries` matching the text query `q`, each annotated with `rank`.

    An empty or blank query matches everything (rank 0), so listings can always call this.
    """
    q = clean_query(q)
    if not q:
        return _unranked(entries)
    if connections[entries.db].vendor == "postgresql":
        return _search_postgresql(entries, q)
    return _search_fallback(entries, q)


def _unranked(entries):
    return entries.annotate(rank=Value(0.0, output_field=FloatField()))


def _search_postgresql(entries, q):
    query = SearchQuery(q, search_type="websearch", config="english")
    return entries.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))


def _matches_any_field(forms, fields):
    condition = Q()
    for form in forms:
        for field in fields:
            condition |= Q(**{f"{field}__icontains": form})
    return condition


def _search_fallback(entries, q):
    words = query_words(q)
    if not words:
        # Only punctuation: nothing to look for, as on PostgreSQL.
        return _unranked(entries.none())
    rank = Value(0.0, output_field=FloatField())
    for forms in words:
        entries = entries.filter(_matches_any_field(forms, SEARCHED_FIELDS))
        # A word counts once, in its best field: a title match outweighs any number of others.
        best_field = [
            When(_matches_any_field(forms, fields), then=Value(weight))
            for fields, weight in FIELD_WEIGHTS
        ]
        rank = rank + Case(*best_field, default=Value(0.0), output_field=FloatField())
    return entries.annotate(rank=rank)


def _highlight_pattern(q):
    words = query_words(q)
    if not words:
        return None
    # Longest first, so the regex prefers "groups" over its stem "group".
    alternatives = sorted({form for forms in words for form in forms}, key=len, reverse=True)
    return re.compile(
        r"\b(?:" + "|".join(re.escape(a) for a in alternatives) + r")\w*", re.IGNORECASE
    )


def _mark(text, pattern):
    """Escape `text`, wrapping each match of `pattern` in <mark>."""
    parts = []
    last = 0
    for match in pattern.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    parts.append(escape(text[last:]))
    return "".join(parts)


def highlight(text, q):
    """`text` as escaped HTML with the words matching `q` wrapped in <mark>."""
    text = text or ""
    pattern = _highlight_pattern(q)
    return mark_safe(_mark(text, pattern) if pattern else escape(text))


def _window(text, match_start, words=SNIPPET_WORDS):
    """About `words` words of `text` around the character position `match_start`."""
    before = text[:match_start].split()
    after = text[match_start:].split()
    lead = before[-(words // 3) :] if words // 3 else []
    tail = after[: words - len(lead)]
    snippet = " ".join(lead + tail)
    prefix = "… " if len(lead) < len(before) else ""
    suffix = " …" if len(tail) < len(after) else ""
    return prefix + snippet + suffix


def plain_body(entry):
    """The entry's Markdown body as plain text, for snippets."""
    return html.unescape(strip_tags(entry.body_html))


def snippet(entry, q):
    """A short passage of `entry` showing where it matches `q`, matched words in <mark>.

    Looks in the summary, then the main finding, then the body; falls back to the start of the
    summary when only the title (or a stemmed form we cannot see) matched.
    """
    pattern = _highlight_pattern(q)
    if pattern is None:
        return highlight(_window(entry.summary, 0), "")
    for source in (lambda: entry.summary, lambda: entry.finding, lambda: plain_body(entry)):
        text = " ".join((source() or "").split())
        match = pattern.search(text)
        if match:
            return mark_safe(_mark(_window(text, match.start()), pattern))
    return mark_safe(_mark(_window(" ".join(entry.summary.split()), 0), pattern))
