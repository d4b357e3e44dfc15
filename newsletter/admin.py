from django.contrib import admin, messages
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.urls import path

# Importing the digest screens registers them.
from newsletter.digest_admin import DigestDeliveryAdmin, DigestIssueAdmin  # noqa: F401
from newsletter.export import access_record_response, subscribers_csv_response
from newsletter.models import Subscriber

ERASED_REPR = "(erased subscriber)"


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    """Curators see and export subscribers; only administrators delete (erasure requests)."""

    list_display = ["email", "name", "status", "created", "confirmed_at", "topic_names"]
    list_filter = ["status", "topics", "created", "confirmed_at", "unsubscribed_at", "bounced_at"]
    search_fields = ["email", "name"]
    date_hierarchy = "created"
    filter_horizontal = ["topics"]
    actions = ["export_selected_confirmed", "export_access_record"]
    # People join only through double opt-in, so the record of their consent is never typed in.
    readonly_fields = [
        "email",
        "status",
        "created",
        "confirmed_at",
        "unsubscribed_at",
        "consent_text",
        "consented_at",
        "last_confirmation_sent_at",
        "bounced_at",
    ]
    fieldsets = [
        (None, {"fields": ["email", "name", "topics", "status"]}),
        (
            "Dates and consent",
            {
                "fields": [
                    "created",
                    "last_confirmation_sent_at",
                    "confirmed_at",
                    "consented_at",
                    "consent_text",
                    "unsubscribed_at",
                    "bounced_at",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("topics")

    @admin.display(description="Topics")
    def topic_names(self, subscriber):
        return ", ".join(topic.name for topic in subscriber.topics.all())

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def delete_model(self, request, obj):
        Subscriber.objects.filter(pk=obj.pk).erase()

    def delete_queryset(self, request, queryset):
        queryset.erase()

    def log_deletions(self, request, queryset):
        """Erasure means the address goes from the admin's history too; only the event stays."""
        content_type = ContentType.objects.get_for_model(Subscriber)
        object_ids = [str(subscriber.pk) for subscriber in queryset]
        LogEntry.objects.filter(content_type=content_type, object_id__in=object_ids).update(
            object_repr=ERASED_REPR
        )
        return LogEntry.objects.bulk_create(
            LogEntry(
                user_id=request.user.pk,
                content_type=content_type,
                object_id=object_id,
                object_repr=ERASED_REPR,
                action_flag=DELETION,
            )
            for object_id in object_ids
        )

    def get_urls(self):
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_confirmed_view),
            name="newsletter_subscriber_export",
        )
        return [export, *super().get_urls()]

    def export_confirmed_view(self, request):
        """Every confirmed subscriber as CSV (the changelist's "Export confirmed" button)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return subscribers_csv_response(Subscriber.objects.confirmed().for_export())

    @admin.action(description="Export selected confirmed subscribers as CSV", permissions=["view"])
    def export_selected_confirmed(self, request, queryset):
        return subscribers_csv_response(queryset.confirmed().for_export())

    @admin.action(
        description="Export everything held about the selected person (JSON, access request)",
        permissions=["view"],
    )
    def export_access_record(self, request, queryset):
        """One person's access record as a download; the export is noted in their history."""
        subscribers = list(queryset[:2])
        if len(subscribers) != 1:
            self.message_user(
                request,
                "Select exactly one subscriber to export what is held about them.",
                messages.WARNING,
            )
            return None
        [subscriber] = subscribers
        response = access_record_response(subscriber)
        self.log_change(request, subscriber, "Exported everything held (access request).")
        return response
