"""The curators' moderation queue: suggestions from the public, their possible duplicates, and
Accept (a draft entry, filled from Crossref when there is a DOI) or Decline (with a reason).

Nothing a suggester typed is ever rendered as a link here: links and DOIs are shown as text,
and a suggestion is named "Suggestion #12" wherever the admin links to it.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext

from resources.admin import admin_change_link
from suggestions.forms import AcceptForm, DeclineForm
from suggestions.models import (
    AlreadyDecided,
    AlreadyInCatalogue,
    Suggestion,
    SuggestionStatus,
    attach_duplicates,
)

SHOWN_FIELDS = [
    "link_or_doi",
    "doi",
    "url",
    "title",
    "why_useful",
    "kind",
    "email",
    "consent",
    "consent_text",
    "created",
    "summarised_at",
]
DECISION_FIELDS = ["status", "decision", "decline_reason", "draft"]


def suggestion_change_link(suggestion):
    """A link to a suggestion's screen, named by its number and status, never by its content."""
    url = reverse("admin:suggestions_suggestion_change", args=[suggestion.pk])
    return format_html('<a href="{}">{}</a>', url, f"{suggestion} ({suggestion.status})")


class SuggestionChangeList(ChangeList):
    """The changelist, with every row's duplicates found in two queries for the whole page."""

    def get_results(self, request):
        super().get_results(request)
        self.result_list = attach_duplicates(self.result_list)


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    """The moderation queue: every field read-only, decided by Accept or Decline."""

    list_display = ["received", "suggested", "title", "kind", "status", "duplicates"]
    list_display_links = ["received"]
    list_filter = ["status", "kind"]
    search_fields = ["link_or_doi", "doi", "url", "title", "email"]
    ordering = ["-created", "-pk"]
    list_per_page = 50
    show_full_result_count = False
    readonly_fields = [*SHOWN_FIELDS, *DECISION_FIELDS, "duplicates"]
    fieldsets = [
        ("Suggested", {"fields": SHOWN_FIELDS[:6]}),
        ("Possible duplicates", {"fields": ["duplicates"]}),
        ("Suggester", {"fields": ["email", "consent", "consent_text", "created"]}),
        ("Decision", {"fields": [*DECISION_FIELDS, "summarised_at"]}),
    ]
    actions = ["decline_selected"]
    change_form_template = "admin/suggestions/suggestion/change_form.html"

    def has_add_permission(self, request):
        return False  # suggestions come from the public form

    def get_changelist(self, request, **kwargs):
        return SuggestionChangeList

    def changelist_view(self, request, extra_context=None):
        context = {"title": "Suggestions from the public", **(extra_context or {})}
        return super().changelist_view(request, context)

    # Columns and read-only fields. Text only: what the public typed is never a link.

    @admin.display(description="received", ordering="created")
    def received(self, suggestion):
        when = date_format(timezone.localtime(suggestion.created), "j M Y, H:i")
        return f"{suggestion}, {when}"

    @admin.display(description="link or DOI", ordering="link_or_doi")
    def suggested(self, suggestion):
        return suggestion.suggested

    @admin.display(description="decided")
    def decision(self, suggestion):
        return suggestion.decision_summary

    @admin.display(description="draft entry")
    def draft(self, suggestion):
        return admin_change_link(suggestion.entry) if suggestion.entry_id else "-"

    @admin.display(description="possible duplicates")
    def duplicates(self, suggestion):
        """Entries with the same DOI or link, and other suggestions of the same item."""
        if not hasattr(suggestion, "catalogue_matches"):
            attach_duplicates([suggestion])
        parts = []
        if suggestion.catalogue_matches:
            links = format_html_join(
                ", ", "{}", ((admin_change_link(e),) for e in suggestion.catalogue_matches)
            )
            parts.append(format_html("In the catalogue: {}", links))
        if suggestion.suggestion_matches:
            links = format_html_join(
                ", ", "{}", ((suggestion_change_link(s),) for s in suggestion.suggestion_matches)
            )
            parts.append(format_html("Also suggested: {}", links))
        return format_html_join(mark_safe("<br>"), "{}", ((part,) for part in parts)) or "None"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("entry", "decided_by")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Every field is read-only: the change page is for deciding, not editing.
        context.update(show_save=False, show_save_and_continue=False)
        context.update(show_save_and_add_another=False)
        context["title"] = "Decide a suggestion" if obj and not obj.is_decided else "Suggestion"
        if obj is not None and not obj.is_decided:
            context["accept_form"] = AcceptForm(initial={"kind": obj.guessed_kind()})
            context["decline_form"] = DeclineForm()
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Accept and decline: one suggestion from its change page, or declining many at once.

    def get_urls(self):
        def view(method, name):
            name = f"{self.opts.app_label}_{self.opts.model_name}_{name}"
            return self.admin_site.admin_view(method), name

        accept, accept_name = view(self.accept_view, "accept")
        decline, decline_name = view(self.decline_view, "decline")
        return [
            path("<path:object_id>/accept/", accept, name=accept_name),
            path("<path:object_id>/decline/", decline, name=decline_name),
            *super().get_urls(),
        ]

    def _decidable(self, request, object_id):
        """The suggestion, if this curator may decide it (else PermissionDenied)."""
        suggestion = self.get_object(request, unquote(object_id))
        if suggestion is not None and not self.has_change_permission(request, suggestion):
            raise PermissionDenied
        return suggestion

    def _change_url(self, suggestion):
        return reverse("admin:suggestions_suggestion_change", args=[suggestion.pk])

    def accept_view(self, request, object_id):
        """POST: create the draft entry and go to it (or back, with a message, if it cannot)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        suggestion = self._decidable(request, object_id)
        if suggestion is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        back = HttpResponseRedirect(self._change_url(suggestion))
        form = AcceptForm(request.POST)
        if not form.is_valid():
            self.message_user(request, "Choose the kind of entry to add.", messages.ERROR)
            return back
        kind = form.cleaned_data["kind"]
        if not request.user.has_perm(f"resources.add_{kind}"):
            raise PermissionDenied
        try:
            entry, problem = suggestion.accept(request.user, kind=kind)
        except AlreadyDecided as refused:
            self.message_user(request, f"Not changed: {refused}", messages.ERROR)
            return back
        except AlreadyInCatalogue as duplicate:
            self.message_user(
                request,
                format_html(
                    "Not accepted: an entry already has this DOI: {}. Decline the suggestion "
                    "as a duplicate instead.",
                    admin_change_link(duplicate.entry),
                ),
                messages.ERROR,
            )
            return back
        except IntegrityError:
            # Another curator saved an entry with this DOI (or slug) a moment ago.
            self.message_user(
                request,
                "Not accepted: another entry was saved with the same DOI a moment ago. Check "
                "the possible duplicates below.",
                messages.ERROR,
            )
            return back
        self.message_user(
            request,
            f"{suggestion} accepted: this draft was made from it. Check it, fill in what is "
            "missing (the summary at least) and publish it when it is ready.",
            messages.SUCCESS,
        )
        if problem:
            self.message_user(
                request,
                f"Crossref could not fill it in: {problem} The draft has what the suggestion "
                "gave; try “Fill from DOI” later.",
                messages.WARNING,
            )
        return HttpResponseRedirect(
            reverse(f"admin:resources_{entry.kind}_change", args=[entry.pk])
        )

    def decline_view(self, request, object_id):
        """GET asks for the reason; POST declines with it (required)."""
        suggestion = self._decidable(request, object_id)
        if suggestion is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if suggestion.is_decided:
            self.message_user(
                request, f"Not changed: {suggestion.decision_summary}", messages.ERROR
            )
            return HttpResponseRedirect(self._change_url(suggestion))
        form = DeclineForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                suggestion.decline(request.user, form.cleaned_data["reason"])
            except AlreadyDecided as refused:
                self.message_user(request, f"Not changed: {refused}", messages.ERROR)
            else:
                self.message_user(request, f"{suggestion} declined.", messages.SUCCESS)
            return HttpResponseRedirect(self._change_url(suggestion))
        return self.render_decline_page(request, form, [suggestion])

    def render_decline_page(self, request, form, suggestions, *, bulk=False):
        """The page asking for the reason (again, with its error, when it was missing)."""
        context = {
            **self.admin_site.each_context(request),
            "title": "Decline suggestions" if bulk else f"Decline {suggestions[0]}",
            "opts": self.opts,
            "form": form,
            "suggestions": suggestions,
            "bulk": bulk,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        status = 400 if form.is_bound else 200
        return TemplateResponse(
            request, "admin/suggestions/suggestion/decline.html", context, status=status
        )

    @admin.action(
        description="Decline selected suggestions (with one reason)", permissions=["change"]
    )
    def decline_selected(self, request, queryset):
        """Ask for one reason, then decline every selected suggestion still waiting."""
        waiting = list(queryset.filter(status=SuggestionStatus.NEW).order_by("-created", "-pk"))
        form = DeclineForm(request.POST if "reason" in request.POST else None)
        if not form.is_valid():
            if not waiting:
                self.message_user(request, "None of the selected suggestions is waiting.")
                return None
            return self.render_decline_page(request, form, waiting, bulk=True)
        declined = 0
        for suggestion in waiting:
            try:
                suggestion.decline(request.user, form.cleaned_data["reason"])
            except AlreadyDecided:
                continue  # decided by someone else since the page was shown
            declined += 1
        skipped = queryset.count() - declined
        message = ngettext(
            "%(count)d suggestion declined.", "%(count)d suggestions declined.", declined
        ) % {"count": declined}
        if skipped:
            message += ngettext(
                " %(count)d was already decided and was left as it was.",
                " %(count)d were already decided and were left as they were.",
                skipped,
            ) % {"count": skipped}
        self.message_user(request, message, messages.SUCCESS if declined else messages.INFO)
        return None
