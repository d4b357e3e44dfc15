"""Text search: matching, ranking, stemming, web search syntax and safe highlighting, on both
databases (PostgreSQL's search vector, SQLite's FTS5 index)."""

import pytest

from resources.models import Entry
from resources.search import (
    QueryTerm,
    clean_query,
    highlight,
    parse_query,
    query_words,
    search,
    snippet,
    word_forms,
)
from tests.factories import EntryFactory


def found(q):
    return list(
        search(Entry.objects.all(), q).order_by("-rank", "pk").values_list("title", flat=True)
    )


@pytest.mark.django_db
def test_support_groups_finds_support_group():
    EntryFactory(title="Running a peer support group", summary="How to start one.")
    EntryFactory(title="Befriending", summary="One-to-one visits.")
    assert found("support groups") == ["Running a peer support group"]


@pytest.mark.django_db
def test_every_word_of_the_query_must_match():
    EntryFactory(title="Peer support for carers")
    EntryFactory(title="Peer support for diabetes")
    assert found("carers peer") == ["Peer support for carers"]


@pytest.mark.django_db
def test_search_covers_summary_finding_body_authors_and_organisation():
    EntryFactory(title="A", summary="About befriending schemes.")
    EntryFactory(title="B", kind="evidence", finding="Befriending reduced loneliness.")
    EntryFactory(title="C", body="We describe **befriending** in detail.")
    EntryFactory(title="D", authors="Smith, Befriending")
    EntryFactory(title="E", organisation="Befriending Networks")
    EntryFactory(title="F", summary="Nothing relevant.")
    assert sorted(found("befriending")) == ["A", "B", "C", "D", "E"]


@pytest.mark.django_db
@pytest.mark.parametrize("blank", ["", "   ", "\t\n", None])
def test_an_empty_or_blank_query_lists_everything(blank):
    EntryFactory(title="One")
    EntryFactory(title="Two")
    assert sorted(found(blank)) == ["One", "Two"]


@pytest.mark.django_db
def test_a_title_match_ranks_above_a_body_only_match():
    EntryFactory(title="Loneliness in later life", summary="Older people.", body="")
    EntryFactory(title="Home visits", summary="Visits at home.", body="These ease loneliness.")
    EntryFactory(title="Ageing well", summary="Loneliness is common.", body="")
    assert found("loneliness") == [
        "Loneliness in later life",
        "Ageing well",
        "Home visits",
    ]


@pytest.mark.django_db
def test_ranking_uses_stemming_and_prefers_the_title():
    EntryFactory(title="Volunteering", body="Peer workers volunteered in wards.")
    EntryFactory(title="Peer volunteers in hospital wards", body="")
    assert found("volunteer ward") == ["Peer volunteers in hospital wards", "Volunteering"]


@pytest.mark.django_db
def test_title_then_summary_then_other_fields():
    EntryFactory(title="Body", summary="x", body="mentoring")
    EntryFactory(title="Mentoring", summary="x")
    EntryFactory(title="Summary", summary="Peer mentoring schemes")
    EntryFactory(title="Organisation", summary="x", organisation="Mentoring Trust")
    assert found("mentoring")[:2] == ["Mentoring", "Summary"]
    assert sorted(found("mentoring")[2:]) == ["Body", "Organisation"]


@pytest.fixture
def carers():
    EntryFactory(title="Peer support for young carers", summary="Groups at school.")
    EntryFactory(title="Peer support for older carers", summary="Groups for carers of partners.")
    EntryFactory(title="Young people's peer mentoring", summary="Mentors who are carers, young.")
    EntryFactory(title="Befriending", summary="Visits at home.")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "q, titles",
    [
        ('"young carers"', ["Peer support for young carers"]),
        ('"carers young"', ["Young people's peer mentoring"]),
        ("carers -young", ["Peer support for older carers"]),
        (
            'carers -"young carers"',
            ["Peer support for older carers", "Young people's peer mentoring"],
        ),
        ("befriending or mentoring", ["Befriending", "Young people's peer mentoring"]),
        ("befriending OR mentoring", ["Befriending", "Young people's peer mentoring"]),
        ("mentoring or older -partners", ["Young people's peer mentoring"]),
        ("befriending or", ["Befriending"]),
        ('"young carers', ["Peer support for young carers"]),
    ],
)
def test_web_search_syntax_phrases_or_and_minus(carers, q, titles):
    assert sorted(found(q)) == sorted(titles)


@pytest.mark.django_db
def test_a_query_of_only_exclusions_lists_everything_without_them(carers):
    # As PostgreSQL reads "-young": every entry without the word, none ranked above another.
    assert sorted(found("-young")) == ["Befriending", "Peer support for older carers"]
    assert set(search(Entry.objects.all(), "-young").values_list("rank", flat=True)) == {0.0}


@pytest.mark.django_db
def test_stop_words_are_not_needed_and_alone_match_nothing():
    EntryFactory(title="Peer support to carers", summary="x")
    assert found("peer support for carers") == ["Peer support to carers"]
    assert found("the") == found("for or to") == []


HOSTILE_QUERIES = [
    "a" * 10_000,
    "\x00",
    "peer\x00support",
    "'; DROP TABLE x; --",
    "&|!():*<>",
    "-",
    '"',
    '""',
    '"""',
    'peer "support',
    'peer" support"',
    "AND OR NOT",
    "peer AND",
    "NOT peer",
    "peer NOT",
    "OR",
    "*",
    "peer*",
    "^peer",
    "col:word",
    "title:peer",
    "{title summary}:peer",
    "NEAR(a b)",
    "NEAR(peer support, 2)",
    "peer + support",
    "(peer",
    "peer)",
    "🙂",
    "peer 🙂 support",
    "-peer -support",
    "- -- ---",
    "\u200b",
    "%s %(x)s ?",
]


@pytest.mark.django_db
@pytest.mark.parametrize("nasty", HOSTILE_QUERIES)
def test_nasty_queries_do_not_raise(nasty):
    EntryFactory(title="Peer support")
    assert isinstance(found(nasty), list)


@pytest.mark.django_db
@pytest.mark.parametrize("nasty", HOSTILE_QUERIES)
def test_nasty_queries_give_a_page(client, nasty):
    EntryFactory(title="Peer support")
    assert client.get("/search/", {"q": nasty}).status_code == 200


@pytest.mark.django_db
def test_search_syntax_typed_by_the_user_is_searched_as_words():
    EntryFactory(title="Peer support", summary="x")
    assert found("peer") == found("peer*") == found("support AND peer") == ["Peer support"]
    assert found("title:peer") == []  # not FTS5's "peer in the title"
    assert found("NEAR(peer support)") == []  # needs the word "near"


def test_queries_are_cleaned_of_control_characters_and_cut_to_200_characters():
    assert clean_query("  peer\x00 \n support ") == "peer support"
    assert len(clean_query("x" * 10_000)) == 200
    assert clean_query(["not", "a", "string"]) == ""


def test_naive_stemming_gives_the_word_and_its_stem():
    assert word_forms("groups") == ("groups", "group")
    assert word_forms("studies") == ("studies", "study")
    assert word_forms("supporting") == ("supporting", "support")
    assert word_forms("class") == ("class",)
    assert word_forms("is") == ("is",)


def test_parse_query_reads_web_search_syntax_into_safe_terms():
    assert parse_query('support for "young carers" -NEAR(x) or col:word*') == [
        [QueryTerm(("support",)), QueryTerm(("young", "carers")), QueryTerm(("near", "x"), True)],
        [QueryTerm(("col", "word"))],
    ]
    assert [t.fts for t in parse_query('"a" AND "b')[0]] == ['"b"']
    assert parse_query('say "hello"" NOT') == [[QueryTerm(("say",)), QueryTerm(("hello",))]]


@pytest.mark.parametrize("junk", ["", "*", '"', "🙂", "the", "or", "- -", "AND OR NOT", "(:)"])
def test_parse_query_gives_nothing_for_junk(junk):
    assert parse_query(junk) == []


def test_query_words_leave_out_stop_words_and_negated_words():
    assert query_words("support for carers -young") == [("support",), ("carers", "carer")]
    assert query_words('"peer groups" -"young carers" or befriending') == [
        ("peer",),
        ("groups", "group"),
        ("befriending", "befriend"),
    ]
    assert query_words("the") == []


def test_highlight_marks_matched_words_including_stemmed_forms():
    html = highlight("Peer support groups help", "support group")
    assert html == "Peer <mark>support</mark> <mark>groups</mark> help"


def test_highlight_escapes_html_from_the_data():
    html = highlight('<script>alert("x")</script> support', "support")
    assert "<script>" not in html
    assert html == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>support</mark>"


def test_highlight_escapes_html_inside_a_match():
    assert highlight("support<img src=x>", "support") == "<mark>support</mark>&lt;img src=x&gt;"


def test_a_query_cannot_inject_markup_into_the_highlight():
    html = highlight("a <b> tag", "<b>")
    assert "<b>" not in html


@pytest.mark.django_db
def test_snippet_shows_the_passage_of_the_body_that_matches():
    filler = " ".join(f"word{i}" for i in range(80))
    entry = EntryFactory(
        summary="An overview.", body=f"{filler} the **mentoring** scheme <script>x</script>"
    )
    html = snippet(entry, "mentoring")
    assert "<mark>mentoring</mark>" in html
    assert html.startswith("… ")
    assert "<script>" not in html
    assert "word0 " not in html


@pytest.mark.django_db
def test_snippet_falls_back_to_the_summary_when_only_the_title_matches():
    entry = EntryFactory(title="Mentoring", summary="<i>An overview</i> of schemes.")
    assert snippet(entry, "mentoring") == "&lt;i&gt;An overview&lt;/i&gt; of schemes."
