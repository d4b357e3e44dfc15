"""The curators' admin: the kind screens, their forms, bulk actions, history, taxonomies."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from resources.admin import EntryAdminForm
from resources.models import Entry, Kind, Status, Topic
from tests.factories import ApproachFactory, EntryFactory, TopicFactory

pytestmark = pytest.mark.django_db

KINDS = [Kind.RESOURCE, Kind.TOOL, Kind.EVIDENCE]
KIND_ONLY_FIELD = {Kind.RESOURCE: "resource_format", Kind.TOOL: "tool_format",
                   Kind.EVIDENCE: "study_design"}  # fmt: skip


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def admin_url(kind, view, *args):
    return reverse(f"admin:resources_{kind}_{view}", args=args)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def entry_form_data(**overrides):
    """What a curator types into the add form of an evidence entry, with `overrides`."""
    data = {
        "title": "Peer support for people with severe mental illness",
        "slug": "peer-support-for-people-with-severe-mental-illness",
        "summary": "A systematic review of randomised trials of peer support.",
        "body": "",
        "url": "https://example.org/review",
        "doi": "",
        "organisation": "",
        "authors": "Lloyd-Evans B, Mayo-Wilson E",
        "publisher": "BMC Psychiatry",
        "year": "2014",
        "study_design": "systematic_review",
        "evidence_strength": "moderate",
        "finding": "",
        "sample_size": "",
        "population": "",
        "country": "",
        "status": Status.DRAFT,
        "last_reviewed_on": "",
        "source_seen": "",
        # The findings inline's management form: no findings.
        "findings-TOTAL_FORMS": "0",
        "findings-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


# ---------------------------------------------------------------------------------------------
# The three screens
# ---------------------------------------------------------------------------------------------


def test_the_catalogue_lists_the_three_entry_screens_before_the_taxonomies(curator_client):
    response = curator_client.get(reverse("admin:index"))

    [catalogue] = [app for app in response.context["app_list"] if app["app_label"] == "resources"]
    assert [model["object_name"] for model in catalogue["models"]] == [
        "Resource", "Tool", "Evidence", "Approach", "Audience", "Outcome", "Population", "Region",
        "Topic",
    ]  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_a_curator_sees_only_entries_of_the_screens_kind_in_its_list(curator_client, kind):
    for each_kind in KINDS:
        EntryFactory(kind=each_kind, title=f"A {each_kind} entry")

    response = curator_client.get(admin_url(kind, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert f"A {kind} entry" in response.text


@pytest.mark.parametrize("kind", KINDS)
def test_the_add_form_shows_the_kinds_own_fields_and_never_asks_for_the_kind(curator_client, kind):
    response = curator_client.get(admin_url(kind, "add"))

    assert response.status_code == 200
    fields = response.context["adminform"].form.fields
    assert "kind" not in fields
    assert KIND_ONLY_FIELD[kind] in fields
    assert not {KIND_ONLY_FIELD[other] for other in KINDS if other != kind} & set(fields)


@pytest.mark.parametrize("kind", KINDS)
def test_a_curator_opens_the_change_form_of_an_entry(curator_client, kind):
    entry = EntryFactory(kind=kind, title="Entry to edit")

    response = curator_client.get(admin_url(kind, "change", entry.pk))

    assert response.status_code == 200
    assert "Entry to edit" in response.text


def test_an_entry_added_on_the_evidence_screen_is_evidence_with_its_topics(curator_client):
    topics = [TopicFactory(name="Mental health"), TopicFactory(name="Carers")]

    response = curator_client.post(
        admin_url(Kind.EVIDENCE, "add"),
        entry_form_data(topics=[topic.pk for topic in topics]),
    )

    assert response.status_code == 302
    entry = Entry.objects.get(slug="peer-support-for-people-with-severe-mental-illness")
    assert entry.kind == Kind.EVIDENCE
    assert set(entry.terms.in_taxonomy("topic")) == set(topics)
    creation = entry.history.earliest("history_date")
    assert (creation.history_type, creation.history_user.username) == ("+", "curator")


def test_the_taxonomy_pickers_are_autocomplete_widgets(curator_client):
    response = curator_client.get(admin_url(Kind.EVIDENCE, "add"))

    assert 'class="admin-autocomplete' in response.text
    assert response.text.count("data-ajax--url") == 5


def test_the_topic_autocomplete_finds_terms_by_name_for_a_curator(curator_client):
    TopicFactory(name="Mental health")
    TopicFactory(name="Diabetes")

    response = curator_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "resources", "model_name": "evidence", "field_name": "topics",
         "term": "ment"},
    )  # fmt: skip

    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Mental health"]


def test_a_published_entry_has_a_view_on_site_link_to_its_public_page(curator_client):
    entry = EntryFactory(kind=Kind.TOOL, status=Status.PUBLISHED)

    response = curator_client.get(admin_url(Kind.TOOL, "change", entry.pk))

    assert response.context["has_absolute_url"]
    assert entry.get_absolute_url() in response.text


def test_a_draft_has_a_preview_link_instead_of_view_on_site(curator_client):
    entry = EntryFactory(kind=Kind.TOOL, status=Status.DRAFT)

    response = curator_client.get(admin_url(Kind.TOOL, "change", entry.pk))

    assert not response.context["has_absolute_url"]
    assert f'<a href="{entry.get_absolute_url()}" class="viewsitelink">Preview (draft)</a>' in (
        response.text
    )


def test_synthetic_entries_can_be_listed_apart_from_real_ones(curator_client):
    EntryFactory(title="A real report")
    EntryFactory(title="A generated report", is_synthetic=True)

    synthetic = curator_client.get(admin_url(Kind.RESOURCE, "changelist"), {"origin": "synthetic"})
    real = curator_client.get(admin_url(Kind.RESOURCE, "changelist"), {"origin": "real"})

    assert [entry.title for entry in synthetic.context["cl"].result_list] == ["A generated report"]
    assert [entry.title for entry in real.context["cl"].result_list] == ["A real report"]


@pytest.mark.parametrize(
    ("decade", "titles"),
    [("2010", ["From 2014"]), ("earlier", ["From 1985"]), ("unknown", ["Undated"])],
)
def test_the_year_filter_lists_entries_of_the_chosen_decade(curator_client, decade, titles):
    EntryFactory(title="From 2014", year=2014)
    EntryFactory(title="From 2020", year=2020)
    EntryFactory(title="From 1985", year=1985)
    EntryFactory(title="Undated", year=None)

    response = curator_client.get(admin_url(Kind.RESOURCE, "changelist"), {"decade": decade})

    assert [entry.title for entry in response.context["cl"].result_list] == titles


def test_a_malformed_year_filter_value_is_ignored(curator_client):
    EntryFactory()

    response = curator_client.get(admin_url(Kind.RESOURCE, "changelist"), {"decade": "19x0"})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


@pytest.mark.parametrize(
    "query",
    [{"topics__id__exact": "abc"}, {"status__exact": "nonsense"}, {"o": "99"}, {"p": "-1"},
     {"q": "%_\\'"}, {"origin": "<script>"}],
)  # fmt: skip
def test_malformed_list_parameters_never_cause_a_server_error(curator_client, query):
    EntryFactory()

    response = curator_client.get(admin_url(Kind.RESOURCE, "changelist"), query)

    assert response.status_code in (200, 302)


def test_synthetic_entries_are_marked_in_the_list(curator_client):
    EntryFactory(title="A generated report", is_synthetic=True)

    response = curator_client.get(admin_url(Kind.RESOURCE, "changelist"))

    assert '<td class="field-origin">Synthetic</td>' in response.text


def test_the_topic_filter_finds_entries_without_any_topic(curator_client):
    EntryFactory(title="Untagged")
    EntryFactory(title="Tagged", topics=[TopicFactory(name="Carers")])

    response = curator_client.get(admin_url(Kind.RESOURCE, "changelist"), {"topic": "none"})

    assert [entry.title for entry in response.context["cl"].result_list] == ["Untagged"]
    assert '<a href="?topic=none">None</a>' in response.text


def test_the_topic_filter_finds_entries_with_a_topic(curator_client):
    carers = TopicFactory(name="Carers")
    EntryFactory(title="Untagged")
    EntryFactory(title="Tagged", topics=[carers])

    response = curator_client.get(admin_url(Kind.RESOURCE, "changelist"), {"topic": carers.pk})

    assert [entry.title for entry in response.context["cl"].result_list] == ["Tagged"]


def test_the_slug_help_text_shows_an_example_address(curator_client):
    response = curator_client.get(admin_url(Kind.EVIDENCE, "add"))

    assert "/evidence/peer-support-for-carers/" in response.text


def test_searching_by_a_doi_link_finds_the_entry_with_that_doi(curator_client):
    EntryFactory(kind=Kind.EVIDENCE, title="The trial", doi="10.1186/S12888-020-02923-3")
    EntryFactory(kind=Kind.EVIDENCE, title="Another study")

    response = curator_client.get(
        admin_url(Kind.EVIDENCE, "changelist"), {"q": "https://doi.org/10.1186/s12888-020-02923-3"}
    )

    assert [entry.title for entry in response.context["cl"].result_list] == ["The trial"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_changelist_needs_the_same_queries_for_many_entries_as_for_few(
    curator_client, kind, django_assert_max_num_queries
):
    topic = TopicFactory()
    EntryFactory.create_batch(3, kind=kind, topics=[topic])
    with django_assert_max_num_queries(25) as few:
        curator_client.get(admin_url(kind, "changelist"))

    EntryFactory.create_batch(40, kind=kind, topics=[topic])
    with django_assert_max_num_queries(25) as many:
        response = curator_client.get(admin_url(kind, "changelist"))

    assert response.context["cl"].result_count == 43
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_change_form_needs_the_same_queries_for_many_chosen_terms_as_for_few(
    curator_client, django_assert_max_num_queries
):
    few = EntryFactory(kind=Kind.EVIDENCE, topics=TopicFactory.create_batch(2))
    many = EntryFactory(kind=Kind.EVIDENCE, topics=TopicFactory.create_batch(30))
    # Once first, so that what a process looks up once (content types) counts for neither.
    curator_client.get(admin_url(Kind.EVIDENCE, "change", few.pk))
    with django_assert_max_num_queries(20) as for_few:
        curator_client.get(admin_url(Kind.EVIDENCE, "change", few.pk))

    with django_assert_max_num_queries(20) as for_many:
        curator_client.get(admin_url(Kind.EVIDENCE, "change", many.pk))

    assert len(for_many.captured_queries) == len(for_few.captured_queries)


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("doi", "not a doi"),
        ("doi", "https://doi.org/banana"),
        ("url", "not a link"),
        ("url", "javascript:alert(1)"),
        ("year", "1850"),
        ("year", str(timezone.now().year + 2)),
        ("year", "twenty twenty"),
    ],
)
def test_an_invalid_value_is_a_form_error_and_nothing_is_saved(curator_client, field, value):
    response = curator_client.post(
        admin_url(Kind.EVIDENCE, "add"), entry_form_data(**{field: value})
    )

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Entry.objects.exists()


def test_a_duplicate_slug_is_a_clear_form_error(curator_client):
    EntryFactory(slug="peer-support-for-people-with-severe-mental-illness")

    response = curator_client.post(admin_url(Kind.EVIDENCE, "add"), entry_form_data())

    assert response.context["adminform"].form.errors["slug"] == [
        "Another entry already uses this slug (web address): choose another."
    ]
    assert Entry.objects.count() == 1


def test_a_doi_already_on_another_entry_is_a_form_error_naming_that_entry(curator_client):
    EntryFactory(kind=Kind.EVIDENCE, title="The original review", doi="10.1186/1471-244x-14-39")

    response = curator_client.post(
        admin_url(Kind.EVIDENCE, "add"),
        entry_form_data(doi="https://doi.org/10.1186/1471-244X-14-39"),
    )

    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["doi"]
    assert "Another entry already has this DOI" in error
    assert "The original review" in error
    assert Entry.objects.count() == 1


def test_a_doi_saved_by_someone_else_after_the_form_check_is_an_error_message_not_a_crash(
    curator_client, monkeypatch
):
    EntryFactory(kind=Kind.EVIDENCE, doi="10.1186/1471-244x-14-39")
    # Both checks pass, as they would if the other entry was saved just after them.
    monkeypatch.setattr(EntryAdminForm, "clean_doi", lambda form: form.cleaned_data["doi"])
    monkeypatch.setattr(Entry, "validate_constraints", lambda entry, exclude=None: None)

    response = curator_client.post(
        admin_url(Kind.EVIDENCE, "add"), entry_form_data(doi="10.1186/1471-244x-14-39")
    )

    assert response.status_code == 302
    assert "another entry was saved with the same slug or DOI" in messages_of(response)[0]
    assert Entry.objects.count() == 1


def test_saving_an_entry_keeps_its_own_doi_without_calling_it_a_duplicate(curator_client):
    entry = EntryFactory(kind=Kind.EVIDENCE, doi="10.1186/1471-244x-14-39")
    data = entry_form_data(title=entry.title, slug=entry.slug, doi="doi:10.1186/1471-244X-14-39")

    response = curator_client.post(admin_url(Kind.EVIDENCE, "change", entry.pk), data)

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.doi == "10.1186/1471-244x-14-39"


def test_a_link_already_on_another_entry_is_saved_with_a_warning(curator_client):
    EntryFactory(title="The same report", url="https://example.org/review/")

    response = curator_client.post(
        admin_url(Kind.EVIDENCE, "add"), entry_form_data(url="https://example.org/review")
    )

    assert response.status_code == 302
    assert Entry.objects.count() == 2
    [warning] = [m for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert "Another entry already has this link" in str(warning)
    assert "The same report" in str(warning)


def test_changing_the_link_to_one_another_entry_has_brings_a_warning(curator_client):
    EntryFactory(title="The same report", url="https://example.org/review")
    entry = EntryFactory(kind=Kind.EVIDENCE, url="https://example.org/other")
    data = entry_form_data(title=entry.title, slug=entry.slug, url="https://example.org/review")

    response = curator_client.post(admin_url(Kind.EVIDENCE, "change", entry.pk), data)

    assert response.status_code == 302
    assert [m for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


def test_saving_an_entry_without_changing_its_link_brings_no_warning_again(curator_client):
    EntryFactory(url="https://example.org/review")
    entry = EntryFactory(kind=Kind.EVIDENCE, url="https://example.org/review")
    data = entry_form_data(title="A corrected title", slug=entry.slug)

    response = curator_client.post(admin_url(Kind.EVIDENCE, "change", entry.pk), data)

    assert response.status_code == 302
    assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


def test_a_new_link_no_other_entry_has_brings_no_warning(curator_client):
    EntryFactory(url="https://example.org/something-else")

    response = curator_client.post(admin_url(Kind.EVIDENCE, "add"), entry_form_data())

    assert response.status_code == 302
    assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


# ---------------------------------------------------------------------------------------------
# Bulk actions
# ---------------------------------------------------------------------------------------------


def run_action(client, kind, action, entries):
    return client.post(
        admin_url(kind, "changelist"),
        {"action": action, "_selected_action": [entry.pk for entry in entries]},
        follow=True,
    )


def test_publishing_drafts_in_bulk_publishes_them_with_a_date_and_a_history_record(
    curator_client,
):
    drafts = EntryFactory.create_batch(2, kind=Kind.EVIDENCE, status=Status.DRAFT)
    already_published = EntryFactory(kind=Kind.EVIDENCE, status=Status.PUBLISHED)

    response = run_action(curator_client, Kind.EVIDENCE, "publish", [*drafts, already_published])

    assert "2 entries published." in messages_of(response)
    for draft in drafts:
        draft.refresh_from_db()
        assert draft.status == Status.PUBLISHED
        assert draft.published_at is not None
        latest = draft.history.first()
        assert (latest.status, latest.history_user.username) == (Status.PUBLISHED, "curator")


def test_republishing_keeps_the_date_an_entry_was_first_published(curator_client):
    first_published = timezone.now() - datetime.timedelta(days=30)
    entry = EntryFactory(status=Status.ARCHIVED, published_at=first_published)

    run_action(curator_client, Kind.RESOURCE, "publish", [entry])

    entry.refresh_from_db()
    assert (entry.status, entry.published_at) == (Status.PUBLISHED, first_published)


def test_returning_entries_to_draft_records_who_did_it(curator_client):
    entry = EntryFactory(kind=Kind.TOOL, status=Status.PUBLISHED)

    response = run_action(curator_client, Kind.TOOL, "return_to_draft", [entry])

    assert "1 entry returned to draft." in messages_of(response)
    entry.refresh_from_db()
    assert entry.status == Status.DRAFT
    assert entry.history.first().history_user.username == "curator"


def test_archiving_entries_changes_their_status_and_records_it(curator_client):
    entries = EntryFactory.create_batch(3, status=Status.PUBLISHED)

    response = run_action(curator_client, Kind.RESOURCE, "archive", entries)

    assert "3 entries archived." in messages_of(response)
    assert set(Entry.objects.values_list("status", flat=True)) == {Status.ARCHIVED}
    assert entries[0].history.first().status == Status.ARCHIVED


def test_marking_entries_reviewed_sets_todays_date(curator_client):
    entries = EntryFactory.create_batch(2, last_reviewed_on=datetime.date(2020, 1, 1))

    response = run_action(curator_client, Kind.RESOURCE, "mark_reviewed_today", entries)

    assert "2 entries marked reviewed." in messages_of(response)
    assert set(Entry.objects.values_list("last_reviewed_on", flat=True)) == {timezone.localdate()}
    assert entries[0].history.first().last_reviewed_on == timezone.localdate()


def test_an_action_that_changes_nothing_says_so(curator_client):
    entry = EntryFactory(status=Status.ARCHIVED)

    response = run_action(curator_client, Kind.RESOURCE, "archive", [entry])

    assert "0 entries archived." in messages_of(response)
    assert entry.history.count() == 1


def test_an_action_only_touches_entries_of_the_screens_kind(curator_client):
    tool = EntryFactory(kind=Kind.TOOL, status=Status.DRAFT)

    run_action(curator_client, Kind.EVIDENCE, "publish", [tool])

    tool.refresh_from_db()
    assert tool.status == Status.DRAFT


# ---------------------------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------------------------


def test_the_history_screen_shows_who_changed_an_entry(curator_client):
    entry = EntryFactory(kind=Kind.EVIDENCE, status=Status.DRAFT)
    run_action(curator_client, Kind.EVIDENCE, "publish", [entry])

    response = curator_client.get(admin_url(Kind.EVIDENCE, "history", entry.pk))

    assert response.status_code == 200
    assert "curator" in response.text
    assert len(response.context["page_obj"].object_list) == 2


def test_a_curator_reverts_an_entry_to_an_earlier_version_with_its_topics(curator_client):
    carers, dementia = TopicFactory(name="Carers"), TopicFactory(name="Dementia")
    entry = EntryFactory(
        topics=[carers],
        kind=Kind.EVIDENCE,
        title="Peer support for people with severe mental illness",
        slug="peer-support-for-people-with-severe-mental-illness",
        status=Status.DRAFT,
        url="https://example.org/review",
        authors="Lloyd-Evans B, Mayo-Wilson E",
        publisher="BMC Psychiatry",
        year=2014,
        summary="A systematic review of randomised trials of peer support.",
        study_design="systematic_review",
        evidence_strength="moderate",
    )
    original = entry.history.first()
    curator_client.post(
        admin_url(Kind.EVIDENCE, "change", entry.pk),
        entry_form_data(title="A mistaken title", topics=[dementia.pk]),
    )
    entry.refresh_from_db()
    assert entry.title == "A mistaken title"

    revert_url = reverse(
        "admin:resources_evidence_simple_history", args=[entry.pk, original.history_id]
    )
    form = curator_client.get(revert_url).context["adminform"].form
    assert form.initial["title"] == "Peer support for people with severe mental illness"
    assert form.initial["topics"] == [carers.pk]
    response = curator_client.post(revert_url, entry_form_data(topics=form.initial["topics"]))

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.title == "Peer support for people with severe mental illness"
    assert list(entry.terms.in_taxonomy("topic")) == [carers]
    assert entry.history.first().history_user.username == "curator"


# ---------------------------------------------------------------------------------------------
# Taxonomies
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "taxonomy", ["topic", "approach", "audience", "population", "region", "outcome"]
)
def test_a_curator_sees_each_taxonomy_screen(curator_client, taxonomy):
    response = curator_client.get(reverse(f"admin:resources_{taxonomy}_changelist"))

    assert response.status_code == 200


def test_the_topic_list_counts_entries_of_every_status_in_constant_queries(
    curator_client, django_assert_max_num_queries
):
    topics = TopicFactory.create_batch(30)
    EntryFactory(topics=topics[:2], status=Status.PUBLISHED)
    EntryFactory(topics=topics[:1], status=Status.DRAFT)

    with django_assert_max_num_queries(12):
        response = curator_client.get(reverse("admin:resources_topic_changelist"))

    counts = {topic.name: topic.entry_count for topic in response.context["cl"].result_list}
    assert counts[topics[0].name] == 2
    assert counts[topics[1].name] == 1
    assert counts[topics[2].name] == 0


def test_a_curator_reorders_topics_from_the_list(curator_client):
    first, second = TopicFactory(name="Carers"), TopicFactory(name="Dementia")
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": first.pk,
        "form-0-position": "20",
        "form-1-id": second.pk,
        "form-1-position": "10",
        "_save": "Save",
    }

    response = curator_client.post(reverse("admin:resources_topic_changelist"), data)

    assert response.status_code == 302
    assert list(Topic.objects.values_list("name", flat=True)) == ["Dementia", "Carers"]


def test_a_curator_adds_a_topic(curator_client):
    response = curator_client.post(
        reverse("admin:resources_topic_add"),
        {"name": "Long-term conditions", "slug": "long-term-conditions", "position": "5"},
    )

    assert response.status_code == 302
    assert Topic.objects.filter(slug="long-term-conditions").exists()


def test_a_slug_already_used_in_the_same_taxonomy_is_refused_with_a_message(curator_client):
    TopicFactory(name="Carers", slug="carers")

    response = curator_client.post(
        reverse("admin:resources_topic_add"),
        {"name": "Unpaid carers", "slug": "carers", "position": "5"},
    )

    assert response.status_code == 200
    assert "Another term of this taxonomy already has this slug." in response.text
    assert Topic.objects.filter(slug="carers").count() == 1


def test_a_slug_of_another_taxonomy_may_be_used_again(curator_client):
    ApproachFactory(name="Online", slug="online")

    response = curator_client.post(
        reverse("admin:resources_topic_add"),
        {"name": "Online harms", "slug": "online", "position": "5"},
    )

    assert response.status_code == 302
    assert Topic.objects.get(slug="online").name == "Online harms"


def test_a_term_saves_again_under_its_own_name_and_slug(curator_client):
    carers = TopicFactory(name="Carers", slug="carers")

    response = curator_client.post(
        reverse("admin:resources_topic_change", args=[carers.pk]),
        {"name": "Carers", "slug": "carers", "description": "Unpaid carers.", "position": "3"},
    )

    assert response.status_code == 302
    carers.refresh_from_db()
    assert carers.description == "Unpaid carers."


@pytest.mark.parametrize("value", ["99999999999999999999999", "abc", ""])
def test_a_made_up_topic_filter_value_leaves_the_list_unfiltered(curator_client, value):
    EntryFactory(title="Untagged")

    response = curator_client.get(admin_url(Kind.RESOURCE, "changelist"), {"topic": value})

    assert response.status_code == 200
    assert [entry.title for entry in response.context["cl"].result_list] == ["Untagged"]


def test_entries_not_reviewed_for_the_interval_are_due_for_review_with_a_count(
    curator_client, settings
):
    settings.REVIEW_INTERVAL_MONTHS = 24
    today = timezone.localdate()
    long_ago = timezone.now() - datetime.timedelta(days=3 * 365)
    EntryFactory(title="Reviewed recently", last_reviewed_on=today)
    EntryFactory(title="Reviewed long ago", last_reviewed_on=today - datetime.timedelta(days=800))
    never = EntryFactory(title="Never reviewed, old")
    Entry.objects.filter(pk=never.pk).update(published_at=long_ago)
    EntryFactory(title="Never reviewed, new")
    EntryFactory(title="Old draft", status=Status.DRAFT, last_reviewed_on=today.replace(year=2000))

    response = curator_client.get(admin_url(Kind.RESOURCE, "changelist"), {"review": "due"})

    titles = sorted(entry.title for entry in response.context["cl"].result_list)
    assert titles == ["Never reviewed, old", "Reviewed long ago"]
    assert "Due for review (2)" in response.text


def test_the_review_interval_comes_from_the_setting(settings):
    today = timezone.localdate()
    EntryFactory(last_reviewed_on=today - datetime.timedelta(days=100))
    settings.REVIEW_INTERVAL_MONTHS = 24
    assert Entry.objects.due_for_review().count() == 0
    settings.REVIEW_INTERVAL_MONTHS = 3
    assert Entry.objects.due_for_review().count() == 1


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 3, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2024, 3, 31), 1, datetime.date(2024, 2, 29)),
        (datetime.date(2026, 12, 1), 24, datetime.date(2024, 12, 1)),
        (datetime.date(2026, 1, 15), 13, datetime.date(2024, 12, 15)),
    ],
)
def test_months_before_counts_calendar_months(day, months, expected):
    from resources.models.querysets import months_before

    assert months_before(day, months) == expected
