"""Hostile input at every public URL, found from the URLconf: Hypothesis throws arbitrary query
strings (any Unicode, control characters, NUL, bytes that are not UTF-8, repeated and huge
parameters, tsquery and FTS5 syntax) and form posts at each, and no answer may be a server
error; HTML answers must be well-formed, with one <h1> on the site's pages and nothing typed
echoed unescaped.

Repeatable and bounded: examples are derandomised (the same ones every run, from each test's
name), the example database is off, and each URL gets a fixed budget of examples.
"""

import re
from html.parser import HTMLParser
from urllib.parse import quote, quote_from_bytes

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsletter.models import Subscriber
from resources.kinds import KINDS
from resources.models.terms import TAXONOMY_MODELS
from resources.taxonomies import PAGED_TAXONOMIES, TAXONOMIES
from tests.factories import EntryFactory, OutcomeFactory

GET_EXAMPLES = 12
POST_EXAMPLES = 4
FUZZ = settings(
    max_examples=GET_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Not public: curators sign in there, and its forms are theirs.
PRIVATE_PREFIXES = ("admin/",)
# Slugs and values that resolve to something real (the `hostile` fixture makes them).
ARGUMENTS = {"section": "entries", "taxonomy": "topic", "token": "not-a-signed-token"}
MARKUP_PROBE = '<script>alert("hub")</script>'

# Text that means something to a search engine, a parser or a browser.
SYNTAX = [
    "a & !b", "a | b", "!", "<->", "a:*", ":*", "'", '"', '"unterminated', '""', "NEAR(",
    "NEAR(a b, 2)", "*", "peer*", "col:x", "title:peer", "{title}: x", "^peer", "(", ")",
    "AND", "OR", "NOT", "- -", "--", "-peer", "\\", "%", "_", "\x00", "\r\n", "\t",
    "\u202e", "\ufeff", "🙂", "é", "İ", "ǅ", MARKUP_PROBE, "../../etc/passwd", "0", "-1",
    "99999999999999999999", "1e309", "NaN", "inf", " ", "", "2020", "1800", "9999",
]  # fmt: skip
PARAMETERS = [
    "q", "sort", "page", "page_size", "cursor", "year_min", "year_max", "kind", "columns",
    "effect", "study_design", "evidence_strength", "tool_format", "resource_format", "format",
    "p", "next", "csrfmiddlewaretoken",
    *(taxonomy.name for taxonomy in TAXONOMIES),
]  # fmt: skip
words = st.lists(st.sampled_from(SYNTAX) | st.text(max_size=12), max_size=6).map(" ".join)
huge = st.builds(
    lambda word, times: word * times, st.sampled_from(["peer ", "a", "é-"]), st.integers(500, 3000)
)
text = st.one_of(st.text(max_size=40), st.sampled_from(SYNTAX), words, huge)
# As a client sends it on the wire: percent-encoded text, or any bytes at all.
encoded = st.one_of(
    text.map(lambda value: quote(value, safe="")),
    st.binary(max_size=24).map(lambda raw: quote_from_bytes(raw, safe="")),
)
names = st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=8).map(quote))
pairs = st.lists(st.tuples(names, encoded), max_size=8)
repeated = st.tuples(names, encoded, st.integers(2, 400)).map(
    lambda repeat: [(repeat[0], repeat[1])] * repeat[2]
)
query_strings = st.one_of(
    pairs, repeated, st.tuples(pairs, repeated).map(lambda both: both[0] + both[1])
).map(lambda items: "&".join(f"{name}={value}" for name, value in items))


def public_paths():
    """A concrete path for every public route of the URLconf, with real slugs filled in."""
    return sorted({fill(route, defaults) for route, defaults in routes(get_resolver())})


def routes(resolver, prefix=""):
    """(route, default arguments) of every path() below `resolver`, the admin aside; regex
    patterns (the API's catch-all 404) have no route to fill in."""
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(PRIVATE_PREFIXES) or str(pattern.pattern).startswith("^"):
            continue
        if isinstance(pattern, URLResolver):
            yield from routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.default_args


def fill(route, defaults):
    """`route` with each <converter:name> replaced by a value the `hostile` fixture makes."""

    def value(match):
        name = match.group("name")
        if name == "slug":
            return f"hostile-{defaults.get('kind') or defaults.get('taxonomy') or 'evidence'}"
        return ARGUMENTS[name]

    return "/" + re.sub(r"<(?:\w+:)?(?P<name>\w+)>", value, route)


PATHS = public_paths()


@pytest.fixture
def hostile(db):
    """An entry of every kind and a term of every paged taxonomy at the slugs `fill` uses,
    with findings so the evidence map has cells."""
    outcome = OutcomeFactory(name="Wellbeing", slug="wellbeing")
    terms = {}
    for taxonomy in PAGED_TAXONOMIES:
        model = TAXONOMY_MODELS[taxonomy.name]
        terms[taxonomy.plural] = [
            model.objects.create(name=f"Hostile {taxonomy.label}", slug=f"hostile-{taxonomy.name}")
        ]
    for spec in KINDS:
        EntryFactory(
            kind=spec.value,
            title=f"Peer support {spec.label} about carers",
            slug=f"hostile-{spec.value}",
            findings=[(outcome, "positive")] if spec.has_findings else None,
            **terms,
        )


class StrictHTMLChecker(HTMLParser):
    """Collects what makes a page malformed: end tags that close nothing open, elements left
    open, and the number of <h1>s."""

    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }
    # Elements whose end tag HTML lets an author leave out.
    OPTIONAL_END = {
        "html",
        "head",
        "body",
        "p",
        "li",
        "dt",
        "dd",
        "option",
        "optgroup",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "colgroup",
        "caption",
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open, self.problems, self.h1s = [], [], 0

    def handle_starttag(self, tag, attrs):
        self.h1s += tag == "h1"
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.h1s += tag == "h1"

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if tag not in self.open:
            self.problems.append(f"</{tag}> closes nothing")
            return
        while (closed := self.open.pop()) != tag:
            if closed not in self.OPTIONAL_END:
                self.problems.append(f"<{closed}> is closed by </{tag}>")

    def unclosed(self):
        return [tag for tag in self.open if tag not in self.OPTIONAL_END]


def assert_sound(response, path):
    """No server error; HTML that parses cleanly, echoes no markup typed, and has one <h1> if it
    is one of the site's pages. Streamed answers (downloads) are read to the end."""
    assert response.status_code < 500, (path, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if not response.get("Content-Type", "").startswith("text/html") or not body:
        return
    html = body.decode()
    assert MARKUP_PROBE not in html, path
    checker = StrictHTMLChecker()
    checker.feed(html)
    checker.close()
    assert not checker.problems and not checker.unclosed(), (path, checker.problems)
    if 'class="skip-link"' in html:  # the site's layout (base.html)
        assert checker.h1s == 1, (path, checker.h1s)


def test_every_public_route_is_fuzzed():
    """The URLconf walk finds every kind of public page (and none of the admin)."""
    expected = {
        "/",
        "/search/",
        "/evidence/map.csv",
        "/evidence/hostile-evidence/cite.bib",
        "/topics/hostile-topic/",
        "/glossary/",
        "/newsletter/",
        "/feed/",
        "/sitemap-entries.xml",
        "/api/v1/entries/hostile-evidence/",
    }
    assert expected <= set(PATHS)
    assert not [path for path in PATHS if path.startswith("/admin/")]


@pytest.mark.parametrize("path", PATHS)
@FUZZ
@given(query=query_strings)
def test_hostile_query_strings_never_cause_a_server_error(client, hostile, path, query):
    cache.clear()  # rate limits would otherwise answer 429 before the view runs
    assert_sound(client.get(f"{path}?{query}"), path)


form_fields = st.dictionaries(names, text, max_size=6)
uploads = st.booleans()


@pytest.mark.parametrize("path", PATHS)
@settings(FUZZ, max_examples=POST_EXAMPLES)
@given(fields=form_fields, with_file=uploads, urlencoded=st.booleans())
def test_hostile_form_posts_never_cause_a_server_error(
    client, hostile, path, fields, with_file, urlencoded
):
    cache.clear()
    if urlencoded:
        body = "&".join(f"{quote(name)}={quote(value)}" for name, value in fields.items())
        response = client.post(path, body, content_type="application/x-www-form-urlencoded")
    else:
        data = dict(fields)
        if with_file:
            data["upload"] = SimpleUploadedFile("a.txt", b"hello")
        response = client.post(path, data)
    assert_sound(response, path)


signups = st.fixed_dictionaries(
    {
        "email": st.one_of(st.emails(), text),
        "name": text,
        "consent": st.sampled_from(["on", "", "off", "\x00", "1" * 5000]),
        "topics": st.lists(
            st.sampled_from(["hostile-topic", "nope", "", "\x00"]) | text, max_size=4
        ),
        "website": st.sampled_from(["", "", "http://spam.example"]),
    }
)


@settings(FUZZ, max_examples=40)
@given(signup=signups)
def test_hostile_newsletter_signups_get_a_page_or_a_redirect(client, hostile, signup):
    cache.clear()
    body = "&".join(
        f"{quote(name)}={quote(value)}"
        for name, values in signup.items()
        for value in (values if isinstance(values, list) else [values])
    )
    response = client.post("/newsletter/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 302, 400), response.status_code
    assert_sound(response, "/newsletter/")


@pytest.mark.django_db
def test_a_post_carrying_a_file_is_refused_before_anything_is_stored(client):
    upload = SimpleUploadedFile("evil.html", b"<script>alert(1)</script>")
    response = client.post(
        "/newsletter/", {"email": "ann@example.org", "consent": "on", "attachment": upload}
    )
    assert response.status_code == 400
    assert not Subscriber.objects.exists()


@pytest.mark.django_db
def test_a_query_string_of_more_than_a_thousand_fields_is_refused(client):
    assert client.get("/search/?" + "&".join(["topic=carers"] * 1001)).status_code == 400
    assert client.get("/search/?" + "&".join(["topic=carers"] * 999)).status_code == 200
