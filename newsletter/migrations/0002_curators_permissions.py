"""Curators see, edit and export newsletter subscribers; deleting one is for administrators.

Permissions are normally created after all migrations (post_migrate); this migration creates
them itself so it can grant them on a fresh database. The group is fetched or created, so the
order in which apps' migrations run never matters.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Curators"
SUBSCRIBER_PERMISSIONS = ["view_subscriber", "change_subscriber"]


def subscriber_permissions(apps):
    app_config = apps.get_app_config("newsletter")
    # The migration state's app configs have no models module, which create_permissions skips.
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    permissions = apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="newsletter", codename__in=SUBSCRIBER_PERMISSIONS
    )
    if permissions.count() != len(SUBSCRIBER_PERMISSIONS):
        raise RuntimeError("The newsletter's subscriber permissions could not be created.")
    return permissions


def grant_to_curators(apps, schema_editor):
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(*subscriber_permissions(apps))


def revoke_from_curators(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).first()
    if group is not None:
        group.permissions.remove(
            *group.permissions.filter(
                content_type__app_label="newsletter", codename__in=SUBSCRIBER_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0001_initial"),
        ("resources", "0003_curators_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(grant_to_curators, revoke_from_curators),
    ]
