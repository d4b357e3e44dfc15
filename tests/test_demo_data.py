"""`load_demo`: the real demo data set, its taxonomy mapping, and idempotent loading."""

from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command

from resources import demo, services
from resources.cache import catalogue_version
from resources.models import (
    Approach,
    Audience,
    Entry,
    EntryTerm,
    Evidence,
    Finding,
    Kind,
    Outcome,
    Population,
    Region,
    Resource,
    Status,
    StudyDesign,
    Tool,
    Topic,
)
from tests.test_imports import duplicate_found_for

TERM_MODELS = [Topic, Approach, Audience, Population, Region, Outcome]


def database_snapshot():
    """Every row load_demo could touch, as comparable values."""
    return {
        "entries": sorted(Entry.objects.values_list("pk", "slug", "title", "updated")),
        "terms": [sorted(model.objects.values_list()) for model in TERM_MODELS],
        "links": sorted(EntryTerm.objects.values_list()),
        "findings": sorted(Finding.objects.values_list()),
        "history": Entry.history.count(),
    }


@pytest.fixture
def loaded():
    return demo.load_demo()


# --- The data files ------------------------------------------------------------------------


def test_every_free_text_topic_and_approach_maps_onto_a_term():
    rules = demo.term_rules()
    known_tags = {tag for rule in rules for tag in rule.tags}
    values = {
        value.casefold()
        for item in demo.read_items()
        for value in (item["topics"] or []) + (item["approaches"] or [])
    }
    assert values - known_tags == set()


def test_every_country_in_the_demo_data_maps_onto_a_region():
    countries = {rule_country for rule in demo.term_rules() for rule_country in rule.countries}
    item_countries = {item["country"] for item in demo.read_items() if item["country"]}
    assert item_countries - countries == set()


def test_every_demo_study_design_maps_onto_a_specific_choice():
    designs = {item["study_design"] for item in demo.read_items() if item["study_design"]}
    unmapped = {text for text in designs if not demo.first_match(demo.STUDY_DESIGN_RULES, text)}
    assert unmapped == set()


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("systematic review and meta-analysis", StudyDesign.SYSTEMATIC_REVIEW),
        ("systematic review (Cochrane)", StudyDesign.SYSTEMATIC_REVIEW),
        ("umbrella review (review of systematic reviews)", StudyDesign.OTHER_REVIEW),
        ("scoping review", StudyDesign.OTHER_REVIEW),
        ("cluster RCT", StudyDesign.RCT),
        ("RCT (pragmatic, waiting-list control)", StudyDesign.RCT),
        (
            "feasibility RCT with qualitative process evaluation (mixed methods)",
            StudyDesign.MIXED_METHODS,
        ),
        ("mixed methods national evaluation", StudyDesign.MIXED_METHODS),
        ("social return on investment (SROI) evaluation", StudyDesign.EVALUATION),
    ],
)
def test_free_text_study_designs_map_onto_the_study_design_choices(text, choice):
    assert demo.first_match(demo.STUDY_DESIGN_RULES, text) == choice


def test_demo_slugs_are_unique():
    slugs = [demo.slug_from_title(item["title"]) for item in demo.read_items()]
    assert len(slugs) == len(set(slugs))


def test_long_titles_make_slugs_cut_at_a_word_boundary():
    title = "Peer support " * 20
    slug = demo.slug_from_title(title)
    assert len(slug) <= services.SLUG_MAX_LENGTH
    assert slug.endswith(("peer", "support"))
    assert not slug.endswith("-")


# --- Loading --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_demo_loads_the_59_real_items_by_kind(loaded):
    assert Entry.objects.count() == 59
    assert Evidence.objects.count() == 33
    assert Resource.objects.count() == 15
    assert Tool.objects.count() == 11


@pytest.mark.django_db
def test_an_import_finds_demo_entries_by_title_and_year(loaded):
    entry = Entry.objects.exclude(year=None).order_by("pk").first()

    duplicate = duplicate_found_for(entry.title.lower().replace(" ", "  "), entry.year)

    assert (duplicate.by, duplicate.entry_id) == ("title and year", entry.pk)


@pytest.mark.django_db
def test_demo_entries_are_published_real_entries(loaded):
    assert Entry.objects.published().real().count() == 59
    assert not Entry.objects.filter(published_at__isnull=True).exists()


@pytest.mark.django_db
def test_load_demo_creates_terms_in_all_five_taxonomies(loaded):
    for model in TERM_MODELS:
        assert model.objects.exists(), model
    assert Topic.objects.filter(slug="mental-health", position__gt=0).exists()


@pytest.mark.django_db
def test_every_demo_entry_is_filed_under_a_topic(loaded):
    assert not Entry.objects.exclude(terms__taxonomy="topic").exists()


@pytest.mark.django_db
def test_free_text_variants_of_one_idea_share_one_term(loaded):
    # "group" and "mutual support groups" are one idea: peer support groups.
    entry = Entry.objects.get(slug__startswith="a-systematic-review-and-meta-analysis-of-group-")
    approaches = set(entry.terms.in_taxonomy("approach").values_list("slug", flat=True))
    assert approaches == {"groups", "peer-led-self-management"}


@pytest.mark.django_db
def test_demo_evidence_carries_study_design_country_and_region(loaded):
    enrich = Evidence.objects.get(doi="10.1016/s2215-0366(21)00398-9")
    assert enrich.study_design == StudyDesign.RCT
    assert enrich.country == "England"
    assert list(enrich.terms.in_taxonomy("region").values_list("slug", flat=True)) == ["england"]


@pytest.mark.django_db
def test_populations_come_only_from_what_the_data_says(loaded):
    young = Population.objects.get(slug="children-and-young-people")
    assert young.entries.count() == 2
    assert not Population.objects.get(slug="lgbtq").entries.exists()


@pytest.mark.django_db
def test_demo_entry_without_a_url_links_to_its_doi(loaded):
    entry = Entry.objects.get(doi="10.1186/s12888-021-03321-z")
    assert entry.url == ""
    assert entry.link == "https://doi.org/10.1186/s12888-021-03321-z"


@pytest.mark.django_db
def test_unknown_demo_fields_stay_empty(loaded):
    entry = Resource.objects.get(slug="supported-self-management-peer-support-guide")
    assert entry.year is None
    assert entry.authors == ""
    assert entry.doi == ""
    assert entry.source_seen.startswith("http")


@pytest.mark.django_db
def test_formats_are_set_only_where_the_title_says_so(loaded):
    assert Resource.objects.get(slug__startswith="a-practical-guide-").resource_format == "guide"
    assert Resource.objects.get(slug="learning-and-insights-on-peer-support").resource_format == ""


@pytest.mark.django_db
def test_each_demo_entry_has_one_created_version_with_its_topics(loaded):
    entry = Entry.objects.get(slug="learning-and-insights-on-peer-support")
    versions = list(entry.history.all())
    assert len(versions) == 1
    assert versions[0].history_type == "+"
    assert {row.term.slug for row in versions[0].terms.filter(term__taxonomy="topic")} == {
        "mental-health",
        "long-term-conditions",
    }


@pytest.mark.django_db
def test_a_second_run_changes_nothing(loaded):
    before = database_snapshot()
    report = demo.load_demo()
    assert database_snapshot() == before
    assert (report.entries_created, report.entries_present) == (0, 59)
    assert report.terms_created == 0


@pytest.mark.django_db
def test_a_curators_edits_survive_a_second_run(loaded):
    entry = Entry.objects.get(slug="learning-and-insights-on-peer-support")
    entry.title = "Learning and insights on peer support (Mind, 2018)"
    entry.summary = "Rewritten by a curator."
    entry.status = Status.ARCHIVED
    entry.save()
    entry.terms.clear()
    topic = Topic.objects.get(slug="mental-health")
    topic.description = "A curator's description."
    topic.save()

    demo.load_demo()

    entry.refresh_from_db()
    topic.refresh_from_db()
    assert entry.title == "Learning and insights on peer support (Mind, 2018)"
    assert entry.summary == "Rewritten by a curator."
    assert entry.status == Status.ARCHIVED
    assert not entry.terms.in_taxonomy("topic").exists()
    assert topic.description == "A curator's description."
    assert Entry.objects.count() == 59


@pytest.mark.django_db
def test_a_demo_entry_renamed_by_a_curator_is_still_recognised_by_its_doi(loaded):
    Entry.objects.filter(doi="10.1136/bmj.d715").update(slug="diabetes-peer-support-trial")
    report = demo.load_demo()
    assert report.entries_created == 0
    assert Entry.objects.count() == 59


@pytest.mark.django_db
def test_a_deleted_demo_entry_comes_back_on_the_next_run(loaded):
    Entry.objects.get(slug="learning-and-insights-on-peer-support").delete()
    report = demo.load_demo()
    assert report.entries_created == 1
    assert Entry.objects.filter(slug="learning-and-insights-on-peer-support").exists()


@pytest.mark.django_db
def test_load_demo_saves_nothing_when_it_fails_part_way():
    # Entries and their links are inserted before their history; a failure there must undo them.
    with (
        mock.patch.object(
            services, "_record_created_versions", side_effect=RuntimeError("disk full")
        ),
        pytest.raises(RuntimeError),
    ):
        demo.load_demo()
    assert Entry.objects.count() == 0
    assert Topic.objects.count() == 0


@pytest.mark.django_db
def test_load_demo_command_reports_what_it_did():
    out = StringIO()
    call_command("load_demo", stdout=out, skip_checks=True)
    assert "Created 59 entries, 0 already present" in out.getvalue()
    out = StringIO()
    call_command("load_demo", stdout=out, skip_checks=True)
    assert "Created 0 entries, 59 already present; created 0 taxonomy terms" in out.getvalue()


@pytest.mark.django_db
def test_demo_entries_have_the_kind_their_item_says(loaded):
    kinds = {item["title"]: item["kind"] for item in demo.read_items()}
    assert {e.title: e.kind for e in Entry.objects.all()} == kinds
    assert set(kinds.values()) == set(Kind.values)


@pytest.mark.django_db
def test_loading_starts_a_new_catalogue_version_for_cached_counts(
    django_capture_on_commit_callbacks,
):
    before = catalogue_version()
    with django_capture_on_commit_callbacks(execute=True):
        demo.load_demo()
    assert catalogue_version() != before


@pytest.mark.django_db
def test_a_run_that_adds_nothing_keeps_the_catalogue_version(
    loaded, django_capture_on_commit_callbacks
):
    before = catalogue_version()
    with django_capture_on_commit_callbacks(execute=True):
        demo.load_demo()
    assert catalogue_version() == before


# --- Findings --------------------------------------------------------------------------------


def file_findings():
    """{(doi or url or title): {(outcome, direction)}} from the findings file."""
    return {
        record["doi"] or record["url"] or record["title"]: {
            (pair["outcome"], pair["direction"]) for pair in record["outcomes"]
        }
        for record in demo.read_findings()["findings"]
    }


@pytest.mark.django_db
def test_load_demo_loads_the_ten_outcomes_of_the_findings_file(loaded):
    outcomes = demo.read_findings()["outcomes"]
    assert list(Outcome.objects.values_list("slug", "name", "description")) == [
        (o["slug"], o["name"], o["description"]) for o in outcomes
    ]
    assert len(outcomes) == 10


@pytest.mark.django_db
def test_load_demo_loads_the_57_findings_of_29_evidence_entries_as_the_file_says(loaded):
    assert Finding.objects.count() == 57
    loaded_findings = {}
    for entry in Evidence.objects.filter(findings__isnull=False).distinct():
        key = entry.doi or entry.url or entry.title
        loaded_findings[key] = set(entry.findings.values_list("outcome__slug", "direction"))
    expected = {
        key.lower() if key.startswith("10.") else key: pairs
        for key, pairs in file_findings().items()
    }
    assert len(loaded_findings) == 29
    assert loaded_findings == expected


@pytest.mark.django_db
def test_findings_of_demo_entries_are_in_their_created_version(loaded):
    entry = Evidence.objects.get(doi="10.1186/1471-244x-14-39")
    [version] = entry.history.all()
    assert {(row.outcome.slug, row.direction) for row in version.outcomes.all()} == {
        ("service-use", "no_difference"), ("symptoms", "no_difference"),
        ("satisfaction", "no_difference"), ("personal-recovery", "mixed"),
    }  # fmt: skip
    assert loaded.findings_created == 57


@pytest.mark.django_db
def test_a_curators_findings_survive_a_second_run(loaded):
    entry = Evidence.objects.get(doi="10.1186/1471-244x-14-39")
    symptoms = Outcome.objects.get(slug="symptoms")
    services.save_entry(entry, findings=[Finding(outcome=symptoms, direction="positive")])
    emptied = Evidence.objects.get(doi="10.1136/bmj.d715")
    services.save_entry(emptied, findings=[])

    report = demo.load_demo()

    assert report.findings_created == 0
    assert list(entry.findings.values_list("outcome__slug", "direction")) == [
        ("symptoms", "positive")
    ]
    assert not emptied.findings.exists()


@pytest.mark.django_db
def test_entries_loaded_before_findings_existed_get_them_on_the_next_run(loaded):
    entry = Evidence.objects.get(doi="10.1186/1471-244x-14-39")
    # As the database was before findings: no finding rows, none in any version.
    Finding.objects.all().delete()
    services.link_versions("outcomes").objects.all().delete()

    report = demo.load_demo()

    assert report.findings_created == 57
    assert entry.findings.count() == 4
    assert entry.history.first().history_change_reason == "Findings loaded from the demo data set"
