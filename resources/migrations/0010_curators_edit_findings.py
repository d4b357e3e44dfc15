"""Curators edit findings on the evidence screen and manage the outcome taxonomy.

They get add/change/delete/view on findings (removing a finding is an edit of the entry, kept
in its history) and on the outcome terms, as on the other taxonomies.
"""

import importlib

from django.db import migrations

curators = importlib.import_module("resources.migrations.0003_curators_group")

NEW_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("finding", "outcome")
    for action in ("add", "change", "delete", "view")
]


def _permissions(apps):
    return apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="resources", codename__in=NEW_PERMISSIONS
    )


def grant(apps, schema_editor):
    curators.create_resources_permissions(apps)
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=curators.GROUP_NAME)
    permissions = _permissions(apps)
    missing = set(NEW_PERMISSIONS) - set(permissions.values_list("codename", flat=True))
    if missing:
        raise RuntimeError(f"Permissions missing for the Curators group: {sorted(missing)}")
    group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=curators.GROUP_NAME).first()
    if group:
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [("resources", "0009_findings_and_outcomes")]

    operations = [migrations.RunPython(grant, revoke)]
