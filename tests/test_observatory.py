"""The HTTPS deployment scores A+ on the Mozilla HTTP Observatory's rules (bench/observatory.py),
and those rules mark down what the Observatory marks down."""

import importlib.util
import json
import subprocess
import sys
from http.cookies import SimpleCookie

import pytest
from django.http import HttpResponse

from tests.instances import ROOT

SCRIPT = ROOT / "bench" / "observatory.py"
spec = importlib.util.spec_from_file_location("observatory", SCRIPT)
observatory = importlib.util.module_from_spec(spec)
spec.loader.exec_module(observatory)

# What the hub's home page gets for each test, as the Observatory would grade it.
HOME_RESULTS = {
    "content-security-policy": ("csp-implemented-with-no-unsafe", 5),
    "cookies": ("cookies-secure-with-httponly-sessions-and-samesite", 5),
    "cross-origin-resource-sharing": ("cross-origin-resource-sharing-not-implemented", 0),
    "redirection": ("redirection-to-https", 0),
    "referrer-policy": ("referrer-policy-private", 5),
    "strict-transport-security": ("hsts-implemented-max-age-at-least-six-months", 0),
    "subresource-integrity": ("sri-not-implemented-but-all-scripts-loaded-from-secure-origin", 0),
    "x-content-type-options": ("x-content-type-options-nosniff", 0),
    "x-frame-options": ("x-frame-options-implemented-via-csp", 5),
    "cross-origin-resource-policy": ("corp-implemented-with-same-origin", 10),
}


@pytest.fixture(scope="module")
def scans():
    """bench/observatory.py's scans of the hub in production settings (its own database)."""
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return {
        scan["url"].removeprefix(f"https://{observatory.HOST}"): scan
        for scan in json.loads(result.stdout)
    }


def test_the_home_page_scores_a_plus_with_every_test_passed(scans):
    home = scans["/"]
    assert home["status"] == 200
    assert {name: tuple(result) for name, result in home["tests"].items()} == HOME_RESULTS
    assert home["score"] == 130
    assert home["grade"] == "A+"


def test_every_page_scanned_and_the_api_score_a_plus(scans):
    assert len(scans) > 10
    for path, scan in scans.items():
        assert scan["status"] == 200, path
        assert scan["grade"] == "A+", (path, scan["tests"])
        assert all(modifier >= 0 for _, modifier in scan["tests"].values()), path


def requests_for(response, *, http_chain=None, cookies=""):
    """Requests for a made-up HTTPS answer, redirected to from HTTP unless told otherwise."""
    host = observatory.HOST
    chain = http_chain or [(f"http://{host}/", 301), (f"https://{host}/", 200)]
    jar = SimpleCookie()
    jar.load(cookies)
    return observatory.Requests(f"https://{host}/", response, chain, response, list(jar.values()))


def strong_response():
    response = HttpResponse("<!doctype html><title>x</title><script src='/static/a.js'></script>")
    response["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'"
    response["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    response["Referrer-Policy"] = "same-origin"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def test_the_rules_give_a_plus_to_a_strong_response_and_bonuses_only_from_an_a():
    assert observatory.grade(requests_for(strong_response()))["grade"] == "A+"
    weak = strong_response()
    del weak["Strict-Transport-Security"]  # -20: 80 before bonuses, so no bonuses
    verdict = observatory.grade(requests_for(weak))
    assert verdict["score"] == 80
    assert verdict["grade"] == "B+"


@pytest.mark.parametrize(
    ("change", "test", "result"),
    [
        (
            {"Content-Security-Policy": "script-src 'self' 'unsafe-inline'; object-src 'none'"},
            "content-security-policy",
            "csp-implemented-with-unsafe-inline",
        ),
        (
            {"Content-Security-Policy": "default-src 'self'; default-src *"},
            "content-security-policy",
            "csp-header-invalid",
        ),
        (
            {"Strict-Transport-Security": "max-age=86400"},
            "strict-transport-security",
            "hsts-implemented-max-age-less-than-six-months",
        ),
        ({"Referrer-Policy": "unsafe-url"}, "referrer-policy", "referrer-policy-unsafe"),
        (
            {"Cross-Origin-Resource-Policy": "cross-origin"},
            "cross-origin-resource-policy",
            "corp-implemented-with-cross-origin",
        ),
        (
            {
                "Access-Control-Allow-Origin": observatory.OBSERVATORY_ORIGIN,
                "Access-Control-Allow-Credentials": "true",
            },
            "cross-origin-resource-sharing",
            "cross-origin-resource-sharing-implemented-with-universal-access",
        ),
    ],
)
def test_the_rules_mark_down_weak_headers(change, test, result):
    response = strong_response()
    for name, value in change.items():
        response[name] = value
    assert observatory.grade(requests_for(response))["tests"][test][0] == result


@pytest.mark.parametrize(
    ("cookies", "result"),
    [
        ("sessionid=1; Path=/; Secure; SameSite=Lax", "cookies-session-without-httponly-flag"),
        (
            "__Host-sessionid=1; Path=/; HttpOnly; SameSite=Lax",
            "cookies-session-without-secure-flag-but-protected-by-hsts",
        ),
        ("csrftoken=1; Path=/; Secure", "cookies-anticsrf-without-samesite-flag"),
        (
            "__Host-csrftoken=1; Path=/; Secure; SameSite=Lax",
            "cookies-secure-with-httponly-sessions-and-samesite",
        ),
    ],
)
def test_the_rules_check_every_cookie(cookies, result):
    verdict = observatory.grade(requests_for(strong_response(), cookies=cookies))
    assert verdict["tests"]["cookies"][0] == result


def test_the_rules_want_http_redirected_to_https_on_the_same_host_first():
    host = observatory.HOST
    for chain, result in [
        ([(f"http://{host}/", 200)], "redirection-missing"),
        (
            [(f"http://{host}/", 301), (f"http://www.{host}/", 301), (f"https://{host}/", 200)],
            "redirection-not-to-https-on-initial-redirection",
        ),
        (
            [(f"http://{host}/", 301), ("https://elsewhere.example/", None)],
            "redirection-off-host-from-http",
        ),
    ]:
        verdict = observatory.grade(requests_for(strong_response(), http_chain=chain))
        assert verdict["tests"]["redirection"][0] == result


def test_the_rules_want_integrity_on_scripts_from_other_sites():
    response = strong_response()
    response.content = b"<script src='https://cdn.example.net/lib.js'></script>"
    verdict = observatory.grade(requests_for(response))
    assert verdict["tests"]["subresource-integrity"] == (
        "sri-not-implemented-but-external-scripts-loaded-securely",
        -5,
    )
