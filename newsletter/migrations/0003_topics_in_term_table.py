"""Subscribers' topics point at the catalogue's one Term table, whose topics kept their ids
(resources migration 0006). Migration 0004 then names the Topic proxy of Term."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0002_curators_permissions"),
        ("resources", "0006_copy_terms"),
    ]
    # The old topic table is dropped only once nothing points at it.
    run_before = [("resources", "0007_drop_old_taxonomy_tables")]

    operations = [
        migrations.AlterField(
            model_name="subscriber",
            name="topics",
            field=models.ManyToManyField(
                blank=True,
                help_text="Topics this person is most interested in.",
                related_name="subscribers",
                to="resources.term",
            ),
        ),
    ]
