"""Backups that are proven: a filled database is backed up, restored into a new database, and the
copy has every row, searches (PostgreSQL's generated vector, SQLite's FTS5 index and triggers)
and keeps a curator signed in (hub/backups.py, manage.py backup_database / restore_database).

Runs on whichever database the suite uses (`make test` on SQLite, with DATABASE_URL on
PostgreSQL); the parts that only exist on one of them skip on the other, saying so."""

import sqlite3
from contextlib import contextmanager
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from hub import backups
from newsletter.models import Subscriber
from resources.models import Entry, Kind, Status
from tests.factories import (
    ApproachFactory,
    EntryFactory,
    OutcomeFactory,
    SubscriberFactory,
    TopicFactory,
)

# Committed rows: pg_dump reads the database from another connection. serialized_rollback puts
# back what migrations wrote (the Curators group) for the tests after these.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ON_POSTGRESQL = connection.vendor == "postgresql"
needs_postgresql = pytest.mark.skipif(
    not ON_POSTGRESQL,
    reason="pg_dump archives exist only on PostgreSQL (DATABASE_URL=postgres://…)",
)
needs_sqlite = pytest.mark.skipif(
    ON_POSTGRESQL, reason="the FTS5 index and the online backup API exist only on SQLite"
)


@pytest.fixture
def backup_dir(settings, tmp_path):
    settings.BACKUP_DIR = str(tmp_path / "backups")
    settings.BACKUP_KEEP = 3
    return tmp_path / "backups"


@pytest.fixture
def catalogue(client, curator):
    """A small catalogue of every kind with terms, findings, a draft, history, a subscriber
    and a signed-in curator's session."""
    carers = TopicFactory(name="Carers", slug="carers")
    groups = ApproachFactory(name="Groups", slug="groups")
    wellbeing = OutcomeFactory(name="Wellbeing", slug="wellbeing")
    study = EntryFactory(
        kind=Kind.EVIDENCE,
        title="Peer groups for carers",
        body="Carers met fortnightly aboard zeppelins.",
        topics=[carers],
        approaches=[groups],
        findings=[(wellbeing, "positive", "at six months")],
    )
    EntryFactory(kind=Kind.TOOL, title="Peer support outcome measure", topics=[carers])
    EntryFactory(kind=Kind.RESOURCE, title="Running a peer group", approaches=[groups])
    draft = EntryFactory(title="Unfinished guide to peer mentoring", status=Status.DRAFT)
    SubscriberFactory(confirmed=True).topics.add(carers)
    client.force_login(curator)
    return {"study": study, "draft": draft}


@pytest.fixture
def new_database(tmp_path):
    """The settings of a database that does not exist yet, to restore into; dropped after."""
    source = dict(connection.settings_dict)
    if not ON_POSTGRESQL:
        yield {**source, "NAME": str(tmp_path / "restored.sqlite3")}
        return
    target = {**source, "NAME": f"{source['NAME']}_restored"}
    drop_postgresql_database(target)
    yield target
    drop_postgresql_database(target)


def drop_postgresql_database(settings_dict):
    wrapper = backups.database_wrapper(settings_dict)
    with wrapper._nodb_cursor() as cursor:
        name = wrapper.ops.quote_name(settings_dict["NAME"])
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    wrapper.close()


def database_url(settings_dict):
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    return f"postgres://{settings_dict['USER']}@{host}:{port}/{settings_dict['NAME']}"


def row_counts(wrapper):
    """{table: rows} for every table of a database, the FTS5 index's own tables included."""
    with wrapper.cursor() as cursor:
        tables = wrapper.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {wrapper.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


@contextmanager
def serving_from(settings_dict):
    """Within the block the hub (its pages and the ORM) runs on the database `settings_dict`
    describes, as a hub started with that DATABASE_URL would."""
    original = connections["default"]
    restored = backups.database_wrapper(settings_dict)
    connections["default"] = restored
    cache.clear()
    try:
        yield restored
    finally:
        restored.close()
        connections["default"] = original
        cache.clear()


def back_up():
    out = StringIO()
    call_command("backup_database", stdout=out)
    return out.getvalue()


def test_a_restored_backup_has_every_row_searches_and_keeps_curators_signed_in(
    client, catalogue, backup_dir, new_database
):
    assert "Backed up the database to" in back_up()
    [backup] = backups.backups_in(backup_dir)
    original_counts = row_counts(connection)
    call_command(
        "restore_database",
        str(backup),
        database_url=database_url(new_database),
        interactive=False,
        stdout=StringIO(),
    )

    with serving_from(new_database) as restored:
        assert row_counts(restored) == original_counts
        assert original_counts["resources_entry"] == 4
        assert original_counts[Subscriber._meta.db_table] == 1
        # The search index came along: a word from a description, in another form.
        found = client.get("/search/?q=zeppelin").content.decode()
        assert "Peer groups for carers" in found
        # ... and still follows new writes (PostgreSQL's generated column, SQLite's triggers).
        EntryFactory(title="Written after the restore", body="Balloonists in peer groups.")
        assert "Written after the restore" in client.get("/search/?q=balloonist").content.decode()
        # The curator's session, signed in before the backup, still works on the copy.
        preview = client.get(catalogue["draft"].get_absolute_url())
        assert preview.status_code == 200
        assert "Draft preview" in preview.content.decode()
        assert Entry.objects.count() == 5

    # The original database was left as it was.
    assert row_counts(connection) == original_counts


@needs_postgresql
def test_postgresql_backups_are_pg_dump_custom_archives(catalogue, backup_dir):
    back_up()
    [backup] = backups.backups_in(backup_dir)
    assert backup.suffix == ".dump"
    assert backup.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format


@needs_postgresql
def test_postgresql_restore_fails_whole_and_says_why(backup_dir, new_database, tmp_path):
    broken = tmp_path / "hub-20250101-000000Z.dump"
    broken.write_bytes(b"not an archive")
    with pytest.raises(CommandError, match="pg_restore failed"):
        call_command(
            "restore_database",
            str(broken),
            database_url=database_url(new_database),
            interactive=False,
        )


@needs_sqlite
def test_sqlite_backups_copy_the_search_index_and_its_triggers(catalogue, backup_dir):
    back_up()
    [backup] = backups.backups_in(backup_dir)
    assert backup.suffix == ".sqlite3"
    copy = sqlite3.connect(backup)
    try:
        names = {name for (name,) in copy.execute("SELECT name FROM sqlite_master")}
        assert {"resources_entry_fts", "resources_entry_fts_insert"} <= names
        assert {"resources_entry_fts_update", "resources_entry_fts_delete"} <= names
        matches = copy.execute(
            "SELECT rowid FROM resources_entry_fts WHERE resources_entry_fts MATCH 'zeppelin'"
        ).fetchall()
        assert matches == [(catalogue["study"].pk,)]
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        copy.close()


@needs_sqlite
def test_sqlite_restore_refuses_a_damaged_file(new_database, tmp_path):
    broken = tmp_path / "hub-20250101-000000Z.sqlite3"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(backups.BackupError):
        backups.restore_database(broken, new_database)


def test_backups_are_timestamped_and_only_the_newest_are_kept(catalogue, backup_dir):
    backup_dir.mkdir(parents=True)
    extension = ".dump" if ON_POSTGRESQL else ".sqlite3"
    for day in range(1, 6):
        (backup_dir / f"hub-202501{day:02d}-031500Z{extension}").write_text("old")
    unrelated = backup_dir / "notes.txt"
    unrelated.write_text("kept")
    backups.backup_database(backup_dir, keep=3, now=datetime(2025, 2, 1, 3, 15, tzinfo=UTC))
    assert [path.name for path in backups.backups_in(backup_dir)] == [
        f"hub-20250104-031500Z{extension}",
        f"hub-20250105-031500Z{extension}",
        f"hub-20250201-031500Z{extension}",
    ]
    assert unrelated.exists()
    assert not list(backup_dir.glob(".*partial"))


def test_a_second_backup_in_the_same_second_is_refused_not_overwritten(catalogue, backup_dir):
    moment = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    first = backups.backup_database(backup_dir, keep=3, now=moment)
    size = first.stat().st_size
    with pytest.raises(backups.BackupError, match="already exists"):
        backups.backup_database(backup_dir, keep=3, now=moment)
    assert first.stat().st_size == size


def test_restore_refuses_a_backup_of_the_other_database_kind(new_database, tmp_path):
    other = ".sqlite3" if ON_POSTGRESQL else ".dump"
    backup = tmp_path / f"hub-20250101-000000Z{other}"
    backup.write_bytes(b"whatever")
    with pytest.raises(CommandError, match="is not a backup for"):
        call_command(
            "restore_database",
            str(backup),
            database_url=database_url(new_database),
            interactive=False,
        )


def test_restore_says_so_when_the_file_is_missing(tmp_path):
    with pytest.raises(CommandError, match="There is no backup at"):
        call_command("restore_database", str(tmp_path / "nothing.dump"), interactive=False)


def test_restore_asks_before_replacing_a_database(monkeypatch, new_database, tmp_path):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command(
            "restore_database", str(tmp_path / "x.dump"), database_url=database_url(new_database)
        )
