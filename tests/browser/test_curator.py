"""A curator's day in a real browser, under the site's strict Content Security Policy."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from resources.models import Entry, Kind, Status
from tests.browser.conftest import assert_no_axe_violations
from tests.conftest import CURATOR_PASSWORD
from tests.factories import EntryFactory, TopicFactory
from tests.two_factor import confirmed_authenticator, current_code

curators_migration = importlib.import_module("resources.migrations.0003_curators_group")


@pytest.fixture
def curator(django_user_model, transactional_db):
    """A curator with an authenticator app set up, and the Curators group made again by its
    migration: browser tests run in transactional tests, which empty every table (the
    migration's group too) after each test."""
    curators_migration.create_curators_group(apps, None)
    user = django_user_model.objects.create_user(
        "curator", "curator@example.org", CURATOR_PASSWORD, is_staff=True
    )
    user.groups.add(Group.objects.get(name="Curators"))
    confirmed_authenticator(user)
    return user


@pytest.fixture
def csp_violations(page):
    """Every Content Security Policy violation the browser reports on the page (axe injects
    its own inline styles: a test that runs axe checks CSP in another test)."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def log_in(page, username="curator"):
    """Sign in through the real page, typing the code the curator's authenticator shows."""
    page.goto("/admin/login/?next=/admin/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(CURATOR_PASSWORD)
    device = confirmed_authenticator(get_user_model().objects.get(username=username))
    page.get_by_label("Code").fill(current_code(device))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Evidence", exact=True)).to_be_visible()


def choose_in_autocomplete(page, field, typed, option):
    """Pick `option` in the select2 autocomplete widget of `field` by typing `typed`."""
    page.locator(f"#id_{field} + .select2-container").click()
    search = page.locator(".select2-container--open .select2-search__field")
    search.fill(typed)
    page.locator(".select2-results__option", has_text=option).click()


def test_a_curator_adds_evidence_with_topics_publishes_it_and_opens_it_on_the_site(
    page, curator, csp_violations
):
    TopicFactory(name="Mental health")
    TopicFactory(name="Carers")
    TopicFactory(name="Diabetes")
    log_in(page)

    page.goto("/admin/resources/evidence/add/")
    page.locator("#id_title").press_sequentially("Peer support for carers of people with dementia")
    expect(page.locator("#id_slug")).to_have_value(
        "peer-support-for-carers-of-people-with-dementia"
    )
    page.locator("#id_summary").fill("A qualitative study of carers' peer support groups.")
    page.locator("#id_url").fill("https://example.org/carers-study")
    page.locator("#id_year").fill("2021")
    page.locator("#id_study_design").select_option(label="Qualitative")
    choose_in_autocomplete(page, "topics", "ment", "Mental health")
    choose_in_autocomplete(page, "topics", "car", "Carers")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    entry = Entry.objects.get(slug="peer-support-for-carers-of-people-with-dementia")
    assert (entry.kind, entry.status) == (Kind.EVIDENCE, Status.DRAFT)
    assert sorted(entry.terms.in_taxonomy("topic").values_list("name", flat=True)) == [
        "Carers",
        "Mental health",
    ]

    page.get_by_role("row", name="Peer support for carers").get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(label="Publish selected entries")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist .success")).to_have_text("1 entry published.")

    page.get_by_role("link", name="Peer support for carers of people with dementia").click()
    page.get_by_role("link", name="View on site").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Peer support for carers of people with dementia"
    )
    assert page.url.endswith("/evidence/peer-support-for-carers-of-people-with-dementia/")
    assert csp_violations == []


def test_a_published_entry_is_visible_to_the_public_after_the_curator_publishes_it(
    page, curator, browser, live_server
):
    Entry.objects.create(
        kind=Kind.TOOL, title="Outcome star", slug="outcome-star", summary="A measure."
    )
    log_in(page)
    page.goto("/admin/resources/tool/")
    page.get_by_role("row", name="Outcome star").get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(label="Publish selected entries")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist .success")).to_have_text("1 entry published.")

    visitor = browser.new_context(base_url=live_server.url).new_page()
    response = visitor.goto("/tools/outcome-star/")
    assert response.status == 200
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Outcome star")
    visitor.context.close()


def test_a_curator_reverts_an_entry_from_its_history(page, curator, csp_violations):
    entry = EntryFactory(
        kind=Kind.RESOURCE, title="Peer support in maternity care",
        slug="peer-support-in-maternity-care", resource_format="guide",
    )  # fmt: skip
    log_in(page)
    page.goto(f"/admin/resources/resource/{entry.pk}/change/")
    page.locator("#id_title").fill("A mistaken title")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator("#id_title")).to_have_value("A mistaken title")

    page.get_by_role("link", name="History").click()
    page.get_by_role("link", name="Peer support in maternity care").click()
    expect(page.locator("#id_title")).to_have_value("Peer support in maternity care")
    page.get_by_role("button", name="Revert").click()

    expect(page.locator(".messagelist .success")).to_be_visible()
    entry.refresh_from_db()
    assert entry.title == "Peer support in maternity care"
    assert csp_violations == []


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/resources/evidence/", "/admin/resources/evidence/add/",
     "/admin/resources/topic/", "/admin/resources/topic/add/"],
)  # fmt: skip
def test_the_curators_screens_have_no_accessibility_violations(page, curator, path):
    EntryFactory(kind=Kind.EVIDENCE, status=Status.DRAFT)
    log_in(page)

    page.goto(path)

    assert_no_axe_violations(page)


def test_an_entrys_change_form_has_no_accessibility_violations(page, curator):
    entry = EntryFactory(kind=Kind.EVIDENCE, topics=[TopicFactory(name="Dementia")])
    log_in(page)

    page.goto(f"/admin/resources/evidence/{entry.pk}/change/")

    assert_no_axe_violations(page)


def test_the_add_form_with_chosen_topics_has_no_accessibility_violations(page, curator):
    TopicFactory(name="Mental health")
    TopicFactory(name="Carers")
    log_in(page)
    page.goto("/admin/resources/evidence/add/")

    choose_in_autocomplete(page, "topics", "ment", "Mental health")
    choose_in_autocomplete(page, "topics", "car", "Carers")

    assert_no_axe_violations(page)


def test_an_entrys_history_has_no_accessibility_violations(page, curator):
    entry = EntryFactory(kind=Kind.EVIDENCE, status=Status.DRAFT)
    entry.publish()
    log_in(page)

    page.goto(f"/admin/resources/evidence/{entry.pk}/history/")

    expect(page.get_by_role("table", name="Versions, newest first")).to_contain_text("Published")
    assert_no_axe_violations(page)
