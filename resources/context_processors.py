from django.urls import reverse

from resources.kinds import KINDS


def kind_navigation(request):
    """The site menu's kinds (resources/kinds.py): label, listing address and whether the page
    is in that part of the site. Touches no database."""
    path = getattr(request, "path", "")
    links = []
    for spec in KINDS:
        url = reverse(spec.list_url_name)
        links.append({"label": spec.plural, "url": url, "current": path.startswith(url)})
    return {"kind_links": links}
