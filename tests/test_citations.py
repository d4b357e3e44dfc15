""" "Cite this": the formatted reference and the RIS and BibTeX files reference managers import."""

import re

import bibtexparser
import pytest
import rispy
from bibtexparser.bparser import BibTexParser
from bibtexparser.customization import splitname
from bibtexparser.latexenc import latex_to_unicode

from resources import demo
from resources.authors import people_of
from resources.citations import Citation, escape_bibtex
from resources.models import Entry, Status
from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db

RIS_LINE = re.compile(r"^([A-Z][A-Z0-9])  - (.*)$")


def parse_ris(text):
    """A tiny RIS reader: one record as a list of (tag, value); insists on TY first, ER last."""
    lines = text.split("\r\n")
    assert lines[-1] == "", "the file ends with a line break"
    tags = []
    for line in lines[:-1]:
        match = RIS_LINE.match(line)
        assert match, f"not an RIS line: {line!r}"
        tags.append((match[1], match[2]))
    assert tags[0][0] == "TY"
    assert tags[-1] == ("ER", "")
    return tags


def ris_values(tags, tag):
    return [value for name, value in tags if name == tag]


def parse_bibtex(text):
    """A tiny BibTeX reader for one record: (type, key, {field: value}); braces must balance."""
    match = re.match(r"@(\w+)\{([^,\s]+),\n", text)
    assert match, text
    fields, position = {}, match.end()
    field_start = re.compile(r"\s*(\w+) = \{")
    while True:
        start = field_start.match(text, position)
        if not start:
            break
        depth, index = 1, start.end()
        while depth:
            char = text[index]
            if char == "\\":
                index += 2
                continue
            depth += {"{": 1, "}": -1}.get(char, 0)
            index += 1
        fields[start[1]] = text[start.end() : index - 1]
        position = index + 1 if text[index : index + 1] == "," else index
    assert text[position:].strip() == "}", f"unparsed rest: {text[position:]!r}"
    return match[1], match[2], fields


def journal_article(**kwargs):
    fields = {
        "kind": "evidence",
        "title": "Peer support for people with severe mental illness",
        "slug": "peer-support-smi-review",
        "summary": "A systematic review\nof peer support trials.",
        "authors": "Lloyd-Evans B, Mayo-Wilson E; Harrison B",
        "publisher": "BMC Psychiatry",
        "year": 2014,
        "study_design": "systematic_review",
        "doi": "https://doi.org/10.1186/1471-244X-14-39",
        "url": "",
    }
    fields.update(kwargs)
    return EntryFactory(**fields)


# Downloads -----------------------------------------------------------------------------------


def test_ris_download_is_an_attachment_named_after_the_slug(client):
    response = client.get("/evidence/peer-support-smi-review/cite.ris", follow=False)
    assert response.status_code == 404
    journal_article()
    response = client.get("/evidence/peer-support-smi-review/cite.ris")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="peer-support-smi-review.ris"'


def test_bibtex_download_is_an_attachment_named_after_the_slug(client):
    journal_article()
    response = client.get("/evidence/peer-support-smi-review/cite.bib")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="peer-support-smi-review.bib"'


def test_journal_article_ris_parses_back_with_every_field(client):
    journal_article()
    tags = parse_ris(client.get("/evidence/peer-support-smi-review/cite.ris").content.decode())
    assert ris_values(tags, "TY") == ["JOUR"]
    assert ris_values(tags, "AU") == ["Lloyd-Evans, B", "Mayo-Wilson, E", "Harrison, B"]
    assert ris_values(tags, "TI") == ["Peer support for people with severe mental illness"]
    assert ris_values(tags, "PY") == ["2014"]
    assert ris_values(tags, "T2") == ["BMC Psychiatry"]
    assert ris_values(tags, "JO") == ["BMC Psychiatry"]
    assert ris_values(tags, "DO") == ["10.1186/1471-244x-14-39"]
    assert ris_values(tags, "UR") == ["https://doi.org/10.1186/1471-244x-14-39"]
    assert ris_values(tags, "AB") == ["A systematic review of peer support trials."]


def test_evidence_from_an_organisation_without_a_doi_is_cited_as_its_report():
    entry = journal_article(
        study_design="evaluation", organisation="Mind", publisher="Mind", doi="", url=""
    )
    tags = parse_ris(Citation(entry).ris())
    assert ris_values(tags, "TY") == ["RPRT"]
    assert ris_values(tags, "PB") == ["Mind"]
    assert ris_values(tags, "JO") == []
    assert ris_values(tags, "DO") == []


def test_evidence_naming_a_journal_without_a_doi_or_organisation_is_an_article():
    entry = journal_article(publisher="Journal of Mental Health", doi="", url="")
    assert ris_values(parse_ris(Citation(entry).ris()), "TY") == ["JOUR"]


def test_a_tool_published_in_a_journal_with_a_doi_is_an_article():
    tool = EntryFactory(
        kind="tool", organisation="UPSIDES consortium", publisher="BMC Psychiatry",
        doi="10.1186/s12888-024-06081-8",
    )  # fmt: skip
    entry_type, _, fields = parse_bibtex(Citation(tool).bibtex())
    assert entry_type == "article"
    assert fields["journal"] == "BMC Psychiatry"


def test_several_organisations_as_authors_are_separate_names():
    entry = EntryFactory(
        authors="", organisation="National Voices; Nesta", publisher="", year=None,
        url="https://example.org/report",
    )  # fmt: skip
    citation = Citation(entry)
    assert ris_values(parse_ris(citation.ris()), "AU") == ["National Voices,", "Nesta,"]
    assert parse_bibtex(citation.bibtex())[2]["author"] == "{National Voices} and {Nesta}"
    assert citation.reference.startswith("National Voices & Nesta (n.d.). ")


def test_an_organisation_is_one_ris_author_that_zotero_cannot_split():
    entry = EntryFactory(
        kind="tool", authors="", organisation="St George's, University of London", year=None
    )
    # Zotero's importer splits an AU line at its first comma and files a name with nothing
    # after the comma as one organisation.
    assert ris_values(parse_ris(Citation(entry).ris()), "AU") == [
        "St George's University of London,"
    ]


def test_et_al_is_kept_in_the_reference_and_becomes_others_in_bibtex():
    entry = journal_article(authors="Julie Billsborough et al.")
    citation = Citation(entry)
    assert citation.reference.startswith("Billsborough, J., et al. (2014). ")
    assert ris_values(parse_ris(citation.ris()), "AU") == ["Billsborough, Julie"]
    assert parse_bibtex(citation.bibtex())[2]["author"] == "Billsborough, Julie and others"


def test_people_and_organisations_mix_in_one_bibtex_author_list():
    entry = journal_article(authors="Jane Smith, Mental Health Foundation, Ali Khan")
    assert parse_bibtex(Citation(entry).bibtex())[2]["author"] == (
        "Smith, Jane and {Mental Health Foundation} and Khan, Ali"
    )


def test_notes_in_the_authors_field_are_no_author_in_any_format():
    entry = journal_article(authors="Amy Semple (project manager)")
    citation = Citation(entry)
    assert ris_values(parse_ris(citation.ris()), "AU") == ["Semple, Amy"]
    assert parse_bibtex(citation.bibtex())[2]["author"] == "Semple, Amy"
    assert citation.reference.startswith("Semple, A. (2014). ")


def test_resource_in_report_format_is_cited_as_a_report():
    entry = EntryFactory(resource_format="report", organisation="Nesta", authors="")
    tags = parse_ris(Citation(entry).ris())
    assert ris_values(tags, "TY") == ["RPRT"]
    assert ris_values(tags, "AU") == ["Nesta,"]
    assert ris_values(tags, "PB") == ["Nesta"]


def test_tool_is_a_generic_work_with_its_page_as_link_when_it_has_no_url():
    tool = EntryFactory(kind="tool", slug="outcome-star", url="", authors="")
    tags = parse_ris(Citation(tool).ris())
    assert ris_values(tags, "TY") == ["GEN"]
    assert ris_values(tags, "AU") == []
    assert ris_values(tags, "UR")[0].endswith("/tools/outcome-star/")


def test_ris_values_never_span_lines():
    entry = journal_article(title="Two\nlines", summary="One\r\n\r\nTwo")
    tags = parse_ris(Citation(entry).ris())
    assert ris_values(tags, "TI") == ["Two lines"]
    assert ris_values(tags, "AB") == ["One Two"]


def test_journal_article_bibtex_has_every_field(client):
    journal_article()
    text = client.get("/evidence/peer-support-smi-review/cite.bib").content.decode()
    entry_type, key, fields = parse_bibtex(text)
    assert entry_type == "article"
    assert key == "peer-support-smi-review"
    assert fields == {
        "author": "Lloyd-Evans, B and Mayo-Wilson, E and Harrison, B",
        "title": "{Peer support for people with severe mental illness}",
        "journal": "BMC Psychiatry",
        "year": "2014",
        "doi": "10.1186/1471-244x-14-39",
        "url": "https://doi.org/10.1186/1471-244x-14-39",
        "abstract": "A systematic review of peer support trials.",
    }


def test_bibtex_escapes_latex_special_characters():
    entry = journal_article(title="Costs: 50% & $5 for #1 in_group {peer} ~ ^ \\ work")
    _, _, fields = parse_bibtex(Citation(entry).bibtex())
    assert fields["title"] == (
        r"{Costs: 50\% \& \$5 for \#1 in\_group \{peer\} \~{} \^{} \textbackslash{} work}"
    )


def test_bibtex_keeps_unbalanced_braces_from_breaking_the_record():
    entry = journal_article(summary="An unmatched { brace", url="https://example.org/a{b")
    _, _, fields = parse_bibtex(Citation(entry).bibtex())
    assert fields["abstract"] == r"An unmatched \{ brace"
    assert fields["url"] == "https://example.org/a%7Bb"


def test_report_bibtex_is_a_techreport_with_an_institution():
    entry = journal_article(organisation="Mind", publisher="Mind", doi="")
    entry_type, _, fields = parse_bibtex(Citation(entry).bibtex())
    assert entry_type == "techreport"
    assert fields["institution"] == "Mind"


def test_organisation_as_author_is_braced_as_one_name():
    entry = EntryFactory(kind="tool", authors="", organisation="Mental Health Foundation")
    entry_type, _, fields = parse_bibtex(Citation(entry).bibtex())
    assert entry_type == "misc"
    assert fields["author"] == "{Mental Health Foundation}"


def test_citations_of_unpublished_entries_are_not_found_for_the_public(client):
    journal_article(status=Status.DRAFT)
    assert client.get("/evidence/peer-support-smi-review/cite.ris").status_code == 404
    assert client.get("/evidence/peer-support-smi-review/cite.bib").status_code == 404


def test_staff_may_download_citations_of_drafts(admin_client):
    journal_article(status=Status.DRAFT)
    assert admin_client.get("/evidence/peer-support-smi-review/cite.ris").status_code == 200


def test_citation_under_the_wrong_kind_or_format_is_not_found(client):
    journal_article()
    assert client.get("/tools/peer-support-smi-review/cite.ris").status_code == 404
    assert client.get("/evidence/peer-support-smi-review/cite.txt").status_code == 404


def test_every_kind_offers_both_downloads(client):
    for kind, prefix in [("resource", "resources"), ("tool", "tools"), ("evidence", "evidence")]:
        entry = EntryFactory(kind=kind, slug=f"a-{kind}")
        for extension in ("ris", "bib"):
            response = client.get(f"/{prefix}/a-{kind}/cite.{extension}")
            assert response.status_code == 200, (entry, extension)


# The formatted reference ---------------------------------------------------------------------


def test_reference_reads_authors_year_title_journal_and_doi():
    assert Citation(journal_article()).reference == (
        "Lloyd-Evans, B., Mayo-Wilson, E., & Harrison, B. (2014). "
        "Peer support for people with severe mental illness. BMC Psychiatry. "
        "https://doi.org/10.1186/1471-244x-14-39"
    )


def test_reference_without_year_or_authors_uses_the_organisation_and_nd():
    entry = EntryFactory(
        title="Befriending guide?", authors="", organisation="Mind", year=None,
        url="https://mind.example/guide",
    )  # fmt: skip
    assert Citation(entry).reference == "Mind (n.d.). Befriending guide? https://mind.example/guide"


def test_reference_leaves_out_a_publisher_that_is_also_the_author():
    entry = EntryFactory(
        title="An evaluation", authors="", organisation="Mental Health Foundation",
        publisher="Mental Health Foundation", year=2018, url="https://mhf.example/evaluation",
    )  # fmt: skip
    assert Citation(entry).reference == (
        "Mental Health Foundation (2018). An evaluation. https://mhf.example/evaluation"
    )


def test_reference_with_two_authors_joins_them_with_an_ampersand():
    entry = EntryFactory(authors="Jane Smith; Ali Khan", url="https://example.org")
    assert Citation(entry).reference.startswith("Smith, J., & Khan, A. (2020). ")


def test_reference_without_any_author_starts_with_the_title():
    entry = EntryFactory(
        title="Peer Outcomes Protocol", authors="", organisation="", publisher="",
        year=2010, url="https://example.org/pop",
    )  # fmt: skip
    assert Citation(entry).reference == "Peer Outcomes Protocol. (2010). https://example.org/pop"


def test_reference_lists_twenty_authors_then_the_first_nineteen_and_the_last():
    authors = ", ".join(f"Author{number} A" for number in range(1, 23))
    reference = Citation(journal_article(authors=authors)).reference
    assert reference.startswith("Author1, A., Author2, A.,")
    assert "Author19, A., … Author22, A. (2014)." in reference
    assert "Author20" not in reference


# Escaping ------------------------------------------------------------------------------------


def test_escape_bibtex_collapses_whitespace():
    assert escape_bibtex("a\n  b") == "a b"


def test_the_reference_ends_with_the_doi_address_even_when_the_entry_has_a_link():
    entry = EntryFactory(
        kind="evidence", url="https://example.org/full-text", doi="10.1234/ABC", authors="Smith J"
    )
    assert Citation(entry).reference.endswith(" https://doi.org/10.1234/abc")


# Every demo entry, read back by real parsers ------------------------------------------------

# Family names as the works credit them, for demo entries whose names are written in each of
# the ways the rule reads (given names first, initials first, Vancouver, particles), found by
# the start of their titles.
DEMO_FAMILY_NAMES = {
    "A practical guide to self-management support": ["de Iongh", "Fagan", "Fenner", "Kidd"],
    "5. Peer Support Workers": [
        "Repper", "Aldridge", "Gilfoyle", "Gillard", "Perkins", "Rennison",
    ],
    "Peer Support for People with Dementia Resource Pack": ["Semple"],
    "Effect of peer support on prevention of postnatal depression": [
        "Dennis", "Hodnett", "Kenton", "Weston", "Zupancic", "Stewart", "Kiss",
    ],
    "Support for healthy breastfeeding mothers": [
        "McFadden", "Gavine", "Renfrew", "Wade", "Buchanan", "Taylor", "Veitch", "Rennie",
        "Crowther", "Neiman", "MacGillivray",
    ],
    "Peer support for patients with type 2 diabetes": [
        "Smith", "Paul", "Kelly", "Whitford", "O'Shea", "O'Dowd",
    ],
    "The effectiveness of peer-support for people living with HIV": [
        "Berg", "Page", "Øgård-Repål",
    ],
    "Quantifying the benefits of peer support for people with dementia": [
        "Willis", "Semple", "de Waal",
    ],
}  # fmt: skip
# Demo entries whose organisations are their authors, by the start of their titles.
DEMO_ORGANISATIONS = {
    "National Practice Guidelines for Peer Supporters": [
        "National Association of Peer Supporters (N.A.P.S., formerly iNAPS)"
    ],
    "Core Competencies for Peer Workers": [
        "Substance Abuse and Mental Health Services Administration (SAMHSA), BRSS TACS"
    ],
    "Peer support: what is it and does it work?": ["National Voices", "Nesta"],
}
INITIALS_ONLY = re.compile(r"^[A-Z.\- ]+$")


@pytest.fixture
def demo_entries():
    demo.load_demo()
    return list(Entry.objects.for_detail().order_by("title"))


def written_names(entry):
    """The authors field split where the demo data separates people: at ", "."""
    text = re.sub(r"\s*et al\.?$", "", entry.authors)
    return [name for name in text.split(", ") if name]


def demo_entry(entries, title_start):
    [entry] = [entry for entry in entries if entry.title.startswith(title_start)]
    return entry


def read_ris(entry):
    [record] = rispy.loads(Citation(entry).ris())
    return record


def read_bibtex(entry):
    [record] = bibtexparser.loads(Citation(entry).bibtex(), parser=BibTexParser()).entries
    return record


def bibtex_authors(value):
    """An author field split at each top-level " and ", as BibTeX does (braces protect)."""
    names, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\s+and\s+", value):
        if match[0] in "{}":
            depth += 1 if match[0] == "{" else -1
        elif depth == 0:
            names.append(value[start : match.start()])
            start = match.end()
    return [*names, value[start:]]


def bibtex_family(name):
    """The family name BibTeX reads: its "von" and "Last" parts, braces as written."""
    parts = splitname(name)
    return " ".join(parts["von"] + parts["last"])


def ris_family(value):
    """The family name as Zotero's RIS importer reads an AU line: up to the first comma."""
    return value.split(",")[0].strip()


def test_every_demo_entry_s_ris_reads_back_whole_in_rispy(demo_entries):
    assert len(demo_entries) == 59
    for entry in demo_entries:
        record = read_ris(entry)
        assert record["title"] == entry.title
        assert record.get("year") == (str(entry.year) if entry.year else None)
        assert record.get("doi") == (entry.doi or None)
        assert record["urls"] == [entry.link or entry.canonical_url]
        authors = record.get("authors", [])
        if entry.authors:
            names = written_names(entry)
            assert len(authors) == len(names), entry.title
            for value, written in zip(authors, names, strict=True):
                family = ris_family(value)
                assert family in written and not INITIALS_ONLY.match(family), (value, written)
                assert value.count(",") == 1 and value.split(",")[1].strip(), value


def test_every_demo_entry_s_bibtex_reads_back_whole_in_bibtexparser(demo_entries):
    for entry in demo_entries:
        record = read_bibtex(entry)
        assert record["ID"] == entry.slug
        assert latex_to_unicode(record["title"].removeprefix("{").removesuffix("}")) == (
            entry.title
        )
        assert record.get("year") == (str(entry.year) if entry.year else None)
        assert record.get("doi") == (entry.doi or None)
        assert record["url"] == (entry.link or entry.canonical_url)
        authors = bibtex_authors(record["author"]) if "author" in record else []
        if authors and authors[-1] == "others":
            assert entry.authors.endswith("et al.")
            authors.pop()
        if entry.authors:
            names = written_names(entry)
            assert len(authors) == len(names), entry.title
            for value, written in zip(authors, names, strict=True):
                family = bibtex_family(value)
                assert family in written and not INITIALS_ONLY.match(family), (value, written)


def test_demo_authors_come_back_with_their_family_names_in_every_format(demo_entries):
    for title_start, families in DEMO_FAMILY_NAMES.items():
        entry = demo_entry(demo_entries, title_start)
        assert [name.family for name in people_of(entry)] == families
        assert [ris_family(value) for value in read_ris(entry)["authors"]] == families
        bibtex_names = bibtex_authors(read_bibtex(entry)["author"])
        assert [bibtex_family(name) for name in bibtex_names] == families


def test_demo_organisations_come_back_whole_in_every_format(demo_entries):
    for title_start, organisations in DEMO_ORGANISATIONS.items():
        entry = demo_entry(demo_entries, title_start)
        assert [name.organisation for name in people_of(entry)] == organisations
        ris_authors = read_ris(entry)["authors"]
        assert ris_authors == [name.replace(",", "") + "," for name in organisations]
        bibtex_names = bibtex_authors(read_bibtex(entry)["author"])
        assert [splitname(name)["last"] for name in bibtex_names] == [
            ["{" + name + "}"] for name in organisations
        ]


def test_every_demo_organisation_author_is_one_name_in_both_files(demo_entries):
    for entry in demo_entries:
        organisations = [name for name in people_of(entry) if name.is_organisation]
        if not organisations or entry.authors:
            continue
        ris_authors = read_ris(entry)["authors"]
        assert all(value.endswith(",") and value.count(",") == 1 for value in ris_authors)
        bibtex_names = bibtex_authors(read_bibtex(entry)["author"])
        assert all(len(splitname(name)["last"]) == 1 for name in bibtex_names), entry.title
        assert all(not splitname(name)["first"] for name in bibtex_names), entry.title
