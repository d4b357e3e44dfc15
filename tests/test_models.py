"""The catalogue's models: integrity in the database and in validation, the status workflow,
DOI normalisation, kind proxies, sanitised Markdown and history."""

import datetime
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from resources import services
from resources.models import (
    Entry,
    Evidence,
    Kind,
    Resource,
    Status,
    StudyDesign,
    Tool,
    Topic,
    max_year,
    normalise_doi,
    normalise_title,
)
from tests.factories import EntryFactory, TopicFactory
from tests.two_factor import confirmed_authenticator

pytestmark = pytest.mark.django_db


def refused_by_the_database(**fields):
    """Whether saving an entry with these fields, bypassing every form and resources.services,
    raises IntegrityError."""
    try:
        with transaction.atomic():
            EntryFactory.build(**fields).save()
    except IntegrityError:
        return True
    return False


def validation_errors(entry):
    """`{field: [messages]}` from full_clean(), or {} when the entry is valid."""
    try:
        entry.full_clean()
    except ValidationError as error:
        return error.message_dict
    return {}


def unsaved_entry(**fields):
    defaults = {"kind": Kind.RESOURCE, "title": "A guide", "slug": "a-guide", "summary": "Short."}
    return Entry(**(defaults | fields))


# --- Slugs and DOIs ------------------------------------------------------------------------


def test_the_database_refuses_a_duplicate_slug():
    EntryFactory(slug="peer-support-guide")
    assert refused_by_the_database(slug="peer-support-guide")


def test_entries_created_together_with_one_title_get_different_slugs():
    EntryFactory(title="Peer support works", slug="peer-support-works")
    entries = [Entry(kind=Kind.RESOURCE, title="Peer support works") for _ in range(3)]
    services.create_entries([(entry, []) for entry in entries])
    assert sorted(entry.slug for entry in Entry.objects.all()) == [
        "peer-support-works",
        "peer-support-works-2",
        "peer-support-works-3",
        "peer-support-works-4",
    ]


def test_validation_reports_a_duplicate_slug_on_the_slug_field():
    EntryFactory(slug="peer-support-guide")
    errors = validation_errors(unsaved_entry(slug="peer-support-guide"))
    assert "already exists" in errors["slug"][0]


def test_two_spellings_of_one_doi_are_refused_by_the_database():
    EntryFactory(kind=Kind.EVIDENCE, doi="https://doi.org/10.1234/ABC")
    assert refused_by_the_database(kind=Kind.EVIDENCE, doi="doi:10.1234/abc")


def test_validation_reports_a_doi_another_entry_has_in_another_spelling():
    EntryFactory(kind=Kind.EVIDENCE, doi="10.1234/abc")
    errors = validation_errors(unsaved_entry(doi="https://dx.doi.org/10.1234/ABC"))
    assert errors["__all__"] == ["Another entry already has this DOI."]


def test_many_entries_may_have_no_doi():
    EntryFactory(doi="")
    assert not refused_by_the_database(doi="")
    assert Entry.objects.filter(doi="").count() == 2


def test_validation_explains_a_malformed_doi():
    errors = validation_errors(unsaved_entry(doi="not a doi"))
    assert errors["doi"] == [
        "Enter a DOI such as 10.1186/s12888-020-02923-3 (a doi.org link also works)."
    ]


@pytest.mark.parametrize(
    "spelling",
    [
        "https://doi.org/10.1234/X",
        "http://dx.doi.org/10.1234/x",
        "doi:10.1234/x",
        "DOI: 10.1234/X",
        "  10.1234/X  ",
    ],
)
def test_every_spelling_of_a_doi_is_stored_in_one_form(spelling):
    entry = EntryFactory(kind=Kind.EVIDENCE, doi=spelling)
    entry.refresh_from_db()
    assert entry.doi == "10.1234/x"
    assert normalise_doi(spelling) == normalise_doi("doi:10.1234/x")


@pytest.mark.parametrize(
    "spelling",
    [
        "Peer support: a review",
        "PEER SUPPORT - A REVIEW",
        "  peer   support — a review!  ",
        "Peer_support (a review)",
    ],
)
def test_every_spelling_of_a_title_has_one_key(spelling):
    assert normalise_title(spelling) == "peer support a review"


def test_a_title_key_is_cut_to_its_column_when_case_folding_lengthens_it():
    key = normalise_title("ß" * 255)
    assert len(key) == Entry._meta.get_field("title_key").max_length
    assert key == normalise_title("SS" * 200)


def test_saving_an_entry_stores_its_title_key_and_renaming_it_changes_the_key():
    entry = EntryFactory(title="Peer Support: A Review")
    entry.refresh_from_db()
    assert entry.title_key == "peer support a review"

    entry.title = "Befriending, by telephone"
    services.save_entry(entry)
    entry.refresh_from_db()
    assert entry.title_key == "befriending by telephone"


def test_entries_created_in_bulk_store_their_title_keys():
    entries = [EntryFactory.build(title=f"Bulk-loaded STUDY #{n}") for n in range(3)]
    services.create_entries([(entry, []) for entry in entries])
    assert sorted(Entry.objects.values_list("title_key", flat=True)) == [
        "bulk loaded study 0",
        "bulk loaded study 1",
        "bulk loaded study 2",
    ]


def test_an_entry_without_a_url_links_to_its_doi():
    entry = EntryFactory(kind=Kind.EVIDENCE, url="", doi="10.1234/abc")
    assert entry.link == "https://doi.org/10.1234/abc"


# --- Years ---------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [1899, 2101])
def test_the_database_refuses_a_year_out_of_range(year):
    assert refused_by_the_database(year=year)


def test_validation_refuses_a_year_after_next_year_with_a_clear_message():
    errors = validation_errors(unsaved_entry(year=max_year() + 1))
    assert errors["year"] == [f"Enter a year between 1900 and {max_year()}."]


@pytest.mark.parametrize("year", [1900, None])
def test_the_first_allowed_year_and_no_year_are_valid(year):
    assert validation_errors(unsaved_entry(year=year)) == {}
    assert not refused_by_the_database(year=year)


def test_next_year_is_allowed_for_forthcoming_work():
    assert validation_errors(unsaved_entry(year=max_year())) == {}


# --- Kind-specific fields ------------------------------------------------------------------

FIELDS_ON_THE_WRONG_KIND = [
    (Kind.RESOURCE, "study_design", StudyDesign.RCT),
    (Kind.TOOL, "evidence_strength", "strong"),
    (Kind.RESOURCE, "finding", "Peer support helped."),
    (Kind.TOOL, "sample_size", 120),
    (Kind.EVIDENCE, "tool_format", "checklist"),
    (Kind.RESOURCE, "licence", "CC BY 4.0"),
    (Kind.EVIDENCE, "cost", "free"),
    (Kind.TOOL, "resource_format", "guide"),
]


@pytest.mark.parametrize(("kind", "field", "value"), FIELDS_ON_THE_WRONG_KIND)
def test_the_database_refuses_a_field_of_another_kind(kind, field, value):
    assert refused_by_the_database(kind=kind, **{field: value})


@pytest.mark.parametrize(("kind", "field", "value"), FIELDS_ON_THE_WRONG_KIND)
def test_validation_names_the_kind_a_field_belongs_to(kind, field, value):
    errors = validation_errors(unsaved_entry(kind=kind, **{field: value}))
    assert len(errors[field]) == 1
    assert errors[field][0].startswith("Only ")
    assert errors[field][0].endswith(" entries have this field.")


def test_each_kind_keeps_its_own_fields():
    EntryFactory(kind=Kind.EVIDENCE, study_design=StudyDesign.RCT, sample_size=80, slug="e")
    EntryFactory(kind=Kind.TOOL, tool_format="checklist", cost="free", slug="t")
    EntryFactory(kind=Kind.RESOURCE, resource_format="guide", slug="r")
    assert Entry.objects.count() == 3


def test_the_database_refuses_an_unknown_kind_or_status():
    assert refused_by_the_database(kind="podcast")
    assert refused_by_the_database(status="deleted")


# --- Status workflow -----------------------------------------------------------------------


def test_a_draft_has_no_published_date():
    assert EntryFactory(status=Status.DRAFT).published_at is None


def test_publishing_sets_the_published_date():
    entry = EntryFactory(status=Status.DRAFT)
    before = timezone.now()
    entry.publish()
    entry.refresh_from_db()
    assert entry.status == Status.PUBLISHED
    assert before <= entry.published_at <= timezone.now()


def test_publishing_again_keeps_the_first_published_date():
    entry = EntryFactory(status=Status.DRAFT)
    entry.publish()
    first = entry.published_at
    entry.return_to_draft()
    entry.publish()
    entry.refresh_from_db()
    assert entry.published_at == first


def test_the_database_refuses_a_published_entry_without_a_published_date():
    entry = EntryFactory(status=Status.PUBLISHED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(published_at=None)


def test_published_leaves_out_drafts_entries_in_review_and_archived_ones():
    published = EntryFactory(status=Status.PUBLISHED)
    for status in (Status.DRAFT, Status.IN_REVIEW, Status.ARCHIVED):
        EntryFactory(status=status)
    assert list(Entry.objects.published()) == [published]


def test_the_public_and_signed_in_visitors_see_only_published_entries():
    published = EntryFactory(status=Status.PUBLISHED)
    EntryFactory(status=Status.DRAFT)
    visitor = User.objects.create_user("visitor", password="pw-visitor-123")
    assert list(Entry.objects.visible_to(AnonymousUser())) == [published]
    assert list(Entry.objects.visible_to(visitor)) == [published]


def test_curators_see_drafts_too(curator):
    EntryFactory(status=Status.PUBLISHED)
    EntryFactory(status=Status.DRAFT)
    curator.otp_device = confirmed_authenticator(curator)  # signed in with a code
    assert Entry.objects.visible_to(curator).count() == 2


def test_curators_signed_in_without_the_code_they_need_see_only_published_ones(curator):
    EntryFactory(status=Status.PUBLISHED)
    EntryFactory(status=Status.DRAFT)
    assert Entry.objects.visible_to(curator).count() == 1


def test_staff_who_may_not_view_entries_see_only_published_ones():
    EntryFactory(status=Status.PUBLISHED)
    EntryFactory(status=Status.DRAFT)
    staff = User.objects.create_user("helpdesk", password="pw-helpdesk-123", is_staff=True)
    assert Entry.objects.visible_to(staff).count() == 1


def test_marking_reviewed_records_todays_date_in_the_sites_time_zone():
    entry = EntryFactory()
    half_past_midnight_in_london = datetime.datetime(2026, 6, 1, 23, 30, tzinfo=datetime.UTC)
    with mock.patch("django.utils.timezone.now", return_value=half_past_midnight_in_london):
        entry.mark_reviewed()
    entry.refresh_from_db()
    assert entry.last_reviewed_on == datetime.date(2026, 6, 2)


# --- Kind proxies --------------------------------------------------------------------------


def test_each_proxy_manager_returns_only_its_kind():
    evidence = EntryFactory(kind=Kind.EVIDENCE)
    tool = EntryFactory(kind=Kind.TOOL)
    resource = EntryFactory(kind=Kind.RESOURCE)
    assert list(Evidence.objects.all()) == [evidence]
    assert list(Tool.objects.all()) == [tool]
    assert list(Resource.objects.all()) == [resource]


def test_a_proxy_cannot_fetch_an_entry_of_another_kind():
    tool = EntryFactory(kind=Kind.TOOL)
    with pytest.raises(Evidence.DoesNotExist):
        Evidence.objects.get(pk=tool.pk)


def test_a_new_proxy_instance_takes_its_kind():
    assert Evidence(title="A trial").kind == Kind.EVIDENCE
    assert Tool(title="A checklist").kind == Kind.TOOL
    entry = Resource.objects.create(title="A guide", slug="a-guide", summary="Short.")
    assert Entry.objects.get(pk=entry.pk).kind == Kind.RESOURCE


def test_loading_a_proxy_with_deferred_fields_takes_one_query(django_assert_num_queries):
    for _ in range(3):
        EntryFactory(kind=Kind.EVIDENCE)
    with django_assert_num_queries(1):
        titles = [evidence.title for evidence in Evidence.objects.only("title")]
    assert len(titles) == 3


def test_proxy_querysets_chain_the_named_reads():
    EntryFactory(kind=Kind.EVIDENCE, status=Status.DRAFT)
    published = EntryFactory(kind=Kind.EVIDENCE)
    EntryFactory(kind=Kind.TOOL)
    assert list(Evidence.objects.published()) == [published]


def test_kind_counts_count_each_kind_including_empty_ones():
    EntryFactory(kind=Kind.EVIDENCE)
    EntryFactory(kind=Kind.EVIDENCE)
    EntryFactory(kind=Kind.TOOL)
    counts = {row["kind"]: row["count"] for row in Entry.objects.kind_counts()}
    assert counts == {Kind.RESOURCE: 0, Kind.TOOL: 1, Kind.EVIDENCE: 2}


# --- Taxonomies ----------------------------------------------------------------------------


def test_terms_sort_by_position_then_name():
    TopicFactory(name="Dementia", position=20)
    TopicFactory(name="Cancer", position=20)
    TopicFactory(name="Mental health", position=10)
    assert [str(topic) for topic in Topic.objects.all()] == ["Mental health", "Cancer", "Dementia"]


def test_the_database_refuses_two_terms_with_one_slug():
    TopicFactory(name="HIV", slug="hiv")
    with pytest.raises(IntegrityError), transaction.atomic():
        Topic.objects.create(name="HIV and AIDS", slug="hiv")


# --- Markdown ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "forbidden"),
    [
        ("Hello <script>alert('x')</script>", "<script"),
        ("Hello <script>alert('x')</script>", "alert("),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ('<p onclick="alert(1)">Hi</p>', "onclick"),
        ("[Click me](javascript:alert(1))", "javascript:"),
        ('<a href="javascript:alert(1)">Click</a>', "javascript:"),
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
        ('<p style="color:red">Hi</p>', "style="),
    ],
)
def test_markdown_never_lets_scripts_reach_the_page(markdown, forbidden):
    entry = EntryFactory(body=markdown)
    assert forbidden not in entry.body_html.lower()


def test_markdown_keeps_ordinary_formatting_and_safe_links():
    entry = EntryFactory(body="**Bold** and [a guide](https://example.org/guide)\n\n- one\n- two")
    html = entry.body_html
    assert "<strong>Bold</strong>" in html
    assert 'href="https://example.org/guide"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "<li>one</li>" in html


# --- History -------------------------------------------------------------------------------


def test_history_records_each_change_with_the_old_values():
    entry = EntryFactory(title="First title")
    entry.title = "Second title"
    entry.save()
    titles = list(entry.history.order_by("history_date").values_list("title", flat=True))
    assert titles == ["First title", "Second title"]


def test_history_records_changes_made_through_a_kind_proxy():
    entry = EntryFactory(kind=Kind.EVIDENCE, title="First title")
    evidence = Evidence.objects.get(pk=entry.pk)
    evidence.title = "Second title"
    evidence.save()
    assert entry.history.count() == 2
    assert entry.history.latest().title == "Second title"


def test_history_records_taxonomy_changes():
    entry = EntryFactory()
    entry.terms.add(TopicFactory(name="Carers"))
    latest = entry.history.latest()
    assert [row.term.name for row in latest.terms.all()] == ["Carers"]


def test_saving_an_entry_with_its_terms_writes_one_version_holding_them():
    carers = TopicFactory(name="Carers")
    entry = EntryFactory(title="First title")
    entry.title = "Second title"
    services.save_entry(entry, terms=[carers])
    assert entry.history.count() == 2
    assert [row.term.name for row in entry.history.latest().terms.all()] == ["Carers"]


def test_an_older_version_can_be_restored():
    entry = EntryFactory(title="First title")
    entry.title = "Second title"
    entry.save()
    entry.history.earliest().instance.save()
    entry.refresh_from_db()
    assert entry.title == "First title"
    assert entry.history.count() == 3
