"""Curators see, edit and export newsletter subscribers; deleting one is for administrators.

Permissions are normally created after all migrations (post_migrate); this migration creates
them itself so it can grant them on a fresh database. The group is fetched or created, so the
order in which apps' migrations run never matters.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Curators"
SUBSCRIBER_PERMISSIONS = ["view_subscriber", "change_subscriber"]


def newsletter_permissions(apps, codenames):
    """The newsletter's permissions with these codenames, created first if need be (later
    migrations that grant more use this too)."""
    app_config = apps.get_app_config("newsletter")
    # The migration state's app configs have no models module, which create_permissions skips.
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    permissions = apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="newsletter", codename__in=codenames
    )
    if permissions.count() != len(codenames):
        raise RuntimeError(f"The newsletter's permissions {codenames} could not be created.")
    return permissions


def grant(apps, codenames):
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(*newsletter_permissions(apps, codenames))


def revoke(apps, codenames):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).first()
    if group is not None:
        group.permissions.remove(
            *group.permissions.filter(content_type__app_label="newsletter", codename__in=codenames)
        )


def grant_to_curators(apps, schema_editor):
    grant(apps, SUBSCRIBER_PERMISSIONS)


def revoke_from_curators(apps, schema_editor):
    revoke(apps, SUBSCRIBER_PERMISSIONS)


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
