from django.conf import settings

from resources.search import MAX_QUERY_LENGTH


def site(request):
    """Site-wide values for every template; touches no database.

    The site's name, absolute address and contact address, and the longest search query we
    act on (the search boxes' maxlength).
    """
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "CONTACT_EMAIL": settings.CONTACT_EMAIL,
        "SEARCH_MAX_LENGTH": MAX_QUERY_LENGTH,
    }
