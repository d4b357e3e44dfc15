"""Two-factor sign-in for staff, end to end through the real sign-in form, with real TOTP
codes computed here as an authenticator app computes them."""

import re
from base64 import b32decode
from html import unescape

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import SignInEvent
from resources.models import Status
from tests.conftest import CURATOR_PASSWORD
from tests.factories import EntryFactory
from tests.two_factor import confirmed_authenticator, current_code, wrong_code

pytestmark = pytest.mark.django_db

LOGIN_URL = "/admin/login/"
SETUP_URL = "/admin/two-factor/"
WRONG_LOGIN = "Please enter the correct username, password and code for a staff account."


def sign_in(client, code="", *, username="curator", password=CURATOR_PASSWORD):
    return client.post(
        LOGIN_URL,
        {"username": username, "password": password, "otp_token": code, "next": "/admin/"},
    )


def sign_out(client):
    client.post("/admin/logout/")
    assert "_auth_user_id" not in client.session


def signed_in(client):
    return "_auth_user_id" in client.session


def secret_on(page):
    """The setup key the page shows, as bytes (what an app keeps after you type it)."""
    [key] = re.findall(r'<code class="two-factor__secret" id="totp-secret">([A-Z2-7 ]+)</code>',
                       page.content.decode())  # fmt: skip
    key = key.replace(" ", "")
    return b32decode(key + "=" * (-len(key) % 8))


def app_code(secret):
    """What an authenticator app holding `secret` shows now."""
    return f"{totp(secret):06d}"


def recovery_codes_on(page):
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page.content.decode())


@pytest.fixture
def enrolled_curator(curator):
    """The curator, with a confirmed authenticator app."""
    confirmed_authenticator(curator)
    return curator


# -- enforcement ----------------------------------------------------------------------------


def test_a_curator_without_a_device_is_sent_to_set_one_up_and_reaches_nothing_else(curator):
    client = Client()
    response = sign_in(client)
    assert response.status_code == 302
    assert signed_in(client)

    for path in ("/admin/", "/admin/resources/evidence/", "/admin/resources/evidence/add/",
                 "/admin/newsletter/subscriber/", "/admin/password_change/",
                 "/admin/autocomplete/", "/admin/login/"):  # fmt: skip
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, SETUP_URL), path

    page = client.get(SETUP_URL)
    assert page.status_code == 200
    assert "Your account needs two-factor sign-in" in page.content.decode()


def test_a_curator_waiting_to_set_up_a_device_sees_no_draft_previews(curator):
    draft = EntryFactory(status=Status.DRAFT)
    client = Client()
    sign_in(client)

    assert client.get(draft.get_absolute_url()).status_code == 404


def test_a_curator_waiting_to_set_up_a_device_can_log_out(curator):
    client = Client()
    sign_in(client)

    response = client.post("/admin/logout/")

    assert response.status_code == 200
    assert not signed_in(client)


def test_superusers_must_set_up_a_device_even_when_curators_need_none(admin_user, settings):
    settings.REQUIRE_2FA = False
    client = Client()

    sign_in(client, username="admin", password="password")

    assert client.get("/admin/")["Location"] == SETUP_URL


def test_curators_need_no_device_when_two_factor_is_not_required(curator, settings):
    settings.REQUIRE_2FA = False
    client = Client()

    sign_in(client)

    assert client.get("/admin/").status_code == 200


def test_a_device_once_set_up_is_needed_even_when_two_factor_is_not_required(
    enrolled_curator, settings
):
    settings.REQUIRE_2FA = False
    client = Client()

    response = sign_in(client, code="")

    assert WRONG_LOGIN in response.content.decode()
    assert not signed_in(client)


def test_a_session_signed_in_without_a_code_is_sent_back_to_sign_in(enrolled_curator):
    client = Client()  # Django's own client: force_login makes a password-only session
    client.force_login(enrolled_curator)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_two_factor_is_required_unless_debug_or_turned_off():
    from tests.test_sign_in_lockouts import run_python

    show = "from django.conf import settings as s; print(s.REQUIRE_2FA)"
    assert run_python(show).stdout.split() == ["True"]
    assert run_python(show, DEBUG="1").stdout.split() == ["False"]
    assert run_python(show, REQUIRE_2FA="0").stdout.split() == ["False"]
    assert run_python(show, DEBUG="1", REQUIRE_2FA="1").stdout.split() == ["True"]


# -- setting up an authenticator --------------------------------------------------------------


def test_a_curator_sets_up_an_authenticator_and_gets_ten_recovery_codes(curator):
    client = Client()
    sign_in(client)

    page = client.get(SETUP_URL)
    html = page.content.decode()
    assert '<svg role="img"' in html and "<title>QR code for your authenticator app</title>" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script (strict CSP)
    secret = secret_on(page)
    pending = TOTPDevice.objects.get(user=curator)
    assert (pending.bin_key, pending.confirmed) == (secret, False)
    assert pending.config_url.startswith("otpauth://totp/Peer%20Support%20Evidence%20Hub")

    response = client.post(SETUP_URL, {"code": app_code(secret)})

    assert response.status_code == 200
    codes = recovery_codes_on(response)
    assert len(codes) == len(set(codes)) == 10
    assert "this page is the only time they are shown" in response.content.decode()
    assert TOTPDevice.objects.get(user=curator).confirmed
    assert client.get("/admin/").status_code == 200  # this session is signed in with a code
    assert client.get("/admin/resources/evidence/").status_code == 200
    assert SignInEvent.objects.filter(kind="enrolled", username="curator").exists()

    status = client.get(SETUP_URL).content.decode()
    assert "Two-factor sign-in is on" in status
    assert not set(codes) & set(re.findall(r"[a-z2-7]{8}", status))  # never shown again


def test_the_setup_key_stays_the_same_until_it_is_confirmed(curator):
    client = Client()
    sign_in(client)

    assert secret_on(client.get(SETUP_URL)) == secret_on(client.get(SETUP_URL))


def test_a_wrong_first_code_turns_nothing_on(curator):
    client = Client()
    sign_in(client)
    client.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=curator)

    response = client.post(SETUP_URL, {"code": wrong_code(device)})

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.get(user=curator).confirmed
    assert client.get("/admin/")["Location"] == SETUP_URL


def test_a_curator_replaces_the_authenticator_and_the_old_one_stops_working(enrolled_curator):
    old = TOTPDevice.objects.get(user=enrolled_curator)
    client = Client()
    sign_in(client, current_code(old))

    new_secret = secret_on(client.get(SETUP_URL + "?replace=1"))
    assert TOTPDevice.objects.filter(user=enrolled_curator).count() == 2
    client.post(SETUP_URL, {"code": app_code(new_secret), "replace": "1"})

    [device] = TOTPDevice.objects.filter(user=enrolled_curator)
    assert (device.bin_key, device.confirmed) == (new_secret, True)


def test_new_recovery_codes_cancel_the_old_ones(enrolled_curator):
    old_codes = two_factor.issue_recovery_codes(enrolled_curator)
    client = Client()
    sign_in(client, current_code(confirmed_authenticator(enrolled_curator)))

    new_codes = recovery_codes_on(client.post(SETUP_URL, {"new_codes": "1"}))

    assert len(new_codes) == 10
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new_codes)
    assert not set(old_codes) & set(new_codes)


# -- signing in with a code -------------------------------------------------------------------


def test_a_curator_signs_in_with_the_code_from_the_app(enrolled_curator):
    client = Client()

    response = sign_in(client, current_code(confirmed_authenticator(enrolled_curator)))

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert SignInEvent.objects.get(kind="signed_in").detail == "with the authenticator app"


def test_a_wrong_code_is_refused_as_a_wrong_password_is_and_counts_as_a_failure(enrolled_curator):
    client = Client()

    response = sign_in(client, wrong_code(confirmed_authenticator(enrolled_curator)))

    assert response.status_code == 200
    assert WRONG_LOGIN in response.content.decode()
    assert not signed_in(client)
    failure = SignInEvent.objects.get(kind="failed")
    assert failure.detail == "right password, wrong or reused code"
    [attempt] = AccessAttempt.objects.all()  # axes counts it, keeping neither secret
    assert attempt.failures_since_start == 1
    assert "otp_token=********************" in attempt.post_data
    assert CURATOR_PASSWORD not in attempt.post_data
    assert sign_in(Client(), password="wrong").content.decode().count(WRONG_LOGIN) == 1


def test_wrong_codes_lock_the_account_at_that_address_like_wrong_passwords(
    enrolled_curator, settings
):
    device = confirmed_authenticator(enrolled_curator)
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert sign_in(client, wrong_code(device)).status_code == 200

    assert sign_in(client, wrong_code(device)).status_code == 429


def test_a_code_is_never_accepted_twice(enrolled_curator):
    device = confirmed_authenticator(enrolled_curator)
    code = current_code(device)
    client = Client()
    assert sign_in(client, code).status_code == 302
    sign_out(client)

    response = sign_in(client, code)

    assert WRONG_LOGIN in response.content.decode()
    assert not signed_in(client)
    device.refresh_from_db()
    assert device.last_t >= 0  # django-otp's record of the last time step accepted


def test_an_older_code_than_the_last_accepted_is_refused(enrolled_curator):
    device = confirmed_authenticator(enrolled_curator)
    client = Client()
    assert sign_in(client, current_code(device, steps=1)).status_code == 302
    sign_out(client)

    response = sign_in(client, current_code(device))

    assert WRONG_LOGIN in response.text
    assert not signed_in(client)


def test_a_recovery_code_works_once_only(enrolled_curator):
    first, second, *_ = two_factor.issue_recovery_codes(enrolled_curator)
    client = Client()

    assert sign_in(client, first.upper()).status_code == 302  # typed in any case
    assert client.get("/admin/").status_code == 200
    assert SignInEvent.objects.get(kind="signed_in").detail == "with a recovery code"
    sign_out(client)

    assert WRONG_LOGIN in sign_in(client, first).content.decode()
    assert not signed_in(client)
    StaticDevice.objects.get(user=enrolled_curator).throttle_reset()  # paused after a wrong code
    assert sign_in(client, second).status_code == 302
    assert StaticToken.objects.filter(device__user=enrolled_curator).count() == 8


def test_the_last_recovery_codes_come_with_a_warning(enrolled_curator):
    codes = two_factor.issue_recovery_codes(enrolled_curator)
    StaticToken.objects.exclude(token=codes[0]).exclude(token=codes[1]).delete()
    client = Client()

    sign_in(client, codes[0])

    page = client.get("/admin/")
    assert "You signed in with a recovery code; 1 left." in unescape(page.content.decode())


def test_the_sign_in_page_asks_for_a_code_with_its_help(db):
    html = Client().get(LOGIN_URL).content.decode()

    assert '<label for="id_otp_token">Code:</label>' in html
    assert 'autocomplete="one-time-code"' in html
    assert 'aria-describedby="id_otp_token_helptext"' in html
    assert 'id="id_otp_token_helptext"' in html
    assert 'href="/admin/password_reset/"' in html
