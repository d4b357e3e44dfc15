"""The listing parameters in the OpenAPI description, made from the filters themselves.

Every listing's FilterSet (resources/filters.py) contributes its filters, so a new taxonomy
or kind facet is described as soon as it filters. Choices are enums; taxonomies list the
catalogue's terms when the description is made (`terms/<taxonomy>/` is the live list).
"""

from django.db import DatabaseError
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from resources.filters import FILTERSETS, FacetFilter, Sort, TermFacetFilter, catalogue_terms
from resources.kinds import KINDS, Kind
from resources.models import MAX_STORED_YEAR, MIN_YEAR
from resources.search import MAX_QUERY_LENGTH

DESCRIPTIONS = {
    "q": 'Search words, as in the listings\' search box: "exact phrase", or, -word. '
    "Sorted by relevance unless another sort is given.",
    "kind": "One kind: that kind's listing (/evidence/), with its own filters. Several, or "
    "none: every kind (/search/), those kinds ticked.",
    "year_min": "Published in this year or later.",
    "year_max": "Published in this year or earlier.",
    "sort": "relevance (the default when searching; needs q), newest (the default otherwise: "
    "by year, then when added), oldest, title.",
}


def _which_listings(name):
    """ " Only with kind=evidence." for a filter some kinds' listings lack, else ""."""
    kinds = [spec.value for spec in KINDS if name in FILTERSETS[spec.value].base_filters]
    if len(kinds) == len(KINDS) or name == "kind":
        return ""
    if name in FILTERSETS[None].base_filters:
        missing = [spec.value for spec in KINDS if spec.value not in kinds]
        return f" Not with kind={' or '.join(missing)} alone."
    return f" Only with kind={' or '.join(kinds)}."


def _term_slugs():
    """{taxonomy: [slug, …]} as the catalogue has them now; empty without a database."""
    try:
        return {name: [slug for slug, _, _ in terms] for name, terms in catalogue_terms().items()}
    except DatabaseError:
        return {}


def listing_parameters():
    """One OpenAPI parameter per listing filter, across every listing, in display order."""
    filters = {}
    for filterset in FILTERSETS.values():
        for name, facet in filterset.base_filters.items():
            filters.setdefault(name, facet)
    slugs = _term_slugs()
    parameters = []
    for name, facet in filters.items():
        only = _which_listings(name)
        if name == "kind":
            parameters.append(_many(name, DESCRIPTIONS["kind"], Kind.values))
        elif isinstance(facet, TermFacetFilter):
            description = (
                f"{facet.label} slugs (any of them): the terms of terms/{facet.taxonomy}/.{only}"
            )
            parameters.append(_many(name, description, slugs.get(facet.taxonomy) or None))
        elif isinstance(facet, FacetFilter):
            values = [value for value, _ in facet.extra["choices"]]
            parameters.append(_many(name, f"{facet.label} (any of them).{only}", values))
        elif name == "q":
            schema = {"type": "string", "maxLength": MAX_QUERY_LENGTH}
            parameters.append(_one(name, DESCRIPTIONS["q"], schema))
        else:
            schema = {"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_STORED_YEAR}
            parameters.append(_one(name, DESCRIPTIONS[name], schema))
    if "kind" not in filters:
        parameters.append(_many("kind", DESCRIPTIONS["kind"], Kind.values))
    sort = {"type": "string", "enum": Sort.values}
    parameters.append(_one("sort", DESCRIPTIONS["sort"], sort))
    return parameters


def paging_parameters():
    return [
        _one(
            "cursor",
            "Where a page starts: take it from the next or previous link, never build it.",
            {"type": "string"},
        ),
        _one(
            "page_size",
            f"Entries per page (default {DEFAULT_PAGE_SIZE}).",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        ),
    ]


def _one(name, description, schema):
    return OpenApiParameter(
        name, type=schema, location=OpenApiParameter.QUERY, description=description
    )


def _many(name, description, values):
    return OpenApiParameter(
        name,
        type=str,
        location=OpenApiParameter.QUERY,
        description=description,
        many=True,
        explode=True,
        style="form",
        enum=values,
    )


class ListingSchema(AutoSchema):
    """An operation that reads a listing's filters (facets/)."""

    paged = False

    def get_override_parameters(self):
        parameters = [*super().get_override_parameters(), *listing_parameters()]
        return [*parameters, *paging_parameters()] if self.paged else parameters


class PagedListingSchema(ListingSchema):
    """An operation that reads a listing's filters and pages through it (entries/)."""

    paged = True
