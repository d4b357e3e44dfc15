"""The admin's "Fill from DOI": fetch an entry's Crossref record, show it beside the entry's
own values, and save the fields the curator ticks, through resources/services.py.

Only empty fields are ticked at first, so a filled field changes only when the curator
chooses; each fill is one history version with the reason "Filled from DOI".
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from resources import crossref, services

HISTORY_REASON = "Filled from DOI"


def comparison_rows(entry, work):
    """One row per field Crossref can fill: its label, the entry's value and Crossref's, and
    whether it can be filled (Crossref has a different value) and is ticked (entry's is empty)."""
    rows = []
    for name, offered in work.as_fields().items():
        current = getattr(entry, name)
        is_empty = current in ("", None)
        missing = offered in ("", None)
        fillable = not missing and offered != current
        rows.append(
            {
                "name": name,
                "label": entry._meta.get_field(name).verbose_name.capitalize(),
                "current": current,
                "offered": offered,
                "missing": missing,
                "fillable": fillable,
                "ticked": fillable and is_empty,
            }
        )
    return rows


class FillFromDoiMixin:
    """Adds /admin/resources/<kind>/<pk>/fill-from-doi/ to an entry screen."""

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_fill_from_doi"
        view = self.admin_site.admin_view(self.fill_from_doi_view)
        return [path("<path:object_id>/fill-from-doi/", view, name=name), *super().get_urls()]

    def fill_from_doi_view(self, request, object_id):
        """GET shows Crossref's values for confirmation; POST saves the ticked fields."""
        entry = self.get_object(request, unquote(object_id))
        if entry is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, entry):
            raise PermissionDenied
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[entry.pk]
        )
        try:
            # Fetched again on POST: the saved values come from Crossref, not from the form.
            work = crossref.fetch_work(entry.doi)
        except crossref.CrossrefError as error:
            self.message_user(request, f"Nothing was filled: {error}", messages.ERROR)
            return HttpResponseRedirect(change_url)
        rows = comparison_rows(entry, work)
        if request.method == "POST":
            return self.fill_chosen_fields(request, entry, rows, change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Fill from DOI: {entry.title}",
            "subtitle": entry.doi,
            "opts": self.opts,
            "original": entry,
            "rows": rows,
            "change_url": change_url,
            "has_fillable": any(row["fillable"] for row in rows),
        }
        return TemplateResponse(request, "admin/resources/fill_from_doi.html", context)

    def fill_chosen_fields(self, request, entry, rows, change_url):
        chosen = set(request.POST.getlist("fields"))
        filled = [row for row in rows if row["fillable"] and row["name"] in chosen]
        if not filled:
            self.message_user(request, "No fields were chosen; nothing was changed.", messages.INFO)
            return HttpResponseRedirect(change_url)
        for row in filled:
            setattr(entry, row["name"], row["offered"])
        entry._history_user = request.user
        services.save_entry(entry, reason=HISTORY_REASON)
        names = ", ".join(row["label"].lower() for row in filled)
        self.message_user(request, f"Filled from DOI: {names}.", messages.SUCCESS)
        return HttpResponseRedirect(change_url)
