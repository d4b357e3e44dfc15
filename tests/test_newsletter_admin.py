"""Curators and administrators: the subscriber list, CSV export, erasure, purging old signups."""

import csv
import datetime
import io

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from newsletter.export import csv_safe
from newsletter.models import Subscriber
from tests.factories import SubscriberFactory, TopicFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:newsletter_subscriber_changelist")
EXPORT = reverse("admin:newsletter_subscriber_export")


@pytest.fixture
def curator_client(client):
    curator = User.objects.create_user("curator", password="pw", is_staff=True)
    curator.groups.add(Group.objects.get(name="Curators"))
    client.force_login(curator)
    return client


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_curators_are_granted_view_and_change_but_not_delete_on_subscribers():
    codenames = set(
        Group.objects.get(name="Curators")
        .permissions.filter(content_type__app_label="newsletter", content_type__model="subscriber")
        .values_list("codename", flat=True)
    )
    assert codenames == {"view_subscriber", "change_subscriber"}


def test_curators_see_subscribers_with_status_dates_and_topics(curator_client):
    subscriber = SubscriberFactory(email="ann@example.org", confirmed=True)
    subscriber.topics.add(TopicFactory(name="Dementia"))
    response = curator_client.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "ann@example.org" in html
    assert "Dementia" in html
    assert "Confirmed" in html


def test_curators_search_subscribers_by_email(curator_client):
    SubscriberFactory(email="ann@example.org")
    SubscriberFactory(email="bob@example.org")
    response = curator_client.get(CHANGELIST, {"q": "bob"})
    assert list(response.context["cl"].result_list) == [
        Subscriber.objects.get(email="bob@example.org")
    ]


def test_curators_filter_subscribers_by_status(curator_client):
    SubscriberFactory(email="pending@example.org")
    SubscriberFactory(email="confirmed@example.org", confirmed=True)
    response = curator_client.get(CHANGELIST, {"status__exact": "confirmed"})
    assert [s.email for s in response.context["cl"].result_list] == ["confirmed@example.org"]


def test_the_changelist_has_an_export_button_and_no_add_button(curator_client):
    html = curator_client.get(CHANGELIST).content.decode()
    assert f'href="{EXPORT}"' in html
    assert reverse("admin:newsletter_subscriber_add") not in html


def test_the_export_lists_confirmed_subscribers_only(curator_client):
    topic = TopicFactory(name="Carers")
    confirmed = SubscriberFactory(email="ann@example.org", name="Ann", confirmed=True)
    confirmed.topics.add(topic)
    SubscriberFactory(email="pending@example.org")
    SubscriberFactory(email="left@example.org", unsubscribed=True)
    response = curator_client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert csv_rows(response) == [
        ["email", "name", "topics", "confirmed_at"],
        ["ann@example.org", "Ann", "Carers", confirmed.confirmed_at.isoformat()],
    ]


def test_the_export_defuses_cells_a_spreadsheet_would_run_as_formulas(curator_client):
    SubscriberFactory(name='=HYPERLINK("http://evil.example")', confirmed=True)
    [_, row] = csv_rows(curator_client.get(EXPORT))
    assert row[1] == '\'=HYPERLINK("http://evil.example")'


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1"])
def test_csv_safe_prefixes_formula_triggers(value):
    assert csv_safe(value) == f"'{value}"


def test_csv_safe_leaves_ordinary_text_alone():
    assert csv_safe("Ann O'Neill") == "Ann O'Neill"


def test_the_export_action_exports_the_selected_confirmed_subscribers(curator_client):
    wanted = SubscriberFactory(email="ann@example.org", confirmed=True)
    SubscriberFactory(email="bob@example.org", confirmed=True)
    pending = SubscriberFactory(email="pending@example.org")
    response = curator_client.post(
        CHANGELIST,
        {
            "action": "export_selected_confirmed",
            "_selected_action": [wanted.pk, pending.pk],
        },
    )
    assert [row[0] for row in csv_rows(response)] == ["email", "ann@example.org"]


def test_staff_without_subscriber_permissions_cannot_export(client):
    client.force_login(User.objects.create_user("staff", password="pw", is_staff=True))
    assert client.get(EXPORT).status_code == 403


def test_the_public_cannot_export(client):
    response = client.get(EXPORT)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_curators_cannot_delete_a_subscriber(curator_client):
    subscriber = SubscriberFactory()
    delete_url = reverse("admin:newsletter_subscriber_delete", args=[subscriber.pk])
    assert curator_client.get(delete_url).status_code == 403
    assert curator_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Subscriber.objects.filter(pk=subscriber.pk).exists()


def test_curators_are_not_offered_the_bulk_delete_action(curator_client):
    SubscriberFactory()
    response = curator_client.get(CHANGELIST)
    actions = [name for name, _ in response.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions
    assert "export_selected_confirmed" in actions


def test_an_administrator_can_erase_a_subscriber(admin_client):
    subscriber = SubscriberFactory()
    delete_url = reverse("admin:newsletter_subscriber_delete", args=[subscriber.pk])
    response = admin_client.post(delete_url, {"post": "yes"})
    assert response.status_code == 302
    assert not Subscriber.objects.exists()


def test_curators_can_edit_name_and_topics_but_not_the_consent_record(curator_client):
    subscriber = SubscriberFactory(confirmed=True)
    response = curator_client.get(
        reverse("admin:newsletter_subscriber_change", args=[subscriber.pk])
    )
    form = response.context["adminform"].form
    assert set(form.fields) == {"name", "topics"}


def make_signup(days_ago, **kwargs):
    return SubscriberFactory(created=timezone.now() - datetime.timedelta(days=days_ago), **kwargs)


def test_purge_deletes_pending_signups_older_than_thirty_days_and_says_how_many():
    make_signup(31)
    make_signup(45)
    recent = make_signup(29)
    old_but_confirmed = make_signup(90, confirmed=True)
    old_but_left = make_signup(90, unsubscribed=True)
    out = io.StringIO()
    call_command("purge_pending_subscribers", stdout=out)
    assert "Deleted 2 pending subscriber(s)" in out.getvalue()
    assert set(Subscriber.objects.all()) == {recent, old_but_confirmed, old_but_left}


def test_purge_counts_people_not_their_topic_links():
    old = make_signup(40)
    old.topics.add(TopicFactory(name="Cancer"), TopicFactory(name="HIV"))
    out = io.StringIO()
    call_command("purge_pending_subscribers", stdout=out)
    assert "Deleted 1 pending" in out.getvalue()


def test_purge_takes_a_number_of_days():
    make_signup(8)
    out = io.StringIO()
    call_command("purge_pending_subscribers", "--days", "7", stdout=out)
    assert "Deleted 1 pending subscriber(s) older than 7 days" in out.getvalue()
    assert not Subscriber.objects.exists()


def test_the_subscriber_list_takes_the_same_queries_for_five_or_fifty_rows(
    curator_client, django_assert_max_num_queries
):
    topic = TopicFactory(name="Maternity")
    for subscriber in SubscriberFactory.create_batch(5, confirmed=True):
        subscriber.topics.add(topic)
    with CaptureQueriesContext(connection) as five:
        curator_client.get(CHANGELIST)
    for subscriber in SubscriberFactory.create_batch(45, confirmed=True):
        subscriber.topics.add(topic)
    with django_assert_max_num_queries(len(five)):
        curator_client.get(CHANGELIST)


def test_erasing_a_subscriber_removes_their_address_from_the_admin_history(admin_client):
    subscriber = SubscriberFactory(email="erase-me@example.org", confirmed=True)
    change_url = reverse("admin:newsletter_subscriber_change", args=[subscriber.pk])
    admin_client.post(change_url, {"name": "New name", "topics": []})
    assert LogEntry.objects.filter(object_repr="erase-me@example.org").exists()

    delete_url = reverse("admin:newsletter_subscriber_delete", args=[subscriber.pk])
    admin_client.post(delete_url, {"post": "yes"})

    reprs = set(LogEntry.objects.values_list("object_repr", flat=True))
    assert reprs == {"(erased subscriber)"}
    assert LogEntry.objects.filter(action_flag=DELETION).count() == 1


def test_bulk_erasure_also_removes_addresses_from_the_admin_history(admin_client):
    subscribers = SubscriberFactory.create_batch(2)
    admin_client.post(
        CHANGELIST,
        {
            "action": "delete_selected",
            "_selected_action": [s.pk for s in subscribers],
            "post": "yes",
        },
    )
    assert not Subscriber.objects.exists()
    assert set(LogEntry.objects.values_list("object_repr", flat=True)) == {"(erased subscriber)"}
