"""Who may do what: the Curators group, staff previews of drafts, the admin login rate limit."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse

from hub.admin import LOGIN_ATTEMPTS_PER_WINDOW
from resources.models import Kind, Status
from tests.conftest import CURATOR_PASSWORD
from tests.factories import EntryFactory
from tests.two_factor import confirmed_authenticator, current_code

pytestmark = pytest.mark.django_db

TAXONOMIES = ["topic", "approach", "audience", "population", "region", "outcome"]
curators_migration = importlib.import_module("resources.migrations.0003_curators_group")
findings_migration = importlib.import_module("resources.migrations.0010_curators_edit_findings")


def curator_permissions():
    group = Group.objects.get(name="Curators")
    return set(group.permissions.values_list("content_type__app_label", "codename"))


# ---------------------------------------------------------------------------------------------
# The Curators group
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["entry", "resource", "tool", "evidence"])
def test_curators_may_add_change_and_view_entries_of_every_kind(model):
    assert {("resources", f"{action}_{model}") for action in ("add", "change", "view")} <= (
        curator_permissions()
    )


@pytest.mark.parametrize("taxonomy", TAXONOMIES)
def test_curators_may_manage_every_taxonomy(taxonomy):
    assert {
        ("resources", f"{action}_{taxonomy}") for action in ("add", "change", "delete", "view")
    } <= curator_permissions()


def test_curators_may_see_the_history_of_entries():
    assert ("resources", "view_historicalentry") in curator_permissions()


def test_curators_may_edit_the_findings_of_evidence():
    assert {
        ("resources", f"{action}_finding") for action in ("add", "change", "delete", "view")
    } <= curator_permissions()


def test_curators_delete_nothing_but_taxonomy_terms_and_findings():
    deletable = {
        codename for _, codename in curator_permissions() if codename.startswith("delete_")
    }

    assert deletable == {f"delete_{taxonomy}" for taxonomy in TAXONOMIES} | {"delete_finding"}


def test_undoing_the_curators_migration_removes_the_group_and_redoing_it_restores_it():
    resources_permissions = {p for p in curator_permissions() if p[0] == "resources"}

    curators_migration.delete_curators_group(apps, None)
    assert not Group.objects.filter(name="Curators").exists()
    curators_migration.create_curators_group(apps, None)
    findings_migration.grant(apps, None)

    assert curator_permissions() == resources_permissions


def test_curators_have_no_permissions_over_users_or_groups():
    assert not {codename for app, codename in curator_permissions() if app == "auth"}


def test_a_curator_cannot_open_user_management(client, curator):
    client.force_login(curator)

    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403


def test_a_curator_cannot_delete_an_entry(client, curator):
    entry = EntryFactory(kind=Kind.EVIDENCE)
    client.force_login(curator)

    response = client.post(reverse("admin:resources_evidence_delete", args=[entry.pk]))

    assert response.status_code == 403


def test_a_curator_can_publish_a_draft_from_its_form(client, curator):
    entry = EntryFactory(kind=Kind.RESOURCE, status=Status.DRAFT, resource_format="guide")
    client.force_login(curator)
    form = (
        client.get(reverse("admin:resources_resource_change", args=[entry.pk]))
        .context["adminform"]
        .form
    )
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(status=Status.PUBLISHED, topics=[], approaches=[], audiences=[], populations=[],
                regions=[])  # fmt: skip

    response = client.post(reverse("admin:resources_resource_change", args=[entry.pk]), data)

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == Status.PUBLISHED
    assert entry.published_at is not None


def test_a_curator_logs_in_with_their_password_and_code_and_reaches_the_catalogue(client, curator):
    code = current_code(confirmed_authenticator(curator))  # tests/test_two_factor.py: the rest
    response = client.post(
        reverse("admin:login"),
        {"username": "curator", "password": CURATOR_PASSWORD, "otp_token": code, "next": "/admin/"},
        follow=True,
    )

    assert response.status_code == 200
    assert reverse("admin:resources_evidence_changelist") in response.text
    assert reverse("admin:auth_user_changelist") not in response.text


def test_a_staff_member_outside_the_curators_group_sees_no_catalogue(client, django_user_model):
    staff = django_user_model.objects.create_user("volunteer", password="x", is_staff=True)
    client.force_login(staff)

    assert client.get(reverse("admin:resources_evidence_changelist")).status_code == 403


# ---------------------------------------------------------------------------------------------
# Previewing drafts
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.ARCHIVED])
def test_a_curator_previews_an_unpublished_entry_at_its_address(client, curator, status):
    entry = EntryFactory(kind=Kind.EVIDENCE, status=status, title="Not out yet")
    client.force_login(curator)

    response = client.get(entry.get_absolute_url())

    assert response.status_code == 200
    assert "Not out yet" in response.text


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.ARCHIVED])
def test_the_public_gets_not_found_for_an_unpublished_entry(client, status):
    entry = EntryFactory(kind=Kind.EVIDENCE, status=status)

    assert client.get(entry.get_absolute_url()).status_code == 404


def test_a_signed_in_user_who_is_not_staff_gets_not_found_for_a_draft(client, django_user_model):
    entry = EntryFactory(kind=Kind.TOOL, status=Status.DRAFT)
    client.force_login(django_user_model.objects.create_user("reader", password="x"))

    assert client.get(entry.get_absolute_url()).status_code == 404


def test_a_draft_is_not_previewed_under_another_kinds_address(client, curator):
    entry = EntryFactory(kind=Kind.TOOL, status=Status.DRAFT)
    client.force_login(curator)

    response = client.get(reverse("resources:evidence-detail", kwargs={"slug": entry.slug}))

    assert response.status_code == 404


# ---------------------------------------------------------------------------------------------
# Login rate limit
# ---------------------------------------------------------------------------------------------


def test_the_admin_login_refuses_more_attempts_than_the_limit(client, curator):
    # A new username each time: one guess per account stays under every account lockout
    # (tests/test_sign_in_lockouts.py), so only the per-address limit stops this flood.
    for n in range(LOGIN_ATTEMPTS_PER_WINDOW):
        guess = {"username": f"guess-{n}", "password": "guess", "next": "/admin/"}
        assert client.post(reverse("admin:login"), guess).status_code == 200
    wrong = {"username": "curator", "next": "/admin/"}

    response = client.post(reverse("admin:login"), {**wrong, "password": CURATOR_PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_login_limit_counts_each_client_address_apart(client, curator):
    wrong = {"username": "curator", "password": "guess"}
    for n in range(LOGIN_ATTEMPTS_PER_WINDOW + 1):
        guess = {"username": f"guess-{n}", "password": "guess"}
        client.post(reverse("admin:login"), guess, REMOTE_ADDR="203.0.113.9")

    response = client.post(reverse("admin:login"), wrong, REMOTE_ADDR="198.51.100.7")

    assert response.status_code == 200
