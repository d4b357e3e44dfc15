"""A curator imports a RIS file in a real browser: preview, a duplicate flagged, a choice
changed, the import confirmed."""

import rispy
from playwright.sync_api import expect

from resources.models import Entry, Kind, Status
from tests.browser.conftest import assert_no_axe_violations
from tests.browser.test_curator import csp_violations, curator, log_in  # noqa: F401 (fixtures)
from tests.factories import EntryFactory


def test_a_curator_previews_a_ris_file_changes_a_choice_and_imports_it(
    page,
    curator,  # noqa: F811 (the fixture imported above)
    csp_violations,  # noqa: F811
    tmp_path,
):
    existing = EntryFactory(
        kind=Kind.EVIDENCE, title="Peer support for carers", doi="10.5555/carers", year=2020
    )
    path = tmp_path / "from-zotero.ris"
    path.write_text(
        rispy.dumps(
            [
                {"type_of_reference": "JOUR", "title": "Carers and peers", "doi": "10.5555/CARERS"},
                {"type_of_reference": "JOUR", "title": "Peer mentors in prisons", "year": "2022",
                 "abstract": "A study of peer mentoring in prisons."},
                {"type_of_reference": "RPRT", "title": "Not wanted after all", "year": "2023"},
            ]
        )
    )  # fmt: skip
    log_in(page)
    page.goto("/admin/resources/evidence/")
    page.get_by_role("link", name="Import").click()
    page.get_by_label("File").set_input_files(path)
    expect(page.get_by_label("Kind")).to_have_value("evidence")
    page.get_by_role("button", name="Preview the import").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Import preview: from-zotero.ris")
    duplicate_row = page.locator("#row-1")
    expect(duplicate_row).to_contain_text("Duplicate: same DOI as")
    expect(duplicate_row.get_by_role("link", name="Peer support for carers")).to_have_attribute(
        "href", f"/admin/resources/evidence/{existing.pk}/change/"
    )
    expect(page.get_by_label("Choice for row 1")).to_have_value("skip")
    assert_no_axe_violations(page)
    page.get_by_label("Choice for row 3").select_option("skip")
    page.get_by_role("button", name="Import", exact=True).click()

    expect(page.locator(".messagelist .success")).to_have_text(
        "Imported from-zotero.ris: 1 created, 0 updated, 2 skipped."
    )
    expect(page.get_by_role("link", name="Peer mentors in prisons")).to_be_visible()
    created = Entry.objects.get(title="Peer mentors in prisons")
    assert (created.kind, created.status, created.year) == (Kind.EVIDENCE, Status.DRAFT, 2022)
    assert not Entry.objects.filter(title="Not wanted after all").exists()
    assert csp_violations == []
