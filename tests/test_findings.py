"""Findings: an evidence entry's effect direction per outcome, in the admin, the history, the
listing facets and the detail page."""

import re

import pytest
from django.db import IntegrityError
from django.http import QueryDict
from django.urls import reverse

from resources import services
from resources.filters import listing_filterset
from resources.models import Entry, Finding, Kind, Status
from tests.factories import EntryFactory, OutcomeFactory, TopicFactory
from tests.test_admin import admin_url, entry_form_data, messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def outcomes():
    return {
        "wellbeing": OutcomeFactory(name="Wellbeing", slug="wellbeing", position=10),
        "symptoms": OutcomeFactory(name="Symptoms", slug="symptoms", position=20),
    }


def evidence(**kwargs):
    return EntryFactory(kind=Kind.EVIDENCE, **kwargs)


def titles(data, kind=Kind.EVIDENCE):
    return sorted(entry.title for entry in listing_filterset(QueryDict(data), kind).qs)


def facet(data, name, kind=Kind.EVIDENCE):
    [found] = [f for f in listing_filterset(QueryDict(data), kind).facets if f.name == name]
    return {option.value: option.count for option in found.options}


def finding_rows(version):
    return sorted((row.outcome.slug, row.direction, row.note) for row in version.outcomes.all())


# ---------------------------------------------------------------------------------------------
# The model and the service
# ---------------------------------------------------------------------------------------------


def test_an_entry_has_at_most_one_finding_per_outcome(outcomes):
    entry = evidence(findings=[(outcomes["wellbeing"], "positive")])
    with pytest.raises(IntegrityError):
        Finding.objects.create(entry=entry, outcome=outcomes["wellbeing"], direction="mixed")


def test_findings_are_refused_on_kinds_without_them(outcomes):
    resource = EntryFactory(kind=Kind.RESOURCE)
    with pytest.raises(ValueError, match="no findings"):
        services.save_entry(
            resource, findings=[Finding(outcome=outcomes["wellbeing"], direction="positive")]
        )
    assert not Finding.objects.exists()


def test_saving_findings_writes_one_version_that_holds_them(outcomes):
    entry = evidence()
    versions_before = entry.history.count()
    services.save_entry(
        entry,
        findings=[
            Finding(outcome=outcomes["wellbeing"], direction="positive", note="WEMWBS"),
            Finding(outcome=outcomes["symptoms"], direction="no_difference"),
        ],
    )
    assert entry.history.count() == versions_before + 1
    assert finding_rows(entry.history.first()) == [
        ("symptoms", "no_difference", ""),
        ("wellbeing", "positive", "WEMWBS"),
    ]


def test_saving_findings_changes_only_what_differs(outcomes):
    entry = evidence(
        findings=[(outcomes["wellbeing"], "positive"), (outcomes["symptoms"], "mixed")]
    )
    kept = Finding.objects.get(entry=entry, outcome=outcomes["wellbeing"])
    services.save_entry(
        entry, findings=[Finding(outcome=outcomes["wellbeing"], direction="negative")]
    )
    [finding] = Finding.objects.filter(entry=entry)
    assert (finding.pk, finding.direction) == (kept.pk, "negative")


def test_a_new_finding_shows_at_once_in_cached_facet_counts(outcomes):
    entry = evidence()
    assert facet("", "outcome")["wellbeing"] == 0
    Finding.objects.create(entry=entry, outcome=outcomes["wellbeing"], direction="positive")
    assert facet("", "outcome")["wellbeing"] == 1


# ---------------------------------------------------------------------------------------------
# Facets: ?outcome= and ?effect=
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def coded(outcomes):
    wellbeing, symptoms = outcomes["wellbeing"], outcomes["symptoms"]
    evidence(title="Better wellbeing", findings=[(wellbeing, "positive"), (symptoms, "mixed")])
    evidence(title="Better symptoms", findings=[(symptoms, "positive"), (wellbeing, "mixed")])
    evidence(title="No change", findings=[(wellbeing, "no_difference")])
    evidence(title="Uncoded")
    evidence(title="Draft", status=Status.DRAFT, findings=[(wellbeing, "positive")])
    return outcomes


def test_outcome_lists_published_evidence_with_a_finding_for_it(coded):
    assert titles("outcome=symptoms") == ["Better symptoms", "Better wellbeing"]
    assert titles("outcome=symptoms&outcome=wellbeing") == [
        "Better symptoms", "Better wellbeing", "No change",
    ]  # fmt: skip


def test_effect_lists_evidence_with_a_finding_of_that_direction(coded):
    assert titles("effect=positive") == ["Better symptoms", "Better wellbeing"]
    assert titles("effect=no_difference&effect=mixed") == [
        "Better symptoms", "Better wellbeing", "No change",
    ]  # fmt: skip


def test_effect_is_narrowed_by_the_ticked_outcomes(coded):
    assert titles("outcome=wellbeing&effect=positive") == ["Better wellbeing"]
    assert titles("outcome=symptoms&effect=no_difference") == []


def test_effect_counts_count_entries_for_the_ticked_outcomes(coded):
    assert facet("", "effect") == {
        "positive": 2, "mixed": 2, "no_difference": 1, "negative": 0, "insufficient": 0,
    }  # fmt: skip
    assert facet("outcome=wellbeing", "effect")["positive"] == 1
    assert facet("outcome=wellbeing", "effect")["mixed"] == 1


def test_outcome_counts_are_what_ticking_them_would_list(coded):
    assert facet("", "outcome") == {"wellbeing": 3, "symptoms": 2}
    assert facet("effect=positive", "outcome") == {"wellbeing": 1, "symptoms": 1}
    for outcome in ("wellbeing", "symptoms"):
        data = f"effect=mixed&outcome={outcome}"
        assert facet("effect=mixed", "outcome")[outcome] == len(titles(data))


def test_outcome_is_a_facet_of_search_but_not_of_resources_or_tools(coded):
    assert titles("outcome=wellbeing", kind=None) == [
        "Better symptoms", "Better wellbeing", "No change",
    ]  # fmt: skip
    for kind in (Kind.RESOURCE, Kind.TOOL):
        names = {f.name for f in listing_filterset(QueryDict(), kind).facets}
        assert "outcome" not in names and "effect" not in names


def test_unknown_outcomes_and_effects_are_ignored(client, coded):
    response = client.get("/evidence/?outcome=nope&effect=great&effect=positive")
    assert response.status_code == 200
    assert "2 results" in response.content.decode()


def test_outcome_and_effect_filters_show_as_active_filters(client, coded):
    html = client.get("/evidence/?outcome=wellbeing&effect=positive").content.decode()
    assert "Outcome: Wellbeing" in html
    assert "Effect reported: Positive" in html


# ---------------------------------------------------------------------------------------------
# The detail page
# ---------------------------------------------------------------------------------------------


def test_evidence_detail_shows_findings_as_a_table_with_words_and_symbols(client, outcomes):
    entry = evidence(
        findings=[
            (outcomes["symptoms"], "no_difference"),
            (outcomes["wellbeing"], "positive", "Measured with WEMWBS"),
        ]
    )
    html = client.get(entry.get_absolute_url()).content.decode()
    table = re.search(r'<table class="findings-table">.*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", table, re.S)
    text = [re.sub(r"<[^>]+>|\s+", " ", row).split() for row in rows]
    assert text == [
        ["Wellbeing", "+", "Positive", "Measured", "with", "WEMWBS"],
        ["Symptoms", "=", "No", "difference"],
    ]
    assert 'aria-hidden="true">+</span>' in table
    assert 'href="/evidence/?outcome=wellbeing"' in table


def test_evidence_without_findings_shows_no_findings_table(client):
    html = client.get(evidence().get_absolute_url()).content.decode()
    assert "findings-table" not in html


def test_detail_page_with_findings_runs_a_constant_number_of_queries(
    client, outcomes, django_assert_max_num_queries
):
    topic = TopicFactory()
    entry = evidence(
        topics=[topic],
        findings=[(outcomes["symptoms"], "mixed"), (outcomes["wellbeing"], "positive")],
    )
    client.get(entry.get_absolute_url())  # warm the cached related entries
    with django_assert_max_num_queries(6):
        client.get(entry.get_absolute_url())


# ---------------------------------------------------------------------------------------------
# The admin
# ---------------------------------------------------------------------------------------------


def findings_formset(*rows, initial=0):
    """The inline's POST data: `rows` of (outcome, direction, note[, finding id, delete])."""
    data = {"findings-TOTAL_FORMS": str(len(rows)), "findings-INITIAL_FORMS": str(initial)}
    for number, (outcome, direction, note, *existing) in enumerate(rows):
        prefix = f"findings-{number}-"
        data |= {f"{prefix}outcome": outcome.pk, f"{prefix}direction": direction,
                 f"{prefix}note": note}  # fmt: skip
        if existing:
            data[f"{prefix}id"] = existing[0]
            if len(existing) > 1 and existing[1]:
                data[f"{prefix}DELETE"] = "on"
    return data


def test_a_curator_adds_findings_on_the_evidence_screen_in_one_version(curator_client, outcomes):
    data = entry_form_data() | findings_formset(
        (outcomes["wellbeing"], "positive", "WEMWBS"), (outcomes["symptoms"], "mixed", "")
    )
    response = curator_client.post(admin_url(Kind.EVIDENCE, "add"), data)

    assert response.status_code == 302
    entry = Entry.objects.get()
    assert sorted(entry.findings.values_list("outcome__slug", "direction", "note")) == [
        ("symptoms", "mixed", ""),
        ("wellbeing", "positive", "WEMWBS"),
    ]
    [version] = entry.history.all()
    assert finding_rows(version) == [("symptoms", "mixed", ""), ("wellbeing", "positive", "WEMWBS")]
    assert version.history_user.username == "curator"


def test_changing_and_removing_findings_is_recorded_in_the_history(curator_client, outcomes):
    form = entry_form_data()
    entry = evidence(
        title=form["title"],
        slug=form["slug"],
        findings=[(outcomes["wellbeing"], "positive"), (outcomes["symptoms"], "mixed")],
    )
    wellbeing = entry.findings.get(outcome=outcomes["wellbeing"])
    symptoms = entry.findings.get(outcome=outcomes["symptoms"])
    data = entry_form_data() | findings_formset(
        (outcomes["wellbeing"], "negative", "", wellbeing.pk),
        (outcomes["symptoms"], "mixed", "", symptoms.pk, True),
        initial=2,
    )
    response = curator_client.post(admin_url(Kind.EVIDENCE, "change", entry.pk), data)

    assert response.status_code == 302
    assert list(entry.findings.values_list("outcome__slug", "direction")) == [
        ("wellbeing", "negative")
    ]
    latest, earlier = entry.history.all()[:2]
    assert finding_rows(latest) == [("wellbeing", "negative", "")]
    assert finding_rows(earlier) == [("symptoms", "mixed", ""), ("wellbeing", "positive", "")]


def test_two_findings_for_one_outcome_are_refused_with_a_message(curator_client, outcomes):
    data = entry_form_data() | findings_formset(
        (outcomes["wellbeing"], "positive", ""), (outcomes["wellbeing"], "mixed", "")
    )
    response = curator_client.post(admin_url(Kind.EVIDENCE, "add"), data)

    assert response.status_code == 200
    assert "Please correct the duplicate data for outcome" in response.content.decode()
    assert not Entry.objects.exists()


def test_a_finding_must_name_an_outcome_term(curator_client, outcomes):
    topic = TopicFactory()
    data = entry_form_data() | findings_formset((topic, "positive", ""))
    response = curator_client.post(admin_url(Kind.EVIDENCE, "add"), data)

    assert response.status_code == 200
    assert not Entry.objects.exists()


def test_only_the_evidence_screen_has_findings(curator_client):
    evidence_form = curator_client.get(admin_url(Kind.EVIDENCE, "add")).content.decode()
    resource_form = curator_client.get(admin_url(Kind.RESOURCE, "add")).content.decode()
    assert 'name="findings-TOTAL_FORMS"' in evidence_form
    assert "findings-TOTAL_FORMS" not in resource_form
    assert 'name="outcomes"' not in evidence_form  # outcomes come from findings, not a picker


def test_reverting_to_an_old_version_brings_its_findings_back(curator_client, outcomes):
    entry = evidence(
        title="Peer support for people with severe mental illness",
        slug="peer-support-for-people-with-severe-mental-illness",
        findings=[(outcomes["wellbeing"], "positive", "Before")],
    )
    original = entry.history.first()
    services.save_entry(entry, findings=[Finding(outcome=outcomes["symptoms"], direction="mixed")])

    revert_url = reverse(
        "admin:resources_evidence_simple_history", args=[entry.pk, original.history_id]
    )
    response = curator_client.post(revert_url, entry_form_data())

    assert response.status_code == 302, messages_of(response)
    assert list(entry.findings.values_list("outcome__slug", "direction", "note")) == [
        ("wellbeing", "positive", "Before")
    ]
    assert finding_rows(entry.history.first()) == [("wellbeing", "positive", "Before")]


def test_the_outcome_screen_counts_entries_with_findings(curator_client, outcomes):
    evidence(findings=[(outcomes["wellbeing"], "positive")])
    evidence(findings=[(outcomes["wellbeing"], "mixed")], status=Status.DRAFT)
    response = curator_client.get(reverse("admin:resources_outcome_changelist"))
    counts = {term.slug: term.entry_count for term in response.context["cl"].result_list}
    assert counts == {"wellbeing": 2, "symptoms": 0}


def test_no_entry_can_take_the_address_of_the_map(curator_client):
    response = curator_client.post(admin_url(Kind.EVIDENCE, "add"), entry_form_data(slug="map"))
    assert response.status_code == 200
    assert "is the address of a page of the site" in response.content.decode()
    assert services.unique_slug("map") == "map-2"


def test_the_history_shows_each_findings_direction_and_note(curator_client, outcomes):
    entry = evidence(findings=[(outcomes["wellbeing"], "positive")])
    services.save_entry(
        entry, findings=[Finding(outcome=outcomes["wellbeing"], direction="mixed", note="WEMWBS")]
    )
    response = curator_client.get(admin_url(Kind.EVIDENCE, "history", entry.pk))
    change = "<strong>Findings:</strong> [Wellbeing: Positive] &rarr; [Wellbeing: Mixed (WEMWBS)]"
    assert change in response.content.decode()
