"""Text search: matching, ranking, stemming and safe highlighting on both databases."""

import pytest
from django.db import connection

from resources.models import Entry
from resources.search import clean_query, highlight, query_words, search, snippet, word_forms
from tests.factories import EntryFactory

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search ranking"
)
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite fallback")


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


@on_postgresql
@pytest.mark.django_db
def test_postgresql_ranks_with_stemming_and_the_stored_vector():
    EntryFactory(title="Volunteering", body="Peer workers volunteered in wards.")
    EntryFactory(title="Peer volunteers in hospital wards", body="")
    assert found("volunteer ward") == ["Peer volunteers in hospital wards", "Volunteering"]


@on_postgresql
@pytest.mark.django_db
def test_postgresql_understands_web_search_syntax():
    EntryFactory(title="Peer support for young carers")
    EntryFactory(title="Peer support for older carers")
    assert found("carers -young") == ["Peer support for older carers"]
    assert found('"young carers"') == ["Peer support for young carers"]


@on_sqlite
@pytest.mark.django_db
def test_the_sqlite_fallback_orders_title_then_summary_then_other_fields():
    EntryFactory(title="Body", summary="x", body="mentoring")
    EntryFactory(title="Mentoring", summary="x")
    EntryFactory(title="Summary", summary="Peer mentoring schemes")
    assert found("mentoring") == ["Mentoring", "Summary", "Body"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "nasty", ["a" * 10_000, "\x00", "peer\x00support", "'; DROP TABLE x; --", "&|!():*<>", "-"]
)
def test_nasty_queries_do_not_raise(nasty):
    EntryFactory(title="Peer support")
    assert isinstance(found(nasty), list)


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


def test_query_words_leave_out_stop_words_and_negated_words():
    assert query_words("support for carers -young") == [("support",), ("carers", "carer")]
    assert query_words("the") == [("the",)]


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
