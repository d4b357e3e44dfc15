from django import forms

from hub.forms import filled_honeypot, honeypot_field
from newsletter.models import CONSENT_TEXT
from resources.models import Topic


def topics_field():
    """The topic checkboxes, the same on the signup form and the preferences page."""
    return forms.ModelMultipleChoiceField(
        label="Topics you are most interested in (optional)",
        queryset=Topic.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose topics from the list."},
    )


class SignupForm(forms.Form):
    """The newsletter signup: the full form on /newsletter/, email and consent on the home page."""

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter an email address like name@example.org.",
        },
    )
    name = forms.CharField(
        label="Your name (optional)",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"max_length": "Enter a name of at most 100 characters."},
    )
    topics = topics_field()
    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        error_messages={"required": "Tick the box to agree to receive the newsletter."},
    )
    website = honeypot_field()

    def is_from_bot(self):
        """A filled honeypot: the submission is dropped without saying so."""
        return filled_honeypot(self)


class PreferencesForm(forms.Form):
    """A subscriber's own choice of topics, on the page their emailed link opens."""

    topics = topics_field()

    def __init__(self, subscriber, *args, **kwargs):
        self.subscriber = subscriber
        kwargs.setdefault("initial", {"topics": list(subscriber.topics.all())})
        super().__init__(*args, **kwargs)

    def save(self):
        """Replace the subscriber's topics; their status and consent record stay as they are
        (they agreed to the newsletter, and topics only tailor it)."""
        self.subscriber.topics.set(self.cleaned_data["topics"])
