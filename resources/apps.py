from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "Catalogue"

    def ready(self):
        # Cached catalogue figures are kept per catalogue version (resources/cache.py); any
        # change to an entry, a term or the links between them starts a new version.
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from resources.cache import catalogue_changed

        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(catalogue_changed, dispatch_uid="catalogue-cache")
