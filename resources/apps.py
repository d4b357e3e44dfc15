from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "Catalogue"

    def ready(self):
        # Cached catalogue figures are kept per catalogue version (resources/cache.py); any
        # change to an entry, a term, a finding or the links between them starts a new version.
        # Each sender is named so that deleting link rows needs no signal (a fast, bulk DELETE).
        from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

        from resources.cache import catalogue_changed
        from resources.models import (
            KIND_MODELS,
            TAXONOMY_MODELS,
            Entry,
            EntryTerm,
            Finding,
            Term,
        )
        from resources.search import restore_sqlite_index

        for model in (Entry, *KIND_MODELS.values(), Term, *TAXONOMY_MODELS.values(), Finding):
            for signal in (post_save, post_delete):
                signal.connect(catalogue_changed, sender=model, dispatch_uid="catalogue-cache")
        m2m_changed.connect(catalogue_changed, sender=EntryTerm, dispatch_uid="catalogue-cache")
        # SQLite drops the search index's triggers whenever a migration rebuilds the entry
        # table; they are put back after every migrate (resources/search.py).
        post_migrate.connect(restore_sqlite_index, sender=self, dispatch_uid="sqlite-search")
