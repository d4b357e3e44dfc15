"""One table for every taxonomy's terms and one for their links to entries (and the links'
history). Migration 0006 copies the five old term tables into them; 0007 drops the old ones."""

import django.db.models.deletion
import simple_history.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0004_listing_sort_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name='Term',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('taxonomy', models.CharField(choices=[('topic', 'Topic'), ('approach', 'Approach'), ('audience', 'Audience'), ('population', 'Population'), ('region', 'Region')], editable=False, max_length=30)),
                ('name', models.CharField(max_length=100)),
                ('slug', models.SlugField(help_text='Used in shareable listing URLs, as in ?topic=mental-health.', max_length=100)),
                ('description', models.TextField(blank=True)),
                ('position', models.PositiveIntegerField(default=0, help_text='Lower numbers come first in filters; ties sort by name.')),
            ],
            options={
                'ordering': ['position', 'name'],
                'indexes': [models.Index(fields=['taxonomy', 'position', 'name'], name='term_taxonomy_order_idx')],
                'constraints': [models.UniqueConstraint(fields=('taxonomy', 'slug'), name='term_slug_unique_in_taxonomy', violation_error_message='Another term of this taxonomy already has this slug.'), models.UniqueConstraint(fields=('taxonomy', 'name'), name='term_name_unique_in_taxonomy', violation_error_message='Another term of this taxonomy already has this name.'), models.CheckConstraint(condition=models.Q(('taxonomy__in', ['topic', 'approach', 'audience', 'population', 'region'])), name='term_taxonomy_valid')],
            },
        ),
        migrations.CreateModel(
            name='EntryTerm',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('entry', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='resources.entry')),
                ('term', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='resources.term')),
            ],
        ),
        migrations.AddIndex(
            model_name='entryterm',
            index=models.Index(fields=['term', 'entry'], name='entry_term_by_term_idx'),
        ),
        migrations.AddConstraint(
            model_name='entryterm',
            constraint=models.UniqueConstraint(fields=('entry', 'term'), name='entry_term_unique'),
        ),
        migrations.CreateModel(
            name='HistoricalEntryTerm',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('entry', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='resources.entry')),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='resources.historicalentry')),
                ('term', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='resources.term')),
            ],
            options={
                'verbose_name': 'HistoricalEntryTerm',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddField(
            model_name='entry',
            name='terms',
            field=models.ManyToManyField(blank=True, related_name='entries', through='resources.EntryTerm', to='resources.term'),
        ),
    ]
