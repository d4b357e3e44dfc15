"""The curators' screens: Resources, Tools and Evidence over one Entry table, and the taxonomies.

Each kind (resources/kinds.py) has its own screen on its proxy model, so the kind is fixed by
the screen and the form only shows the fields that kind may have; each taxonomy
(resources/taxonomies.py) has a screen on its proxy too; evidence has its findings inline.
Saves and bulk actions go through resources/services.py, so history records who changed what
(terms and findings included) and `published_at` is set on first publish.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME
from simple_history.template_utils import HistoricalRecordContextHelper

from resources import services
from resources.cache import catalogue_change
from resources.doi_admin import FillFromDoiMixin
from resources.import_admin import EntryImportAdmin
from resources.kinds import KINDS
from resources.models import (
    DOI_PATTERN,
    KIND_MODELS,
    Direction,
    Entry,
    EntryTerm,
    Finding,
    LinkCheck,
    LinkState,
    Status,
    Term,
    normalise_doi,
)
from resources.models.history import history_paused
from resources.taxonomies import TAGGING_TAXONOMIES
from resources.term_admin import TAXONOMY_LIST_FILTERS, term_picker_fields

# ---------------------------------------------------------------------------------------------
# Entries
# ---------------------------------------------------------------------------------------------


def admin_change_link(entry):
    """A link to `entry`'s own admin screen, whichever kind it is."""
    url = reverse(f"admin:resources_{entry.kind}_change", args=[entry.pk])
    return format_html('<a href="{}">{}</a>', url, entry.title)


class EntryAdminForm(forms.ModelForm):
    """The entry form: a term picker per taxonomy, and a duplicate DOI explained on the DOI
    field itself."""

    class Meta:
        error_messages = {
            "slug": {
                "unique": "Another entry already uses this slug (web address): choose another."
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        version = getattr(self.instance, SIMPLE_HISTORY_REVERSE_ATTR_NAME, None)
        if version is not None:
            # simple-history rebuilds only the plain fields of an old version; its terms are
            # kept in the version's own link rows.
            self.show_terms(version.terms.values_list("term_id", flat=True))
        elif self.instance.pk:
            self.show_terms(EntryTerm.objects.filter(entry=self.instance).values_list("term_id"))

    def show_terms(self, term_ids):
        """Fill each taxonomy's picker with its terms among `term_ids`."""
        terms = Term.objects.filter(pk__in=term_ids).values_list("taxonomy", "pk")
        for taxonomy in TAGGING_TAXONOMIES:
            self.initial[taxonomy.plural] = [pk for name, pk in terms if name == taxonomy.name]

    @property
    def chosen_terms(self):
        """Every term picked, in all taxonomies."""
        return [term for t in TAGGING_TAXONOMIES for term in self.cleaned_data.get(t.plural, [])]

    def clean_doi(self):
        # The database refuses a second entry with the same DOI; say which entry has it.
        doi = normalise_doi(self.cleaned_data["doi"])
        duplicate = Entry.objects.other_than(self.instance).with_doi(doi).first()
        if duplicate:
            raise ValidationError(
                format_html(
                    "Another entry already has this DOI: {}.", admin_change_link(duplicate)
                ),
                code="duplicate_doi",
            )
        return doi


class FindingInline(admin.TabularInline):
    """An evidence entry's findings, one row per outcome, edited on the entry's own screen."""

    model = Finding
    fields = ["outcome", "direction", "note"]
    extra = 1
    verbose_name = "finding"
    verbose_name_plural = "Findings: what the item reports, outcome by outcome"


def findings_of_version(version):
    """The findings an entry had in one of its history versions, as unsaved `Finding`s."""
    return [
        Finding(outcome_id=row.outcome_id, direction=row.direction, note=row.note)
        for row in version.outcomes.all()
    ]


class EntryHistoryHelper(HistoricalRecordContextHelper):
    """A version's changes show each finding as "Wellbeing: Positive (note)", so that a changed
    direction or note is visible, not only which outcomes there are."""

    def prepare_delta_change_value(self, change, value):
        if change.field != "outcomes":
            return super().prepare_delta_change_value(change, value)
        return [
            f"{row['outcome']}: {Direction(row['direction']).label}"
            + (f" ({row['note']})" if row["note"] else "")
            for row in value
        ]


class SyntheticFilter(admin.SimpleListFilter):
    """Keep `generate_entries` load-test entries apart from the real catalogue."""

    title = "origin"
    parameter_name = "origin"

    def lookups(self, request, model_admin):
        return [("real", "Curated (real)"), ("synthetic", "Synthetic (generated)")]

    def queryset(self, request, queryset):
        if self.value() == "real":
            return queryset.real()
        if self.value() == "synthetic":
            return queryset.filter(is_synthetic=True)
        return queryset


class DecadeFilter(admin.SimpleListFilter):
    """Year of publication by decade: a handful of choices, and no query to list them."""

    title = "year"
    parameter_name = "decade"
    earliest_decade = 1990

    def lookups(self, request, model_admin):
        latest = timezone.localdate().year // 10 * 10
        decades = [
            (str(start), f"{start}s") for start in range(latest, self.earliest_decade - 1, -10)
        ]
        return [*decades, ("earlier", f"Before {self.earliest_decade}"), ("unknown", "No year")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "earlier":
            return queryset.filter(year__lt=self.earliest_decade)
        if value == "unknown":
            return queryset.filter(year__isnull=True)
        if value and value.isdigit():
            return queryset.filter(year__gte=int(value), year__lt=int(value) + 10)
        return queryset


class ReviewDueFilter(admin.SimpleListFilter):
    """Published entries not reviewed for REVIEW_INTERVAL_MONTHS, with how many there are."""

    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        due = model_admin.get_queryset(request).due_for_review().count()
        return [("due", f"Due for review ({due})")]

    def queryset(self, request, queryset):
        if self.value() == "due":
            return queryset.due_for_review()
        return queryset


class LinkStateFilter(admin.SimpleListFilter):
    """What `manage.py check_links` last found at the entry's link (resources/link_checks.py)."""

    title = "link check"
    parameter_name = "link"

    def lookups(self, request, model_admin):
        return [
            (LinkState.BROKEN, "Broken link"),
            (LinkState.MOVED, "Moved"),
            (LinkState.OK, "OK"),
            ("unchecked", "Not checked yet"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "unchecked":
            return queryset.filter(link_check__isnull=True)
        if self.value() in LinkState.values:
            return queryset.filter(link_check__state=self.value())
        return queryset


class EntryAdmin(FillFromDoiMixin, SimpleHistoryAdmin):
    """What the three kind screens share; each subclass adds its kind's fields and filters."""

    form = EntryAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    spec = None  # the kind's spec (resources/kinds.py), set on each kind's screen

    list_display = ["title", "status", "year", "last_reviewed_on", "updated", "origin"]
    list_per_page = 50
    search_fields = ["title", "summary", "authors", "organisation", "doi"]
    # Newest first uses the primary key index; "updated" has none, and a click sorts by it.
    ordering = ["-pk"]
    # The "(N total)" beside a filtered count costs a second count of the whole kind.
    show_full_result_count = False
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["published_at", "created", "updated", "is_synthetic", "link_check_result"]
    object_history_list_template = "admin/resources/object_history_list.html"
    actions = ["publish", "return_to_draft", "archive", "mark_reviewed_today"]

    @admin.display(description="origin", ordering="is_synthetic")
    def origin(self, entry):
        """Synthetic entries are marked; real ones, the usual case, are left blank."""
        return "Synthetic" if entry.is_synthetic else ""

    def get_list_filter(self, request):
        kind_filters = self.spec.admin_filters
        return [
            "status",
            *kind_filters,
            DecadeFilter,
            *TAXONOMY_LIST_FILTERS,
            "co_produced",
            ReviewDueFilter,
            LinkStateFilter,
            SyntheticFilter,
        ]

    def get_historical_record_context_helper(self, request, historical_record):
        return EntryHistoryHelper(self.model, historical_record)

    def get_inlines(self, request, obj):
        return [FindingInline] if self.spec.has_findings else []

    def get_form(self, request, obj=None, **kwargs):
        pickers = term_picker_fields(self.admin_site)
        kwargs["form"] = type(self.form.__name__, (self.form,), pickers)
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": ["title", "slug", "summary", "body", "curator_note"]}),
            (
                "Source",
                {"fields": ["url", "doi", "organisation", "authors", "publisher", "year"]},
            ),
            self.spec.admin_fieldset,
            (
                "Classification",
                {"fields": [*(taxonomy.plural for taxonomy in TAGGING_TAXONOMIES), "co_produced"]},
            ),
            ("Publishing", {"fields": ["status", "featured", "last_reviewed_on"]}),
            (
                "Provenance",
                {"fields": ["source_seen", "published_at", "created", "updated", "is_synthetic"]},
            ),
            ("Link check", {"fields": ["link_check_result"]}),
        ]

    @admin.display(description="last link check")
    def link_check_result(self, entry):
        """What `manage.py check_links` last found at the link, or that it has not run yet."""
        check = LinkCheck.objects.filter(entry_id=entry.pk).first() if entry.pk else None
        return check.describe() if check else "Not checked yet."

    def get_search_results(self, request, queryset, search_term):
        """A whole DOI, however it is pasted (doi.org link, `doi:`, any case), finds its entry
        by exact match on the DOI index; any other text searches the search fields."""
        if DOI_PATTERN.match(normalise_doi(search_term)):
            return queryset.with_doi(search_term), False
        return super().get_search_results(request, queryset, search_term)

    def view_on_site(self, entry):
        """Only published entries have a public page; drafts are previewed from the form."""
        return entry.get_absolute_url() if entry.is_published else None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            # The form checks slug and DOI, but another curator may save the same one between
            # that check and this save; the database refuses it and rolls the save back.
            self.message_user(
                request,
                "Not saved: another entry was saved with the same slug or DOI a moment ago. "
                "Check them and save again.",
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and not obj.is_published:
            context["preview_url"] = obj.get_absolute_url()
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, entry, form, change):
        """Save through resources.services, terms included. The findings formset saves next
        (`save_related`), and the one history version is written once it has."""
        entry._history_user = request.user
        version = getattr(entry, SIMPLE_HISTORY_REVERSE_ATTR_NAME, None)
        if version is not None:
            # Reverting to an old version: simple-history's form has no inlines, so the
            # version's findings come back with it, and there is no save_related.
            findings = findings_of_version(version) if self.spec.has_findings else None
            services.save_entry(entry, terms=form.chosen_terms, findings=findings)
        else:
            services.save_entry(entry, terms=form.chosen_terms, record_version=False)
        if not change or "url" in form.changed_data:
            self.warn_about_entries_with_the_same_link(request, entry)

    def save_related(self, request, form, formsets, change):
        with catalogue_change(), history_paused():
            super().save_related(request, form, formsets, change)
        services.write_version(form.instance, "~" if change else "+")

    def warn_about_entries_with_the_same_link(self, request, entry):
        """Two entries may share a link (a report and its toolkit), so warn rather than refuse."""
        others = Entry.objects.other_than(entry).with_link(entry.url)[:5]
        if others:
            self.message_user(
                request,
                format_html(
                    "Another entry already has this link ({}): {}. Check this is not a duplicate.",
                    entry.url,
                    format_html_join(", ", "{}", ((admin_change_link(other),) for other in others)),
                ),
                messages.WARNING,
            )

    # Bulk actions. Each saves entry by entry through the model so that history records the
    # change and its author; each reports how many entries it changed.

    def apply_to_each(self, request, entries, change, done):
        count = 0
        for entry in entries:
            change(entry)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d entry %(done)s.", "%(count)d entries %(done)s.", count)
            % {"count": count, "done": done},
            messages.SUCCESS if count else messages.INFO,
        )

    @admin.action(description="Publish selected entries", permissions=["change"])
    def publish(self, request, queryset):
        unpublished = queryset.exclude(status=Status.PUBLISHED)
        self.apply_to_each(request, unpublished, Entry.publish, "published")

    @admin.action(description="Return selected entries to draft", permissions=["change"])
    def return_to_draft(self, request, queryset):
        not_drafts = queryset.exclude(status=Status.DRAFT)
        self.apply_to_each(request, not_drafts, Entry.return_to_draft, "returned to draft")

    @admin.action(description="Archive selected entries", permissions=["change"])
    def archive(self, request, queryset):
        not_archived = queryset.exclude(status=Status.ARCHIVED)
        self.apply_to_each(request, not_archived, Entry.archive, "archived")

    @admin.action(description="Mark selected entries reviewed today", permissions=["change"])
    def mark_reviewed_today(self, request, queryset):
        today = timezone.localdate()
        not_reviewed_today = queryset.exclude(last_reviewed_on=today)
        self.apply_to_each(
            request, not_reviewed_today, lambda entry: entry.mark_reviewed(today), "marked reviewed"
        )


def kind_admin(spec, position):
    """The admin screen of one kind (resources/kinds.py): its fieldset, filters and place."""
    return type(f"{spec.label}Admin", (EntryAdmin,), {"spec": spec, "menu_position": position})


for position, spec in enumerate(KINDS, start=1):
    admin.site.register(KIND_MODELS[spec.value], kind_admin(spec, position))
# Entry itself has only the import's pages (/admin/resources/entry/import/), off the index.
admin.site.register(Entry, EntryImportAdmin)
