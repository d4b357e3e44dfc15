from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class HubConfig(AppConfig):
    """The project package as an app: site-wide views, templates and the admin site class."""

    name = "hub"
    default = True


class HubAdminConfig(admin_apps.AdminConfig):
    """The Django admin, with our site class (rate-limited login, hub branding)."""

    default = False
    default_site = "hub.admin.HubAdminSite"
