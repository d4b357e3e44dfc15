from django import template

from newsletter.forms import SignupForm

register = template.Library()


@register.simple_tag
def newsletter_signup_form():
    """An empty signup form for pages other than /newsletter/ (ids kept apart from the page's)."""
    return SignupForm(auto_id="newsletter-cta-%s")


@register.filter
def masked_email(address):
    """`reader@example.org` as `r•••••@example.org`: the owner recognises it, while someone
    who was forwarded the link does not learn the whole address."""
    local, at, domain = str(address).partition("@")
    if not at:
        return "•" * len(local)
    return f"{local[:1]}{'•' * max(len(local) - 1, 1)}@{domain}"
