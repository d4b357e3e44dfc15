"""The catalogue's public URLs: /search/, and for each kind in resources/kinds.py its
listing (/evidence/), detail pages (/evidence/<slug>/) and citation files (cite.ris, cite.bib)."""

from django.urls import path

from resources import views
from resources.citations import FORMATS
from resources.kinds import KINDS

app_name = "resources"


def kind_urls(spec):
    prefix, kind = spec.url_prefix, spec.value
    return [
        path(f"{prefix}/", views.KindListView.as_view(kind=kind), name=f"{kind}-list"),
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
    *(pattern for spec in KINDS for pattern in kind_urls(spec)),
]
