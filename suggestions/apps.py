from django.apps import AppConfig


class SuggestionsConfig(AppConfig):
    """Items the public suggest for the catalogue, and the curators' queue that decides them."""

    name = "suggestions"
    verbose_name = "Suggestions"
