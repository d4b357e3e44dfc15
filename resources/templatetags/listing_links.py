"""Template tags for a listing's downloads and feed, carrying its filters (not its page)."""

from django import template

from resources.exports import export_links
from resources.feeds import listing_feed_url

register = template.Library()


@register.simple_tag
def listing_downloads(filterset, kind=None):
    """`{% listing_downloads filterset kind as downloads %}`: each format's link to every result."""
    return export_links(filterset, kind)


@register.simple_tag
def listing_feed(filterset, kind=None):
    """`{% listing_feed filterset kind as feed_url %}`: the listing's Atom feed, same filters."""
    return listing_feed_url(filterset, kind)
