"""Entries: one table for every kind of catalogue item, and a proxy model per kind."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from resources.kinds import KINDS, Kind, kind_spec
from resources.markdown import render_markdown
from resources.models.base import (
    MAX_STORED_YEAR,
    MIN_YEAR,
    TITLE_KEY_LENGTH,
    Status,
    fixed_value_proxy,
    normalise_doi,
    normalise_title,
    validate_doi,
    validate_slug_not_reserved,
    validate_year,
)
from resources.models.findings import Finding
from resources.models.history import HistoricalRecordsWithProxies
from resources.models.querysets import EntryQuerySet
from resources.models.terms import EntryTerm
from resources.search import search_document
from resources.taxonomies import TAGGING_TAXONOMIES

# A note is a few sentences beside the summary, not a second body.
CURATOR_NOTE_MAX_LENGTH = 2000

# The columns that only one kind of entry has, from each kind's spec in resources/kinds.py.
KindFields = type(
    "KindFields",
    (models.Model,),
    {
        "__module__": __name__,
        "Meta": type("Meta", (), {"abstract": True}),
        **{name: field for spec in KINDS for name, field in spec.fields.items()},
    },
)


def _kind_field_is_empty(name, field):
    return Q(**{f"{name}__isnull": True}) if field.null else Q(**{name: ""})


def _kind_field_constraints():
    """The database refuses a kind's own columns on entries of other kinds."""
    return [
        models.CheckConstraint(
            condition=Q(kind=spec.value) | _kind_field_is_empty(name, field),
            name=f"entry_{name}_only_on_{spec.value}",
            violation_error_message=(
                f"Only {spec.value} entries have this {name.replace('_', ' ')}."
            ),
        )
        for spec in KINDS
        for name, field in spec.fields.items()
    ]


class Entry(KindFields):
    """One catalogue item: a resource, a tool or a piece of evidence (see resources/kinds.py)."""

    kind = models.CharField(max_length=10, choices=Kind.choices, db_index=True)
    title = models.CharField(max_length=255)
    # The title as the importer compares it for duplicates (`normalise_title`), kept so that
    # a file's titles are looked up by index rather than every entry of their years read.
    title_key = models.CharField(max_length=TITLE_KEY_LENGTH, blank=True, editable=False)
    slug = models.SlugField(
        max_length=255,
        unique=True,
        validators=[validate_slug_not_reserved],
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
        max_length=500,
        blank=True,
        # The rule resources/authors.py reads for every citation format.
        help_text="As the work credits them, in order. Separate people with commas or "
        "semicolons (“and” or “&” may join the last) and end with “et al.” if more made it. "
        "Write “Jane Smith” or “Smith JA”; notes in brackets such as “(eds)” are left out. "
        "Organisations stay whole: the organisation above, one-word names such as Mind, and "
        "names with University, Trust, NHS, Foundation, Network, Group, “of” or “for”. With "
        "semicolons, “Smith, Jane” puts the family name first.",
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
    population = models.CharField(
        "study population", max_length=255, blank=True, help_text="Who was studied, in words."
    )
    country = models.CharField(max_length=100, blank=True)

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
    curator_note = models.TextField(
        "curator's note",
        max_length=CURATOR_NOTE_MAX_LENGTH,
        blank=True,
        help_text="Public, in Markdown: why this item is useful and what its limitations are, "
        "in a few sentences. Shown on the entry's page under “Curator's note”.",
    )
    co_produced = models.BooleanField(
        "co-produced with people with lived experience",
        default=False,
        help_text="Tick when people with lived experience shaped the item as partners (not "
        "only as participants). Shown on its page and as a filter on every listing.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    terms = models.ManyToManyField(
        "resources.Term", through=EntryTerm, blank=True, related_name="entries"
    )
    # An evidence entry's outcomes are those it has findings for (resources/models/findings.py).
    outcomes = models.ManyToManyField(
        "resources.Term", through=Finding, blank=True, related_name="+", verbose_name="findings"
    )

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

    # Computed by the database from resources.search.SEARCH_WEIGHTS; NULL on SQLite.
    search_vector = models.GeneratedField(
        expression=search_document(), output_field=SearchVectorField(null=True), db_persist=True
    )

    history = HistoricalRecordsWithProxies(
        m2m_fields=[terms, outcomes], excluded_fields=["search_vector", "title_key"]
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
            # Facet counts and the evidence map start from the ids of the published entries
            # of a kind: this answers that from the index alone.
            models.Index(fields=["status", "kind", "id"], name="entry_status_kind_id_idx"),
            # Listings sort by year then publication date (newest/oldest), or by title.
            models.Index(fields=["status", "kind", "-published_at"], name="entry_listing_idx"),
            models.Index(fields=["status", "year", "published_at"], name="entry_year_idx"),
            models.Index(
                fields=["status", "kind", "year", "published_at"], name="entry_kind_year_idx"
            ),
            models.Index(F("status"), Lower("title"), name="entry_title_idx"),
            # The importer's duplicates by title and year (resources/imports.py).
            models.Index(fields=["title_key", "year"], name="entry_title_key_year_idx"),
            models.Index(fields=["-updated"], name="entry_updated_idx"),
            models.Index(fields=["status", "featured"], name="entry_featured_idx"),
            # Exports and the admin's filter of co-produced entries: a small partial index,
            # as they are expected to be a minority.
            models.Index(
                fields=["status", "kind"],
                condition=Q(co_produced=True),
                name="entry_co_produced_idx",
            ),
            # Due for review, counted from the index alone (the dashboard) or listed (the
            # admin's review filter): reviewed before the cut-off, or never and published
            # before it.
            models.Index(
                fields=["status", "last_reviewed_on", "published_at", "kind"],
                name="entry_review_due_idx",
            ),
            # Link checks counted by kind (the dashboard) read each entry's kind from here.
            models.Index(fields=["id", "kind"], name="entry_id_kind_idx"),
            models.Index(fields=["study_design"], name="entry_study_design_idx"),
            models.Index(fields=["evidence_strength"], name="entry_strength_idx"),
            models.Index(fields=["tool_format"], name="entry_tool_format_idx"),
            models.Index(fields=["resource_format"], name="entry_resource_format_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.normalise()
        super().save(*args, **kwargs)

    def normalise(self):
        """The rules every write follows, bulk loads included (resources/services.py): the DOI
        in its bare form, the link without surrounding spaces, a published date on publishing,
        the title's key for duplicates."""
        self.doi = normalise_doi(self.doi)
        self.title_key = normalise_title(self.title)
        self.url = (self.url or "").strip()
        if self.status == Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()

    def get_absolute_url(self):
        return reverse(self.spec.detail_url_name, kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        self.doi = normalise_doi(self.doi)
        self.check_kind_fields()

    def check_kind_fields(self):
        """Refuse, with a message per field, values in columns that belong to another kind."""
        errors = {
            name: f"Only {spec.label.lower()} entries have this field."
            for spec in KINDS
            if spec.value != self.kind
            for name in spec.fields
            if getattr(self, name) not in ("", None)
        }
        if errors:
            raise ValidationError(errors)

    @property
    def spec(self):
        """What this entry's kind is like: its names, fields, facets, button text."""
        return kind_spec(self.kind)

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
        return self.spec.plural

    @property
    def listing_url(self):
        """The public listing of this entry's kind: /evidence/ for evidence."""
        return reverse(self.spec.list_url_name)

    @property
    def canonical_url(self):
        """The detail page's absolute address, for canonical links, sharing and citations."""
        return f"{settings.SITE_URL}{self.get_absolute_url()}"

    @cached_property
    def term_groups(self):
        """The entry's terms by taxonomy, each linking to the term's overview page where it has
        one (topics, approaches), else to this kind's listing filtered by it. Outcomes are shown
        with their findings instead.

        Reads `terms.all()`, so `for_detail()` makes this free of further queries.
        """
        terms = list(self.terms.all())
        groups = []
        for taxonomy in TAGGING_TAXONOMIES:
            in_taxonomy = [term for term in terms if term.taxonomy == taxonomy.name]
            if in_taxonomy:
                groups.append(
                    {
                        "label": taxonomy.plural.capitalize(),
                        "terms": [
                            {"name": term.name, "url": term.overview_url(self.listing_url)}
                            for term in in_taxonomy
                        ],
                    }
                )
        return groups

    @cached_property
    def body_html(self):
        """The Markdown body as sanitised HTML: safe to mark safe in templates."""
        return render_markdown(self.body)

    @cached_property
    def curator_note_html(self):
        """The curator's note as sanitised HTML: safe to mark safe in templates."""
        return render_markdown(self.curator_note)

    @property
    def format_label(self):
        """The kind's format in words: the study design, tool format or resource format."""
        return getattr(self, f"get_{self.spec.format_field}_display")()

    def publish(self):
        """Make the entry public now; `published_at` keeps the date it first went out."""
        self.status = Status.PUBLISHED
        self._write()

    def return_to_draft(self):
        """Take the entry off the site; `published_at` still records when it first went out."""
        self.status = Status.DRAFT
        self._write()

    def archive(self):
        """Retire the entry: off the site, kept with its history rather than deleted."""
        self.status = Status.ARCHIVED
        self._write()

    def mark_reviewed(self, on=None):
        # The site's date (Europe/London), not the server's: they differ around midnight.
        self.last_reviewed_on = on or timezone.localdate()
        self._write()

    def _write(self):
        from resources.services import save_entry  # services build on this module

        save_entry(self)


# One proxy per kind, made from the registry: resources.models.Resource, .Tool, .Evidence.
KIND_MODELS = {
    spec.value: fixed_value_proxy(
        Entry,
        spec.label.replace(" ", ""),
        "kind",
        spec.value,
        spec.introduction,
        verbose_name=spec.label.lower(),
        verbose_name_plural=spec.plural.lower(),
    )
    for spec in KINDS
}
