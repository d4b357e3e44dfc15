"""Public catalogue views: listings of every kind, search, detail pages, the evidence map."""

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.generic import ListView

from hub.seo import absolute_url
from resources.cache import cached
from resources.citations import Citation
from resources.evidence_map import EvidenceMap
from resources.filters import listing_filterset
from resources.kinds import kind_spec
from resources.models import Entry
from resources.models.querysets import detail_prefetches


class ForgivingPaginator(Paginator):
    """A paginator that turns any `?page=` value into a page that exists: junk and numbers
    below 1 give the first page, numbers past the end give the last."""

    def validate_number(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError, OverflowError):
            return 1
        return min(max(number, 1), self.num_pages)


class EntryListView(ListView):
    """What every listing shares: a FilterSet built from the query string, 20 per page."""

    template_name = "resources/entry_list.html"
    context_object_name = "entries"
    paginate_by = 20
    paginator_class = ForgivingPaginator
    kind = None
    heading = "Search the library"
    introduction = "Every resource, tool and piece of evidence in the library."

    def get_queryset(self):
        self.filterset = listing_filterset(self.request.GET, kind=self.kind)
        return self.filterset.results

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        paginator.count = self.filterset.result_count  # known from the facet index: no COUNT
        page = paginator.page(paginator.validate_number(self.request.GET.get("page")))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        context.update(
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=2),
            filterset=self.filterset,
            kind=self.kind,
            heading=self.heading,
            introduction=self.introduction,
            map_url=self.map_url(),
            # Its filters, not its sort order or page: those list the same entries.
            canonical_url=absolute_url(
                self.request.path, self.filterset.filter_state().urlencode()
            ),
            search_label=f"Search {self.heading.lower()}" if self.kind else "Search the library",
        )
        return context

    def map_url(self):
        """The evidence map under this listing's filters, for a kind with findings."""
        if not (self.kind and kind_spec(self.kind).has_findings):
            return ""
        state = self.filterset.filter_state()
        url = reverse(f"resources:{self.kind}-map")
        return f"{url}?{state.urlencode()}" if state else url


class SearchView(EntryListView):
    """/search/: every kind, with a kind facet."""


class KindListView(EntryListView):
    """/resources/, /tools/, /evidence/: one kind, with that kind's own facets."""

    @property
    def heading(self):
        return kind_spec(self.kind).plural

    @property
    def introduction(self):
        return kind_spec(self.kind).introduction


def entry_detail(request, slug, kind):
    """One entry. Curators may preview unpublished entries; for everyone else they do not
    exist. A preview is never kept by a browser or a shared cache."""
    entries = Entry.objects.visible_to(request.user).of_kind(kind).for_listing()
    entry = get_object_or_404(entries, slug=slug)
    context = {
        "entry": entry,
        "canonical_url": entry.canonical_url,
        "parts": entry_page_parts(entry),
        "related": related_entries(entry),
    }
    response = render(request, "resources/entry_detail.html", context)
    if not entry.is_published:
        add_never_cache_headers(response)
    return response


def entry_page_parts(entry):
    """The costly parts of a detail page, rendered: the article, and the citation metadata
    for the head. A published entry's are kept until the entry or the catalogue changes (its
    terms and findings live in other tables, so `updated` alone would not do); a draft
    preview is rendered afresh."""

    def render_parts():
        prefetch_related_objects([entry], *detail_prefetches())
        citation = Citation(entry)
        return {
            "head": render_to_string("includes/citation_meta.html", {"citation": citation}),
            "article": render_to_string(
                "includes/entry_article.html", {"entry": entry, "citation": citation}
            ),
        }

    if not entry.is_published:
        return render_parts()
    return cached(f"entry-page:{entry.pk}:{entry.updated.isoformat()}", render_parts)


def related_entries(entry):
    """The published entries most like `entry` (counted over the facet index, so cheap at any
    size); fetched afresh, so nothing unpublished since shows, even after a bulk update that
    sent no signal."""
    return Entry.objects.published().for_listing().related_to(entry)


def entry_citation(request, slug, kind, extension):
    """The entry's citation as a file for reference managers: RIS or BibTeX."""
    entry = get_object_or_404(Entry.objects.visible_to(request.user).of_kind(kind), slug=slug)
    content, content_type, disposition = Citation(entry).file(extension)
    return HttpResponse(
        content, content_type=content_type, headers={"Content-Disposition": disposition}
    )


def evidence_map(request, file_format=None):
    """/evidence/map/: approaches by outcomes (or topics, populations) under the evidence
    listing's filters; `map.csv` and `map.json` are the same map as data."""
    the_map = EvidenceMap(request.GET)
    if file_format == "csv":
        return HttpResponse(
            the_map.as_csv(),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="evidence-map.csv"'},
        )
    if file_format == "json":
        data = the_map.as_json(lambda path: f"{settings.SITE_URL}{path}")
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    context = {
        "map": the_map,
        "filterset": the_map.filterset,
        "canonical_url": absolute_url(request.path, the_map.canonical_query()),
    }
    return render(request, "resources/evidence_map.html", context)
