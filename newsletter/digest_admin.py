"""Digests in the admin: curators prepare a draft, preview it, send themselves a test, send it
and follow its progress; the delivery log lists what happened to each person."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from hub.admin import LogAdmin
from hub.tasks import send_in_background
from newsletter.digests import DigestPlan, digest_email, topic_sets
from newsletter.models import (
    DeliveryStatus,
    DigestDelivery,
    DigestIssue,
    DigestStatus,
    Subscriber,
)
from newsletter.tasks import start_digest
from resources.models import Topic

# The HTML part shown on its own (and framed by the preview page): no scripts, images,
# fonts, forms or base URL, and framed only by the hub's own pages. Its styles are allowed
# inline because an email can only carry inline styles (a <style> block and style
# attributes), and this response is a sandboxed document that runs no script; the site's
# own policy (hub/settings.py) is unchanged.
PREVIEW_CSP = (
    "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; "
    "base-uri 'none'; form-action 'none'; sandbox"
)
SEND_PERMISSION = "newsletter.send_digestissue"
# How often the progress page refreshes its counts (static/js/digest-progress.js).
PROGRESS_REFRESH_SECONDS = 5


class DigestPreviewForm(forms.Form):
    """Whose digest to preview: a subscriber's, or that of someone with these topics."""

    email = forms.EmailField(
        label="A subscriber's address",
        required=False,
        help_text="Shows exactly what this subscriber will receive.",
    )
    topics = forms.ModelMultipleChoiceField(
        label="Or someone with these topics",
        queryset=Topic.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: someone who chose no topics, who gets everything.",
    )

    def clean_email(self):
        email = self.cleaned_data["email"]
        if email:
            self.subscriber = Subscriber.objects.with_email(email).first()
            if self.subscriber is None:
                raise forms.ValidationError("No subscriber has this address.")
        return email

    def sample(self, stand_in_email):
        """(recipient, topic ids, description) of the chosen sample. Without a subscriber the
        recipient is an unsaved stand-in, whose unsubscribe links lead nowhere."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("email"):
            subscriber = self.subscriber
            topic_ids = frozenset(subscriber.topics.values_list("pk", flat=True))
            return subscriber, topic_ids, subscriber.email
        topics = list(data.get("topics") or [])
        stand_in = Subscriber(email=stand_in_email or "preview@example.org")
        if topics:
            names = ", ".join(topic.name for topic in topics)
            return stand_in, frozenset(t.pk for t in topics), f"someone with the topics {names}"
        return stand_in, frozenset(), "someone who chose no topics"


def sample_query(data):
    """The query string that chooses the same sample (address and topics) again."""
    return urlencode([(key, value) for key in ("email", "topics") for value in data.getlist(key)])


class DigestIssueForm(forms.ModelForm):
    class Meta:
        model = DigestIssue
        fields = ["subject", "intro", "period_start", "period_end", "when_nothing_new"]


@admin.register(DigestIssue)
class DigestIssueAdmin(admin.ModelAdmin):
    """Drafts are edited; an issue being sent or sent is shown read-only with its totals."""

    form = DigestIssueForm
    list_display = [
        "subject", "status", "period_start", "period_end", "recipient_count", "sent_count",
        "bounced_count", "failed_count", "created",
    ]  # fmt: skip
    list_filter = ["status"]
    search_fields = ["subject"]
    fields = ["subject", "intro", "period_start", "period_end", "when_nothing_new"]
    readonly_totals = [
        "status", "created_by", "started_at", "finished_at", "recipient_count", "sent_count",
        "skipped_count", "failed_count", "bounced_count",
    ]  # fmt: skip

    def get_fields(self, request, obj=None):
        return self.fields + (self.readonly_totals if obj else [])

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_totals if obj else []

    def get_changeform_initial_data(self, request):
        return {"period_start": DigestIssue.objects.default_period_start(), **super()
                .get_changeform_initial_data(request)}  # fmt: skip

    def has_change_permission(self, request, obj=None):
        """Only drafts change: what was sent stays as it was sent."""
        return super().has_change_permission(request, obj) and (obj is None or obj.is_draft)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_draft)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        def view(function, suffix, route):
            return path(
                f"<int:object_id>/{route}",
                self.admin_site.admin_view(function),
                name=f"newsletter_digestissue_{suffix}",
            )

        return [
            view(self.preview_view, "preview", "preview/"),
            view(self.preview_html_view, "preview_html", "preview/html/"),
            view(self.test_send_view, "test_send", "test-send/"),
            view(self.send_view, "send", "send/"),
            view(self.progress_view, "progress", "progress/"),
            *super().get_urls(),
        ]

    def issue_for(self, request, object_id, *, send=False):
        issue = get_object_or_404(DigestIssue, pk=object_id)
        if not self.has_view_permission(request, issue):
            raise PermissionDenied
        if send and not request.user.has_perm(SEND_PERMISSION):
            raise PermissionDenied
        return issue

    def page(self, request, issue, template, title, **context):
        return TemplateResponse(
            request,
            f"admin/newsletter/digestissue/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": issue,
                "issue": issue,
                "title": title,
                "may_send": request.user.has_perm(SEND_PERMISSION),
                **context,
            },
        )

    def render_sample(self, request, issue, form):
        plan = DigestPlan(issue)
        recipient, topic_ids, description = form.sample(request.user.email)
        content = plan.content_for(topic_ids)
        message = digest_email(recipient, plan, content) if content is not None else None
        return plan, message, description

    def preview_view(self, request, object_id):
        """The email for a chosen subscriber or set of topics (text here, HTML framed from
        preview_html_view) and how many people will receive it."""
        issue = self.issue_for(request, object_id)
        form = DigestPreviewForm(request.GET or None)
        plan, message, description = self.render_sample(request, issue, form)
        query = sample_query(request.GET) if form.is_bound and form.is_valid() else ""
        return self.page(
            request,
            issue,
            "preview.html",
            f"Preview: {issue.subject}",
            form=form,
            message=message,
            description=description,
            audience=plan.audience(topic_sets()),
            plan=plan,
            html_url=reverse("admin:newsletter_digestissue_preview_html", args=[issue.pk])
            + (f"?{query}" if query else ""),
        )

    def preview_html_view(self, request, object_id):
        """The HTML part alone, under a policy that lets it run nothing and load nothing."""
        issue = self.issue_for(request, object_id)
        _, message, description = self.render_sample(
            request, issue, DigestPreviewForm(request.GET or None)
        )
        if message is None:
            html = (
                '<!doctype html><html lang="en-GB"><title>Skipped</title>'
                f"<p>Nothing would be sent to {description}.</p></html>"
            )
        else:
            html = message.alternatives[0][0]
        response = HttpResponse(html)
        response["Content-Security-Policy"] = PREVIEW_CSP
        response["X-Frame-Options"] = "SAMEORIGIN"
        return response

    def test_send_view(self, request, object_id):
        """Queue the previewed email to the curator's own address (POST)."""
        issue = self.issue_for(request, object_id, send=True)
        if request.method != "POST":
            return redirect("admin:newsletter_digestissue_preview", issue.pk)
        form = DigestPreviewForm(request.POST)
        back = reverse("admin:newsletter_digestissue_preview", args=[issue.pk])
        back += f"?{sample_query(request.POST)}"
        if not request.user.email:
            self.message_user(request, "Your account has no email address.", messages.ERROR)
            return redirect(back)
        plan = DigestPlan(issue)
        _, topic_ids, description = form.sample(request.user.email)
        content = plan.content_for(topic_ids)
        if content is None:
            self.message_user(
                request, f"Nothing would be sent to {description}: no test sent.", messages.WARNING
            )
            return redirect(back)
        stand_in = Subscriber(email=request.user.email)
        message = digest_email(stand_in, plan, content, subject=f"[Test] {issue.subject}")
        send_in_background(message)
        self.message_user(request, f"A test ({description}) is on its way to {request.user.email}.")
        return redirect(back)

    def send_view(self, request, object_id):
        """Ask for confirmation, then queue the sending (POST)."""
        issue = self.issue_for(request, object_id, send=True)
        if not issue.is_draft:
            return redirect("admin:newsletter_digestissue_progress", issue.pk)
        if request.method == "POST":
            # Taken from the drafts first, so a second press (or a second curator) sends
            # nothing more. Not in one transaction with the enqueue: the immediate backend
            # sends right there, and each delivery must be committed as it goes.
            taken = DigestIssue.objects.filter(pk=issue.pk, status=DigestStatus.DRAFT)
            if taken.update(status=DigestStatus.SENDING):
                start_digest.enqueue(issue_id=issue.pk)
                self.log_change(request, issue, "Sent to subscribers.")
            return redirect("admin:newsletter_digestissue_progress", issue.pk)
        plan = DigestPlan(issue)
        return self.page(
            request,
            issue,
            "send.html",
            f"Send {issue.subject}?",
            audience=plan.audience(topic_sets()),
            plan=plan,
        )

    def progress_view(self, request, object_id):
        """Counts by status while it is sent (refreshed by static/js/digest-progress.js) and
        the summary when done, with links to the delivery log."""
        issue = self.issue_for(request, object_id)
        counts = issue.status_counts()
        log_url = reverse("admin:newsletter_digestdelivery_changelist")
        rows = [
            {
                "label": label,
                "count": counts[value],
                "url": f"{log_url}?"
                + urlencode({"issue__id__exact": issue.pk, "status__exact": value}),
            }
            for value, label in DeliveryStatus.choices
        ]
        return self.page(
            request,
            issue,
            "progress.html",
            f"Sending {issue.subject}",
            rows=rows,
            total=sum(counts.values()),
            done=counts[DeliveryStatus.SENT]
            + counts[DeliveryStatus.SKIPPED]
            + counts[DeliveryStatus.BOUNCED],
            finished=issue.status == DigestStatus.SENT,
            log_url=f"{log_url}?{urlencode({'issue__id__exact': issue.pk})}",
            refresh_seconds=PROGRESS_REFRESH_SECONDS,
        )


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(LogAdmin):
    """The delivery log: what happened to each person, filterable by issue and status."""

    list_display = ["subscriber", "issue", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "issue"]
    list_select_related = ["subscriber", "issue"]
    search_fields = ["subscriber__email"]
    readonly_fields = [
        "issue", "subscriber", "status", "attempts", "sent_at", "retry_at", "last_error",
    ]  # fmt: skip
