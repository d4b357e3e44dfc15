"""Suggest an item: the public form (/suggest/), the curators' moderation queue in the admin,
the emails to suggesters and the curators' daily summary (the suggestions app)."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resources.models import Entry, Kind, Status
from suggestions.models import (
    CONSENT_TEXT,
    AlreadyDecided,
    Suggestion,
    SuggestionStatus,
    parse_link_or_doi,
)
from tests.factories import EntryFactory

# The recorded Crossref server of the Fill from DOI tests, and an address where none listens.
from tests.test_fill_from_doi import AUTHORS, DOI, TITLE, closed_port, crossref_server  # noqa: F401

pytestmark = pytest.mark.django_db

SUGGEST = "/suggest/"
THANKS = "/suggest/thanks/"
QUEUE = reverse("admin:suggestions_suggestion_changelist")
SPAM_LINK = "https://spam.example/win-a-prize"


def suggestion(link="https://example.org/peer-support-guide", **fields):
    """A stored suggestion, read from `link` as the form reads it."""
    doi, url = parse_link_or_doi(link)
    defaults = {"link_or_doi": link, "doi": doi, "url": url}
    if fields.get("email"):
        defaults.update(consent=True, consent_text=CONSENT_TEXT)
    return Suggestion.objects.create(**{**defaults, **fields})


def form_data(**fields):
    return {"link_or_doi": "https://example.org/peer-support-guide", **fields}


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def change_url(item):
    return reverse("admin:suggestions_suggestion_change", args=[item.pk])


def accept_url(item):
    return reverse("admin:suggestions_suggestion_accept", args=[item.pk])


def decline_url(item):
    return reverse("admin:suggestions_suggestion_decline", args=[item.pk])


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


# The public form ------------------------------------------------------------------------------


def test_the_form_stores_a_suggestion_and_shows_the_thanks_page(client):
    response = client.post(
        SUGGEST,
        form_data(
            title="A guide to peer support",
            why_useful="Used by our groups.",
            kind="resource",
            email="Ann@Example.org",
            consent="on",
        ),
    )

    assert response.status_code == 302 and response["Location"] == THANKS
    page = client.get(THANKS)
    assert page.status_code == 200 and "Thank you for your suggestion" in page.content.decode()
    stored = Suggestion.objects.get()
    assert stored.url == "https://example.org/peer-support-guide" and stored.doi == ""
    assert (stored.title, stored.why_useful, stored.kind) == (
        "A guide to peer support",
        "Used by our groups.",
        Kind.RESOURCE,
    )
    assert stored.email.lower() == "ann@example.org"
    assert stored.consent and stored.consent_text == CONSENT_TEXT
    assert stored.status == SuggestionStatus.NEW


@pytest.mark.parametrize(
    "typed",
    [
        "https://doi.org/10.1186/ABC-1",
        "doi:10.1186/abc-1",
        "10.1186/abc-1",
        " dx.doi.org/10.1186/abc-1 ",
    ],
)
def test_a_doi_in_any_spelling_is_kept_as_typed_and_stored_bare(client, typed):
    client.post(SUGGEST, form_data(link_or_doi=typed))

    stored = Suggestion.objects.get()
    assert (stored.link_or_doi, stored.doi, stored.url) == (typed.strip(), "10.1186/abc-1", "")


def test_a_link_typed_without_its_scheme_is_read_as_https(client):
    client.post(SUGGEST, form_data(link_or_doi="www.example.org/toolkit"))

    assert Suggestion.objects.get().url == "https://www.example.org/toolkit"


def test_suggesting_needs_no_email_and_keeps_no_consent_wording(client):
    client.post(SUGGEST, form_data())

    stored = Suggestion.objects.get()
    assert stored.email == "" and not stored.consent and stored.consent_text == ""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"link_or_doi": ""}, "Enter the link or DOI of the item you suggest."),
        ({"link_or_doi": "not a link at all"}, "Enter a web address such as"),
        ({"link_or_doi": "javascript:alert(1)"}, "Enter a web address such as"),
        ({"email": "ann@example.org"}, "Tick the box so that we may email you about it"),
        ({"consent": "on"}, "Enter your email address to hear about it"),
        ({"email": "not-an-address", "consent": "on"}, "Enter an email address like"),
        ({"kind": "poem"}, "Choose a kind from the list"),
    ],
)
def test_a_mistake_is_explained_in_the_error_summary_and_nothing_is_stored(client, data, message):
    response = client.post(SUGGEST, form_data(**data))

    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page and page.count(message) == 2  # summary and field
    assert "<title>Error: Suggest an item" in page
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize(
    ("field", "limit", "message"),
    [
        ("link_or_doi", 500, "Enter a link or DOI of at most 500 characters."),
        ("title", 255, "Enter a title of at most 255 characters."),
        ("why_useful", 1000, "Enter a reason of at most 1,000 characters."),
    ],
)
def test_every_field_has_a_length_limit(client, field, limit, message):
    page = client.get(SUGGEST).content.decode()
    assert re.search(rf'name="{field}"[^>]*maxlength="{limit}"', page)

    value = "https://example.org/" + "a" * limit if field == "link_or_doi" else "a" * (limit + 1)
    response = client.post(SUGGEST, form_data(**{field: value}))

    assert response.status_code == 400 and message in response.content.decode()
    assert not Suggestion.objects.exists()


def test_a_too_long_email_address_is_refused(client):
    response = client.post(SUGGEST, form_data(email="a" * 250 + "@example.org", consent="on"))

    assert response.status_code == 400 and not Suggestion.objects.exists()


def test_the_form_labels_every_field_and_hides_the_honeypot_with_a_class(client):
    page = client.get(SUGGEST).content.decode()

    assert page.count("<h1") == 1
    for name in ["link_or_doi", "title", "why_useful", "email", "consent", "website"]:
        assert re.search(rf'<label[^>]* for="id_{name}"', page), name
    assert "<legend>What kind of item is it? (optional)</legend>" in page
    assert re.search(r'<div class="visually-hidden">\s*<label for="id_website">', page)
    assert "style=" not in page and "<script>" not in page


def test_a_filled_honeypot_gets_the_thanks_page_but_nothing_is_stored(client):
    response = client.post(SUGGEST, form_data(website="https://bot.example"))

    assert response.status_code == 302 and response["Location"] == THANKS
    assert not Suggestion.objects.exists()


def test_too_many_suggestions_from_one_address_get_a_429_page(client, settings):
    settings.SUGGEST_RATE_LIMIT = 2
    for number in range(2):
        assert client.post(SUGGEST, form_data(title=f"Item {number}")).status_code == 302

    response = client.post(SUGGEST, form_data(title="One too many"))

    page = response.content.decode()
    assert response.status_code == 429
    assert "<h1>Too many suggestions</h1>" in page and "up to 2 suggestions an hour" in page
    assert 'rel="stylesheet"' in page  # the site's own page, styled
    assert Suggestion.objects.count() == 2


def test_mistakes_do_not_count_against_the_rate_limit(client, settings):
    settings.SUGGEST_RATE_LIMIT = 1
    for _ in range(3):
        assert client.post(SUGGEST, form_data(link_or_doi="")).status_code == 400

    assert client.post(SUGGEST, form_data()).status_code == 302


def test_listings_search_results_and_the_footer_link_to_the_form(client):
    listing = client.get("/resources/").content.decode()
    nothing_found = client.get("/search/?q=nothingmatchesthis").content.decode()

    assert 'href="/suggest/">Suggest an item</a> for the library' in listing
    assert "No entries match" in nothing_found
    assert 'Know an item that should be here? <a href="/suggest/">' in nothing_found
    assert '<li><a href="/suggest/">Suggest an item</a></li>' in client.get("/").content.decode()


def test_suggestions_are_never_shown_publicly(client):
    suggestion(link="10.1234/xyzzy-study", title="Xyzzy peer support study", email="a@b.org")

    for url in ["/", "/search/?q=xyzzy", "/evidence/", "/api/v1/entries/?q=xyzzy", "/sitemap.xml"]:
        page = client.get(url).content.decode()
        assert "Xyzzy peer support" not in page and "xyzzy-study" not in page, url
    assert "0 results" in client.get("/search/?q=xyzzy").content.decode()
    assert client.get(f"/suggest/{Suggestion.objects.get().pk}/").status_code == 404


# The moderation queue -------------------------------------------------------------------------


def test_nothing_suggested_is_rendered_as_a_link_in_the_admin(curator_client):
    item = suggestion(link=SPAM_LINK, title="Prize at https://spam.example/title")
    EntryFactory(url=SPAM_LINK, title="An entry with the same link")

    for url in [QUEUE, change_url(item), decline_url(item)]:
        page = curator_client.get(url).content.decode()
        assert SPAM_LINK in page, url
        assert 'href="https://spam.example' not in page, url


def test_the_queue_filters_by_status_with_the_dashboards_address(curator_client):
    suggestion(title="Waiting one")
    suggestion(title="Declined one", status=SuggestionStatus.DECLINED,
               decline_reason="Off topic", decided_at=timezone.now())  # fmt: skip

    page = curator_client.get(QUEUE + "?status__exact=new").content.decode()

    assert "Waiting one" in page and "Declined one" not in page


def test_waiting_lists_new_suggestions_newest_first_and_new_since_counts_from_a_moment():
    old = suggestion(title="Old", created=timezone.now() - datetime.timedelta(days=3))
    new = suggestion(title="New")
    suggestion(title="Done", status=SuggestionStatus.ACCEPTED, decided_at=timezone.now())

    assert list(Suggestion.objects.waiting()) == [new, old]
    since = timezone.now() - datetime.timedelta(days=1)
    assert set(Suggestion.objects.new_since(since).values_list("title", flat=True)) == {
        "New",
        "Done",
    }


def test_a_doi_already_in_the_catalogue_is_flagged_with_a_link_to_its_entry(curator_client):
    entry = EntryFactory(kind=Kind.EVIDENCE, doi="10.1186/abc-1", title="The catalogued study")
    item = suggestion(link="https://doi.org/10.1186/ABC-1")

    entry_admin = reverse("admin:resources_evidence_change", args=[entry.pk])
    for url in [QUEUE, change_url(item)]:
        page = curator_client.get(url).content.decode()
        assert f'In the catalogue: <a href="{entry_admin}">The catalogued study</a>' in page


def test_a_link_already_in_the_catalogue_is_flagged_with_or_without_a_trailing_slash(
    curator_client,
):
    entry = EntryFactory(url="https://example.org/guide/", title="The catalogued guide")
    suggestion(link="https://example.org/guide")

    page = curator_client.get(QUEUE).content.decode()

    entry_admin = reverse("admin:resources_resource_change", args=[entry.pk])
    assert f'In the catalogue: <a href="{entry_admin}">The catalogued guide</a>' in page


def test_a_title_already_in_the_catalogue_is_flagged_in_any_case_and_punctuation(
    curator_client,
):
    entry = EntryFactory(title="Peer support for carers: a practical guide")
    flagged = suggestion(
        link="https://example.org/elsewhere", title="PEER SUPPORT FOR CARERS - A PRACTICAL GUIDE"
    )
    unrelated = suggestion(link="https://example.org/another", title="Peer support for carers")

    entry_admin = reverse("admin:resources_resource_change", args=[entry.pk])
    listed = f'In the catalogue: <a href="{entry_admin}">'
    assert listed in curator_client.get(change_url(flagged)).content.decode()
    assert listed not in curator_client.get(change_url(unrelated)).content.decode()


def test_suggestions_of_the_same_item_point_to_each_other(curator_client):
    first = suggestion(link="10.1186/abc-1")
    second = suggestion(link="doi:10.1186/ABC-1")
    other = suggestion(link="https://example.org/other")

    page = curator_client.get(change_url(first)).content.decode()
    assert (
        f'Also suggested: <a href="{change_url(second)}">Suggestion #{second.pk} (new)</a>' in page
    )
    page = curator_client.get(change_url(second)).content.decode()
    assert f'<a href="{change_url(first)}">Suggestion #{first.pk} (new)</a>' in page
    assert "Also suggested" not in curator_client.get(change_url(other)).content.decode()


def fill_queue(start, count):
    for number in range(start, start + count):
        EntryFactory(url=f"https://example.org/item-{number}", title=f"Catalogued {number}")
        suggestion(link=f"https://example.org/item-{number}")
        suggestion(link=f"10.1234/suggested-{number}")
        suggestion(link=f"doi:10.1234/suggested-{number}")


def test_the_queue_finds_duplicates_in_a_constant_number_of_queries(
    curator_client, django_assert_max_num_queries
):
    curator_client.get(QUEUE)  # sessions, permissions and content types warm up
    fill_queue(0, 2)
    with CaptureQueriesContext(connection) as few:
        curator_client.get(QUEUE)
    fill_queue(2, 14)

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = curator_client.get(QUEUE).content.decode()

    assert page.count("In the catalogue:") == 16 and page.count("Also suggested:") == 32


# Accepting ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("crossref_server")
def test_accepting_a_doi_creates_a_draft_filled_from_crossref_and_opens_it(curator_client):
    item = suggestion(link=f"https://doi.org/{DOI}", title="That peer support review")

    response = curator_client.post(accept_url(item), {"kind": "evidence"})

    entry = Entry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:resources_evidence_change", args=[entry.pk])
    assert (entry.kind, entry.status, entry.doi) == (Kind.EVIDENCE, Status.DRAFT, DOI.lower())
    assert (entry.title, entry.authors, entry.year) == (TITLE, AUTHORS, 2014)
    assert entry.publisher == "BMC Psychiatry" and entry.summary.startswith("Background:")
    version = entry.history.get()
    assert version.history_change_reason == "Created from a suggestion"
    assert version.history_user.username == "curator"
    item.refresh_from_db()
    assert (item.status, item.entry, item.decided_by.username) == ("accepted", entry, "curator")
    assert item.decided_at is not None
    assert any("accepted: this draft was made from it" in text for text in messages_of(response))

    draft_page = curator_client.get(response["Location"]).content.decode()
    assert "Lloyd-Evans" in draft_page and "BMC Psychiatry" in draft_page


@pytest.mark.usefixtures("closed_port")
def test_accepting_with_crossref_down_still_creates_the_draft_and_says_so(curator_client):
    item = suggestion(link=DOI, title="That peer support review", kind=Kind.EVIDENCE)

    response = curator_client.post(accept_url(item), {"kind": "evidence"})

    entry = Entry.objects.get()
    assert (entry.title, entry.doi, entry.status) == (
        "That peer support review",
        DOI.lower(),
        "draft",
    )
    assert entry.authors == "" and entry.year is None
    assert any("Crossref could not fill it in: Could not reach Crossref" in text
               for text in messages_of(response))  # fmt: skip
    item.refresh_from_db()
    assert item.status == SuggestionStatus.ACCEPTED and item.entry == entry


def test_accepting_a_link_makes_a_draft_of_the_chosen_kind_with_the_link(curator_client):
    item = suggestion(link="https://example.org/measure", title="Wellbeing measure")

    page = curator_client.get(change_url(item)).content.decode()
    assert '<option value="resource" selected>' in page  # a link without a kind: a resource
    response = curator_client.post(accept_url(item), {"kind": "tool"})

    entry = Entry.objects.get()
    assert response["Location"] == reverse("admin:resources_tool_change", args=[entry.pk])
    assert (entry.kind, entry.url, entry.title) == (Kind.TOOL, item.url, "Wellbeing measure")
    assert entry.slug == "wellbeing-measure"


def test_a_suggestion_without_a_title_makes_a_draft_named_by_its_link(curator_client):
    item = suggestion(link="https://example.org/unnamed")

    curator_client.post(accept_url(item), {"kind": "resource"})

    assert Entry.objects.get().title == "https://example.org/unnamed"


def test_a_doi_already_in_the_catalogue_cannot_be_accepted(curator_client):
    entry = EntryFactory(kind=Kind.EVIDENCE, doi="10.1186/abc-1", title="Already here")
    item = suggestion(link="10.1186/abc-1")

    response = curator_client.post(accept_url(item), {"kind": "evidence"})

    assert response["Location"] == change_url(item)
    assert any("an entry already has this DOI" in text for text in messages_of(response))
    assert list(Entry.objects.all()) == [entry]
    item.refresh_from_db()
    assert item.status == SuggestionStatus.NEW


def test_accepting_is_a_post(curator_client):
    item = suggestion()

    assert curator_client.get(accept_url(item)).status_code == 405
    assert not Entry.objects.exists()


def test_accepting_needs_the_change_permission(client, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_suggestion"))
    client.force_login(viewer)
    item = suggestion()

    assert client.get(change_url(item)).status_code == 200
    assert client.post(accept_url(item), {"kind": "resource"}).status_code == 403
    assert client.post(decline_url(item), {"reason": "No"}).status_code == 403
    item.refresh_from_db()
    assert item.status == SuggestionStatus.NEW and not Entry.objects.exists()


# Declining ------------------------------------------------------------------------------------


def test_declining_needs_a_reason(curator_client):
    item = suggestion()

    for reason in ["", "   "]:
        response = curator_client.post(decline_url(item), {"reason": reason})
        assert response.status_code == 400
        assert "Give a reason for declining." in response.content.decode()
    item.refresh_from_db()
    assert item.status == SuggestionStatus.NEW


def test_declining_records_the_reason_and_who_decided(curator_client):
    item = suggestion()

    response = curator_client.post(decline_url(item), {"reason": "Not about peer support."})

    assert response["Location"] == change_url(item)
    item.refresh_from_db()
    assert (item.status, item.decline_reason) == ("declined", "Not about peer support.")
    assert item.decided_by.username == "curator" and item.decided_at is not None


@pytest.mark.parametrize("first", ["accept", "decline"])
@pytest.mark.parametrize("second", ["accept", "decline"])
def test_deciding_twice_is_refused_with_a_message(curator_client, first, second):
    item = suggestion()
    decide = {
        "accept": lambda: curator_client.post(accept_url(item), {"kind": "resource"}),
        "decline": lambda: curator_client.post(decline_url(item), {"reason": "Duplicate."}),
    }
    decide[first]()
    item.refresh_from_db()
    decided = (item.status, item.decided_at, item.decline_reason)

    response = decide[second]()

    assert response["Location"] == change_url(item)
    status = "accepted" if first == "accept" else "declined"
    assert any(f"Not changed: Already {status} by curator on" in text
               for text in messages_of(response))  # fmt: skip
    item.refresh_from_db()
    assert (item.status, item.decided_at, item.decline_reason) == decided
    assert Entry.objects.count() == (1 if first == "accept" else 0)


def test_a_decision_made_meanwhile_by_another_curator_wins(curator, django_user_model):
    other = django_user_model.objects.create_user("other", is_staff=True)
    seen = suggestion()
    Suggestion.objects.get(pk=seen.pk).decline(other, "Duplicate.")

    with pytest.raises(AlreadyDecided, match="Already declined by other on"):
        seen.accept(curator, kind=Kind.RESOURCE)

    assert not Entry.objects.exists()
    seen.refresh_from_db()
    assert (seen.status, seen.decided_by) == (SuggestionStatus.DECLINED, other)


def test_a_decided_suggestion_offers_no_decision(curator_client):
    item = suggestion()
    curator_client.post(decline_url(item), {"reason": "Duplicate."})

    page = curator_client.get(change_url(item)).content.decode()

    assert "Accept and create a draft" not in page and "Already declined by curator" in page


def test_several_suggestions_are_declined_at_once_with_one_reason(curator_client):
    spam = [suggestion(link=f"https://spam.example/{n}") for n in range(2)]
    accepted = suggestion(status=SuggestionStatus.ACCEPTED, decided_at=timezone.now())
    selected = {"action": "decline_selected", "_selected_action": [s.pk for s in [*spam, accepted]]}

    asking = curator_client.post(QUEUE, selected)
    assert asking.status_code == 200 and "Decline suggestions" in asking.content.decode()
    missing = curator_client.post(QUEUE, {**selected, "reason": ""})
    assert "Give a reason for declining." in missing.content.decode()
    done = curator_client.post(QUEUE, {**selected, "reason": "Spam."})

    assert done.status_code == 302
    assert "2 suggestions declined. 1 was already decided" in " ".join(messages_of(done))
    assert set(Suggestion.objects.values_list("status", flat=True)) == {"declined", "accepted"}
    assert Suggestion.objects.filter(decline_reason="Spam.").count() == 2


# Emails to suggesters -------------------------------------------------------------------------


def test_an_accepted_suggestion_emails_the_suggester(curator_client):
    item = suggestion(title="Peer support toolkit", email="ann@example.org")

    curator_client.post(accept_url(item), {"kind": "resource"})

    [message] = mail.outbox
    assert message.to == ["ann@example.org"]
    assert message.subject == "We are adding your suggestion to the Peer Support Evidence Hub"
    assert "we are adding it to the library" in message.body
    assert "Peer support toolkit" in message.body
    assert "<strong>Peer support toolkit</strong>" in message.alternatives[0][0]


def test_declined_suggestion_emails_the_suggester_the_reason_and_nothing_they_typed(
    curator_client,
):
    item = suggestion(link=SPAM_LINK, title="Win a prize", email="victim@example.org")

    curator_client.post(decline_url(item), {"reason": "It is not about peer support."})

    [message] = mail.outbox
    assert message.to == ["victim@example.org"]
    assert "It is not about peer support." in message.body
    html = message.alternatives[0][0]
    assert "It is not about peer support." in html
    for typed in ["spam.example", "Win a prize"]:
        assert typed not in message.body and typed not in html and typed not in message.subject


def test_no_email_goes_to_a_suggester_who_left_no_address(curator_client):
    accepted, declined = suggestion(), suggestion(link="https://example.org/b")

    curator_client.post(accept_url(accepted), {"kind": "resource"})
    curator_client.post(decline_url(declined), {"reason": "Duplicate."})

    assert mail.outbox == []


def test_an_address_without_consent_cannot_be_stored():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Suggestion.objects.create(link_or_doi="x", url="https://x.org", email="a@b.org")


# The curators' daily summary ------------------------------------------------------------------


@pytest.fixture
def summary_readers(curator, django_user_model):
    """The curator (Curators group), a superuser, and staff who must not get the summary."""
    django_user_model.objects.create_superuser("admin", "admin@example.org", "x")
    django_user_model.objects.create_user("nobody", "nobody@example.org", "x", is_staff=True)
    gone = django_user_model.objects.create_user("gone", "gone@example.org", "x", is_staff=True)
    gone.groups.add(Group.objects.get(name="Curators"))
    gone.is_active = False
    gone.save()
    quiet = django_user_model.objects.create_user("quiet", "", "x", is_staff=True)
    quiet.groups.add(Group.objects.get(name="Curators"))


def run_summary():
    from io import StringIO

    out = StringIO()
    call_command("send_suggestion_summary", stdout=out)
    return out.getvalue()


@pytest.mark.usefixtures("summary_readers")
def test_the_daily_summary_lists_new_suggestions_for_each_curator_once():
    EntryFactory(kind=Kind.EVIDENCE, doi="10.1186/abc-1", title="Catalogued study")
    suggestion(link="10.1186/abc-1", title="A known study")
    suggestion(link=SPAM_LINK, why_useful="Great stuff")

    output = run_summary()

    assert output.strip() == "Sent a summary of 2 new suggestion(s) to 2 curator(s)."
    assert sorted(message.to[0] for message in mail.outbox) == [
        "admin@example.org",
        "curator@example.org",
    ]
    message = mail.outbox[0]
    assert message.subject == "2 new suggestions for the library"
    assert "DOI 10.1186/abc-1" in message.body and SPAM_LINK in message.body
    assert 'already in the catalogue as "Catalogued study"' in message.body
    assert "http://testserver" not in message.body
    assert "/admin/suggestions/suggestion/?status__exact=new" in message.body
    html = message.alternatives[0][0]
    assert SPAM_LINK in html and f'href="{SPAM_LINK}' not in html
    assert not Suggestion.objects.filter(summarised_at__isnull=True).exists()

    mail.outbox.clear()
    assert "nothing sent" in run_summary() and mail.outbox == []


@pytest.mark.usefixtures("summary_readers")
def test_the_next_summary_lists_only_what_arrived_since():
    suggestion(title="Summarised yesterday", summarised_at=timezone.now())
    suggestion(title="Arrived today")

    run_summary()

    assert len(mail.outbox) == 2
    assert "Arrived today" in mail.outbox[0].body
    assert "Summarised yesterday" not in mail.outbox[0].body
    assert mail.outbox[0].subject == "1 new suggestion for the library"


@pytest.mark.usefixtures("summary_readers")
def test_no_summary_is_sent_when_nothing_is_new():
    assert run_summary().strip() == "No new suggestions since the last summary: nothing sent."
    assert mail.outbox == []


def test_a_summary_without_anyone_to_read_it_fails_and_keeps_the_suggestions_for_later():
    suggestion()

    with pytest.raises(CommandError, match="no active staff user who may view suggestions"):
        run_summary()

    assert Suggestion.objects.get().summarised_at is None and mail.outbox == []


# Permissions ----------------------------------------------------------------------------------


def test_curators_may_view_and_decide_suggestions_but_not_add_or_delete_them(curator_client):
    codenames = set(
        Group.objects.get(name="Curators")
        .permissions.filter(content_type__app_label="suggestions")
        .values_list("codename", flat=True)
    )

    assert codenames == {"view_suggestion", "change_suggestion"}
    item = suggestion()
    assert curator_client.get(QUEUE).status_code == 200
    assert curator_client.get(QUEUE + "add/").status_code == 403
    assert curator_client.get(change_url(item) + "delete/").status_code == 403


def test_staff_without_the_permissions_cannot_open_the_queue(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("staff", password="x", is_staff=True))
    item = suggestion()

    assert client.get(QUEUE).status_code == 403
    assert client.get(change_url(item)).status_code == 403
