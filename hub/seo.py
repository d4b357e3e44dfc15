"""What search engines and link previews read: robots.txt, the favicon, absolute addresses
for canonical links, and the home page's schema.org description of the site.

Every absolute address is on SITE_URL, whichever host a request came in on, so the canonical
links, share cards and sitemap (hub/sitemaps.py) all name the one public address.
"""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from resources.kinds import KINDS

# How long a browser may keep /favicon.ico's redirect to the hashed icon (a new icon gets a
# new hashed name, so a day-old redirect only delays it).
FAVICON_REDIRECT_SECONDS = 24 * 60 * 60
# The share card every page offers unless it names its own (og:image).
DEFAULT_SHARE_IMAGE = "img/og-default.png"
LOGO = "img/apple-touch-icon.png"
# The site's one-line description: every page's meta description unless it has its own.
SITE_DESCRIPTION = "Find guides, tools and research evidence on peer support in health and care."


def absolute_url(path, query=""):
    """`path` (and `query`, a query string without "?") as an absolute address on SITE_URL."""
    return f"{settings.SITE_URL}{path}{'?' + query if query else ''}"


def canonical_url(request):
    """The canonical address of a page whose query string changes nothing worth indexing:
    its path on SITE_URL. Listings and the map name their own (they keep their filters)."""
    return absolute_url(request.path)


def listing_paths():
    """The listings and the evidence map: with a query string they are filter, search, sort and
    page combinations without end, which robots.txt keeps crawlers out of."""
    paths = [reverse("resources:search"), *(reverse(spec.list_url_name) for spec in KINDS)]
    paths += [reverse(f"resources:{spec.value}-map") for spec in KINDS if spec.has_findings]
    return paths


@require_safe
def robots_txt(request):
    """/robots.txt: crawl the public site, not the admin, personal links, filtered listings or
    downloads; the sitemap is at /sitemap.xml."""
    context = {
        "listing_paths": listing_paths(),
        "sitemap_url": absolute_url(reverse("sitemap")),
    }
    return render(request, "robots.txt", context, content_type="text/plain; charset=utf-8")


@require_safe
def favicon(request):
    """/favicon.ico, asked for by browsers and feed readers that ignore <link rel="icon">:
    a redirect to the icon under its hashed static name."""
    response = HttpResponseRedirect(static("img/favicon.ico"))
    patch_cache_control(response, public=True, max_age=FAVICON_REDIRECT_SECONDS)
    return response


def share_image_url():
    """The default share card (1200×630) as an absolute address, for og:image."""
    return absolute_url(static(DEFAULT_SHARE_IMAGE))


def site_structured_data():
    """schema.org JSON-LD for the home page: the WebSite, with the search box as a
    SearchAction (/search/?q=…), published by the hub as an Organization."""
    home = absolute_url(reverse("home"))
    search = absolute_url(reverse("resources:search"))
    organization = {
        "@type": "Organization",
        "@id": f"{home}#organization",
        "name": settings.SITE_NAME,
        "url": home,
        "logo": {"@type": "ImageObject", "url": absolute_url(static(LOGO))},
    }
    if settings.CONTACT_EMAIL:
        organization["email"] = settings.CONTACT_EMAIL
    website = {
        "@type": "WebSite",
        "@id": f"{home}#website",
        "name": settings.SITE_NAME,
        "url": home,
        "description": SITE_DESCRIPTION,
        "inLanguage": "en-GB",
        "publisher": {"@id": organization["@id"]},
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": f"{search}?q={{search_term_string}}"},
            "query-input": "required name=search_term_string",
        },
    }
    return {"@context": "https://schema.org", "@graph": [website, organization]}
