"""The taxonomies in the admin: a screen per taxonomy, and the entry form's term pickers
(one per taxonomy, over the one `Entry.terms` relation) with their autocomplete and filters."""

import copy
from dataclasses import dataclass
from types import SimpleNamespace

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelectMultiple

from resources.models import TAXONOMY_MODELS, Entry, EntryTerm
from resources.taxonomies import TAGGING_TAXONOMIES

# ---------------------------------------------------------------------------------------------
# Taxonomies
# ---------------------------------------------------------------------------------------------


class TermAdminForm(forms.ModelForm):
    """A term's form. The screen fixes the taxonomy, and the form checks that no other term
    of that taxonomy has the name or slug (the database would refuse it)."""

    def clean(self):
        cleaned = super().clean()
        # Django leaves out constraints on fields the form does not show, and the taxonomy
        # is one, so the term's own constraints are checked here with the typed values.
        term = copy.copy(self.instance)
        for field in ("name", "slug"):
            if field in cleaned:
                setattr(term, field, cleaned[field])
        term.validate_constraints(exclude={"description", "position"})
        return cleaned


class TermAdmin(admin.ModelAdmin):
    """One screen per taxonomy: order the terms, see how much each is used."""

    form = TermAdminForm
    list_display = ["name", "slug", "position", "entry_count"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]  # also what the entry forms' autocomplete searches
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description", "position"]

    def get_queryset(self, request):
        taxonomy = self.model._meta.model_name
        return super().get_queryset(request).with_entry_count(taxonomy)

    @admin.display(description="entries", ordering="entry_count")
    def entry_count(self, term):
        return term.entry_count


for taxonomy_model in TAXONOMY_MODELS.values():
    admin.site.register(taxonomy_model, TermAdmin)


@dataclass(frozen=True)
class TaxonomyRelation:
    """An entry's terms of one taxonomy, described as the admin's autocomplete widget and view
    expect of a relation field: `Entry.terms` holds every taxonomy, each form field one."""

    model: type
    name: str
    remote_model: type

    @property
    def remote_field(self):
        return SimpleNamespace(model=self.remote_model)

    def get_limit_choices_to(self):
        return {}


def taxonomy_relation(model, field_name):
    """The relation behind the term picker `field_name` ("topics") of `model`'s form, or None."""
    for taxonomy in TAGGING_TAXONOMIES:
        if taxonomy.plural == field_name and issubclass(model, Entry):
            return TaxonomyRelation(model, field_name, TAXONOMY_MODELS[taxonomy.name])
    return None


class TermAutocompleteJsonView(AutocompleteJsonView):
    """The admin's autocomplete, also answering the entry form's term pickers (`topics`, …),
    with the terms of that taxonomy that its screen's search finds."""

    def process_request(self, request):
        try:
            model = apps.get_model(request.GET["app_label"], request.GET["model_name"])
        except (KeyError, LookupError):
            return super().process_request(request)
        relation = taxonomy_relation(model, request.GET.get("field_name"))
        if relation is None:
            return super().process_request(request)
        model_admin = self.admin_site.get_model_admin(relation.remote_model)
        return request.GET.get("term", ""), model_admin, relation, "id"


class TermPicker(AutocompleteSelectMultiple):
    """Type part of a term's name to find it: usable with hundreds of terms.

    Each chosen term has its own remove button, so select2's "remove all" button is left
    out; it would also be a <span> inside the widget's list (WCAG 1.3.1).
    """

    def build_attrs(self, base_attrs, extra_attrs=None):
        return {**super().build_attrs(base_attrs, extra_attrs), "data-allow-clear": "false"}


def term_picker_fields(admin_site):
    """The entry form's term pickers, one per taxonomy: `topics`, `approaches`, …"""
    return {
        taxonomy.plural: forms.ModelMultipleChoiceField(
            queryset=TAXONOMY_MODELS[taxonomy.name].objects.all(),
            required=False,
            label=taxonomy.plural.capitalize(),
            widget=TermPicker(taxonomy_relation(Entry, taxonomy.plural), admin_site),
        )
        for taxonomy in TAGGING_TAXONOMIES
    }


class TaxonomyListFilter(admin.SimpleListFilter):
    """Entries filed under one term of a taxonomy, or (the last choice, "None") under none."""

    taxonomy = None
    none = "none"

    def lookups(self, request, model_admin):
        terms = TAXONOMY_MODELS[self.taxonomy.name].objects.values_list("pk", "name")
        return [(str(pk), name) for pk, name in terms] + [(self.none, "None")]

    def queryset(self, request, queryset):
        in_taxonomy = EntryTerm.objects.filter(term__taxonomy=self.taxonomy.name)
        if self.value() == self.none:
            return queryset.exclude(pk__in=in_taxonomy.values("entry_id"))
        # Only a term on offer: a stale or made-up ?topic= value leaves the list unfiltered.
        if self.value() in {value for value, _ in self.lookup_choices}:
            return queryset.filter(pk__in=in_taxonomy.filter(term=self.value()).values("entry_id"))
        return queryset


TAXONOMY_LIST_FILTERS = [
    type(
        f"{taxonomy.model_name}ListFilter",
        (TaxonomyListFilter,),
        {"taxonomy": taxonomy, "title": taxonomy.label.lower(), "parameter_name": taxonomy.name},
    )
    for taxonomy in TAGGING_TAXONOMIES
]
