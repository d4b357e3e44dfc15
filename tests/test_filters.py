"""The listing FilterSet: facet semantics, disjunctive counts and forgiving input."""

import pytest
from django.http import QueryDict

from resources.filters import listing_filterset
from resources.models import Entry, Kind, Status
from tests.factories import (
    ApproachFactory,
    AudienceFactory,
    EntryFactory,
    PopulationFactory,
    RegionFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def query(string=""):
    return QueryDict(string)


def titles(filterset):
    return sorted(filterset.qs.values_list("title", flat=True))


@pytest.fixture
def terms():
    return {
        "topic": [TopicFactory(name=n) for n in ("Mental health", "Diabetes", "Carers")],
        "approach": [ApproachFactory(name=n) for n in ("Groups", "One-to-one", "Online")],
        "audience": [AudienceFactory(name=n) for n in ("Commissioners", "Peer supporters")],
        "population": [PopulationFactory(name=n) for n in ("Older people", "Young people")],
        "region": [RegionFactory(name=n) for n in ("England", "Scotland")],
    }


def build_catalogue(terms, size):
    """`size` published entries of every kind, with overlapping terms (some have two topics),
    plus drafts that must never be counted."""
    designs = ["rct", "qualitative", "systematic_review"]
    strengths = ["strong", "moderate", "limited"]
    tool_formats = ["template", "checklist"]
    resource_formats = ["guide", "report", "video"]
    for i in range(size):
        kind = [Kind.EVIDENCE, Kind.TOOL, Kind.RESOURCE][i % 3]
        extra = {
            Kind.EVIDENCE: {
                "study_design": designs[i % len(designs)],
                "evidence_strength": strengths[(i // 3) % len(strengths)],
            },
            Kind.TOOL: {"tool_format": tool_formats[i % len(tool_formats)]},
            Kind.RESOURCE: {"resource_format": resource_formats[i % len(resource_formats)]},
        }[kind]
        topics = terms["topic"]
        EntryFactory(
            kind=kind,
            title=f"Entry {i:03d}",
            year=2000 + i % 20,
            topics=[topics[i % 3]] + ([topics[(i + 1) % 3]] if i % 4 == 0 else []),
            approaches=[terms["approach"][i % 3]],
            audiences=terms["audience"][: 1 + i % 2],
            populations=[terms["population"][i % 2]] if i % 5 else [],
            regions=[terms["region"][(i // 2) % 2]],
            **extra,
        )
    EntryFactory(title="Draft entry", status=Status.DRAFT, topics=terms["topic"])


@pytest.fixture
def catalogue(terms):
    build_catalogue(terms, 30)
    return terms


def assert_every_facet_count_is_the_results_its_option_gives(data, kind=None):
    """For every option of every facet: the count shown equals the number of results of the
    same listing with that facet's selection replaced by the option alone."""
    filterset = listing_filterset(query(data), kind=kind)
    checked = 0
    for facet in filterset.facets:
        for option in facet.options:
            probe = query(data).copy()
            probe.setlist(facet.name, [option.value])
            results = listing_filterset(probe, kind=kind).qs
            assert option.count == results.count(), (facet.name, option.value)
            assert option.count == len(set(results.values_list("pk", flat=True)))
            checked += 1
    return checked


SELECTIONS = [
    "",
    "topic=mental-health",
    "topic=mental-health&topic=diabetes&approach=groups",
    "audience=commissioners&region=england&year_min=2005",
    "kind=evidence&study_design=rct&study_design=qualitative&population=older-people",
    "tool_format=template&resource_format=guide&evidence_strength=strong&topic=carers",
]


def test_facet_counts_equal_the_results_each_option_leads_to(catalogue):
    # One catalogue, every listing and several selections: building it is the slow part.
    for kind in (None, Kind.EVIDENCE, Kind.TOOL, Kind.RESOURCE):
        for data in SELECTIONS:
            assert assert_every_facet_count_is_the_results_its_option_gives(data, kind) > 0


def test_facet_counts_over_the_demo_data_equal_the_results_each_option_leads_to():
    from resources.demo import load_demo

    load_demo()
    assert Entry.objects.published().count() > 20
    for kind, data in [
        (None, ""),
        (None, "kind=evidence&topic=mental-health"),
        (Kind.EVIDENCE, "study_design=systematic_review&study_design=rct"),
        (Kind.TOOL, "approach=peer-workers"),
        (Kind.RESOURCE, "q=peer support"),
    ]:
        assert assert_every_facet_count_is_the_results_its_option_gives(data, kind) > 0


def test_topic_facet_counts_ignore_their_own_selection(terms):
    mental_health, diabetes, _ = terms["topic"]
    EntryFactory(topics=[mental_health])
    EntryFactory(topics=[diabetes])
    filterset = listing_filterset(query("topic=mental-health"))
    topic_facet = next(f for f in filterset.facets if f.name == "topic")
    counts = {option.value: option.count for option in topic_facet.options}
    assert counts == {"mental-health": 1, "diabetes": 1, "carers": 0}


def test_facet_counts_apply_the_other_facets_selections(terms):
    mental_health, diabetes, _ = terms["topic"]
    groups = terms["approach"][0]
    EntryFactory(topics=[mental_health], approaches=[groups])
    EntryFactory(topics=[diabetes])
    filterset = listing_filterset(query("approach=groups"))
    topic_facet = next(f for f in filterset.facets if f.name == "topic")
    counts = {option.value: option.count for option in topic_facet.options}
    assert counts == {"mental-health": 1, "diabetes": 0, "carers": 0}


def test_options_with_no_results_are_disabled_unless_selected(terms):
    EntryFactory(topics=[terms["topic"][0]])
    filterset = listing_filterset(query("topic=carers"))
    options = {o.value: o for f in filterset.facets if f.name == "topic" for o in f.options}
    assert options["diabetes"].disabled
    assert not options["carers"].disabled  # selected: it must stay untickable-free
    assert not options["mental-health"].disabled


def test_terms_in_one_facet_are_ored(terms):
    mental_health, diabetes, carers = terms["topic"]
    EntryFactory(title="MH", topics=[mental_health])
    EntryFactory(title="Diabetes", topics=[diabetes])
    EntryFactory(title="Carers", topics=[carers])
    filterset = listing_filterset(query("topic=mental-health&topic=diabetes"))
    assert titles(filterset) == ["Diabetes", "MH"]


def test_facets_are_anded_with_each_other(terms):
    mental_health, diabetes, _ = terms["topic"]
    groups, online, _ = terms["approach"]
    EntryFactory(title="MH groups", topics=[mental_health], approaches=[groups])
    EntryFactory(title="MH online", topics=[mental_health], approaches=[online])
    EntryFactory(title="Diabetes groups", topics=[diabetes], approaches=[groups])
    filterset = listing_filterset(query("topic=mental-health&approach=groups"))
    assert titles(filterset) == ["MH groups"]


def test_an_entry_with_two_selected_terms_is_listed_once(terms):
    EntryFactory(title="Both", topics=terms["topic"][:2])
    filterset = listing_filterset(query("topic=mental-health&topic=diabetes"))
    assert filterset.qs.count() == 1
    assert titles(filterset) == ["Both"]


def test_choice_facets_are_ored_within_and_anded_across():
    EntryFactory(
        title="RCT strong", kind=Kind.EVIDENCE, study_design="rct", evidence_strength="strong"
    )
    EntryFactory(
        title="RCT weak", kind=Kind.EVIDENCE, study_design="rct", evidence_strength="limited"
    )
    EntryFactory(
        title="Qual strong",
        kind=Kind.EVIDENCE,
        study_design="qualitative",
        evidence_strength="strong",
    )
    EntryFactory(
        title="Review",
        kind=Kind.EVIDENCE,
        study_design="systematic_review",
        evidence_strength="strong",
    )
    filterset = listing_filterset(
        query("study_design=rct&study_design=qualitative&evidence_strength=strong"), Kind.EVIDENCE
    )
    assert titles(filterset) == ["Qual strong", "RCT strong"]


def test_kind_facet_filters_the_search_listing():
    EntryFactory(title="A tool", kind=Kind.TOOL)
    EntryFactory(title="A resource", kind=Kind.RESOURCE)
    assert titles(listing_filterset(query("kind=tool"))) == ["A tool"]


def test_kind_listings_show_only_their_own_facets():
    def facet_names(kind):
        return {facet.name for facet in listing_filterset(query(), kind).facets}

    # Every listing also has the co-production facet.
    taxonomies = {"topic", "approach", "audience", "population", "region", "co_produced"}
    assert facet_names(None) == taxonomies | {"outcome", "kind"}
    assert facet_names(Kind.EVIDENCE) == taxonomies | {
        "outcome",
        "study_design",
        "evidence_strength",
        "effect",
    }
    assert facet_names(Kind.TOOL) == taxonomies | {"tool_format"}
    assert facet_names(Kind.RESOURCE) == taxonomies | {"resource_format"}


def test_kind_listings_list_only_their_kind():
    EntryFactory(title="A tool", kind=Kind.TOOL)
    EntryFactory(title="A resource", kind=Kind.RESOURCE)
    assert titles(listing_filterset(query(), Kind.TOOL)) == ["A tool"]


def test_unknown_slugs_are_ignored_and_known_ones_still_filter(terms):
    EntryFactory(title="MH", topics=[terms["topic"][0]])
    EntryFactory(title="Diabetes", topics=[terms["topic"][1]])
    assert titles(listing_filterset(query("topic=nope"))) == ["Diabetes", "MH"]
    assert titles(listing_filterset(query("topic=nope&topic=diabetes"))) == ["Diabetes"]


def test_unknown_choices_are_ignored():
    EntryFactory(title="RCT", kind=Kind.EVIDENCE, study_design="rct")
    filterset = listing_filterset(query("study_design=astrology&study_design=rct"), Kind.EVIDENCE)
    assert titles(filterset) == ["RCT"]
    assert not filterset.form.errors


def test_year_range_is_inclusive():
    for year in (2010, 2015, 2020):
        EntryFactory(title=f"Y{year}", year=year)
    assert titles(listing_filterset(query("year_min=2015&year_max=2020"))) == ["Y2015", "Y2020"]


@pytest.mark.parametrize("bad", ["x", "1e400", "99999999999999999999", "20.5", "-5", "\x00"])
def test_malformed_years_are_reported_and_ignored(bad):
    EntryFactory(title="Only", year=2020)
    filterset = listing_filterset(QueryDict(mutable=True) | {"year_min": bad})
    assert titles(filterset) == ["Only"]
    assert "year_min" in filterset.form.errors


def test_an_unknown_sort_is_reported_and_the_default_used():
    filterset = listing_filterset(query("sort=evil"))
    filterset.qs  # noqa: B018 (evaluating the filters)
    assert "sort" in filterset.form.errors
    assert filterset.sort == "newest"


def test_relevance_is_the_default_sort_only_when_searching():
    assert listing_filterset(query("q=peer")).sort == "relevance"
    assert listing_filterset(query("")).sort == "newest"
    assert listing_filterset(query("sort=relevance")).sort == "newest"


def test_removing_an_active_filter_keeps_the_others_and_drops_junk(terms):
    filterset = listing_filterset(
        query("q=peer&topic=mental-health&topic=diabetes&topic=nope&year_min=x&page=3")
    )
    links = {f"{a.label}: {a.value}": a.remove_url for a in filterset.active_filters}
    assert links == {
        "Search: “peer”": "?topic=mental-health&topic=diabetes",
        "Topic: Mental health": "?q=peer&topic=diabetes",
        "Topic: Diabetes": "?q=peer&topic=mental-health",
    }
