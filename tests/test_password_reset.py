"""Staff reset a forgotten password by email, from the admin's sign-in page; the request
never shows, by its answer or its work, whether an account has the address."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.models import SignInEvent
from accounts.views import PASSWORD_RESETS_PER_WINDOW
from tests.conftest import CURATOR_PASSWORD
from tests.test_newsletter_tasks import query_shapes, run_ready_tasks

pytestmark = pytest.mark.django_db

RESET_URL = "/admin/password_reset/"
NEW_PASSWORD = "a-new-long-password-for-curating"


def ask_for_reset(client, email, **extra):
    return client.post(RESET_URL, {"email": email}, **extra)


def reset_link(message):
    [link] = re.findall(r"https?://\S+/admin/reset/\S+/", message.body)
    return link


@pytest.fixture
def database_tasks(settings):
    """Production's task backend: tasks wait in the database for a worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_the_sign_in_page_links_to_the_reset_page_styled_like_the_admin(db):
    assert 'href="/admin/password_reset/"' in Client().get("/admin/login/").text

    page = Client().get(RESET_URL)

    assert page.status_code == 200
    assert "Peer Support Evidence Hub — curators" in page.text
    assert 'name="email"' in page.text


def test_a_curator_resets_a_forgotten_password_with_the_emailed_link(curator, settings):
    settings.REQUIRE_2FA = False  # this test is about the password; two-factor is tested apart
    settings.SITE_URL = "https://hub.example.org"
    response = ask_for_reset(Client(), "Curator@Example.org")
    assert (response.status_code, response["Location"]) == (302, "/admin/password_reset/done/")

    [message] = mail.outbox
    assert message.to == ["curator@example.org"]
    assert message.subject == "Password reset on Peer Support Evidence Hub"
    link = reset_link(message)
    assert link.startswith("https://hub.example.org/admin/reset/")

    client = Client()
    form = client.get(link.removeprefix("https://hub.example.org"), follow=True)
    assert "Peer Support Evidence Hub — curators" in form.text
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your password has been set." in done.text
    assert 'href="/admin/login/"' in done.text
    assert SignInEvent.objects.filter(kind="password_reset", username="curator").exists()

    signing_in = client.post(
        "/admin/login/", {"username": "curator", "password": NEW_PASSWORD, "otp_token": ""}
    )
    assert signing_in.status_code == 302


def test_a_reset_link_works_once(curator):
    ask_for_reset(Client(), "curator@example.org")
    path = urlsplit(reset_link(mail.outbox[0])).path
    client = Client()
    set_password = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(set_password, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client().get(path, follow=True)

    assert "The password reset link was invalid" in again.text


def test_a_reset_password_still_needs_the_code_once_two_factor_is_set_up(curator):
    from tests.two_factor import confirmed_authenticator

    confirmed_authenticator(curator)
    ask_for_reset(Client(), "curator@example.org")
    path = urlsplit(reset_link(mail.outbox[0])).path
    client = Client()
    set_password = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(set_password, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    response = client.post(
        "/admin/login/", {"username": "curator", "password": NEW_PASSWORD, "otp_token": ""}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def reset_request_work(client, email):
    """What asking for a reset does in the request: its response, its SQL, its task."""
    with CaptureQueriesContext(connection) as queries:
        response = ask_for_reset(client, email)
    [task] = DBTaskResult.objects.all()
    DBTaskResult.objects.all().delete()
    return response, query_shapes(queries), task


def test_an_address_with_or_without_an_account_gets_the_same_answer_and_work(
    curator, django_user_model, database_tasks
):
    django_user_model.objects.create_user("reader", "reader@example.org", "x")  # not staff
    work = [
        reset_request_work(Client(), email)
        for email in ("curator@example.org", "nobody@example.org", "reader@example.org")
    ]

    answers = {(r.status_code, r["Location"], r.content) for r, _, _ in work}
    assert answers == {(302, "/admin/password_reset/done/", b"")}
    shapes = [shape for _, shape, _ in work]
    assert shapes[0] == shapes[1] == shapes[2]
    assert {task.task_path for _, _, task in work} == {"accounts.tasks.send_password_reset"}
    assert [task.args_kwargs["kwargs"] for _, _, task in work] == [
        {"email": "curator@example.org"},
        {"email": "nobody@example.org"},
        {"email": "reader@example.org"},
    ]
    assert mail.outbox == []  # nothing is sent inside the request


def test_the_worker_mails_only_staff_accounts_with_the_address(
    curator, django_user_model, database_tasks
):
    django_user_model.objects.create_user("reader", "reader@example.org", "x")  # not staff
    for email in ("curator@example.org", "nobody@example.org", "reader@example.org"):
        ask_for_reset(Client(), email)

    run_ready_tasks()

    assert [message.to for message in mail.outbox] == [["curator@example.org"]]
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {
        TaskResultStatus.SUCCESSFUL
    }


def test_one_reset_email_per_address_in_two_minutes_however_often_asked(curator):
    for _ in range(3):
        ask_for_reset(Client(), "curator@example.org")

    assert len(mail.outbox) == 1


def test_reset_requests_are_limited_per_client_address(curator):
    client = Client()
    for _ in range(PASSWORD_RESETS_PER_WINDOW):
        assert ask_for_reset(client, "curator@example.org").status_code == 302

    refused = ask_for_reset(client, "curator@example.org")
    assert refused.status_code == 429
    assert "Too many attempts" in refused.text

    elsewhere = ask_for_reset(Client(), "curator@example.org", REMOTE_ADDR="198.51.100.7")
    assert elsewhere.status_code == 302


def test_a_malformed_address_is_reported_on_the_page(db):
    response = ask_for_reset(Client(), "not an address")

    assert response.status_code == 200
    assert "Enter a valid email address." in response.text


def test_the_password_still_signs_in_until_the_reset_is_done(curator, settings):
    settings.REQUIRE_2FA = False
    ask_for_reset(Client(), "curator@example.org")
    client = Client()

    response = client.post(
        "/admin/login/", {"username": "curator", "password": CURATOR_PASSWORD, "otp_token": ""}
    )

    assert response.status_code == 302
