"""The skeleton every page stands on: settings, health check, base layout, error pages."""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import override_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def run_python(code, **env):
    """Run `code` in a fresh interpreter with hub settings and the given environment."""
    clean_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    clean_env.update(DJANGO_SETTINGS_MODULE="hub.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off():
    result = run_python("import django; django.setup()", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_settings_start_without_secret_key_when_debug_is_on():
    result = run_python("import django; django.setup(); print('started')", DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_deploy_check_is_clean_in_production_settings():
    result = run_python(
        "import sys; from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        DEBUG="0",
        SECRET_KEY="k" * 20 + "-production-like-secret-key-with-enough-entropy-1234567890",
        ALLOWED_HOSTS="hub.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_health_answers_ok_when_database_answers(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_health_answers_503_when_database_is_unreachable(client):
    with mock.patch("hub.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/health/")
    assert response.status_code == 503


@pytest.mark.django_db
def test_home_page_renders_with_the_base_layout(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert html.count("<h1") == 1
    for label in ("Resources", "Tools", "Evidence", "Newsletter"):
        assert f">{label}</a>" in html
    assert "<footer" in html


@pytest.mark.django_db
def test_unknown_page_gets_the_styled_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b'class="skip-link"' in response.content


def test_500_page_renders_without_the_database(client):
    from hub.views import server_error

    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.cursor",
        side_effect=OperationalError("down"),
    ):
        response = server_error(None)
    assert response.status_code == 500
    assert b"Sorry, something went wrong" in response.content


@pytest.mark.django_db
def test_pages_send_security_headers_and_a_csp_without_inline_scripts(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_rate_limit_counts_the_client_behind_a_trusted_proxy(rf):
    from hub.ratelimit import client_address, is_rate_limited

    request = rf.post("/", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_address(request) == "203.0.113.9"
    assert [is_rate_limited(request, "t", 2, 60) for _ in range(3)] == [False, False, True]


def test_collectstatic_gives_hashed_names_served_with_long_cache_lifetimes(tmp_path):
    result = run_python(
        "import django; django.setup();"
        "from django.core.management import call_command;"
        "call_command('collectstatic', '--noinput', verbosity=0);"
        "from django.test import Client;"
        "from django.templatetags.static import static;"
        "url = static('css/hub.css'); print(url);"
        "r = Client().get(url, secure=True); print(r.status_code, r.headers['Cache-Control'])",
        DEBUG="0",
        SECRET_KEY="test-secret-key-for-collectstatic-check-0123456789",
        ALLOWED_HOSTS="testserver",
        STATIC_ROOT=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    url, status_line = result.stdout.strip().splitlines()[-2:]
    assert (
        url.startswith("/static/css/hub.") and url.endswith(".css") and url != "/static/css/hub.css"
    )
    status, cache_control = status_line.split(" ", 1)
    assert status == "200"
    assert "max-age=315360000" in cache_control and "immutable" in cache_control


@pytest.mark.django_db
def test_about_page_explains_curation_privacy_and_accessibility(client):
    response = client.get("/about/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    for heading in ("How entries are chosen and checked", "Your data", "Accessibility"):
        assert heading in html
    assert "Randomised controlled trial" in html  # labels come from the model's choices
    assert 'href="/about/"' in html  # linked from the footer of every page


@pytest.mark.django_db
@override_settings(CONTACT_EMAIL="hub@example.org")
def test_about_page_gives_the_contact_address_when_one_is_configured(client):
    assert b'href="mailto:hub@example.org"' in client.get("/about/").content
