"""Atom feeds: "new in the library" (/feed/) and one for every listing URL with its filters.

`/evidence/feed/?topic=dementia` holds the 50 most recently published entries that
`/evidence/?topic=dementia` lists, newest first whatever the listing's sort, so a feed reader
shows each new entry that matches as it is published. Every address in a feed is absolute,
built from SITE_URL like the pages' canonical links.
"""

import uuid

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import QueryDict
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from resources.exports import listing_url_name
from resources.filters import listing_filterset
from resources.kinds import kind_spec
from resources.taxonomies import TAXONOMIES_BY_NAME

FEED_ITEMS = 50


class HubAtomFeed(Atom1Feed):
    """Atom with what the hub adds to each entry: the item itself as a `rel="related"` link,
    and its kind and terms as categories naming their taxonomy (`scheme`) and name (`label`)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("related_link"):
            handler.addQuickElement("link", "", {"rel": "related", "href": item["related_link"]})
        for term, scheme, label in item.get("labelled_categories", ()):
            attributes = {"term": term, "label": label}
            if scheme:
                attributes["scheme"] = scheme
            handler.addQuickElement("category", "", attributes)


def listing_feed_url(filterset, kind=None):
    """The feed of a listing with its filters and search (its sort and page do not apply)."""
    state = filterset.query_state()
    state.pop("sort", None)
    url = reverse(listing_url_name(kind, "feed"))
    return f"{url}?{state.urlencode()}" if state else url


class ListingFeed(Feed):
    """The newest entries of one listing (`kind`, or None for /search/) under its filters."""

    feed_type = HubAtomFeed
    kind = None

    def __init__(self, kind=None):
        super().__init__()
        self.kind = kind

    def get_object(self, request):
        return listing_filterset(request.GET, kind=self.kind)

    def heading(self):
        return kind_spec(self.kind).plural if self.kind else "Everything in the library"

    def title(self, filterset):
        narrowing = [f"{active.label}: {active.value}" for active in filterset.active_filters]
        heading = self.heading()
        if narrowing:
            heading = f"{heading} ({'; '.join(narrowing)})"
        return f"{heading} · {settings.SITE_NAME}"

    def subtitle(self, filterset):
        return f"The {FEED_ITEMS} entries published most recently in this list."

    def link(self, filterset):
        listing = reverse(kind_spec(self.kind).list_url_name if self.kind else "resources:search")
        state = filterset.query_state()
        state.pop("sort", None)
        return settings.SITE_URL + (f"{listing}?{state.urlencode()}" if state else listing)

    def feed_url(self, filterset):
        return settings.SITE_URL + listing_feed_url(filterset, self.kind)

    def feed_guid(self, filterset):
        return self.feed_url(filterset)

    def author_name(self):
        return settings.SITE_NAME

    def items(self, filterset):
        newest = filterset.qs.order_by("-published_at", "-pk").prefetch_related("terms")
        return newest[:FEED_ITEMS]

    def item_title(self, entry):
        return entry.title

    def item_description(self, entry):
        # Atom summaries are HTML here; the summary is plain text, so it is escaped to stay so.
        return escape(entry.summary)

    def item_link(self, entry):
        return entry.canonical_url

    def item_guid(self, entry):
        # Stays the same if curators correct the slug (and so the address) of an entry.
        return uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.SITE_URL}/entries/{entry.pk}").urn

    item_guid_is_permalink = False

    def item_author_name(self, entry):
        return entry.authors or entry.organisation or None

    def item_pubdate(self, entry):
        return entry.published_at

    def item_updateddate(self, entry):
        return entry.updated

    def item_extra_kwargs(self, entry):
        glossary = f"{settings.SITE_URL}{reverse('glossary')}"
        categories = [(entry.kind, "", entry.get_kind_display())]
        categories += [
            (term.slug, f"{glossary}#{term.taxonomy}", term.name)
            for term in entry.terms.all()
            if term.taxonomy in TAXONOMIES_BY_NAME
        ]
        return {"related_link": entry.link, "labelled_categories": categories}


class LibraryFeed(ListingFeed):
    """/feed/: what is new in the whole library, advertised on every page."""

    def get_object(self, request):
        return listing_filterset(QueryDict(), kind=None)

    def title(self, filterset):
        return f"New in the library · {settings.SITE_NAME}"

    def subtitle(self, filterset):
        return f"The {FEED_ITEMS} resources, tools and evidence entries published most recently."

    def link(self, filterset):
        return settings.SITE_URL + reverse("home")

    def feed_url(self, filterset):
        return settings.SITE_URL + reverse("feed")
