"""Detail pages: what a visitor sees about one entry, and who may see it."""

import datetime
import re

import pytest
from django.test import override_settings

from resources.models import Entry, Status
from tests.factories import (
    ApproachFactory,
    AudienceFactory,
    EntryFactory,
    PopulationFactory,
    RegionFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def evidence(**kwargs):
    fields = {
        "kind": "evidence",
        "title": "Peer support for people with severe mental illness",
        "summary": "A systematic review of peer support trials.",
        "organisation": "University of Example",
        "authors": "Smith JA, Jones K",
        "publisher": "BMC Psychiatry",
        "year": 2014,
        "study_design": "systematic_review",
        "evidence_strength": "moderate",
        "finding": "Peer support improved hope and empowerment.",
        "population": "Adults using mental health services",
        "country": "United Kingdom",
        "sample_size": 5597,
        "doi": "10.1186/1471-244X-14-39",
    }
    fields.update(kwargs)
    return EntryFactory(**fields)


def page(client, entry):
    response = client.get(entry.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def metadata(html):
    """The detail page's metadata list as {term: description text}."""
    section = html.split('<dl class="metadata">', 1)[1].split("</dl>", 1)[0]
    rows = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", section, re.S)
    return {re.sub("<[^>]+>", "", dt): re.sub("<[^>]+>", "", dd) for dt, dd in rows}


def test_evidence_page_shows_its_summary_finding_and_study_metadata(client):
    html = page(client, evidence())
    assert "<h1>Peer support for people with severe mental illness</h1>" in html
    assert "A systematic review of peer support trials." in html
    assert '<p class="finding__text">Peer support improved hope and empowerment.</p>' in html
    assert metadata(html) == {
        "Organisation": "University of Example",
        "Authors": "Smith JA, Jones K",
        "Year": "2014",
        "Journal or publisher": "BMC Psychiatry",
        "Study design": "Systematic review",
        "Strength of evidence": "Moderate",
        "Study population": "Adults using mental health services",
        "Country": "United Kingdom",
        "Sample size": "5,597",
        "DOI": "10.1186/1471-244x-14-39",
    }


def test_tool_page_shows_its_format_licence_and_cost(client):
    tool = EntryFactory(
        kind="tool", tool_format="outcome_measure", licence="CC BY 4.0", cost="free"
    )
    assert metadata(page(client, tool)) == {
        "Year": "2020",
        "Format": "Outcome measure",
        "Licence": "CC BY 4.0",
        "Cost": "Free",
    }


def test_resource_page_shows_its_format_and_publisher(client):
    resource = EntryFactory(resource_format="toolkit", publisher="Mind", organisation="Mind")
    details = metadata(page(client, resource))
    assert details["Format"] == "Toolkit"
    assert details["Publisher"] == "Mind"
    assert "Study design" not in details


def test_doi_is_a_link_to_doi_org(client):
    html = page(client, evidence())
    assert '<a href="https://doi.org/10.1186/1471-244x-14-39" rel="noopener">' in html


def test_last_reviewed_date_is_shown_as_a_machine_readable_date(client):
    html = page(client, evidence(last_reviewed_on=datetime.date(2025, 3, 4)))
    assert metadata(html)["Last reviewed"] == "4 March 2025"
    assert '<time datetime="2025-03-04">' in html


def test_topics_and_approaches_link_to_their_overview_pages_other_terms_to_the_listing(client):
    entry = evidence(
        topics=[TopicFactory(name="Mental health")],
        approaches=[ApproachFactory(name="Peer-led groups")],
        regions=[RegionFactory(name="UK-wide")],
    )
    html = page(client, entry)
    assert '<a class="term-link" href="/topics/mental-health/">Mental health</a>' in html
    assert '<a class="term-link" href="/approaches/peer-led-groups/">' in html
    assert '<a class="term-link" href="/evidence/?region=uk-wide">UK-wide</a>' in html
    assert "<dt>Topics</dt>" in html
    assert "<dt>Audiences</dt>" not in html


def test_link_button_goes_to_the_entry_url(client):
    html = page(client, EntryFactory(url="https://example.org/guide"))
    assert '<a class="button" href="https://example.org/guide" rel="noopener">' in html
    assert "Open the resource" in html


def test_link_button_falls_back_to_the_doi(client):
    html = page(client, evidence(url=""))
    assert '<a class="button" href="https://doi.org/10.1186/1471-244x-14-39"' in html
    assert "Read the evidence" in html


def test_a_non_web_link_loaded_in_bulk_is_never_offered_to_visitors(client):
    entry = EntryFactory(url="https://example.org/guide")
    Entry.objects.filter(pk=entry.pk).update(url="javascript:alert(1)")
    html = page(client, Entry.objects.get(pk=entry.pk))
    assert "javascript:" not in html
    assert 'class="entry__link"' not in html


def test_entry_without_url_or_doi_has_no_link_button(client):
    html = page(client, EntryFactory(kind="tool", url=""))
    assert 'class="entry__link"' not in html


@override_settings(SITE_URL="https://hub.example.org")
def test_canonical_url_is_absolute_from_site_url(client):
    html = page(client, evidence(slug="peer-support-review"))
    assert (
        '<link rel="canonical" href="https://hub.example.org/evidence/peer-support-review/">'
        in html
    )


@override_settings(SITE_URL="https://hub.example.org")
def test_open_graph_tags_describe_the_entry_for_sharing(client):
    html = page(client, evidence(slug="peer-support-review", summary="Short & clear."))
    assert '<meta property="og:title" content="Peer support for people' in html
    assert '<meta property="og:description" content="Short &amp; clear.">' in html
    assert '<meta property="og:type" content="article">' in html
    url = "https://hub.example.org/evidence/peer-support-review/"
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:site_name" content="Peer Support Evidence Hub">' in html


def test_meta_description_is_the_summary_shortened(client):
    html = page(client, EntryFactory(summary="word " * 100))
    description = re.search(r'<meta name="description" content="([^"]*)">', html)[1]
    assert description.startswith("word word")
    assert len(description) <= 200


def test_page_title_is_the_entry_title(client):
    html = page(client, EntryFactory(title="Befriending toolkit"))
    assert "<title>Befriending toolkit · Peer Support Evidence Hub</title>" in html


def test_breadcrumbs_lead_home_and_to_the_listing_of_its_kind(client):
    html = page(client, EntryFactory(kind="tool", title="Outcome star"))
    crumbs = html.split('<nav class="breadcrumbs" aria-label="Breadcrumb">', 1)[1]
    crumbs = crumbs.split("</nav>", 1)[0]
    assert '<a href="/">Home</a>' in crumbs
    assert '<a href="/tools/">Tools</a>' in crumbs
    assert '<span aria-current="page">Outcome star</span>' in crumbs


def test_page_has_exactly_one_h1(client):
    assert page(client, evidence()).count("<h1") == 1


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.ARCHIVED])
def test_unpublished_entries_are_not_found_for_the_public(client, status):
    entry = EntryFactory(status=status)
    assert client.get(entry.get_absolute_url()).status_code == 404


def test_unpublished_entries_are_not_found_for_signed_in_non_staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("reader", password="x"))
    entry = EntryFactory(status=Status.DRAFT)
    assert client.get(entry.get_absolute_url()).status_code == 404


def test_staff_preview_drafts_with_a_banner_and_noindex(admin_client):
    html = page(admin_client, EntryFactory(status=Status.DRAFT))
    assert "Draft preview — not public." in html
    assert '<meta name="robots" content="noindex">' in html


def test_published_pages_have_no_banner_and_may_be_indexed(admin_client):
    html = page(admin_client, EntryFactory())
    assert "Draft preview" not in html
    assert 'name="robots"' not in html


def test_wrong_kind_in_the_url_is_not_found(client):
    tool = EntryFactory(kind="tool", slug="outcome-star")
    assert client.get("/evidence/outcome-star/").status_code == 404
    assert client.get("/resources/outcome-star/").status_code == 404
    assert client.get("/tools/outcome-star/").status_code == 200
    assert tool.get_absolute_url() == "/tools/outcome-star/"


def test_unknown_slug_is_not_found(client):
    assert client.get("/evidence/no-such-entry/").status_code == 404


def test_where_a_curator_verified_the_entry_is_never_shown(client):
    html = page(client, evidence(source_seen="https://internal.example/checked-by-curator"))
    assert "internal.example" not in html
    assert "checked-by-curator" not in html


def test_body_markdown_is_rendered_and_sanitised(client):
    body = "**Key points**\n\n<script>alert(1)</script>\n\n[Read](javascript:alert(2))"
    html = page(client, EntryFactory(body=body))
    assert "<strong>Key points</strong>" in html
    assert "alert(1)" not in html
    assert "javascript:" not in html


def test_title_and_summary_are_escaped(client):
    html = page(client, EntryFactory(title="<b>Bold</b> claims", summary="<img src=x>"))
    assert "<b>Bold</b>" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt; claims" in html
    assert "<img src=x>" not in html


def test_evidence_page_offers_cite_this_with_downloads(client):
    html = page(client, evidence(slug="peer-review"))
    assert '<h2 id="citation-heading">Cite this</h2>' in html
    assert 'href="/evidence/peer-review/cite.ris"' in html
    assert 'href="/evidence/peer-review/cite.bib"' in html
    assert "Smith, J. A., &amp; Jones, K. (2014)." in html


# Related entries ------------------------------------------------------------------------------


def test_related_entries_with_more_shared_terms_come_first():
    mental_health, groups, carers = TopicFactory(), ApproachFactory(), AudienceFactory()
    entry = EntryFactory(topics=[mental_health], approaches=[groups], audiences=[carers])
    one_shared = EntryFactory(topics=[mental_health])
    three_shared = EntryFactory(topics=[mental_health], approaches=[groups], audiences=[carers])
    two_shared = EntryFactory(approaches=[groups], audiences=[carers])
    EntryFactory(topics=[TopicFactory()])  # shares nothing

    related = list(Entry.objects.published().related_to(entry))

    assert related == [three_shared, two_shared, one_shared]
    assert [r.shared_terms for r in related] == [3, 2, 1]


def test_related_entries_count_terms_in_all_five_taxonomies():
    terms = {
        "topics": [TopicFactory()],
        "approaches": [ApproachFactory()],
        "audiences": [AudienceFactory()],
        "populations": [PopulationFactory()],
        "regions": [RegionFactory()],
    }
    entry = EntryFactory(**terms)
    twin = EntryFactory(**terms)
    assert Entry.objects.published().related_to(entry)[0].shared_terms == 5
    assert list(Entry.objects.published().related_to(entry)) == [twin]


def test_related_entries_tie_break_newest_first():
    topic = TopicFactory()
    entry = EntryFactory(topics=[topic])
    older = EntryFactory(topics=[topic])
    newer = EntryFactory(topics=[topic])
    Entry.objects.filter(pk=older.pk).update(
        published_at=newer.published_at - datetime.timedelta(days=30)
    )
    assert list(Entry.objects.published().related_to(entry)) == [newer, older]


def test_at_most_four_related_entries():
    topic = TopicFactory()
    entry = EntryFactory(topics=[topic])
    EntryFactory.create_batch(6, topics=[topic])
    assert len(Entry.objects.published().related_to(entry)) == 4


def test_related_entries_leave_out_the_entry_itself_and_unpublished_ones():
    topic = TopicFactory()
    entry = EntryFactory(topics=[topic])
    EntryFactory(topics=[topic], status=Status.DRAFT)
    EntryFactory(topics=[topic], status=Status.ARCHIVED)
    published = EntryFactory(topics=[topic])
    assert list(Entry.objects.published().related_to(entry)) == [published]


def test_entry_without_terms_has_no_related_entries():
    EntryFactory(topics=[TopicFactory()])
    assert list(Entry.objects.published().related_to(EntryFactory())) == []


def test_related_entries_are_found_in_one_query_once_the_terms_are_known(
    django_assert_num_queries,
):
    topic, approach = TopicFactory(), ApproachFactory()
    EntryFactory(topics=[topic], approaches=[approach])
    EntryFactory.create_batch(5, topics=[topic], approaches=[approach])
    entry = Entry.objects.for_detail().first()  # as the detail page reads it
    Entry.objects.published().related_to(entry)  # builds the facet index and the order
    with django_assert_num_queries(1):
        assert len(list(Entry.objects.published().related_to(entry))) == 4


def test_an_old_entry_sharing_more_terms_beats_many_newer_ones():
    """The sharing is counted over the whole catalogue, however many newer entries a popular
    topic has."""
    topic, approach = TopicFactory(), ApproachFactory()
    entry = EntryFactory(topics=[topic], approaches=[approach])
    oldest = EntryFactory(topics=[topic], approaches=[approach], title="Oldest twin")
    EntryFactory.create_batch(30, topics=[topic])
    related = Entry.objects.published().related_to(entry)
    assert related[0] == oldest
    assert [r.shared_terms for r in related] == [2, 1, 1, 1]


def test_detail_page_lists_related_entries_of_any_kind(client):
    topic = TopicFactory()
    entry = evidence(topics=[topic])
    EntryFactory(kind="tool", title="Related outcome tool", topics=[topic])
    html = page(client, entry)
    assert '<h2 id="related-heading">Related entries</h2>' in html
    assert "Related outcome tool" in html


def test_detail_page_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    topics = TopicFactory.create_batch(4)
    approaches = ApproachFactory.create_batch(3)
    regions = RegionFactory.create_batch(2)
    entry = evidence(topics=topics, approaches=approaches, regions=regions)
    for _ in range(8):
        EntryFactory(topics=topics[:2], approaches=approaches[:1])
    # The entry, its terms prefetched, the related ids and their entries: no query per
    # term or per card.
    with django_assert_max_num_queries(8):
        html = page(client, entry)
    assert html.count('class="term-link"') == 9
    assert html.count('class="entry-card"') == 4


def test_related_entries_are_counted_once_per_catalogue_version(
    client, django_assert_max_num_queries
):
    topic = TopicFactory()
    entry = EntryFactory(topics=[topic])
    EntryFactory(topics=[topic], title="First related")
    page(client, entry)
    with django_assert_max_num_queries(7):
        assert "First related" in page(client, entry)


def test_a_newly_published_related_entry_shows_at_once(client):
    topic = TopicFactory()
    entry = EntryFactory(topics=[topic])
    page(client, entry)
    EntryFactory(topics=[topic], title="Just published")
    assert "Just published" in page(client, entry)


def test_an_entry_unpublished_without_signals_leaves_cached_related_entries_at_once(client):
    topic = TopicFactory()
    entry = EntryFactory(topics=[topic])
    related = EntryFactory(topics=[topic], title="Soon withdrawn")
    assert "Soon withdrawn" in page(client, entry)
    Entry.objects.filter(pk=related.pk).update(status=Status.ARCHIVED)
    assert "Soon withdrawn" not in page(client, entry)


def test_a_repeat_view_of_a_published_entry_reuses_its_rendered_article(
    client, django_assert_max_num_queries
):
    topic = TopicFactory()
    entry = evidence(topics=[topic])
    EntryFactory(topics=[topic], title="First related")
    first = page(client, entry)
    # The entry, its term ids and the related cards: terms and findings are in the kept
    # article, and related entries are counted over the facet index.
    with django_assert_max_num_queries(3):
        assert page(client, entry) == first


def test_a_renamed_term_and_a_new_finding_show_on_the_detail_page_at_once(client):
    from resources import services
    from resources.models import Finding
    from tests.factories import OutcomeFactory

    topic = TopicFactory(name="Carers")
    entry = evidence(topics=[topic])
    assert "Carers" in page(client, entry)
    topic.name = "Unpaid carers"
    topic.save()
    services.set_findings(
        entry, [Finding(outcome=OutcomeFactory(name="Loneliness"), direction="positive")]
    )
    html = page(client, entry)
    assert "Unpaid carers" in html
    assert "Loneliness</a></th>" in html


def test_an_edited_draft_preview_is_never_served_from_a_kept_article(admin_client):
    entry = EntryFactory(status=Status.DRAFT, summary="First words.")
    assert "First words." in admin_client.get(entry.get_absolute_url()).content.decode()
    Entry.objects.filter(pk=entry.pk).update(summary="Second words.")  # no signal, same version
    assert "Second words." in admin_client.get(entry.get_absolute_url()).content.decode()


def test_a_draft_preview_is_never_kept_by_a_cache(admin_client):
    response = admin_client.get(EntryFactory(status=Status.DRAFT).get_absolute_url())
    assert "no-cache" in response["Cache-Control"]
    assert "private" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_staff_without_the_view_permission_on_entries_cannot_preview(client, django_user_model):
    client.force_login(
        django_user_model.objects.create_user("helpdesk", password="x", is_staff=True)
    )
    assert client.get(EntryFactory(status=Status.DRAFT).get_absolute_url()).status_code == 404


def test_a_curator_previews_a_draft(client, curator):
    client.force_login(curator)
    assert client.get(EntryFactory(status=Status.DRAFT).get_absolute_url()).status_code == 200


def test_each_kind_has_its_own_button_text_and_labels(client):
    for kind, button in [("evidence", "Read the evidence"), ("tool", "Get the tool"),
                         ("resource", "Open the resource")]:  # fmt: skip
        entry = EntryFactory(kind=kind, url="https://example.org/x", publisher="A publisher")
        assert button in page(client, entry)
    assert "<dt>Journal or publisher</dt>" in page(
        client, EntryFactory(kind="evidence", publisher="BMC")
    )
