"""The public "Suggest an item" form, and the curators' decline and accept forms."""

from django import forms

from hub.forms import filled_honeypot, honeypot_field
from resources.kinds import KINDS, Kind
from suggestions.models import (
    CONSENT_TEXT,
    MAX_DECLINE_REASON_LENGTH,
    MAX_LINK_LENGTH,
    MAX_TITLE_LENGTH,
    MAX_WHY_LENGTH,
    Suggestion,
    parse_link_or_doi,
)


def too_long(what, limit):
    """The message for a field over its length limit."""
    return f"Enter {what} of at most {limit:,} characters."


class SuggestionForm(forms.ModelForm):
    """What the public may tell the curators about an item: only the link or DOI is needed."""

    link_or_doi = forms.CharField(
        label="Link or DOI",
        max_length=MAX_LINK_LENGTH,
        help_text="The item's web address (https://…) or its DOI (such as "
        "10.1186/s12888-020-02923-3).",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "url"}),
        error_messages={
            "required": "Enter the link or DOI of the item you suggest.",
            "max_length": too_long("a link or DOI", MAX_LINK_LENGTH),
        },
    )
    title = forms.CharField(
        label="Title (optional)",
        max_length=MAX_TITLE_LENGTH,
        required=False,
        error_messages={"max_length": too_long("a title", MAX_TITLE_LENGTH)},
    )
    why_useful = forms.CharField(
        label="Why is it useful? (optional)",
        max_length=MAX_WHY_LENGTH,
        required=False,
        help_text=f"A sentence or two for the curators, at most {MAX_WHY_LENGTH:,} characters.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": too_long("a reason", MAX_WHY_LENGTH)},
    )
    kind = forms.ChoiceField(
        label="What kind of item is it? (optional)",
        required=False,
        choices=[("", "Not sure"), *((spec.value, spec.label) for spec in KINDS)],
        widget=forms.RadioSelect,
        help_text="Resources are guides, reports, toolkits and courses; tools are templates, "
        "outcome measures and evaluation frameworks; evidence is research on peer support.",
        error_messages={"invalid_choice": "Choose a kind from the list, or “Not sure”."},
    )
    email = forms.EmailField(
        label="Your email address (optional)",
        max_length=254,
        required=False,
        help_text="Only if you would like to hear whether we add it.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "invalid": "Enter an email address like name@example.org.",
            "max_length": too_long("an email address", 254),
        },
    )
    consent = forms.BooleanField(label=CONSENT_TEXT, required=False)
    website = honeypot_field()

    class Meta:
        model = Suggestion
        fields = ["link_or_doi", "title", "why_useful", "kind", "email", "consent"]

    def is_from_bot(self):
        """A filled honeypot: the submission is dropped, and the visitor thanked all the same."""
        return filled_honeypot(self)

    def clean_link_or_doi(self):
        text = self.cleaned_data["link_or_doi"]
        self.parsed_doi, self.parsed_url = parse_link_or_doi(text)
        return text

    def clean(self):
        cleaned = super().clean()
        email, consent = cleaned.get("email"), cleaned.get("consent")
        if email and not consent:
            self.add_error(
                "consent",
                "Tick the box so that we may email you about it, or leave your email address out.",
            )
        elif consent and not email and "email" not in self.errors:
            self.add_error(
                "email", "Enter your email address to hear about it, or untick the box below."
            )
        return cleaned

    def save(self, commit=True):
        """The suggestion with the DOI or link read from what was typed, and the consent wording."""
        suggestion = super().save(commit=False)
        suggestion.doi, suggestion.url = self.parsed_doi, self.parsed_url
        suggestion.consent_text = CONSENT_TEXT if suggestion.consent else ""
        if commit:
            suggestion.save()
        return suggestion


class DeclineForm(forms.Form):
    """Why curators decline a suggestion: required, and sent to the suggester."""

    reason = forms.CharField(
        label="Reason (sent to the suggester if they asked to hear)",
        max_length=MAX_DECLINE_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        error_messages={
            "required": "Give a reason for declining.",
            "max_length": too_long("a reason", MAX_DECLINE_REASON_LENGTH),
        },
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give a reason for declining.", code="required")
        return reason


class AcceptForm(forms.Form):
    """The kind of draft entry to create: the suggester's guess is only a starting point."""

    kind = forms.ChoiceField(label="Add it as", choices=Kind.choices)
