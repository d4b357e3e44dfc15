"""`{{ data|json_ld }}`: a schema.org JSON-LD block for the page's head."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# As Django's json_script: with these escaped, no value ("</script>" in a title) can end the
# block early or open markup. A JSON-LD block is data that browsers never run, so the strict
# CSP (no inline scripts) does not apply to it.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def json_ld(data):
    """`data` (a dict of JSON-ready values) as `<script type="application/ld+json">`."""
    text = json.dumps(data, cls=DjangoJSONEncoder).translate(JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))
