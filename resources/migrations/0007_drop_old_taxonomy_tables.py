"""Drop the five old term tables, their link tables and the links' history (0006 copied them
into Term and EntryTerm), and give each taxonomy its proxy of Term.

Going back, the old tables are made again and filled from Term (see copy_terms_back): each
term takes its Term id, so topics get their first ids back (0006 kept them) and newsletter
subscribers' topics stay right; a term of another taxonomy may come back with a new id.
"""

import django.db.models.deletion
from django.core.management.color import no_style
from django.db import migrations

import resources.models.base

TAXONOMY_FIELDS = {
    "topic": "topics",
    "approach": "approaches",
    "audience": "audiences",
    "population": "populations",
    "region": "regions",
}
BATCH_SIZE = 5000


def copy_terms_back(apps, schema_editor):
    """Fill the old tables from Term, EntryTerm and the links' history."""
    Entry = apps.get_model("resources", "Entry")
    Term = apps.get_model("resources", "Term")
    EntryTerm = apps.get_model("resources", "EntryTerm")
    HistoricalEntryTerm = apps.get_model("resources", "HistoricalEntryTerm")
    old_tables = []
    for taxonomy, field in TAXONOMY_FIELDS.items():
        model = apps.get_model("resources", taxonomy)
        old_tables.append(model)
        model.objects.bulk_create(
            model(id=term.id, name=term.name, slug=term.slug, description=term.description,
                  position=term.position)
            for term in Term.objects.filter(taxonomy=taxonomy)
        )  # fmt: skip
        through = Entry._meta.get_field(field).remote_field.through
        links = EntryTerm.objects.filter(term__taxonomy=taxonomy).values_list("entry_id", "term_id")
        through.objects.bulk_create(
            (through(entry_id=entry_id, **{f"{taxonomy}_id": term_id})
             for entry_id, term_id in links.iterator(chunk_size=BATCH_SIZE)),
            batch_size=BATCH_SIZE,
        )  # fmt: skip
        versions = apps.get_model("resources", f"HistoricalEntry_{field}")
        old_tables.append(through)
        rows = HistoricalEntryTerm.objects.filter(term__taxonomy=taxonomy).values_list(
            "id", "history_id", "entry_id", "term_id"
        )
        versions.objects.bulk_create(
            (versions(id=link_id, history_id=history_id, entry_id=entry_id,
                      **{f"{taxonomy}_id": term_id})
             for link_id, history_id, entry_id, term_id in rows.iterator(chunk_size=BATCH_SIZE)),
            batch_size=BATCH_SIZE,
        )  # fmt: skip
    # Rows were given their ids: the tables' sequences must start after them.
    for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), old_tables):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0006_copy_terms"),
    ]

    operations = [
        # Last when going back: the old tables exist again by then.
        migrations.RunPython(migrations.RunPython.noop, copy_terms_back),
        migrations.RemoveField(
            model_name='historicalentry_approaches',
            name='approach',
        ),
        migrations.RemoveField(
            model_name='entry',
            name='approaches',
        ),
        migrations.RemoveField(
            model_name='entry',
            name='audiences',
        ),
        migrations.RemoveField(
            model_name='historicalentry_audiences',
            name='audience',
        ),
        migrations.RemoveField(
            model_name='historicalentry_approaches',
            name='entry',
        ),
        migrations.RemoveField(
            model_name='historicalentry_approaches',
            name='history',
        ),
        migrations.RemoveField(
            model_name='historicalentry_audiences',
            name='entry',
        ),
        migrations.RemoveField(
            model_name='historicalentry_audiences',
            name='history',
        ),
        migrations.RemoveField(
            model_name='historicalentry_populations',
            name='entry',
        ),
        migrations.RemoveField(
            model_name='historicalentry_populations',
            name='history',
        ),
        migrations.RemoveField(
            model_name='historicalentry_populations',
            name='population',
        ),
        migrations.RemoveField(
            model_name='historicalentry_regions',
            name='entry',
        ),
        migrations.RemoveField(
            model_name='historicalentry_regions',
            name='history',
        ),
        migrations.RemoveField(
            model_name='historicalentry_regions',
            name='region',
        ),
        migrations.RemoveField(
            model_name='historicalentry_topics',
            name='entry',
        ),
        migrations.RemoveField(
            model_name='historicalentry_topics',
            name='history',
        ),
        migrations.RemoveField(
            model_name='historicalentry_topics',
            name='topic',
        ),
        migrations.RemoveField(
            model_name='entry',
            name='populations',
        ),
        migrations.RemoveField(
            model_name='entry',
            name='regions',
        ),
        migrations.RemoveField(
            model_name='entry',
            name='topics',
        ),
        migrations.DeleteModel(
            name='Approach',
        ),
        migrations.DeleteModel(
            name='Audience',
        ),
        migrations.DeleteModel(
            name='HistoricalEntry_approaches',
        ),
        migrations.DeleteModel(
            name='HistoricalEntry_audiences',
        ),
        migrations.DeleteModel(
            name='HistoricalEntry_populations',
        ),
        migrations.DeleteModel(
            name='HistoricalEntry_regions',
        ),
        migrations.DeleteModel(
            name='HistoricalEntry_topics',
        ),
        migrations.DeleteModel(
            name='Population',
        ),
        migrations.DeleteModel(
            name='Region',
        ),
        migrations.DeleteModel(
            name='Topic',
        ),
        migrations.AlterModelOptions(
            name='evidence',
            options={'verbose_name': 'evidence', 'verbose_name_plural': 'evidence'},
        ),
        migrations.AlterModelOptions(
            name='resource',
            options={'verbose_name': 'resource', 'verbose_name_plural': 'resources'},
        ),
        migrations.AlterModelOptions(
            name='tool',
            options={'verbose_name': 'tool', 'verbose_name_plural': 'tools'},
        ),
        migrations.CreateModel(
            name='Approach',
            fields=[
            ],
            options={
                'verbose_name': 'approach',
                'verbose_name_plural': 'approaches',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=(resources.models.base.FixedValueProxyMixin, 'resources.term'),
        ),
        migrations.CreateModel(
            name='Audience',
            fields=[
            ],
            options={
                'verbose_name': 'audience',
                'verbose_name_plural': 'audiences',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=(resources.models.base.FixedValueProxyMixin, 'resources.term'),
        ),
        migrations.CreateModel(
            name='Population',
            fields=[
            ],
            options={
                'verbose_name': 'population',
                'verbose_name_plural': 'populations',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=(resources.models.base.FixedValueProxyMixin, 'resources.term'),
        ),
        migrations.CreateModel(
            name='Region',
            fields=[
            ],
            options={
                'verbose_name': 'region',
                'verbose_name_plural': 'regions',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=(resources.models.base.FixedValueProxyMixin, 'resources.term'),
        ),
        migrations.CreateModel(
            name='Topic',
            fields=[
            ],
            options={
                'verbose_name': 'topic',
                'verbose_name_plural': 'topics',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=(resources.models.base.FixedValueProxyMixin, 'resources.term'),
        ),
    ]
