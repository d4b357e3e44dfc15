"""What reference managers and search engines read on detail pages: Highwire `citation_*` meta
tags (the Zotero connector's one-click save) and schema.org JSON-LD."""

import json

import pytest
from django.test import override_settings

from tests.factories import EntryFactory, TopicFactory
from tests.head import HeadTags

pytestmark = pytest.mark.django_db

SITE = "https://hub.example.org"


def read_head(client, entry):
    response = client.get(entry.get_absolute_url())
    assert response.status_code == 200
    return HeadTags(response.content.decode())


def citation_tags(reader, name):
    return reader.properties(name)


def schema_org(client, entry):
    [block] = read_head(client, entry).json_ld
    return json.loads(block)


def journal_article(**kwargs):
    fields = {
        "kind": "evidence",
        "title": "Peer support for people with severe mental illness",
        "slug": "peer-support-smi-review",
        "summary": "A systematic review of peer support trials.",
        "authors": "Lloyd-Evans B, Mayo-Wilson E, Harrison B",
        "publisher": "BMC Psychiatry",
        "year": 2014,
        "study_design": "systematic_review",
        "doi": "10.1186/1471-244X-14-39",
        "url": "https://bmcpsychiatry.biomedcentral.com/articles/10.1186/1471-244X-14-39",
    }
    fields.update(kwargs)
    return EntryFactory(**fields)


def report(**kwargs):
    fields = {
        "kind": "evidence",
        "title": "Evaluation of a peer support programme",
        "authors": "Julie Billsborough et al.",
        "organisation": "McPin Foundation",
        "publisher": "McPin Foundation",
        "study_design": "evaluation",
        "url": "https://example.org/evaluation",
    }
    fields.update(kwargs)
    return EntryFactory(**fields)


# citation_* tags ------------------------------------------------------------------------------


def test_evidence_in_a_journal_has_the_citation_tags_zotero_reads(client):
    reader = read_head(client, journal_article())
    assert citation_tags(reader, "citation_title") == [
        "Peer support for people with severe mental illness"
    ]
    assert citation_tags(reader, "citation_author") == [
        "Lloyd-Evans, B",
        "Mayo-Wilson, E",
        "Harrison, B",
    ]
    assert citation_tags(reader, "citation_publication_date") == ["2014"]
    assert citation_tags(reader, "citation_journal_title") == ["BMC Psychiatry"]
    assert citation_tags(reader, "citation_doi") == ["10.1186/1471-244x-14-39"]
    assert citation_tags(reader, "citation_abstract_html_url") == [
        "https://bmcpsychiatry.biomedcentral.com/articles/10.1186/1471-244X-14-39"
    ]
    assert citation_tags(reader, "citation_pdf_url") == []
    assert citation_tags(reader, "citation_technical_report_institution") == []


def test_each_person_is_one_citation_author_family_name_first(client):
    entry = journal_article(authors="Jane Smith, Anya de Iongh and C-L Dennis et al.")
    assert citation_tags(read_head(client, entry), "citation_author") == [
        "Smith, Jane",
        "de Iongh, Anya",
        "Dennis, C-L",
    ]


def test_a_report_names_its_institution_and_publisher_not_a_journal(client):
    reader = read_head(client, report())
    assert citation_tags(reader, "citation_technical_report_institution") == ["McPin Foundation"]
    assert citation_tags(reader, "citation_publisher") == ["McPin Foundation"]
    assert citation_tags(reader, "citation_journal_title") == []
    assert citation_tags(reader, "citation_doi") == []
    assert citation_tags(reader, "citation_author") == ["Billsborough, Julie"]


def test_organisations_as_authors_are_tagged_so_zotero_keeps_them_whole(client):
    entry = EntryFactory(
        kind="tool", authors="", organisation="Mind; St George's, University of London"
    )
    assert citation_tags(read_head(client, entry), "citation_author") == [
        "Mind,",
        "St George's University of London,",
    ]


def test_a_link_to_a_pdf_is_offered_as_the_full_text(client):
    entry = journal_article(url="https://example.org/files/Review.PDF?download=1")
    reader = read_head(client, entry)
    assert citation_tags(reader, "citation_pdf_url") == [
        "https://example.org/files/Review.PDF?download=1"
    ]
    assert citation_tags(reader, "citation_abstract_html_url") == []


@override_settings(SITE_URL=SITE)
def test_an_entry_without_a_link_offers_its_hub_page_as_the_landing_page(client):
    entry = EntryFactory(kind="tool", slug="outcome-star", url="", doi="")
    reader = read_head(client, entry)
    assert citation_tags(reader, "citation_abstract_html_url") == [f"{SITE}/tools/outcome-star/"]


def test_an_entry_without_a_year_has_no_publication_date_tag(client):
    reader = read_head(client, journal_article(year=None))
    assert citation_tags(reader, "citation_publication_date") == []


def test_citation_tags_carry_quotes_and_angle_brackets_as_text(client):
    title = 'The "peer" <b>effect</b> & more'
    reader = read_head(client, journal_article(title=title, slug="quoted"))
    assert citation_tags(reader, "citation_title") == [title]


# schema.org JSON-LD --------------------------------------------------------------------------


@override_settings(SITE_URL=SITE)
def test_evidence_in_a_journal_is_a_scholarly_article_with_every_property(client):
    carers = TopicFactory(name="Carers")
    mental_health = TopicFactory(name="Mental health")
    entry = journal_article(topics=[carers, mental_health])
    data = schema_org(client, entry)
    page = f"{SITE}/evidence/peer-support-smi-review/"
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "ScholarlyArticle"
    assert data["@id"] == f"{page}#work"
    assert data["mainEntityOfPage"] == page
    assert data["name"] == "Peer support for people with severe mental illness"
    assert data["url"] == entry.url
    assert data["description"] == "A systematic review of peer support trials."
    assert data["datePublished"] == "2014"
    assert data["author"][0] == {
        "@type": "Person",
        "name": "B Lloyd-Evans",
        "familyName": "Lloyd-Evans",
        "givenName": "B",
    }
    assert [author["familyName"] for author in data["author"]] == [
        "Lloyd-Evans",
        "Mayo-Wilson",
        "Harrison",
    ]
    assert data["identifier"] == {
        "@type": "PropertyValue",
        "propertyID": "DOI",
        "value": "10.1186/1471-244x-14-39",
        "url": "https://doi.org/10.1186/1471-244x-14-39",
    }
    assert data["sameAs"] == "https://doi.org/10.1186/1471-244x-14-39"
    assert data["isPartOf"] == {"@type": "Periodical", "name": "BMC Psychiatry"}
    assert "publisher" not in data
    assert data["about"] == [
        {
            "@type": "DefinedTerm",
            "name": name,
            "url": f"{SITE}/topics/{slug}/",
            "inDefinedTermSet": f"{SITE}/topics/",
        }
        for name, slug in [("Carers", "carers"), ("Mental health", "mental-health")]
    ]


def test_evidence_from_an_organisation_is_a_report_with_its_publisher(client):
    data = schema_org(client, report())
    assert data["@type"] == "Report"
    assert data["publisher"] == {"@type": "Organization", "name": "McPin Foundation"}
    assert data["author"] == [
        {"@type": "Person", "name": "Julie Billsborough", "familyName": "Billsborough",
         "givenName": "Julie"},
    ]  # fmt: skip
    assert "isPartOf" not in data
    assert "identifier" not in data


def test_organisations_as_authors_are_organizations(client):
    entry = EntryFactory(authors="", organisation="National Voices; Nesta", publisher="")
    assert schema_org(client, entry)["author"] == [
        {"@type": "Organization", "name": "National Voices"},
        {"@type": "Organization", "name": "Nesta"},
    ]


@pytest.mark.parametrize(
    ("fields", "schema_type"),
    [
        ({"kind": "resource", "resource_format": "guide"}, "CreativeWork"),
        ({"kind": "resource", "resource_format": "report"}, "Report"),
        ({"kind": "resource", "resource_format": "video"}, "VideoObject"),
        ({"kind": "resource", "resource_format": "course"}, "Course"),
        ({"kind": "resource", "resource_format": ""}, "CreativeWork"),
        ({"kind": "tool", "tool_format": "template"}, "DigitalDocument"),
        ({"kind": "tool", "tool_format": "training"}, "Course"),
        ({"kind": "tool", "publisher": "BMC Psychiatry", "doi": "10.1/x"}, "ScholarlyArticle"),
        ({"kind": "evidence", "organisation": "Mind", "publisher": "Mind"}, "Report"),
        ({"kind": "evidence", "publisher": "BMJ"}, "ScholarlyArticle"),
    ],
)
def test_each_kind_has_its_schema_org_type_and_the_required_properties(client, fields, schema_type):
    entry = EntryFactory(authors="Jane Smith", url="https://example.org/item", **fields)
    data = schema_org(client, entry)
    assert data["@type"] == schema_type
    required = {"@context", "@id", "mainEntityOfPage", "name", "url", "description", "author"}
    assert required <= data.keys()
    assert data["datePublished"] == "2020"
    assert data["url"] == "https://example.org/item"


def test_a_title_with_a_closing_script_tag_cannot_break_out_of_the_json_ld(client):
    title = 'Peers </script><script>alert("x")</script> & <!-- more'
    entry = journal_article(title=title, slug="script-title")
    html = client.get(entry.get_absolute_url()).content.decode()
    block = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block and "&" not in block
    assert json.loads(block)["name"] == title
    assert '<script>alert("x")' not in html
