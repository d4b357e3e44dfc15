"""The read API, /api/v1/: the same entries as the listings, strict about its input, read-only,
cacheable, throttled, open to other origins, and described by its OpenAPI schema."""

import json
import time
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils.http import parse_http_date

from resources.models import Entry, Kind, Status
from resources.records import entry_record
from resources.services import save_entry
from tests.factories import ApproachFactory, EntryFactory, OutcomeFactory, TopicFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/"
PRIVATE_FIELDS = ("source_seen", "is_synthetic", "status", "last_reviewed_on", "featured")
# Facet index (three scans), term list, search matches, the page, its terms, findings and
# their outcomes, and the boundary's rank when paging a search: however long the page.
MAX_API_QUERIES = 10


@pytest.fixture
def catalogue():
    """About fifty published entries of every kind, with terms, findings, years (some
    missing) and words to search for, plus entries the public must not see."""
    carers, dementia = TopicFactory(name="Carers"), TopicFactory(name="Dementia")
    groups, online = ApproachFactory(name="Groups"), ApproachFactory(name="Online")
    wellbeing, costs = OutcomeFactory(name="Wellbeing"), OutcomeFactory(name="Costs")
    years = [2012, 2015, 2018, 2020, 2020, 2023, None]
    for n in range(18):
        EntryFactory(
            kind=Kind.EVIDENCE,
            title=f"{'Support groups' if n % 3 == 0 else 'A study'} of carers number {n}",
            year=years[n % len(years)],
            study_design="rct" if n % 2 else "qualitative",
            topics=[carers] if n % 2 else [dementia],
            approaches=[groups] if n % 3 else [online],
            findings=[(wellbeing, "positive" if n % 4 else "mixed"), (costs, "no_difference")]
            if n % 5
            else [],
        )
    for n in range(16):
        EntryFactory(
            kind=Kind.RESOURCE,
            title=f"Guide {n:02d} to peer {'groups' if n % 2 else 'mentoring'}",
            year=years[n % len(years)],
            resource_format="guide" if n % 2 else "toolkit",
            topics=[carers, dementia] if n % 3 == 0 else [carers],
            approaches=[groups],
        )
    for n in range(14):
        EntryFactory(
            kind=Kind.TOOL,
            title=f"{'zebra' if n % 2 else 'Aardvark'} tool {n}",
            year=years[n % len(years)],
            tool_format="template",
            topics=[dementia],
            approaches=[online] if n % 2 else [groups],
        )
    EntryFactory(title="Draft about carers", status=Status.DRAFT, topics=[carers])
    EntryFactory(title="Archived about carers", status=Status.ARCHIVED, topics=[carers])


def api_walk(client, query, page_size=7):
    """Every entry slug of an API listing, following `next` links, and the count it gave."""
    url = f"{API}entries/?{query}&page_size={page_size}" if query else f"{API}entries/"
    slugs, count = [], None
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        data = response.json()
        count = data["count"] if count is None else count
        slugs += [record["slug"] for record in data["results"]]
        url = data["next"]
    return slugs, count


def html_walk(client, url):
    """Every entry slug of an HTML listing, page by page, and its result count."""
    response = client.get(url)
    paginator = response.context["page_obj"].paginator
    slugs = []
    for number in paginator.page_range:
        separator = "&" if "?" in url else "?"
        page = client.get(f"{url}{separator}page={number}")
        slugs += [entry.slug for entry in page.context["entries"]]
    return slugs, paginator.count


LISTING_PAIRS = [
    ("", "/search/"),
    ("topic=carers&q=groups", "/search/?topic=carers&q=groups"),
    ("q=support", "/search/?q=support"),
    ("q=groups&sort=title", "/search/?q=groups&sort=title"),
    (
        "kind=evidence&outcome=wellbeing&effect=positive",
        "/evidence/?outcome=wellbeing&effect=positive",
    ),
    ("kind=evidence&study_design=rct&sort=oldest", "/evidence/?study_design=rct&sort=oldest"),
    ("kind=tool&kind=resource&sort=title", "/search/?kind=tool&kind=resource&sort=title"),
    (
        "kind=resource&year_min=2015&year_max=2020&topic=dementia",
        "/resources/?year_min=2015&year_max=2020&topic=dementia",
    ),
    (
        "approach=groups&approach=online&outcome=costs",
        "/search/?approach=groups&approach=online&outcome=costs",
    ),
]


@pytest.mark.parametrize(("query", "html_url"), LISTING_PAIRS)
def test_api_entries_are_the_html_listing_s_entries_in_its_order(
    client, catalogue, query, html_url
):
    api_slugs, api_count = api_walk(client, query)
    html_slugs, html_count = html_walk(client, html_url)
    assert html_slugs, "the filter set should list something"
    assert api_slugs == html_slugs
    assert api_count == html_count == len(html_slugs)


@pytest.mark.parametrize(
    ("query", "html_url"),
    [
        ("", "/search/"),
        (
            "kind=evidence&outcome=wellbeing&effect=positive",
            "/evidence/?outcome=wellbeing&effect=positive",
        ),
        ("topic=carers&q=groups", "/search/?topic=carers&q=groups"),
        ("kind=tool&approach=online", "/tools/?approach=online"),
    ],
)
def test_facets_are_the_listing_filter_panel_s_counts(client, catalogue, query, html_url):
    data = client.get(f"{API}facets/?{query}").json()
    panel = client.get(html_url).context["filterset"]
    assert data["count"] == panel.result_count
    assert data["facets"] == [
        {
            "name": facet.name,
            "label": facet.legend,
            "options": [
                {"value": o.value, "label": o.label, "count": o.count, "selected": o.selected}
                for o in facet.options
            ],
        }
        for facet in panel.facets
    ]
    assert data["entries"] == f"http://testserver{API}entries/" + (f"?{query}" if query else "")


def test_an_entry_is_its_public_record_as_the_exports_give_it(client, catalogue):
    entry = Entry.objects.published().filter(kind=Kind.EVIDENCE).exclude(findings=None).first()
    data = client.get(f"{API}entries/{entry.slug}/").json()
    record = entry_record(Entry.objects.for_records().get(pk=entry.pk))
    record["hub_url"] = f"http://testserver{entry.get_absolute_url()}"
    assert data == json.loads(json.dumps(record))
    assert data["findings"] and data["terms"]["topic"]


def test_listed_entries_are_the_same_records(client, catalogue):
    results = client.get(f"{API}entries/?kind=evidence").json()["results"]
    for result in results:
        entry = Entry.objects.for_records().get(slug=result["slug"])
        assert result["title"] == entry.title
        assert result == client.get(f"{API}entries/{entry.slug}/").json()


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.ARCHIVED])
def test_an_unpublished_entry_is_not_found(client, status):
    entry = EntryFactory(title="Not public", status=status)
    response = client.get(f"{API}entries/{entry.slug}/")
    assert response.status_code == 404
    assert "No published entry" in response.json()["detail"]
    assert entry.slug not in json.dumps(client.get(f"{API}entries/").json())


def test_no_private_field_is_ever_sent(client):
    entry = EntryFactory(
        kind=Kind.EVIDENCE,
        source_seen="https://curators-only.example.org/checked-here",
        featured=True,
    )
    Entry.objects.filter(pk=entry.pk).update(is_synthetic=True)
    for path in (f"entries/{entry.slug}/", "entries/", "entries/?q=peer"):
        text = client.get(f"{API}{path}").content.decode()
        assert "curators-only.example.org" not in text
        data = json.loads(text)
        records = data.get("results", [data])
        assert records
        for record in records:
            assert not set(PRIVATE_FIELDS) & set(record)


BAD_ENTRY_QUERIES = [
    ("colour=red", "colour"),
    ("topic=nope", "topic"),
    ("topic=carers&topic=", "topic"),
    ("kind=video", "kind"),
    ("kind=", "kind"),
    ("year_min=abc", "year_min"),
    ("year_max=3000", "year_max"),
    ("year_min=1200", "year_min"),
    ("year_min=2020&year_max=2010", "year_min"),
    ("sort=random", "sort"),
    ("sort=relevance", "sort"),
    ("q=a&q=b", "q"),
    (f"q={'x' * 201}", "q"),
    ("effect=positive", "effect"),
    ("kind=tool&study_design=rct", "study_design"),
    ("kind=evidence&study_design=poem", "study_design"),
    ("kind=evidence&effect=great", "effect"),
    ("kind=resource&outcome=wellbeing", "outcome"),
    ("page=2", "page"),
    ("format=xml", "format"),
]


@pytest.mark.parametrize(("query", "parameter"), BAD_ENTRY_QUERIES)
@pytest.mark.parametrize("endpoint", ["entries/", "facets/"])
def test_bad_input_is_a_400_naming_the_parameter(client, catalogue, endpoint, query, parameter):
    response = client.get(f"{API}{endpoint}?{query}")
    assert response.status_code == 400
    data = response.json()
    assert [error["parameter"] for error in data["errors"]] == [parameter]
    assert data["detail"].startswith(f"{parameter}: ")


def test_a_400_lists_the_allowed_values(client, catalogue):
    errors = client.get(f"{API}entries/?topic=nope&kind=video&sort=random&colour=red").json()
    by_parameter = {error["parameter"]: error for error in errors["errors"]}
    assert set(by_parameter) == {"topic", "kind", "sort", "colour"}
    assert by_parameter["topic"]["allowed"] == ["carers", "dementia"]
    assert by_parameter["topic"]["value"] == "nope"
    assert by_parameter["kind"]["allowed"] == ["resource", "tool", "evidence"]
    assert by_parameter["sort"]["allowed"] == ["relevance", "newest", "oldest", "title"]
    assert "topic" in by_parameter["colour"]["allowed"]
    assert errors["detail"] == "4 query parameters are not valid: see errors."


def test_a_kind_s_own_filter_without_the_kind_says_which_kind_has_it(client, catalogue):
    [error] = client.get(f"{API}entries/?effect=positive").json()["errors"]
    assert "kind=evidence" in error["message"]
    assert client.get(f"{API}entries/?kind=evidence&effect=negative").status_code == 200


def test_a_bad_year_says_what_years_are_allowed(client, catalogue):
    [error] = client.get(f"{API}entries/?year_max=twenty").json()["errors"]
    assert "Years run from 1900" in error["message"]


@pytest.mark.parametrize(
    "query",
    ["cursor=junk", "cursor=a&cursor=b", "page_size=0", "page_size=101", "page_size=ten"],
)
def test_bad_paging_is_a_400(client, catalogue, query):
    response = client.get(f"{API}entries/?{query}")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["parameter"] == query.split("=")[0]


def test_paging_parameters_only_where_they_page(client, catalogue):
    slug = Entry.objects.published().first().slug
    assert client.get(f"{API}entries/?page_size=5").status_code == 200
    for path in ("", "terms/", "terms/topic/", "facets/", f"entries/{slug}/"):
        response = client.get(f"{API}{path}?page_size=5")
        assert response.status_code == 400
        assert response.json()["errors"][0]["parameter"] == "page_size"


@pytest.mark.parametrize("path", ["", "terms/", "terms/topic/"])
def test_endpoints_without_parameters_refuse_any(client, catalogue, path):
    response = client.get(f"{API}{path}?colour=red")
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "colour"


def test_the_root_lists_the_endpoints(client):
    data = client.get(API).json()
    assert data == {
        "entries": "http://testserver/api/v1/entries/",
        "facets": "http://testserver/api/v1/facets/",
        "terms": "http://testserver/api/v1/terms/",
        "schema": "http://testserver/api/v1/schema/",
        "docs": "http://testserver/api/v1/docs/",
    }


def test_unknown_addresses_are_json_404s(client, catalogue):
    for path in ("nope/", "entries/nope/", "terms/colours/", "entries/a/b/"):
        response = client.get(f"{API}{path}")
        assert response.status_code == 404
        assert response.json()["detail"]
    assert "topic, approach" in client.get(f"{API}terms/colours/").json()["detail"]


def test_the_taxonomies_are_listed_with_the_kinds_they_apply_to(client):
    data = client.get(f"{API}terms/").json()
    assert [taxonomy["name"] for taxonomy in data] == [
        "topic", "approach", "audience", "population", "region", "outcome",
    ]  # fmt: skip
    outcome = data[-1]
    assert outcome["kinds"] == ["evidence"]
    assert outcome["url"] == "http://testserver/api/v1/terms/outcome/"


def test_terms_have_their_published_counts_and_links(client, catalogue):
    data = client.get(f"{API}terms/topic/").json()
    carers = next(term for term in data["terms"] if term["slug"] == "carers")
    published = Entry.objects.published().filter(terms__slug="carers", terms__taxonomy="topic")
    assert carers["published_count"] == published.count() > 0  # drafts and archived left out
    assert carers["entries"] == "http://testserver/api/v1/entries/?topic=carers"
    assert carers["hub_url"] == "http://testserver/topics/carers/"
    api_slugs, count = api_walk(client, "topic=carers")
    assert count == carers["published_count"]


def test_outcomes_count_the_published_entries_with_a_finding_for_them(client, catalogue):
    data = client.get(f"{API}terms/outcome/").json()
    wellbeing = next(term for term in data["terms"] if term["slug"] == "wellbeing")
    search_panel = client.get("/search/").context["filterset"].facets
    [outcomes] = [facet for facet in search_panel if facet.name == "outcome"]
    expected = next(o.count for o in outcomes.options if o.value == "wellbeing")
    assert wellbeing["published_count"] == expected > 0
    assert wellbeing["hub_url"] == "http://testserver/search/?outcome=wellbeing"


def test_a_term_without_published_entries_counts_zero(client):
    TopicFactory(name="Quiet topic")
    EntryFactory(title="Draft", status=Status.DRAFT, topics=[TopicFactory(name="Quiet topic")])
    [term] = client.get(f"{API}terms/topic/").json()["terms"]
    assert term["published_count"] == 0


# -- read-only, anonymous ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["", "entries/", "facets/", "terms/"])
def test_writes_are_refused_with_405_and_need_no_csrf_token(db, method, path):
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(f"{API}{path}", data="{}", content_type="application/json")
    assert response.status_code == 405
    assert "not allowed" in response.json()["detail"]
    assert not response.cookies


def test_head_and_options_answer_like_get(client, catalogue):
    head = client.head(f"{API}entries/?topic=carers")
    assert head.status_code == 200
    assert head["ETag"] == client.get(f"{API}entries/?topic=carers")["ETag"]
    options = client.options(f"{API}entries/")
    assert options.status_code == 200
    assert options["Allow"] == "GET, HEAD, OPTIONS"


def test_the_api_sets_no_cookie_and_reads_no_session(client, catalogue, curator):
    for path in ("", "entries/", "entries/?q=groups", "facets/", "terms/topic/", "docs/"):
        assert not client.get(f"{API}{path}").cookies
    client.force_login(curator)
    data = client.get(f"{API}entries/").json()
    assert "Draft about carers" not in json.dumps(data)  # no previews: the API is public only


# -- caching --------------------------------------------------------------------------------


def test_a_repeat_with_the_etag_is_a_304_without_queries(
    client, catalogue, django_assert_num_queries
):
    first = client.get(f"{API}entries/?topic=carers")
    assert first.status_code == 200
    assert "public" in first["Cache-Control"]
    with django_assert_num_queries(0):
        again = client.get(f"{API}entries/?topic=carers", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]


def test_an_edit_changes_the_etag_and_the_last_modified(client, catalogue):
    first = client.get(f"{API}entries/")
    EntryFactory(title="Just published")
    second = client.get(f"{API}entries/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert "Just published" in second.content.decode()


def test_if_modified_since_gets_a_304_until_the_catalogue_changes(client, catalogue):
    first = client.get(f"{API}terms/topic/")
    last_modified = first["Last-Modified"]
    again = client.get(f"{API}terms/topic/", HTTP_IF_MODIFIED_SINCE=last_modified)
    assert again.status_code == 304
    assert again["Last-Modified"] == last_modified
    time.sleep(1.1)  # Last-Modified counts whole seconds
    entry = Entry.objects.published().first()
    entry.title = "Renamed"
    save_entry(entry)
    changed = client.get(f"{API}terms/topic/", HTTP_IF_MODIFIED_SINCE=last_modified)
    assert changed.status_code == 200
    assert parse_http_date(changed["Last-Modified"]) > parse_http_date(last_modified)


def test_errors_are_never_shared(client, catalogue):
    response = client.get(f"{API}entries/?topic=nope")
    assert response.status_code == 400
    assert "public" not in response["Cache-Control"]


# -- CORS -----------------------------------------------------------------------------------


def test_any_origin_may_read_the_api(client, catalogue):
    response = client.get(f"{API}entries/", HTTP_ORIGIN="https://elsewhere.example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response


def test_a_preflight_allows_reading_only(client):
    response = client.options(
        f"{API}entries/",
        HTTP_ORIGIN="https://elsewhere.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="DELETE",
    )
    assert response.status_code == 200
    allowed = {method.strip() for method in response["Access-Control-Allow-Methods"].split(",")}
    assert allowed == {"GET", "HEAD", "OPTIONS"}
    assert "if-none-match" in response["Access-Control-Allow-Headers"]


def test_refused_methods_carry_cors_headers_too(client):
    response = client.delete(f"{API}entries/", HTTP_ORIGIN="https://elsewhere.example.org")
    assert response.status_code == 405
    assert response["Access-Control-Allow-Origin"] == "*"


def test_the_rest_of_the_site_is_not_shared_across_origins(client, catalogue):
    response = client.get("/search/", HTTP_ORIGIN="https://elsewhere.example.org")
    assert "Access-Control-Allow-Origin" not in response


# -- throttling -----------------------------------------------------------------------------


def test_a_client_over_the_rate_gets_a_429_with_retry_after(client, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    for _ in range(3):
        assert client.get(f"{API}terms/").status_code == 200
    response = client.get(f"{API}terms/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"]
    assert "public" not in response["Cache-Control"]
    other = client.get(f"{API}terms/", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200


def test_the_rate_is_counted_per_client_behind_a_trusted_proxy(client, settings):
    settings.API_THROTTLE_RATE = "1/minute"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client.get(API, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200
    assert client.get(API, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    assert client.get(API, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200


# -- cost -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["", "topic=carers&q=groups", "kind=evidence&outcome=wellbeing&effect=positive"]
)
def test_a_page_costs_a_few_queries_however_long(
    client, catalogue, query, django_assert_max_num_queries
):
    for size in (5, 50):
        first = client.get(f"{API}entries/?{query}&page_size={size}").json()
        with django_assert_max_num_queries(MAX_API_QUERIES):
            client.get(f"{API}entries/?{query}&page_size={size}")
        if first["next"]:
            with django_assert_max_num_queries(MAX_API_QUERIES):
                assert client.get(first["next"]).status_code == 200


def test_a_cold_page_costs_a_few_queries_too(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_API_QUERIES):
        assert client.get(f"{API}entries/?q=groups&page_size=50").status_code == 200


# -- the OpenAPI description ----------------------------------------------------------------


def test_the_schema_generates_without_warnings(catalogue, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))


def schema(client):
    response = client.get(f"{API}schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_describes_each_kind_s_record_exactly(client, catalogue):
    components = schema(client)["components"]["schemas"]
    for kind, component in (
        (Kind.RESOURCE, "ResourceRecord"),
        (Kind.TOOL, "ToolRecord"),
        (Kind.EVIDENCE, "EvidenceRecord"),
    ):
        entry = Entry.objects.published().filter(kind=kind).first()
        record = client.get(f"{API}entries/{entry.slug}/").json()
        assert list(components[component]["properties"]) == list(record)
        assert set(components[component]["required"]) == set(record)


def test_the_schema_describes_the_filters_with_enums(client, catalogue):
    operation = schema(client)["paths"]["/api/v1/entries/"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert set(parameters) >= {
        "q", "kind", "topic", "approach", "audience", "population", "region", "outcome",
        "study_design", "evidence_strength", "effect", "tool_format", "resource_format",
        "year_min", "year_max", "sort", "cursor", "page_size",
    }  # fmt: skip
    assert parameters["topic"]["schema"]["items"]["enum"] == ["carers", "dementia"]
    assert parameters["kind"]["schema"]["items"]["enum"] == ["evidence", "resource", "tool"]
    assert "kind=evidence" in parameters["effect"]["description"]
    assert parameters["year_min"]["schema"]["minimum"] == 1900
    facets = schema(client)["paths"]["/api/v1/facets/"]["get"]
    assert "cursor" not in {parameter["name"] for parameter in facets["parameters"]}


def test_the_docs_page_loads_swagger_ui_from_this_site_without_inline_script(client):
    response = client.get(f"{API}docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<style" not in html
    assert "<script>" not in html
    for src in ("swagger-ui-bundle.js", "?script="):
        assert src in html
    for url in [part.split('"')[0] for part in html.split('src="')[1:]]:
        assert not urlsplit(url).netloc, "every script is served by the hub itself"
    script = client.get(f"{API}docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()
    assert "csrf" not in script.content.decode().lower()
