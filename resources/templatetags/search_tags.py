"""Template filters for search results: matched words highlighted, safely."""

from django import template

from resources import search

register = template.Library()


@register.filter
def highlight(text, query):
    """`{{ entry.title|highlight:query }}`: escaped text, matched words in <mark>."""
    return search.highlight(text, query)


@register.filter
def snippet(entry, query):
    """`{{ entry|snippet:query }}`: a passage showing where the entry matches."""
    return search.snippet(entry, query)
