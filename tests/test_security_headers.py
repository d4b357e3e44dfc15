"""Browser policies, cookies and proxies over HTTPS (hub/security_headers.py, hub/static_serving.py
and the security part of hub/settings.py)."""

import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import Client, override_settings

from resources.models import Status
from tests.factories import EntryFactory, TopicFactory
from tests.test_foundation import run_python

POWERFUL_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb")
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "security-headers-test-secret-key-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "testserver",
}


def permissions_policy(response):
    """{feature: allowlist} of a Permissions-Policy header."""
    return dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))


@pytest.mark.django_db
def test_pages_turn_off_powerful_browser_features(client):
    policy = permissions_policy(client.get("/", secure=True))
    for feature in POWERFUL_FEATURES:
        assert policy[feature] == "()"
    assert set(policy.values()) == {"()"}
    # "Copy reference" on detail pages writes to the clipboard.
    assert "clipboard-write" not in policy


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/evidence/", "/no-such-page/", "/api/v1/entries/"])
def test_pages_and_the_api_are_same_origin_resources(client, path):
    response = client.get(path, secure=True)
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_other_sites_still_read_the_api_with_fetch_despite_corp_same_origin(client):
    # CORP governs no-cors loads (<img>, <script>) only; a CORS fetch() that the
    # Access-Control-Allow-Origin answer allows is not blocked by it.
    response = client.get("/api/v1/entries/", secure=True, HTTP_ORIGIN="https://elsewhere.example")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.django_db
@override_settings(WHITENOISE_USE_FINDERS=True)
def test_the_share_card_and_icons_may_be_shown_by_other_sites():
    client = Client()  # after override_settings, so whitenoise serves from the finders
    for path in ("/static/img/og-default.png", "/static/img/favicon.svg"):
        response = client.get(path, secure=True)
        assert response.status_code == 200, path
        assert response["Cross-Origin-Resource-Policy"] == "cross-origin", path
        assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get("/favicon.ico", secure=True)["Cross-Origin-Resource-Policy"] == (
        "cross-origin"
    )
    stylesheet = client.get("/static/css/hub.css", secure=True)
    assert stylesheet.status_code == 200
    assert stylesheet["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in stylesheet["Permissions-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("autorefresh", [False, True], ids=["production", "debug"])
def test_the_staticfiles_manifest_is_not_served(tmp_path, autorefresh):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "hub.0123456789ab.css").write_text("main { margin: 0 }")
    (tmp_path / "staticfiles.json").write_text(
        '{"paths": {"css/hub.css": "css/hub.0123456789ab.css"}}'
    )
    with override_settings(STATIC_ROOT=str(tmp_path), WHITENOISE_AUTOREFRESH=autorefresh):
        client = Client()
        assert client.get("/static/css/hub.0123456789ab.css", secure=True).status_code == 200
        assert client.get("/static/staticfiles.json", secure=True).status_code == 404


@pytest.mark.django_db
def test_the_csrf_cookie_is_host_prefixed_secure_and_same_site_over_https(client):
    # The home page holds the signup form, so it sets the CSRF cookie.
    response = client.get("/", secure=True)
    assert settings.CSRF_COOKIE_NAME == "__Host-csrftoken"
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["secure"] is True
    assert cookie["path"] == "/"
    assert cookie["domain"] == ""  # __Host- cookies must not name a Domain
    assert cookie["samesite"] == "Lax"


@pytest.mark.django_db
def test_the_session_cookie_is_host_prefixed_http_only_secure_and_same_site(rf):
    request = rf.get("/", secure=True)
    middleware = SessionMiddleware(lambda request: HttpResponse())
    middleware.process_request(request)
    request.session["signed_in"] = True
    response = middleware.process_response(request, HttpResponse())
    assert settings.SESSION_COOKIE_NAME == "__Host-sessionid"
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["path"] == "/"
    assert cookie["domain"] == ""
    assert cookie["samesite"] == "Lax"


@pytest.mark.django_db
def test_newsletter_signup_works_over_https_with_the_host_prefixed_csrf_cookie():
    client = Client(enforce_csrf_checks=True)
    client.get("/newsletter/", secure=True)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        "/newsletter/",
        {"email": "ann@example.org", "consent": "on", "csrfmiddlewaretoken": token},
        secure=True,
        HTTP_REFERER="https://testserver/newsletter/",
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_signed_in_curator_keeps_previewing_drafts_with_the_host_prefixed_session(
    client, curator
):
    draft = EntryFactory(title="Unpublished guide", status=Status.DRAFT, topics=[TopicFactory()])
    client.force_login(curator)
    assert settings.SESSION_COOKIE_NAME in client.cookies
    response = client.get(draft.get_absolute_url(), secure=True)
    assert response.status_code == 200
    assert b"Draft preview" in response.content


def proxy_check(**env):
    """In production settings with `env`, how the API root answers a client that sends
    X-Forwarded-Proto: https straight to the app: status, and whether the request was secure."""
    return run_python(
        "import django; django.setup();"
        "from django.test import Client;"
        "response = Client().get('/api/v1/', HTTP_X_FORWARDED_PROTO='https');"
        "print(response.status_code, response.wsgi_request.is_secure())",
        **PRODUCTION_ENV,
        **env,
    )


def test_a_client_talking_to_gunicorn_directly_cannot_claim_https(tmp_path):
    result = proxy_check(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", TRUSTED_PROXY_COUNT="0")
    assert result.returncode == 0, result.stderr
    # Not taken for HTTPS: redirected to it like any plain-HTTP request.
    assert result.stdout.split() == ["301", "False"]


def test_behind_a_trusted_proxy_its_forwarded_proto_says_https(tmp_path):
    result = proxy_check(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", TRUSTED_PROXY_COUNT="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "True"]
