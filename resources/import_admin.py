"""The admin's import: /admin/resources/entry/import/ takes a RIS, BibTeX or CSV file, then
/admin/resources/entry/import/preview/ shows every row as it would become an entry, with its
errors, its duplicates (linked) and a choice per row; only *Import* writes anything.

Between the steps the uploaded file stays on the server, compressed in the curator's session
(sessions are in the database, so any web process can read it); each step reads it again and
checks it against the catalogue as it is then, so a preview never goes stale unnoticed.
"""

import base64
import uuid
import zlib
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from hub.uploads import upload_was_too_large
from resources.import_formats import FORMAT_LABELS
from resources.imports import (
    CHOICE_LABELS,
    IMPORT_STATUSES,
    ImportPlan,
    ImportRefused,
    max_bytes,
    read_upload,
    size_in_words,
)
from resources.kinds import KINDS, kind_spec
from resources.models import Status, Term
from resources.taxonomies import TAGGING_TAXONOMIES

SESSION_KEY = "entry_import"
# Rows shown on one page of the preview: each has a choice, and a form may send at most
# DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) fields. Rows on other pages keep their choices.
PREVIEW_PAGE_SIZE = 100
SHOW_FILTERS = {
    "all": "Every row",
    "attention": "Duplicates and rows with errors",
    "new": "New rows only",
}


def term_choices():
    """Every tagging term, grouped by taxonomy, for a plain multiple select (no script)."""
    terms = Term.objects.filter(taxonomy__in=[t.name for t in TAGGING_TAXONOMIES])
    grouped = {taxonomy.name: [] for taxonomy in TAGGING_TAXONOMIES}
    for term in terms.values_list("pk", "taxonomy", "name"):
        grouped[term[1]].append((term[0], term[2]))
    return [(t.plural.capitalize(), grouped[t.name]) for t in TAGGING_TAXONOMIES if grouped[t.name]]


class ImportForm(forms.Form):
    """Step 1: the file and what its entries start as."""

    file = forms.FileField(label="File")
    file_format = forms.ChoiceField(
        label="Format",
        required=False,
        choices=[
            ("", "Tell from the file name (.ris, .bib, .csv)"),
            *((value, label) for value, label in FORMAT_LABELS.items()),
        ],
    )
    kind = forms.ChoiceField(
        label="Kind",
        choices=[(spec.value, spec.label) for spec in KINDS],
        help_text="What the entries are. CSV rows with a kind column keep their own kind.",
    )
    status = forms.ChoiceField(
        label="Status of new entries",
        choices=[(status.value, status.label) for status in IMPORT_STATUSES],
        initial=Status.DRAFT,
        help_text="Imports are never published at once: check them, then publish.",
    )
    terms = forms.TypedMultipleChoiceField(
        label="Terms for every new entry",
        coerce=int,
        required=False,
        help_text="Optional. Hold Ctrl (⌘ on a Mac) to pick several.",
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["terms"].choices = term_choices()
        self.fields["file"].help_text = (
            f"RIS, BibTeX or CSV (the hub's own export columns), at most "
            f"{size_in_words(max_bytes())}."
        )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > max_bytes():
            raise forms.ValidationError(self.too_large_message())
        return upload

    def too_large_message(self):
        return (
            f"The file is larger than {size_in_words(max_bytes())}, the most that may be "
            "imported at once: split it into smaller files."
        )

    def full_clean(self):
        super().full_clean()
        if self.request is not None and upload_was_too_large(self.request):
            self._errors.pop("file", None)
            self.add_error("file", self.too_large_message())


def pack(data):
    return base64.b64encode(zlib.compress(data, 6)).decode("ascii")


def unpack(text):
    return zlib.decompress(base64.b64decode(text))


class EntryImportAdmin(admin.ModelAdmin):
    """Only the import's two pages; the entries themselves have a screen per kind, so this one
    is left out of the admin's index."""

    def get_model_perms(self, request):
        return {}

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name=f"{name}_import"),
            path(
                "import/preview/",
                self.admin_site.admin_view(self.preview_view),
                name=f"{name}_import_preview",
            ),
        ]

    def check_permission(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied

    def context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.opts, **extra}

    # -- Step 1 ------------------------------------------------------------------------------

    def import_view(self, request):
        """GET: the upload form; POST: read the file, keep it, and show the preview."""
        self.check_permission(request)
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES, request=request)
            if form.is_valid():
                data = form.cleaned_data["file"].read()
                filename = form.cleaned_data["file"].name
                try:
                    upload = read_upload(
                        data,
                        filename,
                        form.cleaned_data["file_format"],
                        form.cleaned_data["kind"],
                        form.cleaned_data["terms"],
                    )
                except ImportRefused as refused:
                    form.add_error("file", str(refused))
                else:
                    request.session[SESSION_KEY] = {
                        "token": uuid.uuid4().hex,
                        "filename": filename,
                        "format": upload.file_format,
                        "kind": form.cleaned_data["kind"],
                        "status": form.cleaned_data["status"],
                        "terms": form.cleaned_data["terms"],
                        "data": pack(data),
                        "choices": {},
                    }
                    return HttpResponseRedirect(reverse("admin:resources_entry_import_preview"))
        else:
            kind = request.GET.get("kind")
            form = ImportForm(initial={"kind": kind if kind in {s.value for s in KINDS} else ""})
        context = self.context(request, title="Import entries", form=form)
        return TemplateResponse(request, "admin/resources/import_upload.html", context)

    # -- Step 2 and 3 ------------------------------------------------------------------------

    def stored_plan(self, request, stored):
        """The kept file read again, checked against the catalogue as it is now."""
        upload = read_upload(
            unpack(stored["data"]),
            stored["filename"],
            stored["format"],
            stored["kind"],
            stored["terms"],
        )
        return ImportPlan(
            upload,
            status=stored["status"],
            choices=stored["choices"],
            can_update=self.has_change_permission(request),
        )

    def preview_view(self, request):
        """GET: one page of the preview (changes nothing). POST: keep the page's choices, then
        go to another page, cancel, or import."""
        self.check_permission(request)
        stored = request.session.get(SESSION_KEY)
        start_url = reverse("admin:resources_entry_import")
        if not stored:
            self.message_user(request, "Upload a file to import first.", messages.INFO)
            return HttpResponseRedirect(start_url)
        try:
            plan = self.stored_plan(request, stored)
        except (ImportRefused, ValueError, KeyError, zlib.error):
            request.session.pop(SESSION_KEY, None)
            self.message_user(
                request, "The kept file could not be read: upload it again.", messages.ERROR
            )
            return HttpResponseRedirect(start_url)
        if request.method == "POST":
            return self.preview_post(request, stored, plan)
        return self.render_preview(request, stored, plan)

    def filtered_rows(self, plan, show):
        if show == "attention":
            return [row for row in plan.rows if row.errors or row.duplicate]
        if show == "new":
            return [row for row in plan.rows if not (row.errors or row.duplicate)]
        return plan.rows

    def render_preview(self, request, stored, plan):
        show = request.GET.get("show") if request.GET.get("show") in SHOW_FILTERS else "all"
        paginator = Paginator(self.filtered_rows(plan, show), PREVIEW_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        rows = [
            {
                "row": row,
                "choice": plan.choice_of(row),
                "options": [(choice, CHOICE_LABELS[choice]) for choice in plan.allowed(row)],
            }
            for row in page.object_list
        ]
        context = self.context(
            request,
            title=f"Import preview: {stored['filename']}",
            plan=plan,
            upload=plan.upload,
            figures=plan.summary,
            rows=rows,
            page=page,
            show=show,
            show_label=SHOW_FILTERS[show],
            show_filters=SHOW_FILTERS.items(),
            token=stored["token"],
            status_label=Status(stored["status"]).label,
            kind_label=kind_spec(stored["kind"]).label,
        )
        return TemplateResponse(request, "admin/resources/import_preview.html", context)

    def preview_post(self, request, stored, plan):
        preview_url = reverse("admin:resources_entry_import_preview")
        if request.POST.get("token") != stored["token"]:
            self.message_user(
                request,
                "That preview was replaced by a newer upload: check this one before importing.",
                messages.WARNING,
            )
            return HttpResponseRedirect(preview_url)
        if "cancel" in request.POST:
            request.session.pop(SESSION_KEY, None)
            self.message_user(request, "Import cancelled: nothing was changed.", messages.INFO)
            return HttpResponseRedirect(reverse("admin:index"))
        refused = []
        for name, value in request.POST.items():
            if name.startswith("choice-") and name[7:].isdigit():
                try:
                    plan.choose(int(name[7:]), value)
                except ValueError:
                    refused.append(name[7:])
        stored["choices"] = {
            str(number): choice
            for number, choice in plan.choices.items()
            if choice != plan.row(number).default_choice
        }
        request.session.modified = True
        if refused:
            self.message_user(
                request,
                f"Choices not possible for row(s) {', '.join(refused)} were left as they were; "
                "check them and import again.",
                messages.ERROR,
            )
            return HttpResponseRedirect(preview_url)
        if "import" in request.POST:
            if plan.dropped:
                numbers = ", ".join(str(number) for number in sorted(plan.dropped))
                self.message_user(
                    request,
                    f"The catalogue changed since the choices for row(s) {numbers} were made: "
                    "they are back to their defaults. Check them and import again.",
                    messages.WARNING,
                )
                return HttpResponseRedirect(preview_url)
            return self.confirm(request, stored, plan)
        show = request.POST.get("filter") or request.POST.get("show")
        page = (
            "1" if "filter" in request.POST else request.POST.get("go") or request.POST.get("page")
        )
        query = urlencode({"page": page or "1", "show": show if show in SHOW_FILTERS else "all"})
        return HttpResponseRedirect(f"{preview_url}?{query}")

    def confirm(self, request, stored, plan):
        """Step 3: save every chosen row in one transaction, then say what was done."""
        try:
            counts = plan.save(request.user)
        except IntegrityError:
            self.message_user(
                request,
                "Nothing was imported: another entry was saved with the same DOI or slug "
                "meanwhile. Check the preview and import again.",
                messages.ERROR,
            )
            return HttpResponseRedirect(reverse("admin:resources_entry_import_preview"))
        request.session.pop(SESSION_KEY, None)
        changelist = reverse(f"admin:resources_{stored['kind']}_changelist")
        self.message_user(
            request,
            format_html("Imported {}: {}.", stored["filename"], str(counts)),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(changelist)
