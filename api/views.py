"""The read API, /api/v1/: published entries, their taxonomies and the listings' facets.

Thin views over what the HTML pages use: the listings' FilterSets (read strictly, api/query.py),
the entries' public records (resources/records.py), cursor pages (api/pagination.py). Anonymous
and read-only: no session or CSRF is involved, other methods than GET, HEAD and OPTIONS get 405,
and each client address is throttled (api/throttling.py). Cache headers and 304s for
revalidation come from the hub's public cache middleware (hub/http_cache.py), as for pages.
"""

from django.http import JsonResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers
from api.pagination import CursorPaginator
from api.query import ListingQuery, QueryErrors, only_parameters
from api.schema import ListingSchema, PagedListingSchema
from resources.cache import cached
from resources.kinds import KINDS
from resources.models import Entry, Term
from resources.records import entry_record
from resources.taxonomies import TAXONOMIES, TAXONOMIES_BY_NAME

BAD_QUERY = OpenApiResponse(serializers.InvalidQuerySerializer, "A parameter is not valid.")
THROTTLED = OpenApiResponse(serializers.ErrorSerializer, "Too many requests: see Retry-After.")
NOT_FOUND = OpenApiResponse(serializers.ErrorSerializer, "Not found.")


class ReadOnlyApiView(APIView):
    """GET only (HEAD and OPTIONS follow). Takes no query parameters unless it says so."""

    http_method_names = ["get", "head", "options"]

    def no_parameters(self, request):
        errors = QueryErrors()
        only_parameters(request.query_params, [], errors)
        errors.raise_any()

    def absolute(self, name, query="", **kwargs):
        url = self.request.build_absolute_uri(reverse(f"api:{name}", kwargs=kwargs or None))
        return f"{url}?{query}" if query else url


class ApiRootView(ReadOnlyApiView):
    @extend_schema(
        operation_id="root",
        tags=["api"],
        summary="The API's endpoints",
        responses={200: serializers.RootSerializer, 400: BAD_QUERY, 429: THROTTLED},
    )
    def get(self, request):
        self.no_parameters(request)
        names = ("entries", "facets", "terms", "schema", "docs")
        return Response({name: self.absolute(name) for name in names})


class EntryListView(ReadOnlyApiView):
    schema = PagedListingSchema()

    @extend_schema(
        operation_id="entries_list",
        tags=["entries"],
        summary="Published entries of a listing",
        description="The entries /search/ or a kind's listing shows for the same parameters, "
        "in the same order, a page at a time. Unknown parameters and values are refused (400).",
        responses={200: serializers.EntryPageSerializer, 400: BAD_QUERY, 429: THROTTLED},
    )
    def get(self, request):
        errors = QueryErrors()
        query = ListingQuery(request.query_params, extra=("cursor", "page_size"), errors=errors)
        paginator = CursorPaginator(request.query_params, errors)
        filterset = query.filterset
        paginator.check_sort(filterset.sort, errors)
        errors.raise_any()
        page = paginator.page(filterset, request)
        return Response(
            {
                "count": filterset.result_count,
                "sort": filterset.sort,
                "next": page.next_url,
                "previous": page.previous_url,
                "results": [entry_record(entry, request) for entry in page.entries],
            }
        )


class EntryDetailView(ReadOnlyApiView):
    @extend_schema(
        operation_id="entry_retrieve",
        tags=["entries"],
        summary="One published entry",
        responses={
            200: serializers.entry_serializer(),
            400: BAD_QUERY,
            404: NOT_FOUND,
            429: THROTTLED,
        },
    )
    def get(self, request, slug):
        self.no_parameters(request)
        entry = Entry.objects.published().for_records().filter(slug=slug).first()
        if entry is None:
            raise NotFound(f"No published entry has the slug {slug!r}.")
        return Response(entry_record(entry, request))


class FacetsView(ReadOnlyApiView):
    schema = ListingSchema()

    @extend_schema(
        operation_id="facets_retrieve",
        tags=["facets"],
        summary="Facet counts of a listing",
        description="For the same parameters as entries/: every facet of that listing with "
        "each option's count, the number of entries ticking it would list (the listing's "
        "filter panel).",
        responses={200: serializers.FacetsSerializer, 400: BAD_QUERY, 429: THROTTLED},
    )
    def get(self, request):
        filterset = ListingQuery(request.query_params).raise_any().filterset
        facets = [
            {
                "name": facet.name,
                "label": facet.legend,
                "options": [
                    {
                        "value": option.value,
                        "label": option.label,
                        "count": option.count,
                        "selected": option.selected,
                    }
                    for option in facet.options
                ],
            }
            for facet in filterset.facets
        ]
        return Response(
            {
                "count": filterset.result_count,
                "entries": self.absolute("entries", request.GET.urlencode()),
                "facets": facets,
            }
        )


class TaxonomyListView(ReadOnlyApiView):
    @extend_schema(
        operation_id="taxonomies_list",
        tags=["terms"],
        summary="The taxonomies",
        responses={
            200: serializers.TaxonomySerializer(many=True),
            400: BAD_QUERY,
            429: THROTTLED,
        },
    )
    def get(self, request):
        self.no_parameters(request)
        return Response([self.taxonomy(taxonomy) for taxonomy in TAXONOMIES])

    def taxonomy(self, taxonomy):
        return {
            "name": taxonomy.name,
            "label": taxonomy.label,
            "plural": taxonomy.plural,
            "description": taxonomy.description,
            "kinds": [spec.value for spec in KINDS if taxonomy.applies_to(spec.value)],
            "url": self.absolute("taxonomy", taxonomy=taxonomy.name),
        }


class TermListView(TaxonomyListView):
    @extend_schema(
        operation_id="terms_list",
        tags=["terms"],
        summary="The terms of one taxonomy",
        description="In display order, each with its number of published entries.",
        parameters=[
            OpenApiParameter(
                "taxonomy",
                location=OpenApiParameter.PATH,
                enum=[taxonomy.name for taxonomy in TAXONOMIES],
            )
        ],
        responses={
            200: serializers.TaxonomyTermsSerializer,
            400: BAD_QUERY,
            404: NOT_FOUND,
            429: THROTTLED,
        },
    )
    def get(self, request, taxonomy):
        self.no_parameters(request)
        if taxonomy not in TAXONOMIES_BY_NAME:
            names = ", ".join(TAXONOMIES_BY_NAME)
            raise NotFound(f"There is no taxonomy {taxonomy!r}: there are {names}.")
        spec = TAXONOMIES_BY_NAME[taxonomy]
        terms = cached(f"api:terms:{taxonomy}", lambda: list(published_term_counts(taxonomy)))
        return Response(
            {
                "taxonomy": self.taxonomy(spec),
                "terms": [
                    {
                        "slug": term.slug,
                        "name": term.name,
                        "description": term.description,
                        "published_count": term.published_count,
                        "entries": self.absolute("entries", term.filtered_url("")[1:]),
                        "hub_url": request.build_absolute_uri(term.get_absolute_url()),
                    }
                    for term in terms
                ],
            }
        )


def published_term_counts(taxonomy):
    """Every term of `taxonomy` in display order with its published entries counted."""
    terms = Term.objects.in_taxonomy(taxonomy)
    return terms.with_published_counts(include_empty=True, taxonomy=taxonomy)


def not_found(request, *args, **kwargs):
    """Any other address under /api/v1/: a JSON 404 naming where to start."""
    start = request.build_absolute_uri(reverse("api:root"))
    return JsonResponse(
        {"detail": f"There is nothing here: the API starts at {start}."}, status=404
    )
