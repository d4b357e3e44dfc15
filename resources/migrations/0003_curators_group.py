"""The Curators group: charity staff who add, edit, review and publish the catalogue.

Curators get add/change/view on entries (the Entry model and its Resource, Tool and Evidence
proxies, whose permissions have their own content types), add/change/delete/view on the
five taxonomies, and view on the history of entries. They do not delete entries (archiving
keeps public links and citations honest) and they never manage users. Other apps (the
newsletter) add their own permissions to this group in their own migrations.

Permissions are normally created by the post_migrate signal, after every migration has run;
this migration creates them itself so that it can grant them on a fresh database.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Curators"
ENTRY_MODELS = ["entry", "resource", "tool", "evidence"]
TAXONOMY_MODELS = ["topic", "approach", "audience", "population", "region"]

CURATOR_PERMISSIONS = [
    *[f"{action}_{model}" for model in ENTRY_MODELS for action in ("add", "change", "view")],
    *[
        f"{action}_{model}"
        for model in TAXONOMY_MODELS
        for action in ("add", "change", "delete", "view")
    ],
    "view_historicalentry",
]


def create_resources_permissions(apps):
    app_config = apps.get_app_config("resources")
    # create_permissions skips app configs without a models module, which is how the
    # migration state's app configs look; mark this one as having one for the call.
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = models_module


def create_curators_group(apps, schema_editor):
    create_resources_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    permissions = Permission.objects.filter(
        content_type__app_label="resources", codename__in=CURATOR_PERMISSIONS
    )
    missing = set(CURATOR_PERMISSIONS) - set(permissions.values_list("codename", flat=True))
    if missing:
        raise RuntimeError(f"Permissions missing for the Curators group: {sorted(missing)}")
    group.permissions.add(*permissions)


def delete_curators_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0002_search_vector"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_curators_group, delete_curators_group),
    ]
