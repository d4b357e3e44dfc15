"""The catalogue: one Entry table for resources, tools and evidence, and five taxonomies."""

import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from resources.markdown import render_markdown

MIN_YEAR = 1900
# The database holds a fixed sanity bound; forms hold the tighter "no later than next year".
MAX_STORED_YEAR = 2100

DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
DOI_PREFIXES = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def max_year():
    """The latest year an entry may carry: next year (forthcoming publications)."""
    return timezone.now().year + 1


def normalise_doi(value):
    """Reduce any spelling of a DOI to its bare, lower-case form: `10.1234/abc`.

    DOIs are case-insensitive, so `https://doi.org/10.1234/X` and `doi:10.1234/x` are one DOI.
    """
    value = (value or "").strip()
    value = DOI_PREFIXES.sub("", value).strip()
    return value.lower()


def validate_doi(value):
    if value and not DOI_PATTERN.match(normalise_doi(value)):
        raise ValidationError(
            "Enter a DOI such as 10.1186/s12888-020-02923-3 (a doi.org link also works).",
            code="invalid_doi",
        )


def validate_year(value):
    if value is not None and not MIN_YEAR <= value <= max_year():
        raise ValidationError(
            f"Enter a year between {MIN_YEAR} and {max_year()}.", code="invalid_year"
        )


# ---------------------------------------------------------------------------------------------
# Taxonomies
# ---------------------------------------------------------------------------------------------


class TermQuerySet(models.QuerySet):
    def with_published_counts(self):
        """Terms used by at least one published entry, each with `published_count`: one query."""
        # Meta.ordering does not apply to aggregating queries, so it is restated here.
        return (
            self.annotate(
                published_count=Count("entries", filter=Q(entries__status=Status.PUBLISHED))
            )
            .filter(published_count__gt=0)
            .order_by(*self.model._meta.ordering)
        )

    def with_entry_count(self):
        """Each term with `entry_count`, its entries of every status.

        Counted in a subquery, not a join with GROUP BY, so that counting and paging the
        terms (as the admin list does) stays cheap however many entries there are.
        """
        term = self.model._meta.model_name
        links = self.model.entries.through.objects.filter(**{term: OuterRef("pk")})
        count = links.order_by().values(term).annotate(count=Count("pk")).values("count")
        return self.annotate(entry_count=Coalesce(Subquery(count), 0))


class Term(models.Model):
    """A taxonomy term. Every taxonomy (Topic, Approach, …) is a small model on this base."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(
        max_length=100, unique=True, help_text="Used in shareable listing URLs: ?topic=slug."
    )
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(
        default=0, help_text="Lower numbers come first in filters; ties sort by name."
    )

    objects = TermQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        """Every published entry with this term, all kinds: /search/?topic=mental-health."""
        return self.filtered_url(reverse("resources:search"))

    def filtered_url(self, listing_url):
        """`listing_url` filtered to this term; the parameter is the taxonomy: ?topic=, ?region=."""
        return f"{listing_url}?{urlencode({self._meta.model_name: self.slug})}"


class Topic(Term):
    """A health or care subject, such as mental health or diabetes."""

    class Meta(Term.Meta):
        verbose_name_plural = "topics"


class Approach(Term):
    """A way peer support is delivered, such as one-to-one or groups."""

    class Meta(Term.Meta):
        verbose_name_plural = "approaches"


class Audience(Term):
    """Who an entry is written for, such as commissioners or peer supporters."""

    class Meta(Term.Meta):
        verbose_name_plural = "audiences"


class Population(Term):
    """A group of people an entry is about, such as older people."""

    class Meta(Term.Meta):
        verbose_name_plural = "populations"


class Region(Term):
    """Where an entry applies: a UK nation, UK-wide or international."""

    class Meta(Term.Meta):
        verbose_name_plural = "regions"


# ---------------------------------------------------------------------------------------------
# Entries
# ---------------------------------------------------------------------------------------------


class Kind(models.TextChoices):
    RESOURCE = "resource", "Resource"
    TOOL = "tool", "Tool"
    EVIDENCE = "evidence", "Evidence"


KIND_PLURALS = {Kind.RESOURCE: "Resources", Kind.TOOL: "Tools", Kind.EVIDENCE: "Evidence"}


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class StudyDesign(models.TextChoices):
    SYSTEMATIC_REVIEW = "systematic_review", "Systematic review"
    OTHER_REVIEW = "other_review", "Other review (scoping, narrative, umbrella)"
    RCT = "rct", "Randomised controlled trial"
    QUASI_EXPERIMENTAL = "quasi_experimental", "Quasi-experimental"
    OBSERVATIONAL = "observational", "Cohort / observational"
    QUALITATIVE = "qualitative", "Qualitative"
    MIXED_METHODS = "mixed_methods", "Mixed methods"
    EVALUATION = "evaluation", "Evaluation"
    OTHER = "other", "Other"


class EvidenceStrength(models.TextChoices):
    STRONG = "strong", "Strong"
    MODERATE = "moderate", "Moderate"
    LIMITED = "limited", "Limited"
    EMERGING = "emerging", "Emerging"


class ToolFormat(models.TextChoices):
    TEMPLATE = "template", "Template"
    OUTCOME_MEASURE = "outcome_measure", "Outcome measure"
    EVALUATION_FRAMEWORK = "evaluation_framework", "Evaluation framework"
    CHECKLIST = "checklist", "Checklist"
    TRAINING = "training", "Training"
    OTHER = "other", "Other"


class Cost(models.TextChoices):
    FREE = "free", "Free"
    PAID = "paid", "Paid"


class ResourceFormat(models.TextChoices):
    GUIDE = "guide", "Guide"
    REPORT = "report", "Report"
    TOOLKIT = "toolkit", "Toolkit"
    VIDEO = "video", "Video"
    WEBSITE = "website", "Website"
    COURSE = "course", "Course"
    OTHER = "other", "Other"


# Fields that belong to one kind only; the database refuses them on the other kinds.
KIND_FIELDS = {
    Kind.EVIDENCE: ["study_design", "evidence_strength", "finding", "sample_size"],
    Kind.TOOL: ["tool_format", "licence", "cost"],
    Kind.RESOURCE: ["resource_format"],
}


def _kind_field_is_empty(field):
    return Q(**{f"{field}__isnull": True}) if field == "sample_size" else Q(**{field: ""})


def _kind_field_constraints():
    return [
        models.CheckConstraint(
            condition=Q(kind=kind) | _kind_field_is_empty(field),
            name=f"entry_{field}_only_on_{kind}",
            violation_error_message=f"Only {kind} entries have this {field.replace('_', ' ')}.",
        )
        for kind, fields in KIND_FIELDS.items()
        for field in fields
    ]


# An entry's five taxonomies; each term's model name is its listing parameter (?topic=…).
TAXONOMY_FIELDS = ("topics", "approaches", "audiences", "populations", "regions")


class HistoricalRecordsWithProxies(HistoricalRecords):
    """History that also records changes made through proxies of the model (Evidence, …).

    Django sends a proxy instance's save and delete signals with the proxy as sender, and
    simple-history listens to the concrete model only: without this, every save on the
    Resources, Tools and Evidence admin screens would go unrecorded.
    """

    def finalize(self, sender, **kwargs):
        if sender is not self.cls and sender._meta.proxy and issubclass(sender, self.cls):
            models.signals.post_save.connect(self.post_save, sender=sender, weak=False)
            models.signals.pre_delete.connect(self.pre_delete, sender=sender, weak=False)
            models.signals.post_delete.connect(self.post_delete, sender=sender, weak=False)
            sender._meta.simple_history_manager_attribute = self.manager_name
            return
        super().finalize(sender, **kwargs)


class EntryQuerySet(models.QuerySet):
    """Named, chainable reads of the catalogue."""

    def published(self):
        """What the public may see: published entries. Every public view starts here."""
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user):
        """Published entries, plus drafts and archived ones for staff previewing them."""
        if user.is_authenticated and user.is_staff:
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

    def real(self):
        """Entries curated by people, leaving out `generate_entries` synthetic ones."""
        return self.filter(is_synthetic=False)

    def for_listing(self):
        """What a result card needs: every column but the stored search vector, which can be
        larger than the rest of the row and is only ever read by the database itself."""
        return self.defer("search_vector")

    def newest_first(self):
        return self.order_by("-published_at", "-pk")

    def kind_counts(self):
        """How many entries of each kind, as `{"kind", "label", "count", "url"}` rows."""
        counts = dict(self.order_by().values_list("kind").annotate(count=Count("pk")))
        return [
            {"kind": kind, "label": KIND_PLURALS[kind], "count": counts.get(kind, 0),
             "url": reverse(f"resources:{kind}-list")}
            for kind in Kind
        ]  # fmt: skip

    def for_detail(self):
        """Everything one detail page shows: the entry and its terms in every taxonomy."""
        return self.prefetch_related(*TAXONOMY_FIELDS)

    def featured(self):
        """Entries curators chose for the home page."""
        return self.filter(featured=True)

    def related_to(self, entry, limit=4):
        """Up to `limit` other entries sharing the most taxonomy terms with `entry`, ties newest
        first, as a list; each has `shared_terms`. One query.

        Popular terms are shared by most of a large catalogue, so the count is one pass over
        the five link tables (a GROUP BY over a UNION ALL), and only the top rows are fetched
        whole. The ORM cannot group a union, so the SQL is assembled from ORM querysets; on
        20,000 entries this takes less than half the time of a correlated count per entry.
        """
        quote = connections[self.db].ops.quote_name
        links_sql, params = [], []
        for field in TAXONOMY_FIELDS:
            m2m = self.model._meta.get_field(field)
            links = m2m.remote_field.through.objects
            entry_column, term_column = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
            entry_terms = links.filter(**{entry_column: entry.pk}).values(term_column)
            entry_id = links.model._meta.get_field(entry_column).attname
            sharing = links.filter(**{f"{term_column}__in": entry_terms}).values(entry_id)
            sql, sql_params = sharing.query.sql_with_params()
            links_sql.append(sql)
            params.extend(sql_params)
        candidates_sql, candidates_params = (
            self.exclude(pk=entry.pk).order_by().values("pk").query.sql_with_params()
        )
        params.extend(candidates_params)
        params.append(limit)
        table, pk = quote(self.model._meta.db_table), quote(self.model._meta.pk.column)
        published_at = quote(self.model._meta.get_field("published_at").column)
        # Each link table's entry column is `entry_id`, so that names the union's one column.
        sql = f"""
            SELECT entry.*, top.shared_terms FROM {table} entry
            JOIN (
                SELECT counted.entry_id, counted.shared_terms, candidate.{published_at}
                FROM (
                    SELECT entry_id, COUNT(*) AS shared_terms
                    FROM ({" UNION ALL ".join(links_sql)}) shared_links
                    GROUP BY entry_id
                ) counted
                JOIN {table} candidate ON candidate.{pk} = counted.entry_id
                WHERE candidate.{pk} IN ({candidates_sql})
                ORDER BY counted.shared_terms DESC, candidate.{published_at} DESC,
                    candidate.{pk} DESC
                LIMIT %s
            ) top ON top.entry_id = entry.{pk}
            ORDER BY top.shared_terms DESC, top.{published_at} DESC, entry.{pk} DESC
        """
        return list(self.model._base_manager.raw(sql, params))


class KindManager(models.Manager.from_queryset(EntryQuerySet)):
    """The manager of a kind proxy (Resource, Tool, Evidence): every query is fixed to it."""

    def __init__(self, kind):
        super().__init__()
        self.kind = kind

    def get_queryset(self):
        return super().get_queryset().filter(kind=self.kind)


class Entry(models.Model):
    """One catalogue item: a resource, a tool or a piece of evidence."""

    kind = models.CharField(max_length=10, choices=Kind.choices, db_index=True)
    title = models.CharField(max_length=255)
    slug = models.SlugField(
        max_length=255,
        unique=True,
        help_text="The last part of the entry's web address, as in "
        "/evidence/peer-support-for-carers/. Keep it once published.",
    )
    summary = models.TextField(
        max_length=600,
        help_text="Plain text, two or three sentences. Shown in listings and search results.",
    )
    body = models.TextField(
        blank=True,
        help_text="Optional longer description in Markdown: **bold**, lists, [links](https://…).",
    )
    url = models.URLField(
        "link",
        max_length=500,
        blank=True,
        db_index=True,
        help_text="Where people can read or download it. Leave empty if the DOI is the link.",
    )
    organisation = models.CharField(max_length=255, blank=True)
    authors = models.CharField(
        max_length=500, blank=True, help_text="Comma-separated, as the work credits them."
    )
    publisher = models.CharField(
        "journal or publisher", max_length=255, blank=True, help_text="Journal for papers."
    )
    year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[validate_year],
        help_text="Year of publication. Leave empty if unknown.",
    )
    doi = models.CharField(
        "DOI",
        max_length=255,
        blank=True,
        validators=[validate_doi],
        help_text="For example 10.1186/s12888-020-02923-3; a doi.org link is accepted too.",
    )

    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="Published entries are visible to everyone; other statuses only to staff.",
    )
    published_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Set when first published."
    )
    last_reviewed_on = models.DateField(
        null=True, blank=True, help_text="When a curator last checked the entry is still right."
    )
    featured = models.BooleanField(default=False, help_text="Shown on the home page.")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    # Evidence
    study_design = models.CharField(max_length=30, choices=StudyDesign.choices, blank=True)
    evidence_strength = models.CharField(
        max_length=20,
        choices=EvidenceStrength.choices,
        blank=True,
        help_text="The curators' judgement of how strong the evidence is.",
    )
    finding = models.CharField(
        "main finding", max_length=400, blank=True, help_text="One sentence."
    )
    population = models.CharField(
        "study population", max_length=255, blank=True, help_text="Who was studied, in words."
    )
    country = models.CharField(max_length=100, blank=True)
    sample_size = models.PositiveIntegerField(null=True, blank=True)

    # Tool
    tool_format = models.CharField(max_length=30, choices=ToolFormat.choices, blank=True)
    licence = models.CharField(max_length=100, blank=True, help_text="E.g. CC BY 4.0.")
    cost = models.CharField(max_length=10, choices=Cost.choices, blank=True)

    # Resource
    resource_format = models.CharField(max_length=20, choices=ResourceFormat.choices, blank=True)

    topics = models.ManyToManyField(Topic, blank=True, related_name="entries")
    approaches = models.ManyToManyField(Approach, blank=True, related_name="entries")
    audiences = models.ManyToManyField(Audience, blank=True, related_name="entries")
    populations = models.ManyToManyField(Population, blank=True, related_name="entries")
    regions = models.ManyToManyField(Region, blank=True, related_name="entries")

    # Provenance, for curators only.
    source_seen = models.CharField(
        "verified at",
        max_length=500,
        blank=True,
        help_text="Where a curator verified this item. Not shown to the public.",
    )
    is_synthetic = models.BooleanField(
        default=False,
        editable=False,
        db_index=True,
        help_text="Made by generate_entries for load tests; never real.",
    )

    # PostgreSQL keeps this current with a trigger (migration 0002); it stays empty on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    history = HistoricalRecordsWithProxies(
        m2m_fields=[topics, approaches, audiences, populations, regions],
        excluded_fields=["search_vector"],
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "entries"
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["doi"],
                condition=~Q(doi=""),
                name="entry_doi_unique_when_set",
                violation_error_message="Another entry already has this DOI.",
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=MIN_YEAR, year__lte=MAX_STORED_YEAR),
                name="entry_year_in_range",
                violation_error_message=f"The year must be between {MIN_YEAR} and next year.",
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="entry_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="entry_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.PUBLISHED) | Q(published_at__isnull=False),
                name="entry_published_has_date",
            ),
            *_kind_field_constraints(),
        ]
        indexes = [
            # Listings sort by year then publication date (newest/oldest), or by title.
            models.Index(fields=["status", "kind", "-published_at"], name="entry_listing_idx"),
            models.Index(fields=["status", "year", "published_at"], name="entry_year_idx"),
            models.Index(
                fields=["status", "kind", "year", "published_at"], name="entry_kind_year_idx"
            ),
            models.Index(F("status"), Lower("title"), name="entry_title_idx"),
            models.Index(fields=["-updated"], name="entry_updated_idx"),
            models.Index(fields=["status", "featured"], name="entry_featured_idx"),
            models.Index(fields=["study_design"], name="entry_study_design_idx"),
            models.Index(fields=["evidence_strength"], name="entry_strength_idx"),
            models.Index(fields=["tool_format"], name="entry_tool_format_idx"),
            models.Index(fields=["resource_format"], name="entry_resource_format_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.doi = normalise_doi(self.doi)
        if self.status == Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse(f"resources:{self.kind}-detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        self.doi = normalise_doi(self.doi)
        errors = {}
        for kind, fields in KIND_FIELDS.items():
            if self.kind == kind:
                continue
            for field in fields:
                if getattr(self, field) not in ("", None):
                    errors[field] = f"Only {Kind(kind).label.lower()} entries have this field."
        if errors:
            raise ValidationError(errors)

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED

    @property
    def doi_url(self):
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def link(self):
        """Where the "Go to" button points: the entry's URL, or its DOI when it has none.

        Forms only accept web addresses, but rows can also arrive by bulk load or SQL, so a
        `javascript:` or other non-web link is never offered to visitors.
        """
        if self.url.lower().startswith(("https://", "http://")):
            return self.url
        return self.doi_url

    @property
    def kind_plural(self):
        return KIND_PLURALS[self.kind]

    @property
    def listing_url(self):
        """The public listing of this entry's kind: /evidence/ for evidence."""
        return reverse(f"resources:{self.kind}-list")

    @property
    def canonical_url(self):
        """The detail page's absolute address, for canonical links, sharing and citations."""
        return f"{settings.SITE_URL}{self.get_absolute_url()}"

    @cached_property
    def term_groups(self):
        """The entry's terms by taxonomy, each linking to this kind's listing filtered by it.

        Reads `.all()`, so `for_detail()` makes this free of further queries.
        """
        groups = []
        for field in TAXONOMY_FIELDS:
            terms = getattr(self, field).all()
            if terms:
                groups.append(
                    {
                        "label": self._meta.get_field(field).verbose_name.capitalize(),
                        "terms": [
                            {"name": term.name, "url": term.filtered_url(self.listing_url)}
                            for term in terms
                        ],
                    }
                )
        return groups

    @cached_property
    def body_html(self):
        """The Markdown body as sanitised HTML: safe to mark safe in templates."""
        return render_markdown(self.body)

    @property
    def format_label(self):
        """The kind-specific format in words: study design, tool format or resource format."""
        if self.kind == Kind.EVIDENCE:
            return self.get_study_design_display()
        if self.kind == Kind.TOOL:
            return self.get_tool_format_display()
        return self.get_resource_format_display()

    def publish(self):
        """Make the entry public now; `published_at` keeps the date it first went out."""
        self.status = Status.PUBLISHED
        self.save()

    def return_to_draft(self):
        """Take the entry off the site; `published_at` still records when it first went out."""
        self.status = Status.DRAFT
        self.save()

    def archive(self):
        """Retire the entry: off the site, kept with its history rather than deleted."""
        self.status = Status.ARCHIVED
        self.save()

    def mark_reviewed(self, on=None):
        # The site's date (Europe/London), not the server's: they differ around midnight.
        self.last_reviewed_on = on or timezone.localdate()
        self.save(update_fields=["last_reviewed_on", "updated"])


class KindProxyMixin:
    """New instances of a kind proxy take its kind: `Evidence(title=...)` is evidence."""

    KIND = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Reading a deferred `kind` (as in `.only("title")`) would cost a query for every row.
        if "kind" in self.__dict__ and not self.kind:
            self.kind = self.KIND


class Resource(KindProxyMixin, Entry):
    """A guide, report, toolkit or similar."""

    KIND = Kind.RESOURCE
    objects = KindManager(Kind.RESOURCE)

    class Meta:
        proxy = True


class Tool(KindProxyMixin, Entry):
    """A template, outcome measure, evaluation framework or similar."""

    KIND = Kind.TOOL
    objects = KindManager(Kind.TOOL)

    class Meta:
        proxy = True


class Evidence(KindProxyMixin, Entry):
    """A study or review of peer support."""

    KIND = Kind.EVIDENCE
    objects = KindManager(Kind.EVIDENCE)

    class Meta:
        proxy = True
        verbose_name_plural = "evidence"


PROXY_FOR_KIND = {Kind.RESOURCE: Resource, Kind.TOOL: Tool, Kind.EVIDENCE: Evidence}
