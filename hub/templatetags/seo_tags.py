"""Template tags for a page's <head>: `capture`, so one block can fill several tags."""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.tag
def capture(parser, token):
    """`{% capture name %}…{% endcapture %}` renders its contents into the variable `name`
    instead of the page, so one block (the title) can fill several tags (<title>, og:title)."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("Usage: {% capture name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[1])


class CaptureNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        # The contents were escaped as they rendered: marked safe so they are not escaped twice.
        context[self.name] = mark_safe(self.nodelist.render(context).strip())
        return ""
