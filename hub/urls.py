"""Public URL contract (listed in the README): tests and outside checks rely on these paths."""

from django.contrib import admin
from django.urls import include, path

from hub import seo, sitemaps, views
from resources.feeds import LibraryFeed

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("health/", views.health, name="health"),
    path("robots.txt", seo.robots_txt, name="robots"),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap-section"),
    path("favicon.ico", seo.favicon, name="favicon"),
    path("feed/", LibraryFeed(), name="feed"),
    # Staff password reset (before the admin, whose catch-all would take these paths).
    path("admin/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("newsletter/", include("newsletter.urls")),
    path("api/v1/", include("api.urls")),
    path("suggest/", include("suggestions.urls")),
    path("", include("resources.urls")),
    path("", include("resources.term_urls")),
]

handler404 = "hub.views.page_not_found"
handler500 = "hub.views.server_error"
