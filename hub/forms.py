"""What the public forms share (newsletter signup, suggestions): the honeypot against bots."""

from django import forms

# Bots fill every field they find; people never see this one (a visually hidden trap, rendered
# by templates/newsletter/includes/honeypot_field.html).
HONEYPOT_FIELD = "website"


def honeypot_field():
    """The trap field a public form declares as `website`."""
    return forms.CharField(
        label="Leave this empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )


def filled_honeypot(form):
    """Whether the submission filled the trap: it came from a bot and is dropped."""
    return bool(form.data.get(form.add_prefix(HONEYPOT_FIELD), "").strip())
