"""The term pages' URLs (resources/term_pages.py), one index and one overview pattern per paged
taxonomy, all sharing the names "term-index" and "term-page": `reverse("term-page",
kwargs={"taxonomy": "topic", "slug": "carers"})` picks the pattern by its `taxonomy` default."""

from django.urls import path

from resources import term_pages
from resources.taxonomies import PAGED_TAXONOMIES

urlpatterns = [
    *(
        pattern
        for taxonomy in PAGED_TAXONOMIES
        for pattern in (
            path(
                f"{taxonomy.page_prefix}/",
                term_pages.term_index,
                {"taxonomy": taxonomy.name},
                name="term-index",
            ),
            path(
                f"{taxonomy.page_prefix}/<slug:slug>/",
                term_pages.term_page,
                {"taxonomy": taxonomy.name},
                name="term-page",
            ),
        )
    ),
    path("glossary/", term_pages.glossary, name="glossary"),
]
