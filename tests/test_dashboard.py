"""The curators' dashboard at /admin/: counts, the lists they link to, permissions, cost."""

import datetime
import re
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from resources import services
from resources.models import Entry, Kind, LinkCheck, LinkState, Status
from suggestions.models import Suggestion, SuggestionStatus
from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db

ENTRY_CARDS = ["in_review", "drafts", "broken_links", "moved_links", "due_for_review"]


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def dashboard(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response


def cards_of(response):
    """{card key: {kind label: (count, url)}} as the page's context has them."""
    return {
        card.key: {link.label: (link.count, link.url) for link in card.links}
        for card in response.context["dashboard_cards"]
    }


def listed_titles(client, url):
    """The titles an admin list shows, all of them."""
    response = client.get(url)
    assert response.status_code == 200
    return sorted(entry.title for entry in response.context["cl"].result_list)


def check_link(entry, state):
    return LinkCheck.objects.create(
        entry=entry, url=entry.url or "https://example.org/", state=state,
        last_checked=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def catalogue(settings):
    """Entries of every card: two tools and an evidence entry in review, a resource draft,
    broken and moved links, and entries due and not due for review."""
    settings.REVIEW_INTERVAL_MONTHS = 24
    today = timezone.localdate()
    EntryFactory(title="Tool in review", kind=Kind.TOOL, status=Status.IN_REVIEW)
    EntryFactory(title="Another tool in review", kind=Kind.TOOL, status=Status.IN_REVIEW)
    EntryFactory(title="Evidence in review", kind=Kind.EVIDENCE, status=Status.IN_REVIEW)
    EntryFactory(title="Resource draft", status=Status.DRAFT)
    broken = EntryFactory(title="Broken resource", url="https://example.org/gone")
    check_link(broken, LinkState.BROKEN)
    moved = EntryFactory(title="Moved tool", kind=Kind.TOOL, url="https://example.org/old")
    check_link(moved, LinkState.MOVED)
    fine = EntryFactory(title="Fine tool", kind=Kind.TOOL, url="https://example.org/ok")
    check_link(fine, LinkState.OK)
    EntryFactory(
        title="Evidence reviewed long ago",
        kind=Kind.EVIDENCE,
        last_reviewed_on=today - datetime.timedelta(days=800),
    )
    EntryFactory(title="Evidence reviewed today", kind=Kind.EVIDENCE, last_reviewed_on=today)
    # Every entry above but these was published just now, so none of them is due yet.
    never_reviewed = EntryFactory(title="Resource never reviewed")
    Entry.objects.filter(pk=never_reviewed.pk).update(
        published_at=timezone.now() - datetime.timedelta(days=3 * 365)
    )


def test_the_admin_home_counts_each_card_by_kind(curator_client, catalogue):
    cards = cards_of(dashboard(curator_client))

    def counts(key):
        return {label: count for label, (count, _) in cards[key].items()}

    assert counts("in_review") == {"Resources": 0, "Tools": 2, "Evidence": 1}
    assert counts("drafts") == {"Resources": 1, "Tools": 0, "Evidence": 0}
    assert counts("broken_links") == {"Resources": 1, "Tools": 0, "Evidence": 0}
    assert counts("moved_links") == {"Resources": 0, "Tools": 1, "Evidence": 0}
    assert counts("due_for_review") == {"Resources": 1, "Tools": 0, "Evidence": 1}


def test_each_card_shows_its_total_and_links_in_the_page(curator_client, catalogue):
    response = dashboard(curator_client)
    html = unescape(response.text)

    [in_review] = [c for c in response.context["dashboard_cards"] if c.key == "in_review"]
    assert in_review.count == 3
    card = re.search(
        r'<li class="dashboard-card" id="card-in_review">(.*?)</li>\s*</ul>', html, re.S
    )
    assert '<p class="dashboard-card__count">3</p>' in card.group(1)
    assert f'href="{reverse("admin:resources_tool_changelist")}?status__exact=in_review"' in html
    assert "Tools: 2" in card.group(1)


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        ("in_review", {"Tools": ["Another tool in review", "Tool in review"],
                       "Evidence": ["Evidence in review"], "Resources": []}),
        ("drafts", {"Resources": ["Resource draft"], "Tools": [], "Evidence": []}),
        ("broken_links", {"Resources": ["Broken resource"], "Tools": [], "Evidence": []}),
        ("moved_links", {"Tools": ["Moved tool"], "Resources": [], "Evidence": []}),
        ("due_for_review", {"Resources": ["Resource never reviewed"], "Tools": [],
                            "Evidence": ["Evidence reviewed long ago"]}),
    ],
)  # fmt: skip
def test_each_link_opens_the_list_of_exactly_the_entries_counted(
    curator_client, catalogue, card, expected
):
    links = cards_of(dashboard(curator_client))[card]

    for label, titles in expected.items():
        count, url = links[label]
        assert listed_titles(curator_client, url) == titles
        assert count == len(titles)


def test_recent_changes_say_who_changed_what_and_link_to_the_history(curator_client, curator):
    entry = EntryFactory.build(title="Peer support in prisons", kind=Kind.EVIDENCE)
    entry._history_user = curator
    services.save_entry(entry, reason="Checked against the journal")
    EntryFactory(title="Made by a script")

    response = dashboard(curator_client)

    changes = response.context["recent_changes"]
    assert [change.title for change in changes] == ["Made by a script", "Peer support in prisons"]
    ours = changes[1]
    assert (ours.user, ours.action, ours.reason) == (
        "curator", "Created", "Checked against the journal"
    )  # fmt: skip
    history_url = reverse("admin:resources_evidence_history", args=[entry.pk])
    assert ours.history_url == history_url
    assert f'<a href="{history_url}">Peer support in prisons</a>' in response.text
    assert "Checked against the journal" in response.text
    assert curator_client.get(history_url).status_code == 200


def test_recent_changes_are_the_ten_newest_versions(curator_client):
    for number in range(12):
        EntryFactory(title=f"Entry {number:02d}")

    changes = dashboard(curator_client).context["recent_changes"]

    assert [change.title for change in changes] == [f"Entry {n:02d}" for n in range(11, 1, -1)]


def test_the_dashboard_costs_the_same_few_queries_however_many_entries(
    curator_client, django_assert_max_num_queries
):
    def add(number):
        for n in range(number):
            entry = EntryFactory(status=[Status.DRAFT, Status.IN_REVIEW, Status.PUBLISHED][n % 3],
                                 url=f"https://example.org/{Entry.objects.count()}")  # fmt: skip
            check_link(entry, [LinkState.BROKEN, LinkState.MOVED][n % 2])

    add(3)
    dashboard(curator_client)  # sessions, permissions and content types warmed up
    with django_assert_max_num_queries(12) as few:
        dashboard(curator_client)
    add(30)
    with django_assert_max_num_queries(12) as many:
        dashboard(curator_client)
    assert len(many) == len(few)


def staff_client(client, django_user_model, *codenames):
    user = django_user_model.objects.create_user("limited", password="x", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return client


def test_staff_see_only_the_kinds_they_may_view(client, django_user_model, catalogue):
    limited = staff_client(client, django_user_model, "view_tool")

    response = dashboard(limited)

    cards = cards_of(response)
    assert set(cards) == set(ENTRY_CARDS)
    assert all(set(links) == {"Tools"} for links in cards.values())
    assert {change.kind_label for change in response.context["recent_changes"]} == {"Tool"}
    assert reverse("admin:resources_resource_changelist") not in response.text


def test_staff_who_may_view_no_entries_see_no_entry_cards_or_changes(
    client, django_user_model, catalogue
):
    limited = staff_client(client, django_user_model, "view_subscriber")

    response = dashboard(limited)

    assert set(cards_of(response)) & set(ENTRY_CARDS) == set()
    assert response.context["recent_changes"] == []
    assert "Recent changes to entries" not in response.text


def test_the_dashboard_is_only_for_signed_in_staff(client):
    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_suggestions_waiting_are_counted_and_linked(curator_client, admin_client):
    Suggestion.objects.create(link_or_doi="https://example.org/a", url="https://example.org/a")
    Suggestion.objects.create(link_or_doi="https://example.org/b", url="https://example.org/b")
    Suggestion.objects.create(
        link_or_doi="https://example.org/c", url="https://example.org/c",
        status=SuggestionStatus.DECLINED, decided_at=timezone.now(), decline_reason="Off topic",
    )  # fmt: skip

    cards = cards_of(dashboard(admin_client))

    [(count, url)] = cards["suggestions"].values()
    assert count == 2
    assert url == reverse("admin:suggestions_suggestion_changelist") + "?status__exact=new"
    listed = admin_client.get(url).context["cl"].result_list
    assert sorted(s.url for s in listed) == ["https://example.org/a", "https://example.org/b"]
