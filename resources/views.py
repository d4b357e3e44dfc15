"""Public catalogue views: listings of every kind, search, and detail pages."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.generic import ListView

from resources.models import Entry


class EntryListView(ListView):
    """A listing of published entries. Filters and search build on this."""

    template_name = "resources/entry_list.html"
    context_object_name = "entries"
    paginate_by = 20
    kind = None

    def get_queryset(self):
        entries = Entry.objects.published().for_listing().newest_first()
        return entries.of_kind(self.kind) if self.kind else entries


class SearchView(EntryListView):
    pass


class KindListView(EntryListView):
    pass


def entry_detail(request, slug, kind):
    """One entry. Staff may preview unpublished entries; for everyone else they do not exist."""
    entry = get_object_or_404(Entry.objects.visible_to(request.user).of_kind(kind), slug=slug)
    if not entry.is_published and not request.user.is_staff:
        raise Http404
    return render(request, "resources/entry_detail.html", {"entry": entry})
