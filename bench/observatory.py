"""The hub's HTTPS deployment graded by the Mozilla HTTP Observatory's rules, without the internet.

The Observatory (developer.mozilla.org/en-US/observatory) scans a site's home page over HTTP and
HTTPS and scores ten tests: Content-Security-Policy, cookies, CORS, redirection from HTTP,
Referrer-Policy, HSTS, Subresource Integrity, X-Content-Type-Options, X-Frame-Options and
Cross-Origin-Resource-Policy. Its rules and score table are its source code
(mdn/mdn-http-observatory: src/analyzer/tests/*.js, src/grader/charts.js, src/scanner/index.js),
re-stated here test by test. A scan starts at 100, takes off every penalty, and adds the bonuses
only if what is left is 90 (A) or more; 100 or more is an A+.

`make observatory` runs it: Django's test client asks the hub in production settings (DEBUG off,
HTTPS redirect, HSTS, Secure cookies; the rest from the environment, as on a server) for
http://hub.example.org/ and https://hub.example.org/, as the Observatory does, and for a few
other pages and the API, which it grades by the same rules. The database is a throwaway SQLite
file with one entry; `collectstatic` is skipped (static files are served from the source
folders: their names change no header). It prints each test's result and modifier, and exits
with status 1 if the home page scores under A+. `--json` prints the scans as JSON
(tests/test_observatory.py reads it).

Not modelled: the HSTS preload list (a site on it gets +5 for HSTS; the hub sends `preload`, so
an operator may submit its domain at hstspreload.org) and `<meta http-equiv>` policies (the hub
sends none).
"""

import argparse
import atexit
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

HOST = "hub.example.org"
OBSERVATORY_ORIGIN = "https://http-observatory.security.mozilla.org"
# What the Observatory grades; the others are graded by the same rules, for comparison.
HOME = "/"
EXTRA_PATHS = (
    "/search/?q=peer+support",
    "/evidence/",
    "/evidence/{slug}/",
    "/evidence/map/",
    "/topics/",
    "/glossary/",
    "/about/",
    "/newsletter/",
    "/admin/login/",
    "/api/v1/entries/",
    "/api/v1/docs/",
)
MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90
GRADES = {100: "A+", 95: "A", 90: "A", 85: "A-", 80: "B+", 75: "B", 70: "B", 65: "B-"}
GRADES |= {60: "C+", 55: "C", 50: "C", 45: "C-", 40: "D+", 35: "D", 30: "D", 25: "D-"}

# src/grader/charts.js, SCORE_TABLE: each result's modifier.
MODIFIERS = {
    "csp-implemented-with-no-unsafe-default-src-none": 10,
    "csp-implemented-with-no-unsafe": 5,
    "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
    "csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
    "csp-implemented-with-unsafe-eval": -10,
    "csp-implemented-with-unsafe-inline": -20,
    "csp-implemented-with-insecure-scheme": -20,
    "csp-header-invalid": -25,
    "csp-not-implemented": -25,
    "cookies-secure-with-httponly-sessions-and-samesite": 5,
    "cookies-secure-with-httponly-sessions": 0,
    "cookies-not-found": 0,
    "cookies-without-secure-flag-but-protected-by-hsts": -5,
    "cookies-session-without-secure-flag-but-protected-by-hsts": -10,
    "cookies-without-secure-flag": -20,
    "cookies-samesite-flag-invalid": -20,
    "cookies-anticsrf-without-samesite-flag": -20,
    "cookies-session-without-httponly-flag": -30,
    "cookies-session-without-secure-flag": -40,
    "cross-origin-resource-sharing-not-implemented": 0,
    "cross-origin-resource-sharing-implemented-with-public-access": 0,
    "cross-origin-resource-sharing-implemented-with-restricted-access": 0,
    "cross-origin-resource-sharing-implemented-with-universal-access": -50,
    "redirection-to-https": 0,
    "redirection-not-needed-no-http": 0,
    "redirection-off-host-from-http": -5,
    "redirection-not-to-https-on-initial-redirection": -10,
    "redirection-not-to-https": -20,
    "redirection-missing": -20,
    "referrer-policy-private": 5,
    "referrer-policy-not-implemented": 0,
    "referrer-policy-unsafe": -5,
    "referrer-policy-header-invalid": -5,
    "hsts-implemented-max-age-at-least-six-months": 0,
    "hsts-implemented-max-age-less-than-six-months": -10,
    "hsts-not-implemented": -20,
    "hsts-header-invalid": -20,
    "sri-implemented-and-all-scripts-loaded-securely": 5,
    "sri-implemented-and-external-scripts-loaded-securely": 5,
    "sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
    "sri-not-implemented-but-no-scripts-loaded": 0,
    "sri-not-implemented-response-not-html": 0,
    "sri-not-implemented-but-external-scripts-loaded-securely": -5,
    "sri-implemented-but-external-scripts-not-loaded-securely": -20,
    "sri-not-implemented-and-external-scripts-not-loaded-securely": -50,
    "html-not-parsable": -20,
    "x-content-type-options-nosniff": 0,
    "x-content-type-options-not-implemented": -5,
    "x-content-type-options-header-invalid": -5,
    "x-frame-options-implemented-via-csp": 5,
    "x-frame-options-sameorigin-or-deny": 0,
    "x-frame-options-allow-from-origin": 0,
    "x-frame-options-not-implemented": -20,
    "x-frame-options-header-invalid": -20,
    "corp-implemented-with-same-origin": 10,
    "corp-implemented-with-same-site": 10,
    "corp-implemented-with-cross-origin": 0,
    "corp-not-implemented": 0,
    "corp-header-invalid": -5,
}

# Sources the CSP test calls too broad, or unsafe when inline (src/analyzer/tests/csp.js).
DANGEROUSLY_BROAD = {"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*"}
DANGEROUSLY_BROAD |= {"https://*.*"}
UNSAFE_INLINE = {"'unsafe-inline'", "data:"}
NONCES_HASHES = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")
PASSIVE_DIRECTIVES = ("img-src", "media-src")
HSTS_SIX_MONTHS = 15_552_000
PRIVATE_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin"}
PRIVATE_REFERRER_POLICIES |= {"strict-origin-when-cross-origin"}
UNSAFE_REFERRER_POLICIES = {"origin", "origin-when-cross-origin", "unsafe-url"}
UNSAFE_REFERRER_POLICIES |= {"no-referrer-when-downgrade"}
HTML_TYPES = {"text/html", "application/xhtml+xml"}
# Cookie results from best to worst: a later one replaces an earlier one, never the reverse.
COOKIE_BADNESS = [
    "cookies-without-secure-flag-but-protected-by-hsts",
    "cookies-without-secure-flag",
    "cookies-session-without-secure-flag-but-protected-by-hsts",
    "cookies-samesite-flag-invalid",
    "cookies-anticsrf-without-samesite-flag",
    "cookies-session-without-httponly-flag",
    "cookies-session-without-secure-flag",
]
SRI_BADNESS = [
    "sri-implemented-and-all-scripts-loaded-securely",
    "sri-implemented-and-external-scripts-loaded-securely",
    "sri-implemented-but-external-scripts-not-loaded-securely",
    "sri-not-implemented-but-external-scripts-loaded-securely",
    "sri-not-implemented-and-external-scripts-not-loaded-securely",
    "sri-not-implemented-response-not-html",
]


@dataclass
class Requests:
    """What the Observatory fetches for one address: the HTTPS answer ("auto"), the chain of
    answers from plain HTTP (each with its URL), the answer to a CORS request, and the
    cookies every answer set (http.cookies Morsels)."""

    url: str
    auto: object
    http_chain: list = field(default_factory=list)
    cors: object = None
    cookies: list = field(default_factory=list)


def worse(new, current, badness):
    """`new` if it is worse than `current` on the `badness` scale (onlyIfWorse)."""
    if current is None or current not in badness:
        return new
    return new if badness.index(new) > badness.index(current) else current


def parse_csp(header):
    """{directive: set of sources} of one policy; ValueError when the Observatory would call
    it invalid (too short, or a directive repeated). An empty source list means 'none'."""
    policy = header.replace("\r", "").replace("\n", "").strip()
    if len(policy) < len("img-src") - 1:
        raise ValueError("policy too short")
    directives = {}
    for entry in policy.split(";"):
        name, *sources = entry.strip().split()
        name = name.lower()
        if name in directives and name not in {"report-uri", "report-to"}:
            raise ValueError(f"directive {name} repeated")
        sources = {source.lower() for source in sources}
        directives.setdefault(name, sources or ({"'none'"} if name.endswith("-src") else set()))
    return directives


def csp_test(requests):
    """content-security-policy (csp.js), for one policy sent as a header."""
    header = requests.auto.headers.get("Content-Security-Policy")
    if not header:
        return "csp-not-implemented", None
    try:
        csp = parse_csp(header.split(",")[0])
    except ValueError:
        return "csp-header-invalid", None
    default = csp.get("default-src")
    script_src = set(csp.get("script-src") or default or {"*"})
    style_src = set(csp.get("style-src") or default or {"*"})
    object_src = csp.get("object-src") or default or {"*"}
    for sources in (script_src, style_src):
        if any(source.startswith(NONCES_HASHES) for source in sources):
            sources.discard("'unsafe-inline'")
    if "'strict-dynamic'" in script_src:
        if not any(source.startswith(NONCES_HASHES) for source in script_src):
            return "csp-header-invalid", csp
        script_src = {
            source
            for source in script_src
            if not any(source.startswith(broad) for broad in DANGEROUSLY_BROAD)
            and source not in {"'self'", "'unsafe-inline'"}
        }
    active = [s for name, sources in csp.items() if name not in PASSIVE_DIRECTIVES for s in sources]
    active += list(script_src)
    passive = [s for name in PASSIVE_DIRECTIVES for s in (csp.get(name) or default or ())]
    https = requests.url.startswith("https:")
    insecure = ("http:", "ftp:")
    if script_src & (DANGEROUSLY_BROAD | UNSAFE_INLINE) or object_src & DANGEROUSLY_BROAD:
        result = "csp-implemented-with-unsafe-inline"
    elif https and any(source.startswith(insecure) for source in active):
        result = "csp-implemented-with-insecure-scheme"
    elif "'unsafe-eval'" in script_src | style_src:
        result = "csp-implemented-with-unsafe-eval"
    elif https and any(source.startswith(insecure) for source in passive):
        result = "csp-implemented-with-insecure-scheme-in-passive-content-only"
    elif style_src & (DANGEROUSLY_BROAD | UNSAFE_INLINE):
        result = "csp-implemented-with-unsafe-inline-in-style-src-only"
    elif default == {"'none'"}:
        result = "csp-implemented-with-no-unsafe-default-src-none"
    else:
        result = "csp-implemented-with-no-unsafe"
    return result, csp


def hsts_test(requests):
    """strict-transport-security (strict-transport-security.js); the preload list aside."""
    header = requests.auto.headers.get("Strict-Transport-Security")
    if not requests.url.startswith("https:"):
        return "hsts-not-implemented-no-https"
    if not header:
        return "hsts-not-implemented"
    if "," in header:
        return "hsts-header-invalid"  # sent twice
    max_age = None
    for parameter in (part.strip().lower() for part in header.split(";")):
        if parameter.startswith("max-age="):
            try:
                max_age = int(parameter[len("max-age=") :][:120])
            except ValueError:
                return "hsts-header-invalid"
    if max_age is None:
        return "hsts-header-invalid"
    if max_age < HSTS_SIX_MONTHS:
        return "hsts-implemented-max-age-less-than-six-months"
    return "hsts-implemented-max-age-at-least-six-months"


def cookies_test(requests):
    """cookies (cookies.js): every cookie Secure, session cookies HttpOnly, all SameSite."""
    if not requests.cookies:
        return "cookies-not-found"
    hsts = hsts_test(requests) == "hsts-implemented-max-age-at-least-six-months"
    result, missing_samesite = None, False
    for cookie in requests.cookies:
        name = cookie.key.lower()
        session = "login" in name or "sess" in name
        samesite = (cookie["samesite"] or "").lower()
        secure = bool(cookie["secure"])
        if samesite and samesite not in {"lax", "strict", "none"}:
            result = worse("cookies-samesite-flag-invalid", result, COOKIE_BADNESS)
        if samesite == "none" and not secure:
            result = worse("cookies-samesite-flag-invalid", result, COOKIE_BADNESS)
        if not secure:
            insecure = "cookies-without-secure-flag"
            insecure += "-but-protected-by-hsts" if hsts else ""
            result = worse(insecure, result, COOKIE_BADNESS)
        if "csrf" in name and not samesite:
            result = worse("cookies-anticsrf-without-samesite-flag", result, COOKIE_BADNESS)
        if session and not secure:
            insecure = "cookies-session-without-secure-flag"
            insecure += "-but-protected-by-hsts" if hsts else ""
            result = worse(insecure, result, COOKIE_BADNESS)
        if session and not cookie["httponly"]:
            result = worse("cookies-session-without-httponly-flag", result, COOKIE_BADNESS)
        missing_samesite = missing_samesite or not samesite
    if result:
        return result
    if missing_samesite:
        return "cookies-secure-with-httponly-sessions"
    return "cookies-secure-with-httponly-sessions-and-samesite"


def cors_test(requests):
    """cross-origin-resource-sharing (cors.js): a request with an Origin header."""
    allowed = (requests.cors.headers.get("Access-Control-Allow-Origin") or "").strip().lower()
    if not allowed:
        return "cross-origin-resource-sharing-not-implemented"
    if allowed == "*":
        return "cross-origin-resource-sharing-implemented-with-public-access"
    credentials = requests.cors.headers.get("Access-Control-Allow-Credentials", "")
    if allowed == OBSERVATORY_ORIGIN and credentials.strip().lower() == "true":
        return "cross-origin-resource-sharing-implemented-with-universal-access"
    return "cross-origin-resource-sharing-implemented-with-restricted-access"


def redirection_test(requests):
    """redirection (redirection.js): http:// must first redirect to https:// on the same host."""
    route = [url for url, _ in requests.http_chain]
    if not route:
        return "redirection-not-needed-no-http"
    if len(route) == 1:
        return "redirection-missing"
    if not route[-1].startswith("https:"):
        return "redirection-not-to-https"
    if route[1].startswith("http:"):
        return "redirection-not-to-https-on-initial-redirection"
    if urlsplit(route[0]).hostname != urlsplit(route[1]).hostname:
        return "redirection-off-host-from-http"
    return "redirection-to-https"


def referrer_policy_test(requests):
    """referrer-policy (referrer-policy.js): the last valid policy named."""
    header = requests.auto.headers.get("Referrer-Policy")
    if not header:
        return "referrer-policy-not-implemented"
    known = PRIVATE_REFERRER_POLICIES | UNSAFE_REFERRER_POLICIES
    policies = [part.strip().lower() for part in header.split(",")]
    valid = [policy for policy in policies if policy in known]
    if not valid:
        return "referrer-policy-header-invalid"
    if valid[-1] in PRIVATE_REFERRER_POLICIES:
        return "referrer-policy-private"
    return "referrer-policy-unsafe"


class ScriptCollector(HTMLParser):
    """The src and integrity of every <script> in a page."""

    def __init__(self):
        super().__init__()
        self.scripts = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            attributes = dict(attrs)
            self.scripts.append((attributes.get("src"), attributes.get("integrity")))


def sri_test(requests):
    """subresource-integrity (subresource-integrity.js): scripts from elsewhere need
    `integrity` and https; the page's own scripts need nothing (SRI on them earns a bonus)."""
    content_type = requests.auto.headers.get("Content-Type", "").split(";")[0].strip()
    if content_type and content_type not in HTML_TYPES:
        return "sri-not-implemented-response-not-html"
    collector = ScriptCollector()
    try:
        collector.feed(requests.auto.content.decode())
        collector.close()
    except (UnicodeDecodeError, AssertionError):
        return "html-not-parsable"
    if not collector.scripts:
        return "sri-not-implemented-but-no-scripts-loaded"
    result, foreign = None, False
    own_domain = HOST.split(".", 1)[-1]
    for src, integrity in collector.scripts:
        if not src:
            continue
        relative_protocol = src.startswith("//") and not src.startswith("///")
        full_url = src.startswith(("http://", "https://"))
        same_site = relative_protocol or (
            full_url and (urlsplit(src).hostname or "").endswith(own_domain)
        )
        relative_origin = not relative_protocol and not full_url
        if relative_origin or (same_site and not relative_protocol):
            if integrity and requests.url.startswith("https:") and not result:
                result = "sri-implemented-and-all-scripts-loaded-securely"
            continue
        foreign = True
        secure = src.startswith("https://")
        if integrity and not secure:
            new = "sri-implemented-but-external-scripts-not-loaded-securely"
        elif not integrity and secure:
            new = "sri-not-implemented-but-external-scripts-loaded-securely"
        elif not integrity:
            new = "sri-not-implemented-and-external-scripts-not-loaded-securely"
        else:
            continue
        result = worse(new, result, SRI_BADNESS)
    if result:
        return result
    if foreign:
        return "sri-implemented-and-external-scripts-loaded-securely"
    return "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"


def x_content_type_options_test(requests):
    """x-content-type-options (x-content-type-options.js)."""
    header = requests.auto.headers.get("X-Content-Type-Options")
    if not header:
        return "x-content-type-options-not-implemented"
    if header.strip().lower() == "nosniff":
        return "x-content-type-options-nosniff"
    return "x-content-type-options-header-invalid"


def x_frame_options_test(requests):
    """x-frame-options (x-frame-options.js): CSP frame-ancestors counts for more."""
    _, csp = csp_test(requests)
    if csp and "frame-ancestors" in csp:
        return "x-frame-options-implemented-via-csp"
    header = (requests.auto.headers.get("X-Frame-Options") or "").strip().lower()
    if not header:
        return "x-frame-options-not-implemented"
    if header in {"deny", "sameorigin"}:
        return "x-frame-options-sameorigin-or-deny"
    if header.startswith("allow-from"):
        return "x-frame-options-allow-from-origin"
    return "x-frame-options-header-invalid"


def corp_test(requests):
    """cross-origin-resource-policy (cross-origin-resource-policy.js)."""
    header = (requests.auto.headers.get("Cross-Origin-Resource-Policy") or "").strip().lower()
    if not header:
        return "corp-not-implemented"
    return {
        "same-origin": "corp-implemented-with-same-origin",
        "same-site": "corp-implemented-with-same-site",
        "cross-origin": "corp-implemented-with-cross-origin",
    }.get(header[:256], "corp-header-invalid")


TESTS = {
    "content-security-policy": lambda requests: csp_test(requests)[0],
    "cookies": cookies_test,
    "cross-origin-resource-sharing": cors_test,
    "redirection": redirection_test,
    "referrer-policy": referrer_policy_test,
    "strict-transport-security": hsts_test,
    "subresource-integrity": sri_test,
    "x-content-type-options": x_content_type_options_test,
    "x-frame-options": x_frame_options_test,
    "cross-origin-resource-policy": corp_test,
}


def grade(requests):
    """The Observatory's verdict on one address: {"score", "grade", "tests": {name: (result,
    modifier)}}. Bonuses count only when the score after penalties is 90 or more."""
    tests = {}
    for name, test in TESTS.items():
        result = test(requests)
        tests[name] = (result, MODIFIERS.get(result, -20))
    penalties = sum(modifier for _, modifier in tests.values() if modifier < 0)
    uncurved = 100 + penalties
    score = 100 + sum(modifier for _, modifier in tests.values())
    score = max(score if uncurved >= MINIMUM_SCORE_FOR_EXTRA_CREDIT else uncurved, 0)
    letter = GRADES.get(min(score - score % 5, 100), "F")
    return {
        "url": requests.url,
        "status": requests.auto.status_code,
        "score": score,
        "grade": letter,
        "tests": tests,
    }


def fetch(client, path):
    """Fetch `path` the way the Observatory does: over HTTPS, over plain HTTP following its
    redirects (on this host), and over HTTPS with an Origin header."""
    auto = client.get(path, secure=True)
    cookies = list(auto.cookies.values())
    chain, url = [], f"http://{HOST}{path}"
    for _ in range(10):
        parts = urlsplit(url)
        if parts.hostname != HOST:
            chain.append((url, None))  # off this host: the Observatory would go on; we stop
            break
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        response = client.get(target, secure=parts.scheme == "https")
        chain.append((url, response.status_code))
        cookies += response.cookies.values()
        if response.status_code not in (301, 302, 303, 307, 308):
            break
        url = urljoin(url, response["Location"])
    cors = client.get(path, secure=True, HTTP_ORIGIN=OBSERVATORY_ORIGIN)
    return Requests(f"https://{HOST}{path}", auto, chain, cors, cookies)


def production_client():
    """Django's test client on the hub in production settings, over a throwaway database."""
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    database_dir = tempfile.mkdtemp(prefix="hub-observatory-")
    atexit.register(shutil.rmtree, database_dir, ignore_errors=True)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="hub.settings",
        DEBUG="0",
        SECRET_KEY="observatory-scan-only-secret-key-0123456789-abcdefghijklmnop",
        ALLOWED_HOSTS=HOST,
        SITE_URL=f"https://{HOST}",
        DATABASE_URL=f"sqlite:///{database_dir}/observatory.sqlite3",
        CACHE_URL="locmemcache://",
        EMAIL_URL="consolemail://",
        LOG_LEVEL="ERROR",
        STATIC_ROOT=database_dir,  # empty: whitenoise serves from the source folders below
    )
    os.environ.pop("DATABASE_REPLICA_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    # Skip collectstatic (about 40 s with compression): serve the source static folders.
    plain = "django.contrib.staticfiles.storage.StaticFilesStorage"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": plain}}
    settings.WHITENOISE_USE_FINDERS = True
    call_command("migrate", verbosity=0)
    return Client(HTTP_HOST=HOST), sample_entry_slug()


def sample_entry_slug():
    """A published evidence entry to show, saved as curators' entries are."""
    from resources import services
    from resources.models import Entry, Kind, Status

    entry = Entry(
        kind=Kind.EVIDENCE,
        title="Peer support groups for carers",
        summary="A study of peer support groups for unpaid carers.",
        status=Status.PUBLISHED,
        year=2021,
    )
    services.save_entry(entry)
    return entry.slug


def report(scans):
    """The scans as lines of text: each address's grade, then each test."""
    lines = []
    for scan in scans:
        lines.append(f"{scan['url']}  {scan['status']}  score {scan['score']}  {scan['grade']}")
        for name, (result, modifier) in scan["tests"].items():
            lines.append(f"    {modifier:+4d}  {name}: {result}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the scans as JSON")
    arguments = parser.parse_args()
    client, slug = production_client()
    paths = [HOME, *(path.format(slug=slug) for path in EXTRA_PATHS)]
    scans = [grade(fetch(client, path)) for path in paths]
    print(json.dumps(scans, indent=2) if arguments.json else report(scans))
    return 0 if scans[0]["grade"] == "A+" else 1


if __name__ == "__main__":
    sys.exit(main())
