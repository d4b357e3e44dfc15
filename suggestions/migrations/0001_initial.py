"""Suggestions from the public, and the Curators group's permissions on them.

Curators view suggestions and decide them (change). They do not delete them (spam is declined,
in bulk if need be), and nobody adds them in the admin: they come from the public form. Erasing
a suggester's record on request is for administrators, as for newsletter subscribers.

Permissions are normally created after all migrations (post_migrate); this migration creates
them itself so it can grant them on a fresh database, and fetches or creates the group so that
the order in which apps' migrations run never matters.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

GROUP_NAME = "Curators"
CURATOR_ACTIONS = ["view", "change"]


def curator_permissions(apps):
    """The suggestion permissions curators get, created here if post_migrate has not yet."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label="suggestions", model="suggestion")
    return [
        Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"{action}_suggestion",
            defaults={"name": f"Can {action} suggestion"},
        )[0]
        for action in CURATOR_ACTIONS
    ]


def grant_to_curators(apps, schema_editor):
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(*curator_permissions(apps))


def revoke_from_curators(apps, schema_editor):
    permissions = apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="suggestions",
        codename__in=[f"{action}_suggestion" for action in CURATOR_ACTIONS],
    )
    for group in apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('resources', '0014_review_due_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='Suggestion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('link_or_doi', models.CharField(help_text='Exactly what was typed.', max_length=500, verbose_name='link or DOI as typed')),
                ('doi', models.CharField(blank=True, db_index=True, max_length=255, verbose_name='DOI')),
                ('url', models.CharField(blank=True, db_index=True, max_length=508, verbose_name='link')),
                ('title', models.CharField(blank=True, max_length=255)),
                ('why_useful', models.TextField(blank=True, max_length=1000, verbose_name='why it is useful')),
                ('kind', models.CharField(blank=True, choices=[('resource', 'Resource'), ('tool', 'Tool'), ('evidence', 'Evidence')], max_length=10)),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name="suggester's email")),
                ('consent', models.BooleanField(default=False, verbose_name='may be emailed about it')),
                ('consent_text', models.TextField(blank=True, help_text='What the suggester agreed to.', verbose_name='consent wording shown')),
                ('status', models.CharField(choices=[('new', 'New'), ('accepted', 'Accepted'), ('declined', 'Declined')], default='new', max_length=10)),
                ('decline_reason', models.TextField(blank=True, max_length=1000)),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('created', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='received')),
                ('summarised_at', models.DateTimeField(blank=True, help_text="When the curators' daily summary listed it.", null=True)),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('entry', models.ForeignKey(blank=True, help_text='The draft created when it was accepted.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='suggestions', to='resources.entry', verbose_name='draft entry')),
            ],
            options={
                'ordering': ['-created', '-pk'],
                'indexes': [models.Index(fields=['status', '-created'], name='suggestion_queue_idx'), models.Index(fields=['created'], name='suggestion_created_idx'), models.Index(condition=models.Q(('summarised_at__isnull', True)), fields=['created'], name='suggestion_unsummarised_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('status__in', ['new', 'accepted', 'declined'])), name='suggestion_status_valid'), models.CheckConstraint(condition=models.Q(models.Q(('decided_at__isnull', True), ('status', 'new')), models.Q(models.Q(('status', 'new'), _negated=True), ('decided_at__isnull', False)), _connector='OR'), name='suggestion_decided_has_date'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'declined'), _negated=True), models.Q(('decline_reason', ''), _negated=True), _connector='OR'), name='suggestion_declined_has_reason'), models.CheckConstraint(condition=models.Q(('email', ''), ('consent', True), _connector='OR'), name='suggestion_email_has_consent')],
            },
        ),
        migrations.RunPython(grant_to_curators, revoke_from_curators),
    ]
