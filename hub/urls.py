"""Public URL contract (listed in the README): tests and outside checks rely on these paths."""

from django.contrib import admin
from django.urls import include, path

from hub import views

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("health/", views.health, name="health"),
    path("admin/", admin.site.urls),
    path("newsletter/", include("newsletter.urls")),
    path("", include("resources.urls")),
    path("", include("resources.term_urls")),
]

handler404 = "hub.views.page_not_found"
handler500 = "hub.views.server_error"
