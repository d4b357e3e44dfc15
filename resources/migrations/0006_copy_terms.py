"""Copy the five old term tables, their links to entries and the links' history (which older
versions of entries show and revert to) into Term, EntryTerm and HistoricalEntryTerm.

Topics keep their ids, because newsletter subscribers refer to them (newsletter migration
0003 points those links at Term). A term of another taxonomy keeps its id too unless an
earlier taxonomy's term already has it; then it gets the next free one.
"""

from django.core.management.color import no_style
from django.db import migrations

# Topics first: see above.
TAXONOMY_FIELDS = {
    "topic": "topics",
    "approach": "approaches",
    "audience": "audiences",
    "population": "populations",
    "region": "regions",
}
BATCH_SIZE = 5000


def new_term_ids(apps):
    """{(taxonomy, old id): new id} for every old term."""
    old_ids = {
        taxonomy: list(apps.get_model("resources", taxonomy).objects.values_list("id", flat=True))
        for taxonomy in TAXONOMY_FIELDS
    }
    next_free = max((max(ids) for ids in old_ids.values() if ids), default=0) + 1
    taken, new_ids = set(), {}
    for taxonomy, ids in old_ids.items():
        for old_id in sorted(ids):
            if old_id in taken:
                new_ids[taxonomy, old_id], next_free = next_free, next_free + 1
            else:
                new_ids[taxonomy, old_id] = old_id
            taken.add(new_ids[taxonomy, old_id])
    return new_ids


def copy_terms(apps, schema_editor):
    Entry = apps.get_model("resources", "Entry")
    Term = apps.get_model("resources", "Term")
    EntryTerm = apps.get_model("resources", "EntryTerm")
    HistoricalEntryTerm = apps.get_model("resources", "HistoricalEntryTerm")
    new_ids = new_term_ids(apps)
    for taxonomy, field in TAXONOMY_FIELDS.items():
        Term.objects.bulk_create(
            Term(id=new_ids[taxonomy, old.id], taxonomy=taxonomy, name=old.name, slug=old.slug,
                 description=old.description, position=old.position)
            for old in apps.get_model("resources", taxonomy).objects.all()
        )  # fmt: skip
        through = Entry._meta.get_field(field).remote_field.through
        links = through.objects.values_list("entry_id", f"{taxonomy}_id")
        EntryTerm.objects.bulk_create(
            (EntryTerm(entry_id=entry_id, term_id=new_ids[taxonomy, term_id])
             for entry_id, term_id in links.iterator(chunk_size=BATCH_SIZE)),
            batch_size=BATCH_SIZE,
        )  # fmt: skip
        versions = apps.get_model("resources", f"HistoricalEntry_{field}")
        rows = versions.objects.values_list("id", "history_id", "entry_id", f"{taxonomy}_id")
        HistoricalEntryTerm.objects.bulk_create(
            (HistoricalEntryTerm(id=link_id, history_id=history_id, entry_id=entry_id,
                                 term_id=new_ids.get((taxonomy, term_id)))
             for link_id, history_id, entry_id, term_id in rows.iterator(chunk_size=BATCH_SIZE)),
            batch_size=BATCH_SIZE,
        )  # fmt: skip
    # Terms were given their ids: Term's sequence must start after them.
    for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [Term]):
        schema_editor.execute(sql)


def remove_copies(apps, schema_editor):
    """Going back: empty the new tables (migration 0007 has filled the old ones again)."""
    for name in ("HistoricalEntryTerm", "EntryTerm", "Term"):
        apps.get_model("resources", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0005_terms_table"),
    ]

    operations = [
        migrations.RunPython(copy_terms, remove_copies),
    ]
