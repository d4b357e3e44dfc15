from django.urls import path

from resources import views
from resources.citations import FORMATS
from resources.models import Kind

app_name = "resources"

urlpatterns = [
    path("search/", views.SearchView.as_view(), name="search"),
    path("resources/", views.KindListView.as_view(kind=Kind.RESOURCE), name="resource-list"),
    path("tools/", views.KindListView.as_view(kind=Kind.TOOL), name="tool-list"),
    path("evidence/", views.KindListView.as_view(kind=Kind.EVIDENCE), name="evidence-list"),
    path(
        "resources/<slug:slug>/",
        views.entry_detail,
        {"kind": Kind.RESOURCE},
        name="resource-detail",
    ),
    path("tools/<slug:slug>/", views.entry_detail, {"kind": Kind.TOOL}, name="tool-detail"),
    path(
        "evidence/<slug:slug>/", views.entry_detail, {"kind": Kind.EVIDENCE}, name="evidence-detail"
    ),
    # "Cite this" downloads: /evidence/<slug>/cite.ris and cite.bib (likewise for each kind).
    *(
        path(
            f"{prefix}/<slug:slug>/cite.{extension}",
            views.entry_citation,
            {"kind": kind, "extension": extension},
            name=f"{kind}-citation-{extension}",
        )
        for kind, prefix in [
            (Kind.RESOURCE, "resources"),
            (Kind.TOOL, "tools"),
            (Kind.EVIDENCE, "evidence"),
        ]
        for extension in FORMATS
    ),
]
