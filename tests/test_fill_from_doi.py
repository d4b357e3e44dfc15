"""Fill from DOI: the Crossref client (resources/crossref.py) against a local server serving
recorded Crossref responses, and the admin's confirmation screen (resources/doi_admin.py)."""

import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from resources import crossref
from resources.authors import parse_authors
from resources.models import Kind
from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db

RECORDED_WORK = (Path(__file__).parent / "recorded" / "crossref_work.json").read_bytes()
DOI = "10.1186/1471-244X-14-39"
TITLE = (
    "A systematic review and meta-analysis of randomised controlled trials of peer support "
    "for people with severe mental illness"
)
AUTHORS = (
    "Brynmor Lloyd-Evans, Evan Mayo-Wilson, Bronwyn Harrison, Hannah Istead, Ellie Brown, "
    "Stephen Pilling, Sonia Johnson, Tim Kendall, Peer Support Research Group"
)
ABSTRACT = (
    "Background: Peer support for people with severe mental illness is offered by people with "
    "their own experience of mental illness & recovery. Methods: We searched for randomised "
    "controlled trials of peer support and pooled their outcomes."
)
TIMEOUT = 0.3


class RecordedCrossref(BaseHTTPRequestHandler):
    """Crossref's /works/<doi> as recorded, plus the ways it can fail."""

    seen_headers = []

    def do_GET(self):
        self.seen_headers.append(dict(self.headers))
        routes = {
            "/works/10.1186/1471-244x-14-39": (200, RECORDED_WORK),
            "/works/10.1234/garbled": (200, b'{"status": "ok", "message": {"title": ['),
            "/works/10.1234/odd-shape": (200, b'{"status": "ok", "message": ["a list"]}'),
            "/works/10.1234/server-error": (503, b"Service unavailable"),
        }
        if self.path == "/works/10.1234/slow":
            time.sleep(TIMEOUT * 4)
            routes[self.path] = (200, RECORDED_WORK)
        status, body = routes.get(self.path, (404, b"Resource not found."))
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up waiting (the timeout test)

    def log_message(self, *args):
        pass


@pytest.fixture
def crossref_server(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordedCrossref)
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CROSSREF_API_URL = f"http://127.0.0.1:{server.server_port}/"
    settings.CROSSREF_TIMEOUT = TIMEOUT
    RecordedCrossref.seen_headers = []
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port(settings):
    """An address where nothing listens, so the connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CROSSREF_API_URL = f"http://127.0.0.1:{port}"
    settings.CROSSREF_TIMEOUT = TIMEOUT


# The client -----------------------------------------------------------------------------------


def test_fetch_work_reads_title_authors_year_journal_and_plain_text_abstract(crossref_server):
    work = crossref.fetch_work(f"https://doi.org/{DOI}")

    assert work.as_fields() == {
        "title": TITLE,
        "authors": AUTHORS,
        "year": 2014,
        "publisher": "BMC Psychiatry",
        "summary": ABSTRACT,
    }


def test_fetch_work_sends_a_polite_user_agent_with_the_contact_address(crossref_server, settings):
    settings.CONTACT_EMAIL = "curators@example.org"

    crossref.fetch_work(DOI)

    assert "mailto:curators@example.org" in RecordedCrossref.seen_headers[0]["User-Agent"]


def test_fetched_authors_read_back_as_the_same_people(crossref_server):
    names = [name.full for name in parse_authors(crossref.fetch_work(DOI).authors)]

    assert names[:2] == ["Brynmor Lloyd-Evans", "Evan Mayo-Wilson"]
    assert names[-1] == "Peer Support Research Group"


@pytest.mark.parametrize(
    ("doi", "message"),
    [
        ("", "This entry has no DOI"),
        ("not a doi", "is not a DOI"),
        ("10.1234/missing", "Crossref has no record of the DOI 10.1234/missing"),
        ("10.1234/slow", "Crossref did not answer in time"),
        ("10.1234/garbled", "Crossref's answer could not be read"),
        ("10.1234/odd-shape", "Crossref's answer could not be read"),
        ("10.1234/server-error", "Crossref answered with an error (503)"),
    ],
)
def test_fetch_work_explains_each_failure_in_a_sentence(crossref_server, doi, message):
    with pytest.raises(crossref.CrossrefError, match=re.escape(message)):
        crossref.fetch_work(doi)


def test_fetch_work_explains_a_refused_connection(closed_port):
    with pytest.raises(crossref.CrossrefError, match="Could not reach Crossref"):
        crossref.fetch_work(DOI)


def test_a_long_abstract_is_cut_at_a_word_to_fit_the_summary():
    work = crossref.work_from_record({"abstract": "<jats:p>" + "peer support " * 80 + "</jats:p>"})

    assert len(work.summary) <= 600 and work.summary.endswith("support…")


# The admin ------------------------------------------------------------------------------------


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def fill_url(entry):
    return reverse("admin:resources_evidence_fill_from_doi", args=[entry.pk])


def change_url(entry):
    return reverse("admin:resources_evidence_change", args=[entry.pk])


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def evidence(**fields):
    defaults = {
        "kind": Kind.EVIDENCE,
        "title": "Peer support review",
        "doi": DOI,
        "summary": "Our own summary.",
        "authors": "",
        "publisher": "",
        "year": None,
    }
    return EntryFactory(**{**defaults, **fields})


def test_change_form_links_to_fill_from_doi(curator_client):
    entry = evidence()

    response = curator_client.get(change_url(entry))

    assert f'href="{fill_url(entry)}"' in response.content.decode()


def test_fill_from_doi_shows_crossref_values_with_only_empty_fields_ticked(
    curator_client, crossref_server
):
    entry = evidence()

    page = curator_client.get(fill_url(entry)).content.decode()

    assert "Lloyd-Evans" in page and "BMC Psychiatry" in page and "Our own summary." in page
    for empty_field in ["authors", "year", "publisher"]:
        assert f'value="{empty_field}" id="fill-{empty_field}" checked>' in page
    for filled_field in ["title", "summary"]:
        assert f'value="{filled_field}" id="fill-{filled_field}">' in page


def test_fill_from_doi_saves_the_ticked_fields_in_one_history_version(
    curator_client, crossref_server
):
    entry = evidence()
    versions_before = entry.history.count()

    response = curator_client.post(fill_url(entry), {"fields": ["authors", "year", "publisher"]})

    assert response.status_code == 302 and response["Location"] == change_url(entry)
    entry.refresh_from_db()
    assert (entry.authors, entry.year, entry.publisher) == (AUTHORS, 2014, "BMC Psychiatry")
    # Filled fields left unticked keep the curator's values.
    assert (entry.title, entry.summary) == ("Peer support review", "Our own summary.")
    assert entry.history.count() == versions_before + 1
    version = entry.history.first()
    assert version.history_change_reason == "Filled from DOI"
    assert version.history_user.username == "curator"
    assert "Filled from DOI: authors, year, journal or publisher." in messages_of(response)


def test_fill_from_doi_overwrites_a_filled_field_only_when_ticked(curator_client, crossref_server):
    entry = evidence()

    curator_client.post(fill_url(entry), {"fields": ["summary"]})

    entry.refresh_from_db()
    assert entry.summary == ABSTRACT
    assert entry.title == "Peer support review"


def test_fill_from_doi_with_nothing_ticked_changes_nothing(curator_client, crossref_server):
    entry = evidence()
    versions_before = entry.history.count()

    response = curator_client.post(fill_url(entry), {})

    assert "No fields were chosen; nothing was changed." in messages_of(response)
    assert entry.history.count() == versions_before


@pytest.mark.parametrize(
    ("doi", "message"),
    [
        ("", "This entry has no DOI"),
        ("10.1234/missing", "Crossref has no record"),
        ("10.1234/slow", "did not answer in time"),
        ("10.1234/garbled", "could not be read"),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_fill_from_doi_failure_is_a_message_and_changes_nothing(
    curator_client, crossref_server, doi, message, method
):
    entry = evidence(doi=doi)
    versions_before = entry.history.count()

    response = getattr(curator_client, method)(fill_url(entry), {"fields": ["authors"]})

    assert response.status_code == 302 and response["Location"] == change_url(entry)
    assert any(message in text for text in messages_of(response))
    entry.refresh_from_db()
    assert entry.authors == "" and entry.history.count() == versions_before


def test_fill_from_doi_needs_the_change_permission(client, django_user_model, crossref_server):
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    client.force_login(viewer)
    entry = evidence()

    assert client.get(fill_url(entry)).status_code == 403
    assert client.post(fill_url(entry), {"fields": ["authors"]}).status_code == 403
    entry.refresh_from_db()
    assert entry.authors == ""
