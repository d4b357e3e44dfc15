"""Named, chainable reads of the catalogue: `Entry.objects.published().for_listing()`."""

import calendar
import datetime

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from resources.kinds import KINDS
from resources.models.base import Status, normalise_doi
from resources.models.findings import Finding


def months_before(day, months):
    """The date `months` calendar months before `day` (the 31st becomes the month's last)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return day.replace(
        year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1])
    )


def _due_for_review_conditions(today=None):
    """(reviewed before the cut-off, never reviewed and published before it), as Q objects:
    the cut-off is REVIEW_INTERVAL_MONTHS before `today`."""
    cutoff = months_before(today or timezone.localdate(), settings.REVIEW_INTERVAL_MONTHS)
    start_of_cutoff = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time()))
    return (
        Q(last_reviewed_on__lt=cutoff),
        Q(last_reviewed_on__isnull=True, published_at__lt=start_of_cutoff),
    )


def detail_prefetches():
    """What a detail page reads beside the entry: its terms, and its findings with outcomes."""
    findings = Finding.objects.select_related("outcome")
    return ("terms", models.Prefetch("findings", queryset=findings))


class EntryQuerySet(models.QuerySet):
    """Named, chainable reads of the catalogue."""

    def published(self):
        """What the public may see: published entries. Every public view starts here."""
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user):
        """Published entries, plus unpublished ones for those allowed to preview them: users
        who may view entries in the admin (so signed in with a code where one is needed)."""
        from accounts.two_factor import is_signed_in_fully

        if (
            user.is_authenticated
            and user.is_staff
            and user.has_perm("resources.view_entry")
            and is_signed_in_fully(user)
        ):
            return self
        return self.published()

    def of_kind(self, kind):
        return self.filter(kind=kind)

    def other_than(self, entry):
        """Every entry except `entry` (all of them when it is not saved yet)."""
        return self.exclude(pk=entry.pk) if entry.pk else self

    def with_doi(self, doi):
        """Entries with this DOI in any spelling (doi.org link, `doi:`, any case)."""
        doi = normalise_doi(doi)
        return self.filter(doi=doi) if doi else self.none()

    def with_link(self, url):
        """Entries whose link is `url`, with or without a trailing slash."""
        bare = (url or "").strip().rstrip("/")
        return self.filter(url__in=[bare, f"{bare}/"]) if bare else self.none()

    def due_for_review(self, today=None):
        """Published entries not reviewed for REVIEW_INTERVAL_MONTHS: reviewed before the
        cut-off, or never reviewed and published before it."""
        reviewed_long_ago, never_reviewed = _due_for_review_conditions(today)
        return self.published().filter(reviewed_long_ago | never_reviewed)

    def due_for_review_by_kind(self, today=None):
        """{kind: how many of these entries are due for review}, in one query: the two ways
        of being due counted apart, each a range of the review index read from the index
        alone (together, an OR, they would be a scan of the table)."""
        counts = {}
        parts = [
            self.published().filter(condition).order_by().values_list("kind").annotate(n=Count("*"))
            for condition in _due_for_review_conditions(today)
        ]
        for kind, number in parts[0].union(parts[1], all=True):
            counts[kind] = counts.get(kind, 0) + number
        return counts

    def real(self):
        """Entries curated by people, leaving out `generate_entries` synthetic ones."""
        return self.filter(is_synthetic=False)

    def synthetic(self):
        """Entries made by `generate_entries` for load tests."""
        return self.filter(is_synthetic=True)

    def for_listing(self):
        """What a result card needs: every column but the stored search vector, which can be
        larger than the rest of the row and is only ever read by the database itself."""
        return self.defer("search_vector")

    def for_records(self):
        """What a public record needs (resources/records.py): the listing's columns but the
        Markdown body, which records leave out; the terms; and findings with their outcomes.
        Three queries, however many entries."""
        findings = Finding.objects.select_related("outcome")
        return (
            self.for_listing()
            .defer("body")
            .prefetch_related("terms", models.Prefetch("findings", queryset=findings))
        )

    def newest_first(self):
        return self.order_by("-published_at", "-pk")

    def for_sitemap(self):
        """What a sitemap address needs (hub/sitemaps.py), as (kind, slug, updated) rows
        rather than entries, in primary-key order so that its pages of 50,000 stay the same
        from one crawl to the next."""
        return self.order_by("pk").values_list("kind", "slug", "updated", named=True)

    def latest_update(self):
        """When any of these entries last changed (None when there are none): one query."""
        return self.aggregate(latest=models.Max("updated"))["latest"]

    def kind_counts(self):
        """How many entries of each kind, as `{"kind", "label", "count", "url"}` rows."""
        counts = dict(self.order_by().values_list("kind").annotate(count=Count("pk")))
        return [
            {"kind": spec.value, "label": spec.plural, "count": counts.get(spec.value, 0),
             "url": reverse(spec.list_url_name)}
            for spec in KINDS
        ]  # fmt: skip

    def for_detail(self):
        """Everything one detail page shows: the entry, its terms, and its findings with their
        outcomes, in two more queries."""
        return self.prefetch_related(*detail_prefetches())

    def featured(self):
        """Entries curators chose for the home page."""
        return self.filter(featured=True)

    def related_to(self, entry, limit=4):
        """Up to `limit` other entries of this queryset sharing the most taxonomy terms with
        `entry`, ties newest first, each with `shared_terms`: a list.

        The sharing is counted over the whole published catalogue from the facet index's
        bitsets (resources/facet_index.py), not by the database, so a cold detail page costs
        the same at 100,000 entries as at 100; the entries are then fetched by id."""
        from resources.facet_index import facet_index

        term_ids = [term.pk for term in entry.terms.all()]
        if not term_ids:
            return []
        # A few spare in case some of them are not in this queryset.
        ranked = facet_index().related(entry.pk, term_ids, limit + 4)
        found = self.order_by().in_bulk([pk for pk, _ in ranked])
        related = []
        for pk, shared in ranked:
            if pk in found and len(related) < limit:
                found[pk].shared_terms = shared
                related.append(found[pk])
        return related
