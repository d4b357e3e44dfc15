"""Importing entries (resources/imports.py, the admin's /admin/resources/entry/import/ and
`manage.py import_entries`): the hub's own exports come back as they went out, duplicates are
found, the preview writes nothing and the import saves all or nothing."""

import io
from unittest import mock

import pytest
import rispy
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resources import services
from resources.import_admin import SESSION_KEY
from resources.imports import ImportPlan, read_upload
from resources.models import Entry, EntryTerm, Finding, Kind, Status
from tests.conftest import Client
from tests.factories import EntryFactory, OutcomeFactory, TopicFactory

IMPORT_URL = "/admin/resources/entry/import/"
PREVIEW_URL = "/admin/resources/entry/import/preview/"
COMPARED_FIELDS = ["title", "authors", "organisation", "publisher", "year", "doi", "url", "summary"]
WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def curator_client(curator):
    client = Client()
    client.force_login(curator)
    return client


@pytest.fixture
def catalogue(db):
    """Published entries of every kind, written the ways citations have to tell apart: a
    journal article with a DOI, an organisation's report, people with two-word family names,
    LaTeX's special characters, findings and terms."""
    carers = TopicFactory(name="Carers")
    wellbeing = OutcomeFactory(name="Wellbeing")
    return [
        EntryFactory(
            kind=Kind.EVIDENCE,
            title="Peer support for carers: a randomised trial",
            authors="Jane Smith, Kim Lee",
            publisher="BMJ Open",
            year=2021,
            doi="10.1136/bmjopen-2021-000001",
            url="https://example.org/carers-trial",
            summary="Carers who had a peer supporter reported better wellbeing at six months.",
            study_design="rct",
            sample_size=120,
            topics=[carers],
            findings=[(wellbeing, "positive", "at six months")],
        ),
        EntryFactory(
            kind=Kind.EVIDENCE,
            title="Side by Side: 50% & more_of peers",
            organisation="Mind",
            year=2019,
            url="https://www.mind.org.uk/side-by-side",
            summary="An evaluation of peer support groups run across England.",
            study_design="evaluation",
        ),
        EntryFactory(
            kind=Kind.EVIDENCE,
            title="Peer workers in mental health services",
            authors="Smith, Jane; Perez Algorta, Guillermo",
            organisation="University of Lancaster",
            year=2018,
            doi="10.5555/peer-workers",
            summary="A review of what peer workers do in mental health services.",
        ),
    ]


def values_of(entry, fields=COMPARED_FIELDS):
    return {name: getattr(entry, name) for name in fields}


def upload(client, content, filename, **fields):
    """Post step 1 of the import; the response (a redirect to the preview when it worked)."""
    data = {"kind": "evidence", "status": "draft", "file_format": "", **fields}
    data["file"] = SimpleUploadedFile(filename, content)
    return client.post(IMPORT_URL, data)


def confirm(client, **choices):
    token = client.session[SESSION_KEY]["token"]
    data = {"token": token, "import": "Import", **{f"choice-{n}": c for n, c in choices.items()}}
    return client.post(PREVIEW_URL, data)


def ris(*records):
    return rispy.dumps([{"type_of_reference": "JOUR", **record} for record in records]).encode()


def preview_rows(page):
    """The preview page's rows, as HTML, in the file's order."""
    return page.split('<tr id="row-')[1:]


def duplicate_found_for(title, year):
    """What the import's plan says a RIS record of only this title and year duplicates."""
    upload = read_upload(ris({"title": title, "year": str(year)}), "one.ris", "ris")
    return ImportPlan(upload).rows[0].duplicate


# -- The hub's own exports come back --------------------------------------------------------------


@pytest.mark.parametrize(
    ("export", "fields"),
    [
        ("/evidence/export.ris", COMPARED_FIELDS),
        ("/evidence/export.bib", COMPARED_FIELDS),
        (
            "/search/export.csv",
            [*COMPARED_FIELDS, "kind", "slug", "study_design", "sample_size", "country"],
        ),
    ],
)
def test_each_format_imports_the_hubs_own_export_into_a_fresh_catalogue(
    client, curator_client, catalogue, export, fields
):
    content = b"".join(client.get(export).streaming_content)
    before = {entry.title: values_of(entry, fields) for entry in catalogue}
    terms_before = {entry.title: sorted(t.name for t in entry.terms.all()) for entry in catalogue}
    findings_before = {
        entry.title: [(f.outcome.name, f.direction, f.note) for f in entry.findings.all()]
        for entry in catalogue
    }
    services.delete_entries(Entry.objects.all())

    response = upload(curator_client, content, export.rsplit("/", 1)[1])
    assert response.status_code == 302, response.content.decode()[:2000]
    response = confirm(curator_client)

    assert response.status_code == 302
    imported = {entry.title: entry for entry in Entry.objects.all()}
    assert {title: values_of(entry, fields) for title, entry in imported.items()} == before
    assert all(entry.status == Status.DRAFT for entry in imported.values())
    if export.endswith(".csv"):
        assert {t: sorted(x.name for x in e.terms.all()) for t, e in imported.items()} == (
            terms_before
        )
        assert {
            title: [(f.outcome.name, f.direction, f.note) for f in entry.findings.all()]
            for title, entry in imported.items()
        } == findings_before


@pytest.mark.parametrize(
    "export", ["/evidence/export.ris", "/evidence/export.bib", "/evidence/export.csv"]
)
def test_importing_the_hubs_own_export_again_flags_every_row_as_a_duplicate(
    client, curator_client, catalogue, export
):
    content = b"".join(client.get(export).streaming_content)
    upload(curator_client, content, export.rsplit("/", 1)[1])

    page = curator_client.get(PREVIEW_URL).content.decode()

    assert page.count("Duplicate:") == len(catalogue)
    for entry in catalogue:
        assert f"/admin/resources/evidence/{entry.pk}/change/" in page
    confirm(curator_client)
    assert Entry.objects.count() == len(catalogue)


# -- The preview writes nothing -------------------------------------------------------------------


def test_the_preview_changes_nothing_in_the_database(curator_client, catalogue):
    content = ris(
        {"title": "A new study", "year": "2022", "abstract": "New."},
        {"title": "Another", "doi": catalogue[0].doi},
    )
    counts = (Entry.objects.count(), EntryTerm.objects.count(), Entry.history.count())
    upload(curator_client, content, "new.ris")

    with CaptureQueriesContext(connection) as queries:
        response = curator_client.get(PREVIEW_URL)

    assert response.status_code == 200
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert writes == []
    assert (Entry.objects.count(), EntryTerm.objects.count(), Entry.history.count()) == counts


def test_the_preview_of_many_rows_takes_a_few_queries(
    curator_client, catalogue, django_assert_max_num_queries
):
    records = [
        {"title": f"Study number {n}", "year": "2020", "doi": f"10.5555/s{n}"} for n in range(300)
    ]
    records.append({"title": "Again", "doi": catalogue[0].doi})
    upload(curator_client, ris(*records), "many.ris")

    with django_assert_max_num_queries(20):
        response = curator_client.get(PREVIEW_URL)

    page = response.content.decode()
    assert "Rows 1–100 of 301" in page
    assert "<strong>301</strong> rows" in page


def test_choices_on_other_pages_keep_their_defaults_and_choices_made_there(curator_client, db):
    records = [{"title": f"Study {n}", "year": "2020"} for n in range(150)]
    upload(curator_client, ris(*records), "many.ris")
    token = curator_client.session[SESSION_KEY]["token"]

    curator_client.post(PREVIEW_URL, {"token": token, "choice-2": "skip", "go": "2", "page": "1"})
    response = confirm(curator_client, **{"149": "skip"})

    assert response.status_code == 302
    assert Entry.objects.count() == 148
    assert not Entry.objects.filter(title__in=["Study 1", "Study 148"]).exists()


# -- Confirming ----------------------------------------------------------------------------------


def test_confirm_saves_chosen_rows_with_a_history_reason_and_reports_counts(
    curator_client, catalogue
):
    content = ris(
        {"title": "A new study of peer support", "year": "2022", "abstract": "New.",
         "keywords": ["carers", "not a term"]},
        {"title": "Second new one", "year": "2023"},
        {"title": "A copy", "doi": catalogue[0].doi},
    )  # fmt: skip
    upload(curator_client, content, "new.ris", status="in_review")

    response = confirm(curator_client, **{"2": "skip"})

    assert response.status_code == 302
    assert response["Location"] == "/admin/resources/evidence/"
    created = Entry.objects.get(title="A new study of peer support")
    assert created.kind == Kind.EVIDENCE and created.status == Status.IN_REVIEW
    assert [term.name for term in created.terms.all()] == ["Carers"]
    assert created.history.first().history_change_reason == "Imported from new.ris"
    assert not Entry.objects.filter(title="Second new one").exists()
    page = curator_client.get(response["Location"]).content.decode()
    assert "Imported new.ris: 1 created, 0 updated, 2 skipped." in page
    assert SESSION_KEY not in curator_client.session


def test_confirm_is_all_or_nothing(curator_client, catalogue):
    existing = EntryFactory(title="Has no year", year=None, url="https://example.org/no-year")
    content = ris(
        {"title": "Has no year", "urls": ["https://example.org/no-year"], "year": "2015"},
        {"title": "New one", "year": "2020"},
        {"title": "New two", "year": "2020"},
        {"title": "New three", "year": "2020"},
    )
    upload(curator_client, content, "new.ris")
    count = Entry.objects.count()
    real_prepare = services._prepare
    calls = []

    def failing_prepare(entry):
        calls.append(entry)
        if len(calls) == 3:  # the update, then the second new entry
            raise RuntimeError("disk full")
        real_prepare(entry)

    with mock.patch.object(services, "_prepare", failing_prepare), pytest.raises(RuntimeError):
        confirm(curator_client, **{"1": "update"})

    existing.refresh_from_db()
    assert existing.year is None
    assert Entry.objects.count() == count


# -- Duplicates ----------------------------------------------------------------------------------


def test_duplicates_are_found_by_doi_link_and_title_with_year_in_the_catalogue_and_file(
    curator_client, catalogue
):
    content = ris(
        {"title": "Different title", "doi": "https://doi.org/10.1136/BMJOPEN-2021-000001"},
        {"title": "Other title", "urls": ["HTTPS://WWW.Mind.org.uk/side-by-side/"]},
        {"title": "PEER workers — in mental-health services!", "year": "2018"},
        {"title": "Peer workers in mental health services", "year": "2017"},
        {"title": "Brand new", "doi": "10.5555/new"},
        {"title": "Brand new again", "doi": "10.5555/NEW"},
    )
    upload(curator_client, content, "dups.ris")

    page = curator_client.get(PREVIEW_URL).content.decode()
    plan_rows = preview_rows(page)

    assert "same DOI as" in plan_rows[0] and f"/evidence/{catalogue[0].pk}/change/" in plan_rows[0]
    assert "same link as" in plan_rows[1] and f"/evidence/{catalogue[1].pk}/change/" in plan_rows[1]
    assert (
        "same title and year as" in plan_rows[2] and f"/{catalogue[2].pk}/change/" in plan_rows[2]
    )
    assert "Duplicate:" not in plan_rows[3]  # another year
    assert "Duplicate:" not in plan_rows[4]
    assert "same DOI as" in plan_rows[5] and 'href="#row-5">row 5</a>' in plan_rows[5]
    assert '<option value="create"' not in plan_rows[0]  # a DOI belongs to one entry
    assert '<option value="skip" selected>' in plan_rows[1]
    assert "<strong>3</strong> already in the catalogue" in page
    assert "<strong>1</strong> repeated within the file" in page


def test_titles_are_matched_whatever_their_case_punctuation_and_spacing(curator_client, catalogue):
    no_year = EntryFactory(title="Befriending: what works?", year=None)
    content = ris(
        {"title": "  PEER support for CARERS -- a randomised   trial.", "year": "2021"},
        {"title": "Peer support for carers: a randomised trial", "year": "2022"},
        {"title": "befriending what works"},
        {"title": "A study of hope", "year": "2020"},
        {"title": "A STUDY OF HOPE!", "year": "2020"},
        {"title": "A study of hope", "year": "2019"},
    )
    upload(curator_client, content, "titles.ris")

    page = curator_client.get(PREVIEW_URL).content.decode()
    plan_rows = preview_rows(page)

    assert "same title and year as" in plan_rows[0]
    assert f"/evidence/{catalogue[0].pk}/change/" in plan_rows[0]
    assert "Duplicate:" not in plan_rows[1]  # another year
    assert "same title and year as" in plan_rows[2] and f"/{no_year.pk}/change/" in plan_rows[2]
    assert "Duplicate:" not in plan_rows[3]
    assert "same title and year as" in plan_rows[4] and 'href="#row-4">row 4</a>' in plan_rows[4]
    assert "Duplicate:" not in plan_rows[5]  # another year


def test_a_preview_page_of_a_thousand_row_file_takes_a_bounded_number_of_queries(
    curator_client, catalogue, django_assert_max_num_queries
):
    records = [
        {"title": f"Study {n}", "year": "2020", "doi": f"10.5555/s{n}",
         "urls": [f"https://example.org/s/{n}"]}
        for n in range(997)
    ]  # fmt: skip
    # Past the first batch of titles, DOIs and links looked up (QUERY_CHUNK).
    records += [
        {"title": "PEER WORKERS in mental health services", "year": "2018"},
        {"title": "Again", "doi": catalogue[0].doi},
        {"title": "Once more", "urls": [catalogue[1].url]},
    ]
    upload(curator_client, ris(*records), "many.ris")

    with django_assert_max_num_queries(20):
        response = curator_client.get(f"{PREVIEW_URL}?show=attention")

    page = response.content.decode()
    assert "<strong>1000</strong> rows" in page
    assert "<strong>3</strong> already in the catalogue" in page
    assert f"/evidence/{catalogue[2].pk}/change/" in page
    with django_assert_max_num_queries(20):
        response = curator_client.get(f"{PREVIEW_URL}?page=10")
    assert "Rows 901–1000 of 1000" in response.content.decode()


def test_update_fills_only_empty_fields_and_never_overwrites(curator_client, db):
    existing = EntryFactory(
        kind=Kind.EVIDENCE,
        title="A study",
        year=None,
        doi="10.5555/a-study",
        summary="The curator's own summary.",
        publisher="",
    )
    content = ris(
        {"title": "A study, retitled", "doi": "10.5555/a-study", "year": "2016",
         "journal_name": "Journal of Peer Support", "abstract": "Another summary."},
    )  # fmt: skip
    upload(curator_client, content, "update.ris")
    assert (
        "fill its empty journal or publisher, year"
        in curator_client.get(PREVIEW_URL).content.decode()
    )

    confirm(curator_client, **{"1": "update"})

    existing.refresh_from_db()
    assert (existing.title, existing.summary) == ("A study", "The curator's own summary.")
    assert (existing.year, existing.publisher) == (2016, "Journal of Peer Support")
    assert existing.history.first().history_change_reason == "Imported from update.ris"


# -- Bad files ------------------------------------------------------------------------------------


def test_a_windows_1252_file_is_read_with_a_note(curator_client, db):
    content = "TY  - JOUR\r\nTI  - Café groups for carers\r\nPY  - 2020\r\nER  - \r\n".encode(
        "cp1252"
    )
    upload(curator_client, content, "old.ris")

    page = curator_client.get(PREVIEW_URL).content.decode()

    assert "Café groups for carers" in page
    assert "read as Windows-1252" in page


def test_a_utf8_csv_with_a_byte_order_mark_is_read(curator_client, db):
    content = "\ufefftitle,year,summary\r\nÉtude des pairs,2020,Résumé.\r\n".encode()
    upload(curator_client, content, "rows.csv")
    confirm(curator_client)
    assert Entry.objects.get().title == "Étude des pairs"


@pytest.mark.parametrize(
    ("content", "filename", "file_format", "message"),
    [
        (b"", "empty.ris", "", "file is empty."),
        (b"   \r\n", "blank.csv", "", "The file is empty."),
        (bytes(range(256)) * 20, "junk.ris", "", "This is not a text file"),
        (b"title,year\r\nA study,2020\r\n", "rows.ris", "ris", "It looks like CSV"),
        (b"TY  - JOUR\r\nTI  - A\r\nER  - \r\n", "refs.csv", "", "It looks like RIS or BibTeX"),
        (b"@article{a, title={A}}\n", "refs.ris", "", "It looks like BibTeX"),
        (b"just some words", "notes.txt", "", "could not be told"),
        (b"title,year\r\n", "header.csv", "", "has a header but no rows"),
    ],
)
def test_unreadable_files_get_a_clear_message_and_no_error(
    curator_client, db, content, filename, file_format, message
):
    response = upload(curator_client, content, filename, file_format=file_format)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert SESSION_KEY not in curator_client.session


def test_an_oversized_file_is_refused_with_a_message(curator_client, db, settings):
    settings.IMPORT_MAX_BYTES = 1000
    response = upload(curator_client, ris({"title": "x" * 50}) * 40, "big.ris")

    assert response.status_code == 200
    assert "The file is larger than 1 kB" in response.content.decode()


def test_rows_with_errors_are_shown_and_cannot_be_created(curator_client, db):
    content = ris(
        {"abstract": "No title here."},
        {"title": "Bad DOI", "doi": "not-a-doi"},
        {"title": "Bad year", "year": "1066"},
        {"title": "Fine", "year": "2020"},
    )
    upload(curator_client, content, "bad.ris")
    page = curator_client.get(PREVIEW_URL).content.decode()

    assert "No title." in page
    assert "Enter a DOI such as" in page
    assert "Enter a year between 1900" in page
    response = confirm(curator_client, **{"2": "create"})
    assert response.status_code == 302
    assert not Entry.objects.exists()  # the refused choice stopped the import
    confirm(curator_client)
    assert list(Entry.objects.values_list("title", flat=True)) == ["Fine"]


def test_csv_columns_the_export_does_not_have_are_reported(curator_client, db):
    content = b"title,year,colour\r\nA study,2020,blue\r\n"
    upload(curator_client, content, "rows.csv")
    assert "Columns the hub does not know were left out: colour." in (
        curator_client.get(PREVIEW_URL).content.decode()
    )


# -- Who may import -------------------------------------------------------------------------------


def test_importing_needs_the_permission_to_add_entries(db, django_user_model):
    staff = django_user_model.objects.create_user("staff", is_staff=True)
    client = Client()
    client.force_login(staff)

    assert client.get(IMPORT_URL).status_code == 403
    assert upload(client, ris({"title": "A"}), "a.ris").status_code == 403
    assert Client().get(IMPORT_URL).status_code == 302  # to the sign-in page


def test_the_entry_lists_offer_the_import_with_their_kind(curator_client, db):
    page = curator_client.get("/admin/resources/tool/").content.decode()
    assert 'href="/admin/resources/entry/import/?kind=tool"' in page
    form = curator_client.get(f"{IMPORT_URL}?kind=tool").content.decode()
    assert '<option value="tool" selected>' in form
    assert 'value="published"' not in form


def test_a_file_sent_anywhere_else_is_still_refused(client, db):
    response = client.post(
        "/newsletter/", {"email": "a@example.org", "file": SimpleUploadedFile("a.ris", b"x")}
    )
    assert response.status_code == 400


# -- The command ----------------------------------------------------------------------------------


def test_the_command_with_dry_run_prints_the_plan_and_writes_nothing(tmp_path, catalogue):
    path = tmp_path / "refs.ris"
    path.write_bytes(
        ris({"title": "New", "year": "2020"}, {"title": "Copy", "doi": catalogue[0].doi})
    )
    out = io.StringIO()
    count = Entry.objects.count()

    with CaptureQueriesContext(connection) as queries:
        call_command("import_entries", str(path), "--kind", "evidence", "--dry-run", stdout=out)

    assert not [q for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert Entry.objects.count() == count
    text = out.getvalue()
    assert "2 rows: 1 new, 1 already in the catalogue" in text
    assert "Plan: 1 to create, 0 to update, 1 to skip." in text
    assert f"same DOI as entry #{catalogue[0].pk}" in text


def test_the_command_saves_and_needs_a_choice_about_duplicates(tmp_path, catalogue):
    path = tmp_path / "refs.ris"
    path.write_bytes(
        ris(
            {"title": "New", "year": "2020"},
            {"title": "Copy", "doi": catalogue[2].doi, "journal_name": "J"},
        )
    )

    with pytest.raises(CommandError, match="--skip-duplicates"):
        call_command("import_entries", str(path), "--kind", "evidence", stdout=io.StringIO())
    out = io.StringIO()
    call_command("import_entries", str(path), "--kind", "evidence", "--update-empty", stdout=out)

    assert "Imported refs.ris: 1 created, 1 updated, 0 skipped." in out.getvalue()
    catalogue[2].refresh_from_db()
    assert catalogue[2].publisher == "J"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["missing.ris", "--kind", "evidence"], "Cannot read"),
        (["EMPTY", "--kind", "evidence"], "The file is empty."),
    ],
)
def test_the_command_explains_bad_input(tmp_path, db, arguments, message):
    (tmp_path / "empty.ris").write_bytes(b"")
    arguments = [
        str(tmp_path / "empty.ris")
        if a == "EMPTY"
        else str(tmp_path / a)
        if a.endswith(".ris")
        else a
        for a in arguments
    ]
    with pytest.raises(CommandError, match=message):
        call_command("import_entries", *arguments)


def test_findings_are_imported_for_evidence_from_csv(curator_client, db):
    OutcomeFactory(name="Wellbeing")
    content = b'title,findings\r\nA study,"Wellbeing: positive (at 6 months); Unknown: mixed"\r\n'
    upload(curator_client, content, "rows.csv")
    page = curator_client.get(PREVIEW_URL).content.decode()
    assert "Finding “Unknown: mixed” not understood" in page
    confirm(curator_client)
    finding = Finding.objects.get()
    assert (finding.outcome.name, finding.direction, finding.note) == (
        "Wellbeing",
        "positive",
        "at 6 months",
    )


def test_terms_chosen_on_the_form_go_to_every_new_entry(curator_client, db):
    carers = TopicFactory(name="Carers")
    upload(curator_client, ris({"title": "One"}, {"title": "Two"}), "refs.ris", terms=[carers.pk])
    confirm(curator_client)
    assert [list(entry.terms.all()) for entry in Entry.objects.all()] == [[carers], [carers]]
