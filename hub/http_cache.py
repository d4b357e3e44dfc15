"""Cache headers that let a cache in front of the hub (nginx, Varnish, a CDN) keep public pages.

Anonymous GET and HEAD requests for public pages get an ETag made *before the view runs* from
the release, the catalogue version and the URL; a request whose If-None-Match names it gets a
304 at once, without the view (so does, without If-None-Match, an If-Modified-Since no earlier
than the Last-Modified: when the catalogue version or the release started, whichever is later).
A 200 that carries nothing of the visitor's own (no cookie set, no CSRF token, no message) is
sent `public, max-age, stale-while-revalidate` with that ETag and Last-Modified. Nothing else
is ever shared: signed-in users get `private, no-cache`, the admin and the newsletter
never-cache headers, other anonymous responses `private, no-cache`. Whatever a view sets
itself (never_cache on /health/ and on draft previews) is kept.

It sits above the session, CSRF and messages middleware, so it sees every cookie they set.
"""

import functools
import hashlib
import time
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpResponseNotModified
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_etags, parse_http_date_safe

from resources.cache import CATALOGUE_CACHE_SECONDS, catalogue_version

# Never kept by any cache, whoever asks: the curators' admin, and the newsletter's forms and
# personal confirm and unsubscribe links (hub/urls.py). /health/ sends never-cache headers of
# its own: a load balancer's probe must reach a live worker, never a cached "ok".
NEVER_CACHED_PREFIXES = ("/admin/", "/newsletter/")
SAFE_METHODS = ("GET", "HEAD")
GZIP_MIDDLEWARE = "django.middleware.gzip.GZipMiddleware"
# Settings that show in pages' bytes, so changing them must change every ETag.
PAGE_SETTINGS = ("SITE_NAME", "SITE_URL", "CONTACT_EMAIL", "DEBUG")
SOURCE_SUFFIXES = (".py", ".html", ".txt", ".xml")


class PublicCacheMiddleware:
    """Public cache headers and early 304s for anonymous visitors; private for everyone else."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.max_age = settings.PUBLIC_CACHE_SECONDS
        self.stale_seconds = settings.PUBLIC_STALE_SECONDS
        self.release = release_fingerprint()
        # With GZipMiddleware the bytes differ by Accept-Encoding, so the ETag can only be
        # weak (GZipMiddleware would weaken it anyway) and caches must keep one copy per coding.
        self.compresses = GZIP_MIDDLEWARE in settings.MIDDLEWARE
        # Vary: Cookie so a cache never gives an anonymous copy to a signed-in curator (whose
        # pages show drafts) or a curator's page to the public: the session cookie tells them apart.
        self.vary = ("Cookie", "Accept-Encoding") if self.compresses else ("Cookie",)
        # A per-process cache holds a per-process catalogue version: another worker's edit
        # never reaches it, so its ETags could vouch for an old page for ever. Renewing them
        # every CATALOGUE_CACHE_SECONDS bounds that, like the cached counts it already serves.
        self.version_is_per_process = isinstance(caches["default"], LocMemCache | DummyCache)

    def __call__(self, request):
        response = self.get_response(request)
        if is_never_cached(request):
            if not response.has_header("Cache-Control"):
                add_never_cache_headers(response)
        elif is_signed_in(request):
            # Added to what the view set, so a stricter no-store stays; drops any "public".
            patch_cache_control(response, private=True, no_cache=True)
            patch_vary_headers(response, ["Cookie"])
        elif request.method not in SAFE_METHODS or response.has_header("Cache-Control"):
            pass  # the view decided (/health/, our own 304s)
        elif self.is_shareable(request, response):
            self.add_public_headers(response, request.public_etag, request.public_last_modified)
        else:
            patch_cache_control(response, private=True, no_cache=True)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Before the view: tag the request with its ETag, and answer 304 if the client has it."""
        if request.method not in SAFE_METHODS or is_never_cached(request):
            return None
        # A pending message must be shown, so such a request is not answered from a copy.
        if is_signed_in(request) or get_messages(request):
            return None
        request.public_etag = self.etag_for(request)
        request.public_last_modified = self.last_modified()
        if not self.client_has_it(request):
            return None
        response = HttpResponseNotModified()
        self.add_public_headers(response, request.public_etag, request.public_last_modified)
        return response

    def client_has_it(self, request):
        """If-None-Match names the ETag or, only when there is none (RFC 9110),
        If-Modified-Since is no earlier than Last-Modified."""
        if "HTTP_IF_NONE_MATCH" in request.META:
            return if_none_match_names(request, request.public_etag)
        since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
        return since is not None and request.public_last_modified <= since

    def last_modified(self):
        """When public pages last changed, as far as the hub can tell (a Unix time): the start
        of the catalogue version (a time in nanoseconds) or of this release, or, with a
        per-process cache, of the current renewal period (as for ETags), whichever is latest."""
        version = catalogue_version()
        moments = [version / 1e9 if isinstance(version, int) else time.time()]
        moments.append(cache.get_or_set(f"release-seen:{self.release}", time.time, None))
        if self.version_is_per_process:
            moments.append(time.time() // CATALOGUE_CACHE_SECONDS * CATALOGUE_CACHE_SECONDS)
        return int(max(moments))

    def etag_for(self, request):
        """An ETag for what this URL shows now: the release, the catalogue version, the URL."""
        parts = [self.release, str(catalogue_version()), request.build_absolute_uri()]
        if self.version_is_per_process:
            parts.append(str(int(time.time() // CATALOGUE_CACHE_SECONDS)))
        digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
        return f'W/"{digest}"' if self.compresses else f'"{digest}"'

    def is_shareable(self, request, response):
        """A 200 whose ETag was made before the view, carrying nothing of this visitor's own.

        Other statuses are not shared: a 404 must turn into the page the moment an entry is
        published, and redirects are per-visitor steps (the newsletter) or cheap (APPEND_SLASH).
        """
        return (
            response.status_code == 200
            and hasattr(request, "public_etag")
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # a form's CSRF token
            and not get_messages(request)
        )

    def add_public_headers(self, response, etag, last_modified):
        """Let any cache keep `response` for max-age, and serve it stale while it revalidates."""
        patch_cache_control(
            response,
            public=True,
            max_age=self.max_age,
            stale_while_revalidate=self.stale_seconds,
        )
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        patch_vary_headers(response, self.vary)


def is_never_cached(request):
    """The admin and the newsletter: never kept by any cache."""
    return request.path_info.startswith(NEVER_CACHED_PREFIXES)


def is_signed_in(request):
    """Whether a user is signed in; their pages are private."""
    # No user when a middleware above AuthenticationMiddleware answered (a bad Host header).
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def if_none_match_names(request, etag):
    """Whether If-None-Match lists `etag`, compared weakly as RFC 9110 says for GET and HEAD.

    "*" is not honoured: it means "any current page", which only the view could tell.
    """
    listed = parse_etags(request.META.get("HTTP_IF_NONE_MATCH", ""))
    return etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in listed if tag != "*"}


def release_fingerprint():
    """What identifies this deployment in ETags: RELEASE (or the code's digest) and the
    settings shown on pages, so a deployment or a changed setting outdates every copy."""
    digest = hashlib.sha256((settings.RELEASE or code_digest()).encode())
    for name in PAGE_SETTINGS:
        digest.update(f"\n{name}={getattr(settings, name, '')}".encode())
    return digest.hexdigest()


@functools.cache
def code_digest():
    """A digest of the project's Python, templates and static manifest, and Django's version.

    Read from the files, not their dates, so every worker on every machine agrees on it.
    """
    base = Path(settings.BASE_DIR)
    roots = [Path(folder) for engine in settings.TEMPLATES for folder in engine.get("DIRS", [])]
    roots += [
        Path(config.path)
        for config in apps.get_app_configs()
        if is_project_folder(Path(config.path), base)
    ]
    files = sorted(
        {path for root in roots for path in root.rglob("*") if path.suffix in SOURCE_SUFFIXES}
    )
    # Pages name static files by their hashed names, listed in the manifest.
    files += [Path(settings.STATIC_ROOT) / "staticfiles.json", base / "requirements.txt"]
    digest = hashlib.sha256(django.get_version().encode())
    for path in files:
        if path.is_file():
            name = path.relative_to(base) if path.is_relative_to(base) else path.name
            digest.update(f"\n{name}\n".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def is_project_folder(folder, base):
    """An app of this project, not one installed in a virtualenv under it (.venv)."""
    if not folder.is_relative_to(base):
        return False
    parts = folder.relative_to(base).parts
    return bool(parts) and not parts[0].startswith(".")
