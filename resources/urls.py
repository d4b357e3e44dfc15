"""The catalogue's public URLs: /search/, and for each kind in resources/kinds.py its
listing (/evidence/), detail pages (/evidence/<slug>/) and citation files (cite.ris, cite.bib);
kinds with findings also have a map (/evidence/map/, map.csv, map.json). Every listing has
downloads of all its results (export.csv, .json, .ris, .bib) and an Atom feed (feed/)."""

from django.urls import path

from resources import exports, feeds, views
from resources.citations import FORMATS
from resources.kinds import KINDS

app_name = "resources"


def map_urls(spec):
    """The evidence map: before the detail pages, whose slugs can never be "map"."""
    prefix, kind = spec.url_prefix, spec.value
    if not spec.has_findings:
        return []
    return [
        path(f"{prefix}/map/", views.evidence_map, name=f"{kind}-map"),
        *(
            path(
                f"{prefix}/map.{extension}",
                views.evidence_map,
                {"file_format": extension},
                name=f"{kind}-map-{extension}",
            )
            for extension in ("csv", "json")
        ),
    ]


def listing_data_urls(prefix, kind=None):
    """A listing's downloads of every result (/evidence/export.csv) and its Atom feed
    (/evidence/feed/): before the detail pages, whose slugs can never be "export" or "feed"."""
    name = kind or "search"
    return [
        path(f"{prefix}/feed/", feeds.ListingFeed(kind=kind), name=f"{name}-feed"),
        *(
            path(
                f"{prefix}/export.{extension}",
                exports.listing_export,
                {"kind": kind, "extension": extension},
                name=f"{name}-export-{extension}",
            )
            for extension in exports.EXPORT_FORMATS
        ),
    ]


def kind_urls(spec):
    prefix, kind = spec.url_prefix, spec.value
    return [
        path(f"{prefix}/", views.KindListView.as_view(kind=kind), name=f"{kind}-list"),
        *map_urls(spec),
        *listing_data_urls(prefix, kind),
        path(f"{prefix}/<slug:slug>/", views.entry_detail, {"kind": kind}, name=f"{kind}-detail"),
        *(
            path(
                f"{prefix}/<slug:slug>/cite.{extension}",
                views.entry_citation,
                {"kind": kind, "extension": extension},
                name=f"{kind}-citation-{extension}",
            )
            for extension in FORMATS
        ),
    ]


urlpatterns = [
    path("search/", views.SearchView.as_view(), name="search"),
    *listing_data_urls("search"),
    *(pattern for spec in KINDS for pattern in kind_urls(spec)),
]
