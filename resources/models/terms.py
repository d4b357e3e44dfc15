"""Taxonomy terms: one `Term` table for every taxonomy, one link table to entries, and a
proxy model per taxonomy (`Topic`, `Approach`, …) so curators get a screen for each."""

from urllib.parse import urlencode

from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.functional import cached_property

from resources.markdown import render_markdown
from resources.models.base import Status, fixed_value_proxy
from resources.taxonomies import PAGED_TAXONOMIES, TAXONOMIES, TAXONOMIES_BY_NAME


class TermQuerySet(models.QuerySet):
    def in_taxonomy(self, taxonomy):
        """The terms of one taxonomy, by name: `"topic"`."""
        return self.filter(taxonomy=taxonomy)

    def with_pages(self):
        """The terms that have an overview page (/topics/carers/): topics and approaches."""
        return self.filter(taxonomy__in=[taxonomy.name for taxonomy in PAGED_TAXONOMIES])

    def with_published_counts(self, include_empty=False, taxonomy=None):
        """Terms used by at least one published entry (or, with `include_empty`, every term),
        each with `published_count`: one query. For outcomes (`taxonomy` "outcome") an entry
        uses a term by having a finding for it."""
        if taxonomy and TAXONOMIES_BY_NAME[taxonomy].from_findings:
            from resources.models.findings import Finding

            published = Finding.objects.filter(entry__status=Status.PUBLISHED)
            findings = published.filter(outcome=OuterRef("pk")).order_by().values("outcome")
            count = findings.annotate(count=Count("pk")).values("count")
            terms = self.annotate(published_count=Coalesce(Subquery(count), 0))
        else:
            terms = self.annotate(
                published_count=Count("entries", filter=Q(entries__status=Status.PUBLISHED))
            )
        if not include_empty:
            terms = terms.filter(published_count__gt=0)
        # Meta.ordering does not apply to aggregating queries, so it is restated here.
        return terms.order_by(*self.model._meta.ordering)

    def with_entry_count(self, taxonomy=None):
        """Each term with `entry_count`, its entries of every status: entries tagged with it,
        or for outcomes (`taxonomy` "outcome") entries with a finding for it.

        Counted in a subquery, not a join with GROUP BY, so that counting and paging the
        terms (as the admin list does) stays cheap however many entries there are.
        """
        from resources.models.findings import Finding

        from_findings = taxonomy and TAXONOMIES_BY_NAME[taxonomy].from_findings
        if from_findings:
            links = Finding.objects.filter(outcome=OuterRef("pk")).values("outcome")
        else:
            links = EntryTerm.objects.filter(term=OuterRef("pk")).values("term")
        count = links.order_by().annotate(count=Count("pk")).values("count")
        return self.annotate(entry_count=Coalesce(Subquery(count), 0))


class Term(models.Model):
    """A term of one taxonomy (see resources/taxonomies.py): a topic, an approach, a region…"""

    taxonomy = models.CharField(
        max_length=30, choices=[(t.name, t.label) for t in TAXONOMIES], editable=False
    )
    name = models.CharField(max_length=100)
    slug = models.SlugField(
        max_length=100,
        help_text="Used in shareable listing URLs, as in ?topic=mental-health.",
    )
    description = models.TextField(
        blank=True,
        help_text="Markdown (**bold**, lists, [links](https://…)). Shown on the glossary and, for "
        "topics and approaches, on the term's own page.",
    )
    position = models.PositiveIntegerField(
        default=0, help_text="Lower numbers come first in filters; ties sort by name."
    )

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["taxonomy", "slug"],
                name="term_slug_unique_in_taxonomy",
                violation_error_message="Another term of this taxonomy already has this slug.",
            ),
            models.UniqueConstraint(
                fields=["taxonomy", "name"],
                name="term_name_unique_in_taxonomy",
                violation_error_message="Another term of this taxonomy already has this name.",
            ),
            models.CheckConstraint(
                condition=Q(taxonomy__in=[t.name for t in TAXONOMIES]), name="term_taxonomy_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["taxonomy", "position", "name"], name="term_taxonomy_order_idx")
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        """The term's overview page (/topics/mental-health/) where its taxonomy has them, else
        every published entry with it, all kinds (/search/?region=wales)."""
        return self.overview_url(reverse("resources:search"))

    def filtered_url(self, listing_url):
        """`listing_url` filtered to this term; the parameter is the taxonomy: ?topic=, ?region=."""
        return f"{listing_url}?{urlencode({self.taxonomy: self.slug})}"

    @property
    def page_url(self):
        """The term's overview page (/topics/carers/), or "" for taxonomies without pages."""
        if not self.taxonomy_spec.page_prefix:
            return ""
        return reverse("term-page", kwargs={"taxonomy": self.taxonomy, "slug": self.slug})

    def overview_url(self, listing_url):
        """Where a link to the term should go: its overview page, else `listing_url` filtered."""
        return self.page_url or self.filtered_url(listing_url)

    @cached_property
    def description_html(self):
        """The description (Markdown) as sanitised HTML: safe to mark safe in templates."""
        return render_markdown(self.description)

    @property
    def taxonomy_spec(self):
        return TAXONOMIES_BY_NAME[self.taxonomy]


class EntryTerm(models.Model):
    """One entry filed under one term."""

    # The two composite indexes below serve both columns, so neither needs one of its own.
    entry = models.ForeignKey(
        "resources.Entry", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "term"], name="entry_term_unique"),
        ]
        # Listing filters, facet counts and related entries start from the term side.
        indexes = [models.Index(fields=["term", "entry"], name="entry_term_by_term_idx")]

    def __str__(self):
        return f"{self.entry_id} – {self.term_id}"


# One proxy per taxonomy, made from the registry: resources.models.Topic, .Approach, …
TAXONOMY_MODELS = {
    taxonomy.name: fixed_value_proxy(
        Term,
        taxonomy.model_name,
        "taxonomy",
        taxonomy.name,
        taxonomy.description,
        verbose_name=taxonomy.label.lower(),
        verbose_name_plural=taxonomy.plural,
    )
    for taxonomy in TAXONOMIES
}
