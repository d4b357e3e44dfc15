from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0003_topics_in_term_table"),
        ("resources", "0007_drop_old_taxonomy_tables"),
    ]

    operations = [
        migrations.AlterField(
            model_name="subscriber",
            name="topics",
            field=models.ManyToManyField(
                blank=True,
                help_text="Topics this person is most interested in.",
                related_name="subscribers",
                to="resources.topic",
            ),
        ),
    ]
