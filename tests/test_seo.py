"""What search engines and link previews read: robots.txt, the sitemap, canonical links, Open
Graph tags, icons, the home page's JSON-LD, and compressed responses."""

import gzip
import json
import struct
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client

from hub import sitemaps
from resources.models import Kind, Status
from tests.factories import ApproachFactory, EntryFactory, OutcomeFactory, TopicFactory
from tests.head import HeadTags

SITE = "https://hub.example.org"
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
STATIC_IMAGES = Path(django_settings.BASE_DIR) / "static" / "img"

# Pages that take no parameters, whose canonical address is their own.
PLAIN_PAGES = [
    "/",
    "/about/",
    "/glossary/",
    "/topics/",
    "/topics/carers/",
    "/approaches/",
    "/approaches/groups/",
    "/newsletter/",
    "/newsletter/check-your-email/",
    "/evidence/group-peer-support/",
]
LISTINGS = ["/search/", "/resources/", "/tools/", "/evidence/", "/evidence/map/"]


@pytest.fixture(autouse=True)
def public_address(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def catalogue(db):
    carers = TopicFactory(name="Carers", slug="carers")
    groups = ApproachFactory(name="Groups", slug="groups")
    return EntryFactory(
        kind=Kind.EVIDENCE,
        title="Group peer support",
        topics=[carers],
        approaches=[groups],
        findings=[(OutcomeFactory(name="Wellbeing", slug="wellbeing"), "positive")],
    )


def head_of(response):
    assert response.status_code == 200, response.status_code
    return HeadTags(response.content.decode())


def png_size(path):
    """(width, height) from a PNG's header."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def sitemap_locations(response):
    """The <loc> addresses of a sitemap or sitemap index, and its root element's name."""
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    return root.tag.split("}")[1], [loc.text for loc in root.iterfind(".//sm:loc", SITEMAP_NS)]


# -- robots.txt ---------------------------------------------------------------------------------


def test_robots_txt_lets_crawlers_in_keeps_them_out_of_the_admin_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Allow: /" in lines
    assert "Disallow: /" not in lines
    assert "Disallow: /admin/" in lines
    assert f"Sitemap: {SITE}/sitemap.xml" in lines


def test_robots_txt_keeps_crawlers_out_of_listing_parameters_and_downloads(client):
    lines = client.get("/robots.txt").content.decode().splitlines()
    for listing in LISTINGS:
        assert f"Disallow: {listing}?" in lines
    for download in ("/*/export.", "/feed/", "/*/feed/", "/*/map.csv", "/*/cite."):
        assert f"Disallow: {download}" in lines
    # The pages themselves stay open: no rule is a prefix of a listing's own address.
    rules = [line.split(": ", 1)[1] for line in lines if line.startswith("Disallow: ")]
    assert not [rule for rule in rules for page in LISTINGS if page.startswith(rule)]


# -- the sitemap --------------------------------------------------------------------------------


def test_sitemap_lists_every_published_entry_with_when_it_last_changed(client, catalogue):
    tool = EntryFactory(kind=Kind.TOOL, title="Peer support outcome measure")
    kind, locations = sitemap_locations(client.get("/sitemap.xml"))
    assert kind == "urlset"
    assert f"{SITE}/evidence/group-peer-support/" in locations
    assert f"{SITE}/tools/peer-support-outcome-measure/" in locations
    root = ElementTree.fromstring(client.get("/sitemap.xml").content)
    lastmods = {
        url.findtext("sm:loc", namespaces=SITEMAP_NS): url.findtext(
            "sm:lastmod", namespaces=SITEMAP_NS
        )
        for url in root.iterfind("sm:url", SITEMAP_NS)
    }
    tool.refresh_from_db()
    assert lastmods[tool.canonical_url] == tool.updated.replace(microsecond=0).isoformat()
    assert lastmods[tool.canonical_url].endswith("+00:00")


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.ARCHIVED])
def test_sitemap_leaves_out_entries_that_are_not_published(client, catalogue, status):
    hidden = EntryFactory(title="Not for the public", status=status)
    _, locations = sitemap_locations(client.get("/sitemap.xml"))
    assert hidden.canonical_url not in locations
    assert catalogue.canonical_url in locations


def test_sitemap_lists_the_home_listings_map_term_pages_and_indexes_glossary_and_about(
    client, catalogue
):
    _, locations = sitemap_locations(client.get("/sitemap.xml"))
    expected = [
        "/",
        *LISTINGS,
        "/topics/",
        "/approaches/",
        "/topics/carers/",
        "/approaches/groups/",
        "/glossary/",
        "/about/",
        "/newsletter/",
    ]
    assert {f"{SITE}{path}" for path in expected} <= set(locations)
    assert len(locations) == len(set(locations))
    # Outcomes have no pages of their own, and the sitemap names only pages.
    assert not [location for location in locations if "wellbeing" in location]
    assert all(location.startswith(f"{SITE}/") for location in locations)


def test_sitemap_past_the_limit_is_an_index_of_paged_files_holding_every_address(
    client, catalogue, monkeypatch
):
    for number in range(6):
        EntryFactory(title=f"Resource {number}")
    _, everything = sitemap_locations(client.get("/sitemap.xml"))
    monkeypatch.setattr(sitemaps.HubSitemap, "limit", 5)

    kind, files = sitemap_locations(client.get("/sitemap.xml"))

    assert kind == "sitemapindex"
    assert "http://testserver/sitemap-entries.xml" in files
    assert "http://testserver/sitemap-entries.xml?p=2" in files
    assert "http://testserver/sitemap-pages.xml?p=2" in files
    listed = []
    for address in files:
        kind, locations = sitemap_locations(client.get(address.removeprefix("http://testserver")))
        assert kind == "urlset"
        assert len(locations) <= 5
        listed += locations
    assert sorted(listed) == sorted(everything)


def test_sitemap_files_cost_the_same_few_queries_however_many_entries(
    client, catalogue, django_assert_max_num_queries
):
    for number in range(30):
        EntryFactory(title=f"Resource {number}")
    with django_assert_max_num_queries(4):  # a count and a page of terms, and of entries
        assert client.get("/sitemap.xml").status_code == 200
    with django_assert_max_num_queries(2):
        assert client.get("/sitemap-entries.xml").status_code == 200


@pytest.mark.parametrize(
    "url", ["/sitemap-entries.xml?p=9", "/sitemap-entries.xml?p=two", "/sitemap-nothing.xml"]
)
def test_a_sitemap_file_that_does_not_exist_is_not_found(client, catalogue, url):
    assert client.get(url).status_code == 404


# -- canonical links ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", PLAIN_PAGES)
def test_each_page_names_its_own_address_on_site_url_as_canonical(client, catalogue, path):
    head = head_of(client.get(f"{path}?utm_source=newsletter"))
    assert head.canonical() == f"{SITE}{path}"
    assert head.property("og:url") == f"{SITE}{path}"


@pytest.mark.parametrize("listing", LISTINGS)
def test_a_listing_s_canonical_address_leaves_out_page_and_sort(client, catalogue, listing):
    head = head_of(client.get(f"{listing}?sort=title&page=2"))
    assert head.canonical() == f"{SITE}{listing}"


def test_a_listing_s_canonical_address_keeps_its_filters_in_one_order(client, catalogue):
    first = head_of(client.get("/evidence/?year_min=2000&sort=oldest&topic=carers&q=peer&page=3"))
    second = head_of(client.get("/evidence/?topic=carers&q=peer&page=1&year_min=2000"))
    expected = f"{SITE}/evidence/?q=peer&topic=carers&year_min=2000"
    assert first.canonical() == second.canonical() == expected


def test_a_listing_s_canonical_address_drops_what_it_cannot_read(client, catalogue):
    head = head_of(client.get("/search/?topic=nothing&year_min=soon&topic=carers&sort=wild"))
    assert head.canonical() == f"{SITE}/search/?topic=carers"


def test_the_map_s_canonical_address_keeps_its_filters_and_columns_not_its_sort(client, catalogue):
    head = head_of(client.get("/evidence/map/?columns=topic&sort=title&approach=groups"))
    assert head.canonical() == f"{SITE}/evidence/map/?approach=groups&columns=topic"
    head = head_of(client.get("/evidence/map/?columns=outcome"))
    assert head.canonical() == f"{SITE}/evidence/map/"


def test_a_page_that_is_not_found_has_no_canonical_address_or_share_card(client, catalogue):
    response = client.get("/evidence/no-such-entry/")
    assert response.status_code == 404
    head = HeadTags(response.content.decode())
    assert head.canonical() is None
    assert head.properties("og:title") == []


# -- sharing: Open Graph, X cards, icons --------------------------------------------------------


@pytest.mark.parametrize("path", [*PLAIN_PAGES, *LISTINGS])
def test_every_page_has_open_graph_tags_with_an_absolute_share_image(client, catalogue, path):
    head = head_of(client.get(path))
    assert head.property("og:title")
    assert head.property("og:description")
    assert head.property("og:type") in {"website", "article"}
    assert head.property("og:url").startswith(f"{SITE}/")
    assert head.property("og:site_name") == "Peer Support Evidence Hub"
    image = head.property("og:image")
    assert image.startswith(f"{SITE}/") and image.endswith(".png")
    assert head.property("twitter:card") == "summary_large_image"


def test_a_detail_page_is_shared_as_an_article_with_its_title_and_summary(client, catalogue):
    head = head_of(client.get(catalogue.get_absolute_url()))
    assert head.property("og:type") == "article"
    assert head.property("og:title") == "Group peer support"
    assert head.property("og:description") == catalogue.summary
    assert head.property("og:url") == catalogue.canonical_url


def test_a_listing_is_shared_with_its_heading_and_introduction(client, catalogue):
    head = head_of(client.get("/tools/"))
    assert head.property("og:title") == "Tools"
    assert head.property("og:description") == head.property("description")


def test_share_text_is_escaped_once(client, db):
    entry = EntryFactory(title='Carers & "peers" <together>', slug="carers-and-peers")
    head = head_of(client.get(entry.get_absolute_url()))
    assert head.property("og:title") == 'Carers & "peers" <together>'
    assert "<title>Carers &amp; &quot;peers&quot; &lt;together&gt; ·" in (
        client.get(entry.get_absolute_url()).content.decode()
    )


def test_pages_link_an_svg_icon_an_ico_and_an_apple_touch_icon(client, catalogue):
    head = head_of(client.get("/"))
    icons = {(link["rel"], link["href"]) for link in head.links if "icon" in link["rel"]}
    assert ("icon", "/static/img/favicon.svg") in icons
    assert ("icon", "/static/img/favicon.ico") in icons
    assert ("apple-touch-icon", "/static/img/apple-touch-icon.png") in icons


def test_the_images_have_the_sizes_platforms_ask_for():
    assert png_size(STATIC_IMAGES / "apple-touch-icon.png") == (180, 180)
    assert png_size(STATIC_IMAGES / "og-default.png") == (1200, 630)
    assert (STATIC_IMAGES / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
    svg = ElementTree.fromstring((STATIC_IMAGES / "favicon.svg").read_bytes())
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"


def test_favicon_ico_redirects_to_the_icon_and_may_be_kept_a_day(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.ico"
    assert "max-age=86400" in response["Cache-Control"]


# -- the home page's JSON-LD --------------------------------------------------------------------


def test_home_page_describes_the_site_and_its_search_box_as_json_ld(client, catalogue):
    head = head_of(client.get("/"))
    assert len(head.json_ld) == 1
    data = json.loads(head.json_ld[0])
    assert data["@context"] == "https://schema.org"
    by_type = {node["@type"]: node for node in data["@graph"]}
    website, organization = by_type["WebSite"], by_type["Organization"]
    assert website["url"] == f"{SITE}/"
    assert website["name"] == "Peer Support Evidence Hub"
    action = website["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["target"]["urlTemplate"] == f"{SITE}/search/?q={{search_term_string}}"
    assert action["query-input"] == "required name=search_term_string"
    assert website["publisher"] == {"@id": organization["@id"]}
    assert organization["url"] == f"{SITE}/"
    assert organization["logo"]["url"].startswith(f"{SITE}/static/")


def test_only_the_home_page_carries_the_site_s_json_ld(client, catalogue):
    assert HeadTags(client.get("/about/").content.decode()).json_ld == []


# -- compression --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/evidence/", "/sitemap.xml"])
def test_pages_come_back_gzipped_to_clients_that_accept_it(catalogue, path):
    response = Client(HTTP_ACCEPT_ENCODING="gzip, deflate, br").get(path)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert gzip.decompress(response.content).startswith((b"<!doctype html>", b"<?xml"))


def test_pages_are_sent_uncompressed_to_clients_that_do_not_ask(catalogue):
    response = Client().get("/about/")
    assert not response.has_header("Content-Encoding")
    assert response.content.startswith(b"<!doctype html>")
    assert "Accept-Encoding" in response["Vary"]


def test_a_gzipped_page_asked_for_again_with_its_etag_is_a_304(
    catalogue, django_assert_num_queries
):
    client = Client(HTTP_ACCEPT_ENCODING="gzip")
    first = client.get("/evidence/")
    assert first["Content-Encoding"] == "gzip"
    with django_assert_num_queries(0):
        repeat = client.get("/evidence/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert repeat.status_code == 304
    assert repeat["ETag"] == first["ETag"]
    assert {"Cookie", "Accept-Encoding"} <= {part.strip() for part in repeat["Vary"].split(",")}


def test_collectstatic_writes_brotli_and_gzip_copies_of_the_static_files(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    # Only the hub's own files (static/), to keep the test quick.
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ("css/hub.css", "js/hub.js", "img/favicon.svg"):
        hashed = tmp_path / manifest[name]
        assert Path(f"{hashed}.br").is_file(), name
        assert Path(f"{hashed}.gz").is_file(), name
