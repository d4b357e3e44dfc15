"""A curator sets up two-factor sign-in in a real browser, under the strict CSP, and every
sign-in page passes axe-core."""

from base64 import b32decode

import pytest
from django.conf import settings
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_axe_violations
from tests.browser.test_curator import csp_violations, curator  # noqa: F401  (fixtures)
from tests.conftest import CURATOR_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def new_curator(curator):  # noqa: F811
    """A curator who has not set up two-factor sign-in yet."""
    curator.totpdevice_set.all().delete()
    return curator


def type_password(page):
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("curator")
    page.get_by_label("Password").fill(CURATOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_new_curator_scans_confirms_and_sees_recovery_codes(
    page,
    new_curator,
    csp_violations,  # noqa: F811
):
    type_password(page)

    expect(page).to_have_url("/admin/two-factor/")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    page.goto("/admin/resources/evidence/")  # nothing else opens before the set-up
    expect(page).to_have_url("/admin/two-factor/")

    key = page.locator("#totp-secret").inner_text().replace(" ", "")
    secret = b32decode(key + "=" * (-len(key) % 8))
    page.get_by_label("Code from your app").fill(f"{totp(secret):06d}")
    page.get_by_role("button", name="Confirm and turn on two-factor sign-in").click()

    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    assert csp_violations == []
    assert_no_axe_violations(page)  # after the CSP check: axe injects styles of its own
    page.get_by_role("link", name="I have saved them: go to the admin").click()
    expect(page.get_by_role("link", name="Evidence", exact=True)).to_be_visible()


def test_the_set_up_page_has_no_accessibility_violations(page, new_curator):
    type_password(page)
    expect(page).to_have_url("/admin/two-factor/")

    assert_no_axe_violations(page)


def test_the_sign_in_page_has_no_accessibility_violations(page, transactional_db):
    page.goto("/admin/login/")

    assert_no_axe_violations(page)


def test_the_lockout_page_has_no_accessibility_violations(page, new_curator):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        page.goto("/admin/login/")
        page.get_by_label("Username").fill("curator")
        page.get_by_label("Password").fill("wrong-guess")
        page.get_by_role("button", name="Log in").click()

    expect(page.get_by_text("signing in to this account is locked for now")).to_be_visible()
    assert_no_axe_violations(page)
