"""The curators' admin site: Django's, with branding and a rate limit on login attempts."""

from django.contrib import admin
from django.shortcuts import render

from hub.ratelimit import is_rate_limited

LOGIN_ATTEMPTS_PER_WINDOW = 10
LOGIN_WINDOW_SECONDS = 300


class HubAdminSite(admin.AdminSite):
    site_header = "Peer Support Evidence Hub — curators"
    site_title = "Evidence Hub admin"
    index_title = "Catalogue and subscribers"

    def login(self, request, extra_context=None):
        """Refuse password guessing: at most 10 login attempts per client per five minutes."""
        if request.method == "POST" and is_rate_limited(
            request, "admin-login", LOGIN_ATTEMPTS_PER_WINDOW, LOGIN_WINDOW_SECONDS
        ):
            return render(request, "429.html", {"retry_minutes": 5}, status=429)
        return super().login(request, extra_context)

    def autocomplete_view(self, request):
        """The admin's autocomplete, which also answers the entry form's term pickers."""
        from resources.term_admin import TermAutocompleteJsonView

        return TermAutocompleteJsonView.as_view(admin_site=self)(request)

    def get_app_list(self, request, app_label=None):
        """Django's list of apps and models, with each app's models in their ModelAdmin's
        `menu_position` order (the catalogue's entry screens before its taxonomies)."""
        app_list = super().get_app_list(request, app_label)
        for app in app_list:
            app["models"].sort(
                key=lambda row: (getattr(self.get_model_admin(row["model"]), "menu_position", 100),
                                 row["name"])
            )  # fmt: skip
        return app_list
