"""The sitemap search engines read (/sitemap.xml), made with Django's sitemaps framework.

Three sections: the site's own pages (home, listings, the evidence map, term indexes, the
glossary, about, the newsletter), the term pages (/topics/carers/), and every published entry
with the time it last changed. While they fit in one file (`Sitemap.limit`, 50,000 addresses,
the protocol's maximum) /sitemap.xml lists them all; past that it is a sitemap index naming
each section's files, `limit` addresses each (/sitemap-entries.xml?p=2). Every page address
is on SITE_URL, like the pages' canonical links; the index names its files on the host and
scheme it was asked on (the framework's index view), as the protocol wants an index and its
files on one host, which behind the proxy is SITE_URL's.

A file costs two queries per section (a count and one page of rows, by primary key, reading
only the columns an address needs), however large the catalogue.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import Paginator
from django.http import Http404
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.http import require_safe

from resources.kinds import KINDS
from resources.models import Entry, Term
from resources.taxonomies import PAGED_TAXONOMIES

# The framework's sitemap.xml without what the hub never sends (alternates, change frequency,
# priority), without {% spaceless %}, and with lastmod as a full W3C datetime in UTC: quicker
# at 50,000 addresses, and a crawler learns which entries changed since its last visit.
URLSET_TEMPLATE = "sitemap_urlset.xml"


class HubSitemap(Sitemap):
    """A section whose addresses are on SITE_URL, counted once per request."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        address = urlsplit(settings.SITE_URL)
        return f"{address.netloc}{address.path}"

    @cached_property
    def paginator(self):
        # The framework makes a new paginator (and so a new COUNT) each time it asks.
        return Paginator(self._items(), self.limit)

    @property
    def url_count(self):
        return self.paginator.count


class PageSitemap(HubSitemap):
    """The site's own pages: each is a path."""

    def items(self):
        return [
            reverse("home"),
            reverse("resources:search"),
            *(reverse(spec.list_url_name) for spec in KINDS),
            *(reverse(f"resources:{spec.value}-map") for spec in KINDS if spec.has_findings),
            *(reverse("term-index", kwargs={"taxonomy": t.name}) for t in PAGED_TAXONOMIES),
            reverse("glossary"),
            reverse("about"),
            reverse("newsletter:signup"),
        ]

    def location(self, path):
        return path


class TermPageSitemap(HubSitemap):
    """The overview page of every topic and approach, with or without published entries."""

    def items(self):
        return Term.objects.with_pages().only("taxonomy", "slug").order_by("pk")

    def location(self, term):
        return term.page_url


class EntrySitemap(HubSitemap):
    """Every published entry's detail page, with when it last changed."""

    def items(self):
        return Entry.objects.published().for_sitemap()

    @cached_property
    def detail_paths(self):
        """{kind: its detail address with SLUG in place of the slug}. Reversing once per kind,
        not once per entry, halves the time a file of 50,000 addresses takes."""
        return {
            spec.value: reverse(spec.detail_url_name, kwargs={"slug": "SLUG"}) for spec in KINDS
        }

    def location(self, row):
        before, _, after = self.detail_paths[row.kind].rpartition("SLUG")
        return f"{before}{row.slug}{after}"

    def lastmod(self, row):
        return row.updated.replace(microsecond=0)

    def get_latest_lastmod(self):
        """For the index: the newest change, in one query (the framework would read every row)."""
        return Entry.objects.published().latest_update()


SECTIONS = {"pages": PageSitemap, "terms": TermPageSitemap, "entries": EntrySitemap}


def sections():
    """A fresh instance of each section, so its counts are this request's."""
    return {name: section() for name, section in SECTIONS.items()}


@require_safe
def sitemap(request):
    """/sitemap.xml: every address, or past the limit an index of the sections' files."""
    current = sections()
    limit = min(section.limit for section in current.values())
    if sum(section.url_count for section in current.values()) <= limit:
        return sitemap_views.sitemap(request, current, template_name=URLSET_TEMPLATE)
    return sitemap_views.index(request, current, sitemap_url_name="sitemap-section")


@require_safe
def sitemap_section(request, section):
    """/sitemap-entries.xml?p=2: one page of one section, as the index names them."""
    if section not in SECTIONS:
        raise Http404("No such sitemap.")
    return sitemap_views.sitemap(
        request, sections(), section=section, template_name=URLSET_TEMPLATE
    )
