"""`manage.py check_links`: each published entry's link checked against a local HTTP server,
its state (ok, moved, broken) recorded for curators without touching the entry."""

import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from resources import link_checks
from resources.cache import catalogue_version
from resources.models import Entry, LinkCheck, LinkState, Status
from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db

TIMEOUT = 0.3

REDIRECTS = {
    "/old": (301, "/older"),
    "/older": (308, "/ok"),
    "/for-now": (302, "/ok"),
}


class Handler(BaseHTTPRequestHandler):
    """200 at /ok, redirects, 404, 500, HEAD refused, a slow answer and a reset connection."""

    def do_HEAD(self):
        self.answer(send_body=False)

    def do_GET(self):
        self.answer(send_body=True)

    def answer(self, send_body):
        self.server.seen.append((self.command, self.path, self.headers.get("User-Agent")))
        path = self.path
        if path == "/reset":
            # Close with SO_LINGER 0: the client sees a reset, not an answer.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        if path == "/slow":
            time.sleep(TIMEOUT * 3)
        if path.startswith("/busy"):
            with self.server.lock:
                self.server.busy += 1
                self.server.most_busy = max(self.server.most_busy, self.server.busy)
            time.sleep(0.05)
            with self.server.lock:
                self.server.busy -= 1
        if path in REDIRECTS:
            status, location = REDIRECTS[path]
            self.send_response(status)
            self.send_header("Location", location)
        elif path == "/no-head" and not send_body:
            self.send_response(405)
        else:
            status = {"/missing": 404, "/error": 500}.get(path, 200)
            self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if send_body:
            self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address):
        pass  # the reset connection's handler fails on purpose


@pytest.fixture
def server(settings, monkeypatch):
    """A local server's base address; only 127.0.0.1 is ever contacted."""
    settings.LINK_CHECK_TIMEOUT = TIMEOUT
    settings.CONTACT_EMAIL = "hub@example.org"
    monkeypatch.setattr(link_checks, "RETRY_PAUSE_SECONDS", 0)
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    httpd.seen = []
    httpd.lock, httpd.busy, httpd.most_busy = threading.Lock(), 0, 0
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def base(httpd):
    return f"http://127.0.0.1:{httpd.server_address[1]}"


def entry_at(httpd, path, **kwargs):
    return EntryFactory(url=f"{base(httpd)}{path}", **kwargs)


def check_links(*args):
    out = StringIO()
    call_command("check_links", *args, stdout=out)
    return out.getvalue()


def result(entry):
    return LinkCheck.objects.get(entry=entry)


def test_check_links_records_each_state_and_prints_a_summary(server):
    ok, moved, missing = (entry_at(server, path) for path in ["/ok", "/old", "/missing"])

    output = check_links()

    assert result(ok).state == LinkState.OK
    assert result(ok).status_code == 200
    assert result(moved).state == LinkState.MOVED
    assert result(missing).state == LinkState.BROKEN
    assert result(missing).status_code == 404
    assert "Checked 3 links: 1 ok, 1 moved, 1 broken in" in output


def test_permanent_redirect_chain_is_moved_with_its_final_url(server):
    entry = entry_at(server, "/old")

    check_links()

    check = result(entry)
    assert check.state == LinkState.MOVED
    assert check.final_url == f"{base(server)}/ok"
    assert check.status_code == 200


def test_temporary_redirect_is_ok_and_records_where_it_ended(server):
    entry = entry_at(server, "/for-now")

    check_links()

    assert result(entry).state == LinkState.OK
    assert result(entry).final_url == f"{base(server)}/ok"


def test_link_refusing_head_is_checked_with_get(server):
    entry = entry_at(server, "/no-head")

    check_links()

    assert result(entry).state == LinkState.OK
    assert [method for method, path, _ in server.seen] == ["HEAD", "GET"]


def test_server_error_is_tried_twice_more_before_the_link_is_broken(server):
    entry = entry_at(server, "/error")

    check_links()

    assert result(entry).state == LinkState.BROKEN
    assert result(entry).error == "HTTP 500"
    assert len(server.seen) == 3


def test_slow_and_reset_links_are_broken_with_the_reason(server):
    slow, reset = entry_at(server, "/slow"), entry_at(server, "/reset")
    started = time.monotonic()

    check_links()

    assert result(slow).state == LinkState.BROKEN
    assert result(slow).error == "timed out"
    assert result(reset).state == LinkState.BROKEN
    assert result(reset).error == "connection reset"
    assert time.monotonic() - started < TIMEOUT * 3 * 3


def test_one_site_is_asked_at_most_two_things_at_once(server):
    for number in range(6):
        entry_at(server, f"/busy/{number}")

    assert "6 ok" in check_links()
    assert server.most_busy == link_checks.PER_HOST_LIMIT


def test_link_with_spaces_and_accents_is_sent_encoded(server):
    entry = entry_at(server, "/ok café?q=a b")

    check_links()

    assert result(entry).state == LinkState.OK
    assert server.seen[0][1] == "/ok%20caf%C3%A9?q=a%20b"


def test_requests_name_the_hub_and_its_contact_address(server):
    entry_at(server, "/ok")

    check_links()

    agent = server.seen[0][2]
    assert "Peer Support Evidence Hub" in agent
    assert "hub@example.org" in agent


def test_checking_writes_no_entry_history_and_keeps_the_catalogue_version(server):
    entry_at(server, "/missing")
    versions, catalogue = Entry.history.count(), catalogue_version()

    check_links()

    assert Entry.history.count() == versions
    assert catalogue_version() == catalogue


def test_first_failure_is_kept_while_broken_and_cleared_once_it_works(server):
    entry = entry_at(server, "/missing")
    check_links()
    first_failed = result(entry).first_failed_at

    check_links()
    assert result(entry).first_failed_at == first_failed

    Entry.objects.filter(pk=entry.pk).update(url=f"{base(server)}/ok")
    check_links()
    assert result(entry).state == LinkState.OK
    assert result(entry).first_failed_at is None


def test_only_published_entries_with_a_link_are_checked(server):
    entry_at(server, "/ok", status=Status.DRAFT)
    EntryFactory(url="", doi="")

    assert "Checked 0 links" in check_links()
    assert not server.seen


def test_only_due_skips_links_checked_recently_and_limit_caps_the_run(server):
    recent, stale = entry_at(server, "/ok"), entry_at(server, "/ok")
    entry_at(server, "/ok")
    check_links()
    LinkCheck.objects.filter(entry=stale).update(
        last_checked=timezone.now() - timezone.timedelta(days=40)
    )

    assert "Checked 1 links" in check_links("--only-due", "30")
    assert result(stale).last_checked > result(recent).last_checked - timezone.timedelta(days=1)
    assert "Checked 2 links" in check_links("--limit", "2")


def test_curators_filter_entries_by_broken_and_moved_links(server, admin_client):
    broken = entry_at(server, "/missing", title="Gone away")
    moved = entry_at(server, "/old", title="Moved house")
    entry_at(server, "/ok", title="Still here")
    check_links()
    listing = reverse("admin:resources_resource_changelist")

    broken_page = admin_client.get(listing, {"link": "broken"}).content.decode()
    moved_page = admin_client.get(listing, {"link": "moved"}).content.decode()

    assert broken.title in broken_page and "Still here" not in broken_page
    assert moved.title in moved_page and "Still here" not in moved_page


def test_entry_screen_shows_the_last_link_check(server, admin_client):
    entry = entry_at(server, "/missing")
    change = reverse("admin:resources_resource_change", args=[entry.pk])
    assert "Not checked yet." in admin_client.get(change).content.decode()

    check_links()

    page = admin_client.get(change).content.decode()
    assert "Broken · HTTP 404" in page


def test_bad_option_is_refused_with_a_message():
    with pytest.raises(Exception, match="--limit"):
        call_command("check_links", "--limit", "0")
