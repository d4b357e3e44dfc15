from django import template

from newsletter.forms import SignupForm

register = template.Library()


@register.simple_tag
def newsletter_signup_form():
    """An empty signup form for pages other than /newsletter/ (ids kept apart from the page's)."""
    return SignupForm(auto_id="newsletter-cta-%s")
