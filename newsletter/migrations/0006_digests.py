"""Digests sent by the hub: issues, one delivery per person, and bounced addresses.

Curators get the permissions to prepare, send and follow digests (created here, as in 0002,
so they can be granted on a fresh database, with 0002's helpers).
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DIGEST_PERMISSIONS = [
    "add_digestissue",
    "change_digestissue",
    "view_digestissue",
    "send_digestissue",
    "view_digestdelivery",
]
# The grant and revoke helpers of the migration that gave curators the subscriber permissions.
permissions_migration = importlib.import_module("newsletter.migrations.0002_curators_permissions")


def grant_to_curators(apps, schema_editor):
    permissions_migration.grant(apps, DIGEST_PERMISSIONS)


def revoke_from_curators(apps, schema_editor):
    permissions_migration.revoke(apps, DIGEST_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0005_last_signup_at"),
        ("newsletter", "0002_curators_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="subscriber",
            name="bounced_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the mail server refused this address permanently (a 5xx reply). Bounced addresses are sent no digest; signing up again and confirming clears it.",
                null=True,
            ),
        ),
        migrations.CreateModel(
            name="DigestIssue",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("subject", models.CharField(max_length=150)),
                (
                    "intro",
                    models.TextField(
                        blank=True,
                        help_text="Markdown: **bold**, lists, [links](https://…). It opens every email.",
                        verbose_name="introduction",
                    ),
                ),
                (
                    "period_start",
                    models.DateTimeField(
                        blank=True,
                        help_text="Entries published from this moment (included) are in it. Left empty: the end of the last sent issue's period, or 30 days ago.",
                    ),
                ),
                (
                    "period_end",
                    models.DateTimeField(
                        blank=True,
                        help_text="…until this moment (not included). Left empty: the moment sending starts.",
                        null=True,
                    ),
                ),
                (
                    "when_nothing_new",
                    models.CharField(
                        choices=[
                            ("notable", "Send the introduction and the most notable items"),
                            ("skip", "Skip them: send nothing"),
                        ],
                        default="notable",
                        max_length=10,
                        verbose_name="people with nothing new on their topics",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "Draft"), ("sending", "Sending"), ("sent", "Sent")],
                        default="draft",
                        editable=False,
                        max_length=10,
                    ),
                ),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("updated", models.DateTimeField(auto_now=True)),
                ("started_at", models.DateTimeField(blank=True, editable=False, null=True)),
                ("finished_at", models.DateTimeField(blank=True, editable=False, null=True)),
                ("recipient_count", models.PositiveIntegerField(default=0, editable=False)),
                ("sent_count", models.PositiveIntegerField(default=0, editable=False)),
                ("skipped_count", models.PositiveIntegerField(default=0, editable=False)),
                ("failed_count", models.PositiveIntegerField(default=0, editable=False)),
                ("bounced_count", models.PositiveIntegerField(default=0, editable=False)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "digest",
                "ordering": ["-created"],
                "permissions": [("send_digestissue", "Can send a digest to subscribers")],
            },
        ),
        migrations.CreateModel(
            name="DigestDelivery",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("sent", "Sent"),
                            ("skipped", "Skipped (nothing to send, or no longer subscribed)"),
                            ("failed", "Failed (temporary: tried again)"),
                            ("bounced", "Bounced (refused permanently)"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("last_error", models.CharField(blank=True, max_length=500)),
                (
                    "retry_at",
                    models.DateTimeField(
                        blank=True, help_text="When a failed delivery is tried again.", null=True
                    ),
                ),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("updated", models.DateTimeField(auto_now=True)),
                (
                    "subscriber",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="digest_deliveries",
                        to="newsletter.subscriber",
                    ),
                ),
                (
                    "issue",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="newsletter.digestissue",
                    ),
                ),
            ],
            options={
                "verbose_name": "digest delivery",
                "verbose_name_plural": "digest deliveries",
                "ordering": ["pk"],
            },
        ),
        migrations.AddConstraint(
            model_name="digestissue",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("period_end__isnull", True),
                    ("period_end__gt", models.F("period_start")),
                    _connector="OR",
                ),
                name="newsletter_digest_period_ordered",
            ),
        ),
        migrations.AddIndex(
            model_name="digestdelivery",
            index=models.Index(fields=["issue", "status"], name="newsletter_delivery_status"),
        ),
        migrations.AddConstraint(
            model_name="digestdelivery",
            constraint=models.UniqueConstraint(
                fields=("issue", "subscriber"), name="newsletter_delivery_once_per_issue"
            ),
        ),
        migrations.RunPython(grant_to_curators, revoke_from_curators),
    ]
