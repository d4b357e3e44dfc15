"""The public record of an entry (resources/records.py), shared by exports, feeds and the API."""

import json

import pytest
from django.test import RequestFactory

from resources.models import Entry, Kind
from resources.records import ENTRY_RECORD_FIELDS, entry_record, entry_records
from tests.factories import EntryFactory, OutcomeFactory, RegionFactory, TopicFactory

pytestmark = pytest.mark.django_db


def test_record_of_evidence_holds_what_reusers_need_and_is_json_ready():
    carers = TopicFactory(name="Carers")
    wales = RegionFactory(name="Wales")
    wellbeing = OutcomeFactory(name="Wellbeing")
    entry = EntryFactory(
        kind=Kind.EVIDENCE,
        title="Peer support for carers",
        url="https://example.org/carers",
        doi="10.1234/abc",
        authors="Smith JA, Jones B",
        study_design="rct",
        sample_size=120,
        topics=[carers],
        regions=[wales],
        findings=[(wellbeing, "positive", "at six months")],
    )
    record = entry_record(Entry.objects.for_records().get(pk=entry.pk))
    json.dumps(record)
    assert list(record)[: len(ENTRY_RECORD_FIELDS)] == list(ENTRY_RECORD_FIELDS)
    assert record["hub_url"] == "/evidence/peer-support-for-carers/"
    assert record["url"] == "https://example.org/carers"
    assert record["doi"] == "10.1234/abc"
    assert record["study_design"] == "rct"
    assert record["sample_size"] == 120
    assert record["terms"]["topic"] == [{"slug": "carers", "name": "Carers"}]
    assert record["terms"]["region"] == [{"slug": "wales", "name": "Wales"}]
    assert record["terms"]["audience"] == []
    assert record["findings"] == [
        {
            "outcome": {"slug": "wellbeing", "name": "Wellbeing"},
            "direction": "positive",
            "note": "at six months",
        }
    ]
    assert record["published_at"] == entry.published_at.isoformat()


def test_record_never_holds_curators_notes_status_or_review_dates():
    entry = EntryFactory(source_seen="Checked on the charity's site", last_reviewed_on="2024-01-01")
    record = entry_record(Entry.objects.for_records().get(pk=entry.pk))
    text = json.dumps(record)
    for private in ("source_seen", "is_synthetic", "status", "last_reviewed_on", "featured"):
        assert private not in record
    assert "Checked on the charity" not in text


def test_record_has_only_its_own_kinds_fields_and_no_findings_outside_evidence():
    record = entry_record(EntryFactory(kind=Kind.TOOL, tool_format="checklist", licence="CC BY"))
    assert record["tool_format"] == "checklist"
    assert record["licence"] == "CC BY"
    assert "study_design" not in record
    assert "findings" not in record


def test_record_hub_url_is_absolute_with_a_request(settings):
    settings.ALLOWED_HOSTS = ["hub.example.org"]
    entry = EntryFactory(title="Absolute")
    request = RequestFactory().get("/", HTTP_HOST="hub.example.org")
    assert entry_record(entry, request)["hub_url"] == "http://hub.example.org/resources/absolute/"


def test_record_leaves_out_a_link_that_is_not_a_web_address():
    entry = EntryFactory(doi="10.1234/x")
    Entry.objects.filter(pk=entry.pk).update(url="javascript:alert(1)")
    assert entry_record(Entry.objects.get(pk=entry.pk))["url"] == ""


def test_records_of_many_entries_take_a_constant_number_of_queries(django_assert_max_num_queries):
    topic, outcome = TopicFactory(), OutcomeFactory()
    for _ in range(5):
        EntryFactory(kind=Kind.EVIDENCE, topics=[topic], findings=[(outcome, "mixed")])
        EntryFactory(topics=[topic])
    with django_assert_max_num_queries(3):
        records = [entry_record(e) for e in Entry.objects.published().for_records()]
    assert len(records) == 10


def test_records_in_bulk_equal_single_records_in_two_queries_a_chunk(
    django_assert_max_num_queries,
):
    carers, dementia, outcome = TopicFactory(), TopicFactory(), OutcomeFactory()
    for number in range(7):
        EntryFactory(
            kind=Kind.EVIDENCE if number % 2 else Kind.TOOL,
            topics=[carers, dementia] if number % 3 else [dementia],
            regions=[RegionFactory()],
            findings=[(outcome, "mixed", "a note")] if number % 2 else None,
        )
    single = [entry_record(entry) for entry in Entry.objects.for_records()]
    entries = list(Entry.objects.all())
    with django_assert_max_num_queries(4):  # two chunks of four and three
        bulk = list(entry_records(entries, chunk_size=4))
    assert bulk == single
