"""Public catalogue views: listings of every kind, search, and detail pages."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.generic import ListView

from resources.citations import Citation
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
    entries = Entry.objects.visible_to(request.user).of_kind(kind).for_detail()
    entry = get_object_or_404(entries, slug=slug)
    context = {
        "entry": entry,
        "citation": Citation(entry),
        "related": Entry.objects.published().related_to(entry),
    }
    return render(request, "resources/entry_detail.html", context)


def entry_citation(request, slug, kind, extension):
    """The entry's citation as a file for reference managers: RIS or BibTeX."""
    entry = get_object_or_404(Entry.objects.visible_to(request.user).of_kind(kind), slug=slug)
    content, content_type, disposition = Citation(entry).file(extension)
    return HttpResponse(
        content, content_type=content_type, headers={"Content-Disposition": disposition}
    )
