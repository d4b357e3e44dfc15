"""Items the public suggest for the catalogue, and what curators decide about each.

A suggestion keeps what was typed (a link or a DOI) beside what the hub read from it, so the
moderation queue can tell when the same item is already in the catalogue or was suggested
before. Accepting one makes a draft entry through resources/services.py, filled in from
Crossref when it has a DOI; declining one records the reason. Either way the suggester hears
about it by email, when they left an address and agreed to be contacted about it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify

from resources import crossref, services
from resources.kinds import Kind
from resources.models import DOI_PATTERN, Entry, Status, normalise_doi, normalise_title
from suggestions.emails import notify_accepted, notify_declined

# The wording beside the consent checkbox. Each suggestion keeps the wording its suggester
# saw, so a change here applies to new suggestions only.
CONSENT_TEXT = (
    "You may email me about this suggestion, to tell me whether it is added to the library. "
    "My address is used for nothing else and is deleted with the suggestion."
)
DRAFT_REASON = "Created from a suggestion"

MAX_LINK_LENGTH = 500
MAX_TITLE_LENGTH = 255
MAX_WHY_LENGTH = 1000
MAX_DECLINE_REASON_LENGTH = 1000

LINK_OR_DOI_MESSAGE = (
    "Enter a web address such as https://example.org/report or a DOI such as "
    "10.1186/s12888-020-02923-3."
)
web_address = URLValidator(schemes=["http", "https"])


def parse_link_or_doi(text):
    """`(doi, url)` read from what someone typed: a DOI in any spelling (`10.…`, `doi:10.…`, a
    doi.org link), else a web address (`https://` added when it has no scheme). Raises
    ValidationError when it is neither."""
    text = (text or "").strip()
    with_scheme = text if "://" in text else f"https://{text}"
    for candidate in (text, with_scheme):
        doi = normalise_doi(candidate)
        if DOI_PATTERN.match(doi):
            return doi, ""
    try:
        web_address(with_scheme)
    except ValidationError:
        raise ValidationError(LINK_OR_DOI_MESSAGE, code="invalid_link_or_doi") from None
    return "", with_scheme


def url_variants(url):
    """The spellings of a link that count as the same: with and without a trailing slash."""
    bare = (url or "").strip().rstrip("/")
    return [bare, f"{bare}/"] if bare else []


class SuggestionStatus(models.TextChoices):
    NEW = "new", "New"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class AlreadyDecided(Exception):
    """A curator tried to decide a suggestion that was already accepted or declined."""

    def __init__(self, suggestion):
        self.suggestion = suggestion
        super().__init__(suggestion.decision_summary)


class AlreadyInCatalogue(Exception):
    """The suggested DOI is already on an entry, so no second entry can have it."""

    def __init__(self, entry):
        self.entry = entry
        super().__init__(f"An entry already has this DOI: {entry.title}")


class SuggestionQuerySet(models.QuerySet):
    """The queue, what is new, and what no summary has listed yet."""

    def waiting(self):
        """Suggestions no curator has decided yet, newest first (the moderation queue)."""
        return self.filter(status=SuggestionStatus.NEW).order_by("-created", "-pk")

    def new_since(self, moment):
        """Suggestions received at or after `moment`."""
        return self.filter(created__gte=moment)

    def not_summarised(self):
        """Suggestions no daily summary has listed yet, oldest first."""
        return self.filter(summarised_at__isnull=True).order_by("created", "pk")

    def matching(self, dois, urls):
        """Suggestions of any of these DOIs or links (each link in all its `url_variants`)."""
        variants = [variant for url in urls for variant in url_variants(url)]
        dois = [doi for doi in dois if doi]
        if not dois and not variants:
            return self.none()
        return self.filter(Q(doi__in=dois) | Q(url__in=variants))


class Suggestion(models.Model):
    """One item someone suggested for the catalogue, and the curators' decision about it."""

    link_or_doi = models.CharField(
        "link or DOI as typed", max_length=MAX_LINK_LENGTH, help_text="Exactly what was typed."
    )
    # What the hub read from it: one of the two. The link is kept as text (a CharField, not a
    # URLField) so that no screen ever renders something a stranger typed as a link.
    doi = models.CharField("DOI", max_length=255, blank=True, db_index=True)
    url = models.CharField("link", max_length=MAX_LINK_LENGTH + 8, blank=True, db_index=True)
    title = models.CharField(max_length=MAX_TITLE_LENGTH, blank=True)
    why_useful = models.TextField("why it is useful", max_length=MAX_WHY_LENGTH, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, blank=True)
    email = models.EmailField("suggester's email", blank=True)
    consent = models.BooleanField("may be emailed about it", default=False)
    consent_text = models.TextField(
        "consent wording shown", blank=True, help_text="What the suggester agreed to."
    )

    status = models.CharField(
        max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.NEW
    )
    decline_reason = models.TextField(max_length=MAX_DECLINE_REASON_LENGTH, blank=True)
    entry = models.ForeignKey(
        "resources.Entry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name="draft entry",
        help_text="The draft created when it was accepted.",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField("received", default=timezone.now, editable=False)
    summarised_at = models.DateTimeField(
        null=True, blank=True, help_text="When the curators' daily summary listed it."
    )

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            # The queue (waiting(), and the admin's status filter) lists by status, newest first.
            models.Index(fields=["status", "-created"], name="suggestion_queue_idx"),
            models.Index(fields=["created"], name="suggestion_created_idx"),
            # The daily summary reads only what no summary listed yet.
            models.Index(
                fields=["created"],
                condition=Q(summarised_at__isnull=True),
                name="suggestion_unsummarised_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SuggestionStatus.values), name="suggestion_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=SuggestionStatus.NEW, decided_at__isnull=True)
                | (~Q(status=SuggestionStatus.NEW) & Q(decided_at__isnull=False)),
                name="suggestion_decided_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=SuggestionStatus.DECLINED) | ~Q(decline_reason=""),
                name="suggestion_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(email="") | Q(consent=True), name="suggestion_email_has_consent"
            ),
        ]

    def __str__(self):
        # Never what the suggester typed: this names the suggestion in admin links and logs.
        return f"Suggestion #{self.pk}" if self.pk else "New suggestion"

    @property
    def is_decided(self):
        """Whether a curator has accepted or declined it."""
        return self.status != SuggestionStatus.NEW

    @property
    def may_be_emailed(self):
        """The suggester left an address and agreed to hear about this suggestion."""
        return bool(self.email and self.consent)

    @property
    def suggested(self):
        """What was suggested, in words: the DOI or the link (to show as text, never a link)."""
        return f"DOI {self.doi}" if self.doi else self.url or self.link_or_doi

    @property
    def decision_summary(self):
        """What was decided, by whom and when ("Already accepted by ann on 1 Dec 2026, 14:05.")."""
        if not self.is_decided:
            return "Not decided yet."
        who = self.decided_by.get_username() if self.decided_by else "a former curator"
        when = date_format(timezone.localtime(self.decided_at), "j M Y, H:i")
        return f"Already {self.get_status_display().lower()} by {who} on {when}."

    def same_item_as(self, other):
        """Whether `other` (an entry or another suggestion) has this one's DOI or link."""
        if self.doi:
            return other.doi == self.doi
        return bool(self.url) and other.url in url_variants(self.url)

    def same_title_as(self, entry):
        """Whether `entry` has this suggestion's title, as the importer compares titles (a
        suggestion has no year, so this is a possible duplicate, not a certain one)."""
        key = normalise_title(self.title)
        return bool(key) and entry.title_key == key

    def guessed_kind(self):
        """The kind to file it as: the one suggested, else evidence for a DOI, else a resource."""
        if self.kind:
            return self.kind
        return Kind.EVIDENCE if self.doi else Kind.RESOURCE

    def draft_entry(self, kind=None):
        """An unsaved draft entry from this suggestion, filled from Crossref when it has a DOI:
        `(entry, problem)`, where `problem` says why Crossref could not help (or is "")."""
        entry = Entry(
            kind=kind or self.guessed_kind(),
            status=Status.DRAFT,
            title=self.title,
            url=self.url,
            doi=self.doi,
        )
        problem = ""
        if self.doi:
            try:
                work = crossref.fetch_work(self.doi)
            except crossref.CrossrefError as error:
                problem = str(error)
            else:
                for name, value in work.as_fields().items():
                    if value not in ("", None):
                        setattr(entry, name, value)
        entry.title = (entry.title or self.suggested)[: Entry._meta.get_field("title").max_length]
        if not slugify(entry.title):
            entry.slug = services.unique_slug(f"suggestion-{self.pk}")
        return entry, problem

    def refuse_if_decided(self):
        """Raise AlreadyDecided once a curator has accepted or declined it."""
        if self.is_decided:
            raise AlreadyDecided(self)

    def _lock(self):
        """Lock this suggestion's row until the transaction ends and refuse it if it was decided
        meanwhile: a second curator deciding at the same moment waits here, then is refused."""
        Suggestion.objects.select_for_update().get(pk=self.pk).refuse_if_decided()

    def _record_decision(self, by, status, **fields):
        self.status, self.decided_by, self.decided_at = status, by, timezone.now()
        for name, value in fields.items():
            setattr(self, name, value)
        self.save(update_fields=["status", "decided_by", "decided_at", *fields])

    def accept(self, by, kind=None):
        """Make a draft entry of it (as `kind`, else `guessed_kind()`), record who accepted it,
        and tell the suggester. Returns `(entry, problem)` as `draft_entry` does.

        Raises AlreadyDecided, or AlreadyInCatalogue when an entry already has its DOI.
        """
        self.refuse_if_decided()
        duplicate = Entry.objects.with_doi(self.doi).first()
        if duplicate:
            raise AlreadyInCatalogue(duplicate)
        # Crossref is asked before the row is locked: it may take seconds.
        entry, problem = self.draft_entry(kind)
        with transaction.atomic():
            self._lock()
            entry._history_user = by
            services.save_entry(entry, reason=DRAFT_REASON)
            self._record_decision(by, SuggestionStatus.ACCEPTED, entry=entry)
            # Enqueued in the same transaction: a decision rolled back sends nothing.
            notify_accepted(self)
        return entry, problem

    def decline(self, by, reason):
        """Record that `by` declined it for `reason` (required) and tell the suggester."""
        reason = (reason or "").strip()
        if not reason:
            raise ValueError("A declined suggestion needs a reason.")
        self.refuse_if_decided()
        with transaction.atomic():
            self._lock()
            self._record_decision(by, SuggestionStatus.DECLINED, decline_reason=reason)
            notify_declined(self)


def attach_duplicates(suggestions):
    """Give each suggestion `catalogue_matches` (entries with its DOI, its link or its title)
    and `suggestion_matches` (other suggestions of the same), in two queries for any number."""
    suggestions = list(suggestions)
    dois = {s.doi for s in suggestions if s.doi}
    urls = {s.url for s in suggestions if s.url}
    variants = [variant for url in urls for variant in url_variants(url)]
    title_keys = {normalise_title(s.title) for s in suggestions} - {""}
    entries = []
    if dois or variants or title_keys:
        entries = list(
            # `~Q(doi="")` lets PostgreSQL use the DOIs' partial unique index.
            Entry.objects.filter(
                (Q(doi__in=dois) & ~Q(doi="")) | Q(url__in=variants) | Q(title_key__in=title_keys)
            )
            .only("pk", "kind", "title", "doi", "url", "title_key")
            .order_by("pk")
        )
    others = list(
        Suggestion.objects.matching(dois, urls)
        .only("pk", "doi", "url", "status")
        .order_by("-created", "-pk")
    )
    for suggestion in suggestions:
        suggestion.catalogue_matches = [
            e for e in entries if suggestion.same_item_as(e) or suggestion.same_title_as(e)
        ]
        suggestion.suggestion_matches = [
            other
            for other in others
            if other.pk != suggestion.pk and suggestion.same_item_as(other)
        ]
    return suggestions
