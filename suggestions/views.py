"""The public "Suggest an item" form and its thank-you page."""

from django.conf import settings
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from hub.ratelimit import is_rate_limited
from suggestions.forms import SuggestionForm

RATE_WINDOW_SECONDS = 3600


@require_http_methods(["GET", "HEAD", "POST"])
def suggest(request):
    """Show the form; store a valid suggestion and redirect to the thanks page (PRG)."""
    if request.method != "POST":
        return render(request, "suggestions/suggest.html", {"form": SuggestionForm()})
    form = SuggestionForm(request.POST)
    if form.is_from_bot():
        # The same page as for a person, so a bot learns nothing from it; nothing is kept.
        return redirect("suggest-thanks")
    if not form.is_valid():
        return render(request, "suggestions/suggest.html", {"form": form}, status=400)
    # Only suggestions that would be stored count: someone correcting a typo is not limited.
    limit = settings.SUGGEST_RATE_LIMIT
    if is_rate_limited(request, "suggest", limit, RATE_WINDOW_SECONDS):
        return render(request, "suggestions/too_many.html", {"limit": limit}, status=429)
    form.save()
    return redirect("suggest-thanks")


@require_safe
def thanks(request):
    """The page after a suggestion (or a bot's submission, which was not kept)."""
    return render(request, "suggestions/thanks.html")
