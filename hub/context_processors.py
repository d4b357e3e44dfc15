from django.conf import settings

from hub.seo import SITE_DESCRIPTION, canonical_url, share_image_url
from resources.search import MAX_QUERY_LENGTH


def site(request):
    """Site-wide values for every template; touches no database.

    The site's name, description, absolute address and contact address, the longest search
    query we act on (the search boxes' maxlength), and for the <head>: the page's canonical
    address (views of listings put their own in their context) and the default share card.
    """
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "CONTACT_EMAIL": settings.CONTACT_EMAIL,
        "SEARCH_MAX_LENGTH": MAX_QUERY_LENGTH,
        "SITE_DESCRIPTION": SITE_DESCRIPTION,
        "canonical_url": canonical_url(request),
        "share_image_url": share_image_url(),
    }
