"""Checking that published entries' links still work (`manage.py check_links`, from cron).

Each link is asked for with HEAD, or GET where a site refuses HEAD; redirects are followed
and recorded. A link that fails is tried again (`RETRIES`) before it is called broken, and a
site is never asked more than `PER_HOST_LIMIT` things at once. The network work runs in
threads and touches no database; results are saved from the calling thread into `LinkCheck`
rows, which have no history and start no new catalogue version.
"""

import http.client
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from resources.models import Entry, LinkCheck, LinkState

WORKERS = 8
PER_HOST_LIMIT = 2
RETRIES = 2
RETRY_PAUSE_SECONDS = 2.0
MAX_REDIRECTS = 10
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
PERMANENT_REDIRECTS = {301, 308}
# Some sites answer HEAD with these although GET works.
HEAD_REFUSED = {403, 405, 501}
# Characters left as they are when a link's path and query are made safe to send.
URL_SAFE = "/%:@!$&'()*+,;=~?"


def user_agent():
    """Names the hub and how to reach its operator, so a site's owner knows who is asking."""
    contact = f"; {settings.CONTACT_EMAIL}" if settings.CONTACT_EMAIL else ""
    return f"{settings.SITE_NAME} link checker (+{settings.SITE_URL}{contact})"


@dataclass
class LinkResult:
    url: str
    state: str
    status_code: int | None = None
    final_url: str = ""
    error: str = ""


class LinkChecker:
    """Checks links concurrently, at most `per_host` at a time for any one site."""

    def __init__(self, timeout=None, retries=RETRIES, retry_pause=None):
        self.timeout = settings.LINK_CHECK_TIMEOUT if timeout is None else timeout
        self.retries = retries
        self.retry_pause = RETRY_PAUSE_SECONDS if retry_pause is None else retry_pause
        self.user_agent = user_agent()
        self._host_limits = {}
        self._lock = threading.Lock()

    def check_all(self, urls, workers=WORKERS):
        """Each of `urls` with its `LinkResult`, in the order given."""
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(zip(urls, pool.map(self.check, urls), strict=True))

    def check(self, url):
        """One link's `LinkResult`, tried again after a pause while it fails."""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.retry_pause)
            with self._host_limit(urlsplit(url).netloc.lower()):
                result = self._check_once(url)
            if result.state != LinkState.BROKEN:
                break
        return result

    def _host_limit(self, host):
        with self._lock:
            return self._host_limits.setdefault(host, threading.BoundedSemaphore(PER_HOST_LIMIT))

    def _check_once(self, url):
        try:
            status, final_url, moved = self._follow(url, "HEAD")
            if status in HEAD_REFUSED:
                status, final_url, moved = self._follow(url, "GET")
        except (OSError, http.client.HTTPException, ValueError) as error:
            return LinkResult(url, LinkState.BROKEN, error=describe_error(error))
        if status >= 400:
            return LinkResult(url, LinkState.BROKEN, status, final_url, f"HTTP {status}")
        state = LinkState.MOVED if moved and final_url != url else LinkState.OK
        return LinkResult(url, state, status, final_url)

    def _follow(self, url, method):
        """(last status, final URL, whether any redirect on the way was permanent)."""
        moved = False
        for _ in range(MAX_REDIRECTS + 1):
            status, location = self._request(url, method)
            if status not in REDIRECT_STATUSES or not location:
                return status, url, moved
            moved = moved or status in PERMANENT_REDIRECTS
            url = urljoin(url, location)
        raise ValueError(f"more than {MAX_REDIRECTS} redirects")

    def _request(self, url, method):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not a web address: {url}")
        connection_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        # Addresses as curators paste them may hold spaces or accents, which HTTP does not.
        host = parts.hostname.encode("idna").decode("ascii")
        connection = connection_class(host, parts.port, timeout=self.timeout)
        path = quote(parts.path or "/", safe=URL_SAFE)
        if parts.query:
            path = f"{path}?{quote(parts.query, safe=URL_SAFE)}"
        try:
            connection.request(method, path, headers={"User-Agent": self.user_agent})
            response = connection.getresponse()
            if method == "GET":
                response.read(1024)  # enough to know it answers; never the whole page
            return response.status, response.getheader("Location")
        finally:
            connection.close()


def describe_error(error):
    """A short reason a link could not be fetched, for curators."""
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, ConnectionResetError):
        return "connection reset"
    return str(error)[:200] or type(error).__name__


def entries_to_check(only_due_days=None, limit=None):
    """Published entries with a link, those never checked first, then the longest unchecked;
    with `only_due_days`, only those not checked in that many days."""
    entries = Entry.objects.published().exclude(url="", doi="")
    if only_due_days is not None:
        due = timezone.now() - timezone.timedelta(days=only_due_days)
        entries = entries.exclude(link_check__last_checked__gte=due)
    entries = entries.order_by(F("link_check__last_checked").asc(nulls_first=True), "pk")
    return entries[:limit] if limit else entries


def check_links(entries, checker=None):
    """Check each entry's link and save what was found; the count of each state."""
    checker = checker or LinkChecker()
    by_link = [(entry, entry.link) for entry in entries if entry.link]
    results = dict(checker.check_all(sorted({link for _, link in by_link})))
    counts = dict.fromkeys(LinkState.values, 0)
    for entry, link in by_link:
        record_result(entry, results[link])
        counts[results[link].state] += 1
    return counts


def record_result(entry, result):
    """Save `result` as the entry's `LinkCheck`, keeping when its run of failures began."""
    now = timezone.now()
    previous = LinkCheck.objects.filter(entry=entry).first()
    failing_since = previous.first_failed_at if previous else None
    if result.state != LinkState.BROKEN:
        failing_since = None
    elif failing_since is None:
        failing_since = now
    LinkCheck.objects.update_or_create(
        entry=entry,
        defaults={
            "url": result.url,
            "state": result.state,
            "status_code": result.status_code,
            "final_url": result.final_url,
            "error": result.error,
            "last_checked": now,
            "first_failed_at": failing_since,
        },
    )
