"""Guessing curators' passwords: django-axes locks a username at an address after a few
failures and an account after more from anywhere; every sign-in event leaves a trace."""

import io
import logging
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import SignInEvent
from hub.admin import LOGIN_ATTEMPTS_PER_WINDOW
from hub.ratelimit import client_address
from tests.conftest import CURATOR_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URL = "/admin/login/"
ATTACKER = "203.0.113.66"
ELSEWHERE = "198.51.100.20"


def sign_in(client, password, *, username="curator", address="127.0.0.1", **headers):
    return client.post(
        LOGIN_URL,
        {"username": username, "password": password, "otp_token": "", "next": "/admin/"},
        REMOTE_ADDR=address,
        **headers,
    )


def signed_in(client):
    return "_auth_user_id" in client.session


def lock_out(address=ATTACKER, username="curator"):
    """Fail to sign in LOGIN_FAILURE_LIMIT times from `address`: that pair is then locked."""
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "wrong-guess", username=username, address=address)
    return client


# -- distributed guessing -------------------------------------------------------------------


def test_guessing_from_thirty_addresses_locks_the_account_before_the_right_password_works(
    curator,
):
    # The review's attack: 30 addresses, each staying within the per-address limit of 10.
    statuses = []
    for n in range(30):
        attacker = Client()
        for _ in range(LOGIN_ATTEMPTS_PER_WINDOW):
            statuses.append(
                sign_in(attacker, "wrong-guess", address=f"192.0.2.{n + 1}").status_code
            )

    assert statuses.count(200) <= settings.LOGIN_ACCOUNT_FAILURE_LIMIT
    assert statuses.count(429) >= len(statuses) - settings.LOGIN_ACCOUNT_FAILURE_LIMIT

    curator_client = Client()
    response = sign_in(curator_client, CURATOR_PASSWORD, address=ELSEWHERE)

    assert response.status_code == 429
    assert not signed_in(curator_client)


def test_a_pair_is_locked_after_the_failure_limit_even_with_the_right_password(curator):
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert sign_in(client, "wrong-guess", address=ATTACKER).status_code == 200
    assert sign_in(client, "wrong-guess", address=ATTACKER).status_code == 429

    response = sign_in(client, CURATOR_PASSWORD, address=ATTACKER)

    assert response.status_code == 429
    assert not signed_in(client)


def test_a_locked_out_address_does_not_lock_the_curator_out_elsewhere(curator):
    lock_out(ATTACKER)

    client = Client()
    response = sign_in(client, CURATOR_PASSWORD, address=ELSEWHERE)

    assert response.status_code == 302
    assert signed_in(client)


def test_other_accounts_are_not_locked_by_guessing_at_one(curator, django_user_model):
    django_user_model.objects.create_user("editor", password=CURATOR_PASSWORD, is_staff=True)
    lock_out(ATTACKER)

    client = Client()
    assert sign_in(client, CURATOR_PASSWORD, username="editor", address=ATTACKER).status_code == 302


def test_the_lockout_page_says_to_wait_or_ask_an_administrator(curator):
    client = lock_out(ATTACKER)

    response = sign_in(client, "wrong-guess", address=ATTACKER)

    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.LOGIN_LOCKOUT_MINUTES * 60)
    text = response.content.decode()
    assert "Peer Support Evidence Hub — curators" in text  # the admin's own header
    assert "Sign-in locked" in text
    assert f"Try again in {settings.LOGIN_LOCKOUT_MINUTES} minutes" in text
    assert "ask an administrator to lift the lockout" in text
    assert 'href="/admin/password_reset/"' in text


def test_a_lockout_ends_after_the_cool_off(curator):
    lock_out(ATTACKER)
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1)
    )

    client = Client()
    assert sign_in(client, CURATOR_PASSWORD, address=ATTACKER).status_code == 302
    assert SignInEvent.objects.filter(kind="unlocked", detail__contains="cool-off over").exists()


def test_a_forged_forwarded_for_header_does_not_dodge_the_lock(curator):
    client = Client()
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "wrong-guess", address=ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    response = sign_in(client, CURATOR_PASSWORD, address=ATTACKER, HTTP_X_FORWARDED_FOR="10.9.9.9")

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_behind_a_proxy_the_lock_is_on_the_address_the_proxy_saw(curator, settings, rf):
    settings.TRUSTED_PROXY_COUNT = 1
    forwarded = {"HTTP_X_FORWARDED_FOR": f"10.0.0.1, {ATTACKER}"}  # forged first, then real
    client = Client()
    sign_in(client, "wrong-guess", address="127.0.0.1", **forwarded)

    assert client_address(rf.post(LOGIN_URL, REMOTE_ADDR="127.0.0.1", **forwarded)) == ATTACKER
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [ATTACKER]
    assert SignInEvent.objects.get(kind="failed").address == ATTACKER


def test_a_client_address_that_is_no_ip_address_is_locked_without_an_error(curator, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        response = sign_in(client, "wrong-guess", HTTP_X_FORWARDED_FOR="not-an-address")

    assert response.status_code == 429


# -- lifting lockouts -------------------------------------------------------------------------


def test_an_administrator_sees_the_attempts_and_lifts_a_lockout_in_the_admin(curator, admin_client):
    lock_out(ATTACKER)
    changelist = admin_client.get("/admin/axes/accessattempt/")
    assert changelist.status_code == 200
    assert ATTACKER in changelist.content.decode()

    response = admin_client.post(
        "/admin/axes/accessattempt/",
        {
            "action": "delete_selected",
            "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    client = Client()
    assert sign_in(client, CURATOR_PASSWORD, address=ATTACKER).status_code == 302
    lifted = SignInEvent.objects.get(kind="unlocked")
    assert (lifted.username, lifted.address) == ("curator", ATTACKER)
    assert lifted.detail == (
        f"{settings.LOGIN_FAILURE_LIMIT} failed sign-in(s) cleared, lifted in the admin by admin"
    )


def test_curators_cannot_see_or_lift_lockouts(client, curator):
    lock_out(ATTACKER)
    client.force_login(curator)

    assert client.get("/admin/axes/accessattempt/").status_code == 403
    assert client.get("/admin/accounts/signinevent/").status_code == 403


@pytest.mark.parametrize(
    "command, arguments",
    [("axes_reset", []), ("axes_reset_username", ["curator"]), ("axes_reset_ip", [ATTACKER])],
)
def test_the_axes_reset_commands_lift_lockouts_and_say_so_in_the_trail(curator, command, arguments):
    lock_out(ATTACKER)

    call_command(command, *arguments, stdout=io.StringIO())

    client = Client()
    assert sign_in(client, CURATOR_PASSWORD, address=ATTACKER).status_code == 302
    lifted = SignInEvent.objects.get(kind="unlocked")
    assert lifted.detail.endswith("reset by an axes_reset command")


# -- the trail ------------------------------------------------------------------------------


def test_every_failed_and_successful_sign_in_is_logged_and_kept(curator, caplog):
    caplog.set_level(logging.INFO, logger="security")

    sign_in(Client(), "wrong-guess", address=ATTACKER)
    sign_in(Client(), CURATOR_PASSWORD, address=ELSEWHERE)

    lines = [record.getMessage() for record in caplog.records if record.name == "security"]
    assert lines == [
        f"sign-in failed username='curator' address={ATTACKER} "
        "(wrong username or password, or locked out)",
        f"signed in username='curator' address={ELSEWHERE} (without a second factor)",
    ]
    events = SignInEvent.objects.order_by("at")
    assert [(event.kind, event.username, event.address) for event in events] == [
        ("failed", "curator", ATTACKER),
        ("signed_in", "curator", ELSEWHERE),
    ]
    assert all(timezone.now() - event.at < timedelta(minutes=1) for event in events)


def test_a_lockout_is_logged_and_kept(curator, caplog):
    caplog.set_level(logging.INFO, logger="security")

    lock_out(ATTACKER)

    assert (
        f"locked out username='curator' address={ATTACKER} "
        f"({settings.LOGIN_FAILURE_LIMIT} recent failures counted)"
    ) in [record.getMessage() for record in caplog.records]
    assert SignInEvent.objects.filter(kind="locked_out", username="curator").count() == 1


def test_failures_for_unknown_usernames_are_kept_too(db):
    sign_in(Client(), "wrong-guess", username="no-such-person", address=ATTACKER)

    assert SignInEvent.objects.get().username == "no-such-person"
    assert AccessAttempt.objects.get().username == "no-such-person"


def test_administrators_read_the_trail_in_the_admin_but_cannot_change_it(curator, admin_client):
    sign_in(Client(), "wrong-guess", address=ATTACKER)
    event = SignInEvent.objects.get(kind="failed")

    listing = admin_client.get("/admin/accounts/signinevent/?kind=failed")
    assert listing.status_code == 200
    assert ATTACKER in listing.content.decode()
    assert admin_client.get("/admin/accounts/signinevent/add/").status_code == 403
    assert admin_client.post(f"/admin/accounts/signinevent/{event.pk}/delete/").status_code == 403


def test_old_sign_in_events_are_purged_by_their_command(db):
    old = SignInEvent.objects.create(kind="failed", at=timezone.now() - timedelta(days=400))
    recent = SignInEvent.objects.create(kind="failed", at=timezone.now() - timedelta(days=300))

    call_command("purge_sign_in_events", "--days", "365", stdout=io.StringIO())

    assert list(SignInEvent.objects.all()) == [recent]
    assert not SignInEvent.objects.filter(pk=old.pk).exists()


def test_the_security_logger_writes_to_stdout_whatever_the_log_level():
    result = run_python(
        "import logging; logging.getLogger('security').info('signed in username=%r', 'curator')",
        LOG_LEVEL="ERROR",
    )

    assert " INFO security signed in username='curator'" in result.stdout


# -- settings -------------------------------------------------------------------------------


def run_python(code, **environment):
    """Run `code` in a fresh process with the production settings (DEBUG off) loaded."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("LOGIN_")}
    env.pop("REQUIRE_2FA", None)
    env.update({"DJANGO_SETTINGS_MODULE": "hub.settings", "DEBUG": "0", "SECRET_KEY": "x" * 50})
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        capture_output=True, text=True, env=env, cwd=settings.BASE_DIR, timeout=60,
    )  # fmt: skip


SHOW_LIMITS = (
    "from django.conf import settings as s; "
    "print(s.AXES_FAILURE_LIMIT, s.LOGIN_ACCOUNT_FAILURE_LIMIT, s.AXES_COOLOFF_TIME)"
)


def test_the_lockout_limits_have_safe_defaults():
    assert run_python(SHOW_LIMITS).stdout.split() == ["5", "20", "1:00:00"]


def test_the_lockout_limits_and_cool_off_come_from_the_environment():
    result = run_python(
        SHOW_LIMITS, LOGIN_FAILURE_LIMIT="3", LOGIN_ACCOUNT_FAILURE_LIMIT="12",
        LOGIN_LOCKOUT_MINUTES="15",
    )  # fmt: skip

    assert result.stdout.split() == ["3", "12", "0:15:00"]


@pytest.mark.parametrize(
    "environment",
    [{"LOGIN_FAILURE_LIMIT": "0"}, {"LOGIN_FAILURE_LIMIT": "30"}, {"LOGIN_LOCKOUT_MINUTES": "0"}],
)
def test_impossible_lockout_limits_stop_start_up_with_one_sentence(environment):
    result = run_python(SHOW_LIMITS, **environment)

    assert result.returncode == 3
    assert result.stderr.strip().startswith("LOGIN_FAILURE_LIMIT must be at least 1")
