"""Cache headers for a proxy or CDN in front (hub/http_cache.py): public pages for anonymous
visitors with ETags and early 304s; never a shared copy of anything personal."""

from types import SimpleNamespace

import pytest
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.urls import path

from hub import http_cache
from resources.models import Kind, Status
from tests.factories import EntryFactory, OutcomeFactory, TopicFactory

PUBLIC_URLS = [
    "/about/",
    "/search/",
    "/search/?q=peer",
    "/resources/",
    "/tools/",
    "/evidence/",
    "/evidence/map/",
    "/evidence/map.csv",
    "/evidence/map.json",
    "/topics/",
    "/topics/carers/",
    "/approaches/",
    "/glossary/",
    "/evidence/group-peer-support/",
    "/evidence/group-peer-support/cite.ris",
    "/evidence/group-peer-support/cite.bib",
]


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    """Tests run with a per-process cache, whose ETags also change every few minutes: hold the
    clock still so that no test straddles the change."""
    clock = SimpleNamespace(time=lambda: 1_700_000_000.0)
    monkeypatch.setattr(http_cache, "time", clock)
    return clock


@pytest.fixture
def catalogue(db):
    carers = TopicFactory(name="Carers", slug="carers")
    return EntryFactory(
        kind=Kind.EVIDENCE,
        title="Group peer support",
        topics=[carers],
        findings=[(OutcomeFactory(name="Wellbeing"), "positive")],
    )


def cache_control(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


def vary(response):
    return {part.strip() for part in response.get("Vary", "").split(",") if part}


def assert_public(response):
    assert response.status_code == 200
    assert cache_control(response) == {"public", "max-age=60", "stale-while-revalidate=300"}
    # Weak: GZipMiddleware (hub/settings.py) sends different bytes per Accept-Encoding.
    assert response["ETag"].startswith('W/"')
    assert {"Cookie", "Accept-Encoding"} <= vary(response)


def assert_never_shared(response):
    directives = cache_control(response)
    assert "public" not in directives
    assert "private" in directives or "no-store" in directives
    assert "no-cache" in directives


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_anonymous_public_pages_may_be_kept_by_a_shared_cache(client, catalogue, url):
    assert_public(client.get(url))


def test_a_repeat_with_the_etag_is_a_304_without_running_the_view(
    client, catalogue, django_assert_num_queries
):
    first = client.get(catalogue.get_absolute_url())
    with django_assert_num_queries(0):
        repeat = client.get(catalogue.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert repeat.status_code == 304
    assert repeat.content == b""
    assert repeat.templates == []
    assert repeat["ETag"] == first["ETag"]
    assert repeat["Cache-Control"] == first["Cache-Control"]
    assert "Cookie" in vary(repeat)


def test_the_304_keeps_the_security_headers(client, catalogue):
    first = client.get("/evidence/")
    strong_form = first["ETag"].removeprefix("W/")  # compared weakly, as RFC 9110 says
    repeat = client.get("/evidence/", HTTP_IF_NONE_MATCH=f'"other", {strong_form}')
    assert repeat.status_code == 304
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"):
        assert repeat[header] == first[header]


def test_an_unknown_or_wildcard_etag_gets_the_page(client, catalogue):
    assert client.get("/evidence/", HTTP_IF_NONE_MATCH='"stale"').status_code == 200
    assert client.get("/evidence/", HTTP_IF_NONE_MATCH="*").status_code == 200


def test_head_gets_the_same_headers_and_304s(client, catalogue):
    get = client.get("/evidence/")
    head = client.head("/evidence/")
    assert_public(head)
    assert head["ETag"] == get["ETag"]
    assert client.head("/evidence/", HTTP_IF_NONE_MATCH=get["ETag"]).status_code == 304


def test_each_query_string_has_its_own_etag(client, catalogue):
    etags = {client.get(url)["ETag"] for url in ("/search/", "/search/?q=peer", "/search/?q=x")}
    assert len(etags) == 3


def test_no_stale_page_after_an_edit(client, catalogue):
    before = client.get(catalogue.get_absolute_url())
    catalogue.title = "Group peer support, revised"
    catalogue.save()
    after = client.get(catalogue.get_absolute_url(), HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert "Group peer support, revised" in after.text
    assert after["ETag"] != before["ETag"]


def test_no_stale_listing_after_a_publish(client, catalogue):
    draft = EntryFactory(kind=Kind.EVIDENCE, title="Newly published", status=Status.DRAFT)
    before = client.get("/evidence/")
    assert "Newly published" not in before.text
    draft.status = Status.PUBLISHED
    draft.save()
    after = client.get("/evidence/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert "Newly published" in after.text


def test_a_new_release_outdates_every_etag(client, catalogue, settings):
    before = client.get("/evidence/")
    settings.RELEASE = "next-release"
    after = Client().get("/evidence/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]


def test_with_a_per_process_cache_etags_are_renewed_every_few_minutes(
    client, catalogue, fixed_clock
):
    # Another worker's edit never reaches this process's catalogue version.
    before = client.get("/evidence/")
    fixed_clock.time = lambda: 1_700_000_000.0 + http_cache.CATALOGUE_CACHE_SECONDS
    assert client.get("/evidence/", HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200


def test_a_signed_in_curator_gets_private_pages_and_never_an_anonymous_304(
    client, catalogue, curator
):
    anonymous = client.get("/evidence/")
    client.force_login(curator)
    response = client.get("/evidence/", HTTP_IF_NONE_MATCH=anonymous["ETag"])
    assert response.status_code == 200
    assert cache_control(response) == {"private", "no-cache"}
    assert "ETag" not in response
    assert "Cookie" in vary(response)


def test_a_draft_preview_stays_never_cached(client, curator):
    draft = EntryFactory(status=Status.DRAFT)
    client.force_login(curator)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert_never_shared(response)
    assert "no-store" in cache_control(response)


def test_the_home_page_holds_a_csrf_token_so_it_is_never_shared(client, catalogue):
    response = client.get("/")
    assert 'name="csrfmiddlewaretoken"' in response.text
    assert_never_shared(response)
    assert "ETag" not in response


@pytest.mark.parametrize("url", ["/admin/", "/admin/login/", "/newsletter/"])
def test_the_admin_and_newsletter_are_never_cached(client, db, url):
    response = client.get(url)
    assert_never_shared(response)
    assert "no-store" in cache_control(response)
    assert "ETag" not in response


def test_the_signed_in_admin_is_never_cached(client, curator):
    client.force_login(curator)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert {"private", "no-cache", "no-store"} <= cache_control(response)


@pytest.mark.django_db
def test_a_newsletter_signup_post_is_never_cached(client):
    response = client.post("/newsletter/", {"email": "reader@example.org", "consent": "on"})
    assert response.status_code in (302, 400)
    assert "no-store" in cache_control(response)


@pytest.mark.django_db
def test_the_health_check_keeps_its_own_never_cache_headers(client):
    response = client.get("/health/")
    assert "no-store" in cache_control(response)
    assert "public" not in cache_control(response)
    assert "ETag" not in response


@pytest.mark.django_db
def test_a_missing_page_is_not_shared(client):
    response = client.get("/evidence/no-such-entry/")
    assert response.status_code == 404
    assert_never_shared(response)
    assert "ETag" not in response


def messages_cookie(text):
    """The `messages` cookie Django sets after a view calls messages.info(request, text)."""
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(messages.INFO, text)
    response = HttpResponse()
    storage.update(response)
    return response.cookies["messages"].value


def test_a_page_showing_a_message_is_never_shared_nor_answered_from_a_copy(client, catalogue):
    etag = client.get("/evidence/")["ETag"]
    client.cookies["messages"] = messages_cookie("Thanks for signing up")
    response = client.get("/evidence/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "Thanks for signing up" in response.text
    assert_never_shared(response)
    assert "ETag" not in response


# A few views on a URLconf of their own, for what no public page does today.
def sets_a_cookie(request):
    response = HttpResponse("hello")
    response.set_cookie("seen", "1")
    return response


def uses_a_csrf_token(request):
    return HttpResponse(f"<input name=csrfmiddlewaretoken value={get_token(request)}>")


def plain(request):
    return HttpResponse("hello")


urlpatterns = [
    path("cookie/", sets_a_cookie),
    path("csrf/", uses_a_csrf_token),
    path("plain/", plain),
]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/cookie/", "/csrf/"])
def test_a_response_that_sets_a_cookie_or_uses_a_csrf_token_is_never_shared(client, url):
    response = client.get(url)
    assert response.cookies
    assert_never_shared(response)
    assert "ETag" not in response


@pytest.mark.urls(__name__)
def test_a_response_with_nothing_personal_is_shared(client):
    assert_public(client.get("/plain/"))


@pytest.mark.parametrize(
    "middleware",
    ["django.middleware.gzip.GZipMiddleware", "django.middleware.http.ConditionalGetMiddleware"],
)
def test_works_under_django_s_gzip_and_conditional_get_middleware(catalogue, settings, middleware):
    settings.MIDDLEWARE = [middleware, *settings.MIDDLEWARE]
    client = Client(HTTP_ACCEPT_ENCODING="gzip")
    first = client.get("/evidence/")
    assert first.status_code == 200
    assert "public" in cache_control(first)
    repeat = client.get("/evidence/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert repeat.status_code == 304
    assert repeat["ETag"] == first["ETag"]
    if "gzip" in middleware:
        assert first["Content-Encoding"] == "gzip"
        assert first["ETag"].startswith('W/"')
        assert {"Cookie", "Accept-Encoding"} <= vary(first) and vary(repeat) == vary(first)


@pytest.mark.parametrize("seconds, stale", [(0, 0), (600, 3600)])
def test_lifetimes_come_from_settings(catalogue, settings, seconds, stale):
    settings.PUBLIC_CACHE_SECONDS, settings.PUBLIC_STALE_SECONDS = seconds, stale
    response = Client().get("/evidence/")
    assert cache_control(response) == {
        "public",
        f"max-age={seconds}",
        f"stale-while-revalidate={stale}",
    }
