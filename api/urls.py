"""The read API's URLs, mounted at /api/v1/ (hub/urls.py)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from api import views
from api.docs import ApiDocsView

app_name = "api"

urlpatterns = [
    path("", views.ApiRootView.as_view(), name="root"),
    path("entries/", views.EntryListView.as_view(), name="entries"),
    path("entries/<slug:slug>/", views.EntryDetailView.as_view(), name="entry"),
    path("facets/", views.FacetsView.as_view(), name="facets"),
    path("terms/", views.TaxonomyListView.as_view(), name="terms"),
    path("terms/<str:taxonomy>/", views.TermListView.as_view(), name="taxonomy"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(url_name="api:schema"), name="docs"),
    # Anything else under /api/v1/ ending in a slash (others get APPEND_SLASH's redirect).
    re_path(r"^(?:.*/)?$", views.not_found),
]
