"""Every HTML email the hub sends has the one layout (templates/email/base.html): the hub's
name as a header, a footer saying why it came, lang, one h1, headings in order, and nothing
that runs or loads from elsewhere; the digest's preview may show its styles and nothing more."""

import datetime
import re
from html.parser import HTMLParser
from itertools import pairwise

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from newsletter.digest_admin import PREVIEW_CSP
from newsletter.digests import DigestPlan, digest_email
from newsletter.emails import preferences_link_email, send_confirmation
from newsletter.models import DigestIssue
from resources.models import Entry
from tests.factories import EntryFactory, SubscriberFactory, TopicFactory
from tests.test_suggestions import accept_url, decline_url, suggestion

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
END = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
NEWSLETTER_FOOTER = "Change your topics</a> · <a href"


class Outline(HTMLParser):
    """The parts of an HTML email the layout promises: headings, the header's and footer's
    text, the hidden preheader, and every attribute that could load or run something."""

    def __init__(self, html):
        super().__init__()
        self.headings, self.tags, self.loads = [], [], []
        self.open = []  # the layout regions the parser is inside
        self.text = {"header": "", "footer": "", "preheader": ""}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        self.loads += [f"{name}={value}" for name, value in attrs.items()
                       if name in {"src", "srcset", "background", "poster", "data"}
                       or name.startswith("on")]  # fmt: skip
        region = tag if tag in {"header", "footer"} else None
        if "preheader" in (attrs.get("class") or "").split():
            region = "preheader"
        if region:
            self.open.append(region)

    def handle_endtag(self, tag):
        if self.open and (tag == self.open[-1] or (tag == "div" and self.open[-1] == "preheader")):
            self.open.pop()

    def handle_data(self, data):
        if self.open:
            self.text[self.open[-1]] += data


def html_part(message):
    [html] = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    return html


def assert_uses_the_email_layout(html, footer_says):
    """The promises of templates/email/base.html, checked on one rendered email."""
    outline = Outline(html)
    assert html.startswith("<!doctype html>") and '<html lang="en-GB">' in html
    assert '<meta name="color-scheme" content="light dark">' in html
    assert "@media (prefers-color-scheme: dark)" in html
    assert settings.SITE_NAME in outline.text["header"]
    assert f'<a href="{settings.SITE_URL}/"' in html
    assert footer_says in outline.text["footer"]
    assert outline.text["preheader"].strip()
    assert outline.headings[0] == 1 and outline.headings.count(1) == 1
    assert all(after - before <= 1 for before, after in pairwise(outline.headings))
    assert "script" not in outline.tags and "img" not in outline.tags and "link" not in outline.tags
    assert outline.loads == []
    assert "url(" not in html and "@import" not in html and "@font-face" not in html
    links = re.findall(r'href="([^"]*)"', html)
    assert links and all(link.startswith(settings.SITE_URL) for link in links)


@pytest.fixture
def topics():
    return {"carers": TopicFactory(name="Carers"), "youth": TopicFactory(name="Young people")}


@pytest.fixture
def digest(topics):
    for title, kind, topic in [("Carers guide", "resource", "carers"),
                               ("Carers checklist", "tool", "carers"),
                               ("Youth review", "evidence", "youth")]:  # fmt: skip
        made = EntryFactory(title=title, kind=kind, topics=[topics[topic]],
                            summary=f"What the {title.lower()} is for. More after.")  # fmt: skip
        Entry.objects.filter(pk=made.pk).update(published_at=START + datetime.timedelta(days=3))
    return DigestIssue.objects.create(
        subject="November at the hub", intro="Hello **readers**.", period_start=START,
        period_end=END,
    )  # fmt: skip


def test_the_confirmation_email_uses_the_layout_and_says_why_it_came():
    send_confirmation(SubscriberFactory(email="ann@example.org"))

    [message] = mail.outbox
    html = html_part(message)
    assert_uses_the_email_layout(html, "someone asked for this address to receive")
    assert "<h1>Confirm your subscription</h1>" in html and NEWSLETTER_FOOTER in html


def test_the_preferences_link_email_uses_the_layout():
    html = html_part(preferences_link_email(SubscriberFactory(confirmed=True)))

    assert_uses_the_email_layout(html, "this address is subscribed to the")
    assert NEWSLETTER_FOOTER in html and ">Unsubscribe</a>" in html


def test_the_digest_uses_the_layout_with_kind_headings_and_muted_summaries(digest, topics):
    person = SubscriberFactory(confirmed=True)
    person.topics.set([topics["carers"]])
    plan = DigestPlan(digest)

    html = html_part(digest_email(person, plan, plan.content_for({topics["carers"].pk})))

    assert_uses_the_email_layout(html, "this address is subscribed to the")
    assert "<h1>November at the hub</h1>" in html
    assert Outline(html).headings == [1, 2, 2]  # Resources, Tools; nothing on youth
    assert '<a class="item-title" href="' in html
    assert '<span class="item-summary">What the carers guide is for.</span>' in html
    assert "More after" not in html and "Youth review" not in html


def test_the_suggester_emails_use_the_layout(client, curator):
    client.force_login(curator)
    accepted = suggestion(title="Peer support toolkit", email="ann@example.org")
    declined = suggestion(link="https://example.org/other", email="bob@example.org")

    client.post(accept_url(accepted), {"kind": "resource"})
    client.post(decline_url(declined), {"reason": "Not about peer support."})

    by_address = {message.to[0]: html_part(message) for message in mail.outbox}
    for html in by_address.values():
        assert_uses_the_email_layout(html, "you asked to hear about this suggestion")
    assert "<h1>We are adding your suggestion</h1>" in by_address["ann@example.org"]
    assert "<blockquote>Not about peer support.</blockquote>" in by_address["bob@example.org"]


def test_the_curators_summary_uses_the_layout(curator):
    suggestion(link="https://spam.example/win", why_useful="Great stuff")

    call_command("send_suggestion_summary", stdout=None)

    [message] = mail.outbox
    html = html_part(message)
    assert_uses_the_email_layout(html, "because you review suggestions")
    assert "<h1>1 new suggestion</h1>" in html and 'href="https://spam.example' not in html


def test_the_password_reset_email_is_plain_text_only(curator):
    Client().post("/admin/password_reset/", {"email": "curator@example.org"})

    [message] = mail.outbox
    assert message.alternatives == [] and "/admin/reset/" in message.body


def test_the_digest_preview_shows_the_emails_own_styles_and_still_runs_and_loads_nothing(
    client, digest
):
    curator = User.objects.create_user("preview", "preview@example.org", is_staff=True)
    curator.groups.add(Group.objects.get(name="Curators"))
    client.force_login(curator)

    response = client.get(reverse("admin:newsletter_digestissue_preview_html", args=[digest.pk]))

    policy = response["Content-Security-Policy"]
    assert response.status_code == 200 and policy == PREVIEW_CSP
    directives = dict(part.strip().partition(" ")[::2] for part in policy.split(";"))
    assert directives["default-src"] == "'none'" and directives["script-src"] == "'none'"
    assert directives["style-src"] == "'unsafe-inline'"
    assert directives["form-action"] == "'none'" and "sandbox" in directives
    assert_uses_the_email_layout(response.content.decode(), "this address is subscribed")


def test_the_sites_own_policy_still_refuses_inline_styles(client):
    policy = client.get("/").headers["Content-Security-Policy"]

    assert "unsafe-inline" not in policy
