"""The curators' admin site: Django's, with branding, two-factor sign-in and limits on
sign-in attempts.

Guessing is stopped twice over: this site refuses a flood of login posts from one client
address (LOGIN_ATTEMPTS_PER_WINDOW), and django-axes locks a username at an address, or a
whole account, after too many failures (accounts/lockout.py). A staff member who needs a
second factor and has none yet may only set one up (accounts/two_factor.py).
"""

from functools import update_wrapper

from django.contrib import admin
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from accounts import two_factor
from accounts.forms import HubLoginForm
from hub.ratelimit import is_rate_limited

LOGIN_ATTEMPTS_PER_WINDOW = 10
LOGIN_WINDOW_SECONDS = 300


class LogAdmin(admin.ModelAdmin):
    """The screen of a log (sign-ins, digest deliveries): rows are looked at, filtered and
    searched, never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HubAdminSite(admin.AdminSite):
    site_header = "Peer Support Evidence Hub — curators"
    site_title = "Evidence Hub admin"
    index_title = "Curators' dashboard"
    login_form = HubLoginForm
    login_template = "admin/accounts/login.html"
    index_template = "admin/dashboard.html"

    def index(self, request, extra_context=None):
        """The curators' dashboard (hub/dashboard.py) above Django's list of apps."""
        from hub.dashboard import dashboard  # reads models, not loaded when the site is made

        return super().index(request, {**dashboard(request, self), **(extra_context or {})})

    def login(self, request, extra_context=None):
        """The sign-in page, refusing a flood of posts (at most 10 per client address per five
        minutes); staff who must set up two-factor sign-in are sent to do so."""
        if request.method == "GET" and two_factor.must_enrol(request.user):
            return redirect(reverse("admin:two_factor", current_app=self.name))
        if request.method == "POST" and is_rate_limited(
            request, "admin-login", LOGIN_ATTEMPTS_PER_WINDOW, LOGIN_WINDOW_SECONDS
        ):
            return render(request, "429.html", {"retry_minutes": 5}, status=429)
        return super().login(request, extra_context)

    def has_permission(self, request):
        """Active staff whose session meets the two-factor policy (signed in with a code, or
        needing none and having none)."""
        return super().has_permission(request) and two_factor.is_signed_in_fully(request.user)

    def admin_view(self, view, cacheable=False):
        """Django's admin view wrapper, which also sends staff who must set up two-factor
        sign-in to its page: they may reach only that page and Log out."""
        protected = super().admin_view(view, cacheable)
        open_while_enrolling = view == self.logout or getattr(view, "open_while_enrolling", False)
        unprotected = csrf_protect(never_cache(view))

        def inner(request, *args, **kwargs):
            if two_factor.must_enrol(request.user):
                if open_while_enrolling:
                    return unprotected(request, *args, **kwargs)
                return redirect(reverse("admin:two_factor", current_app=self.name))
            return protected(request, *args, **kwargs)

        return update_wrapper(inner, view)

    def get_urls(self):
        from accounts.views import two_factor_setup

        setup = path("two-factor/", self.admin_view(two_factor_setup), name="two_factor")
        return [setup, *super().get_urls()]

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
