"""Findings and the outcome taxonomy: the Finding table (and its history), the Outcome proxy,
`outcome` among the taxonomies a term may belong to, reserved slugs, and an index for the ids
of the published entries of a kind.

Going back removes findings and every outcome term, which cannot exist before this.
"""

import django.db.models.deletion
import resources.models.base
import resources.models.findings
import simple_history.models
from django.db import migrations, models


def remove_outcomes(apps, schema_editor):
    """Backwards: outcome terms (and so their findings) go before the old taxonomy check."""
    apps.get_model("resources", "Term").objects.filter(taxonomy="outcome").delete()
    if schema_editor.connection.vendor == "postgresql":
        # Check the deferred foreign keys now: PostgreSQL alters no table with checks pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('resources', '0008_search_vector_generated'),
    ]

    operations = [
        migrations.CreateModel(
            name='Finding',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('direction', models.CharField(choices=[('positive', 'Positive'), ('mixed', 'Mixed'), ('no_difference', 'No difference'), ('negative', 'Negative'), ('insufficient', 'Too little evidence')], help_text='What the item reports.', max_length=20, verbose_name='effect')),
                ('note', models.CharField(blank=True, help_text='Optional, one line: what was measured, or for whom.', max_length=300)),
            ],
            options={
                'ordering': ['outcome__position', 'outcome__name'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalFinding',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('direction', models.CharField(choices=[('positive', 'Positive'), ('mixed', 'Mixed'), ('no_difference', 'No difference'), ('negative', 'Negative'), ('insufficient', 'Too little evidence')], help_text='What the item reports.', max_length=20, verbose_name='effect')),
                ('note', models.CharField(blank=True, help_text='Optional, one line: what was measured, or for whom.', max_length=300)),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
            ],
            options={
                'verbose_name': 'HistoricalFinding',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Outcome',
            fields=[
            ],
            options={
                'verbose_name': 'outcome',
                'verbose_name_plural': 'outcomes',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=(resources.models.base.FixedValueProxyMixin, 'resources.term'),
        ),
        migrations.RemoveConstraint(
            model_name='term',
            name='term_taxonomy_valid',
        ),
        migrations.AlterField(
            model_name='entry',
            name='slug',
            field=models.SlugField(help_text="The last part of the entry's web address, as in /evidence/peer-support-for-carers/. Keep it once published.", max_length=255, unique=True, validators=[resources.models.base.validate_slug_not_reserved]),
        ),
        migrations.AlterField(
            model_name='historicalentry',
            name='slug',
            field=models.SlugField(help_text="The last part of the entry's web address, as in /evidence/peer-support-for-carers/. Keep it once published.", max_length=255, validators=[resources.models.base.validate_slug_not_reserved]),
        ),
        migrations.AlterField(
            model_name='term',
            name='taxonomy',
            field=models.CharField(choices=[('topic', 'Topic'), ('approach', 'Approach'), ('audience', 'Audience'), ('population', 'Population'), ('region', 'Region'), ('outcome', 'Outcome')], editable=False, max_length=30),
        ),
        migrations.AddConstraint(
            model_name='term',
            constraint=models.CheckConstraint(condition=models.Q(('taxonomy__in', ['topic', 'approach', 'audience', 'population', 'region', 'outcome'])), name='term_taxonomy_valid'),
        ),
        migrations.AddField(
            model_name='finding',
            name='entry',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='findings', to='resources.entry'),
        ),
        migrations.AddField(
            model_name='finding',
            name='outcome',
            field=models.ForeignKey(limit_choices_to={'taxonomy': 'outcome'}, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='resources.term', validators=[resources.models.findings.validate_outcome_term]),
        ),
        migrations.AddField(
            model_name='entry',
            name='outcomes',
            field=models.ManyToManyField(blank=True, related_name='+', through='resources.Finding', to='resources.term', verbose_name='findings'),
        ),
        migrations.AddIndex(
            model_name='entry',
            index=models.Index(fields=['status', 'kind', 'id'], name='entry_status_kind_id_idx'),
        ),
        migrations.AddField(
            model_name='historicalfinding',
            name='entry',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='resources.entry'),
        ),
        migrations.AddField(
            model_name='historicalfinding',
            name='history',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='resources.historicalentry'),
        ),
        migrations.AddField(
            model_name='historicalfinding',
            name='outcome',
            field=models.ForeignKey(blank=True, db_constraint=False, limit_choices_to={'taxonomy': 'outcome'}, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='resources.term', validators=[resources.models.findings.validate_outcome_term]),
        ),
        migrations.AddIndex(
            model_name='finding',
            index=models.Index(fields=['outcome', 'direction', 'entry'], name='finding_outcome_idx'),
        ),
        migrations.AddIndex(
            model_name='finding',
            index=models.Index(fields=['direction', 'entry'], name='finding_direction_idx'),
        ),
        migrations.AddConstraint(
            model_name='finding',
            constraint=models.UniqueConstraint(fields=('entry', 'outcome'), name='finding_one_per_outcome', violation_error_message='This entry already has a finding for this outcome.'),
        ),
        migrations.AddConstraint(
            model_name='finding',
            constraint=models.CheckConstraint(condition=models.Q(('direction__in', ['positive', 'mixed', 'no_difference', 'negative', 'insufficient'])), name='finding_direction_valid'),
        ),
            migrations.AlterField(
            model_name='term',
            name='description',
            field=models.TextField(blank=True, help_text="Markdown (**bold**, lists, [links](https://…)). Shown on the glossary and, for topics and approaches, on the term's own page."),
        ),
        # Last, so that going back it runs first, while the tables still hold findings.
        # Forwards there is nothing to move: outcome terms come from load_demo or the admin.
        migrations.RunPython(migrations.RunPython.noop, remove_outcomes),
    ]
