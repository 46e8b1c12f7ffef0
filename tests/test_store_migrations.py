"""Versioned migrations and the schema check at start: empty, older, newer and foreign databases."""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from cqpkit.store import migrations
from cqpkit.store import schema as t
from cqpkit.store.errors import StoreError
from cqpkit.store.store import Store

from tests.test_store_support import CAMPAIGN, ENCRYPTED, campaign_store, db, registry, snapshot, store, undo_migration_4, undo_v5  # noqa: F401 (fixtures)


class TestMigrations:
    """The migrations build exactly the schema the code uses, and upgrade a database in place."""

    def test_init_is_idempotent(self, store):
        """A second `init` on a current database does nothing."""
        assert store.version() == migrations.CURRENT
        assert store.init() == []

    def test_migrated_schema_matches_the_model(self, store):
        """Tables, columns, primary keys and indexes built by the migrations are those of `schema.py`."""
        with store.read() as conn:
            inspector = sa.inspect(conn)
            assert set(inspector.get_table_names()) == set(t.metadata.tables)
            for name, table in t.metadata.tables.items():
                assert [c["name"] for c in inspector.get_columns(name)] == [c.name for c in table.columns], name
                assert set(inspector.get_pk_constraint(name)["constrained_columns"]) == {c.name for c in table.primary_key}, name
                indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes(name)}
                assert indexes == {i.name: [c.name for c in i.columns] for i in table.indexes}, name

    def test_upgrade_from_version_1(self, campaign_store):
        """A database at version 1 is refused until `upgrade`, which rebuilds the deadlines with the engine."""
        before = snapshot(campaign_store)
        with campaign_store.write() as conn:  # back to version 1: no deadlines table, no triggers
            undo_migration_4(conn)
            if campaign_store.target.kind == "sqlite":
                for table in t.APPEND_ONLY:
                    for op in ("update", "delete"):
                        conn.exec_driver_sql(f"DROP TRIGGER {table}_ajout_seul_{op}")
            else:
                for table in t.APPEND_ONLY:
                    conn.exec_driver_sql(f"DROP TRIGGER {table}_ajout_seul ON {table}")
                    conn.exec_driver_sql(f"DROP FUNCTION cqpkit_{table}_ajout_seul()")
            conn.exec_driver_sql("DROP TABLE echeances")
            conn.exec_driver_sql("DROP TABLE personne_acteurs")  # migration 3
            conn.exec_driver_sql("DROP TABLE personnes")
            undo_v5(conn)
            conn.exec_driver_sql("UPDATE cqpkit_meta SET valeur = '1' WHERE cle = 'schema_version'")
        with pytest.raises(StoreError, match=rf"schéma en version 1, cette version de cqpkit attend la version {migrations.CURRENT} .*cqpkit db upgrade"):
            campaign_store.check_schema()
        done = campaign_store.upgrade()
        assert [m.numero for m in done] == [m.numero for m in migrations.MIGRATIONS if m.numero >= 2]
        campaign_store.check_schema()
        after = snapshot(campaign_store)
        # Migration 4 seals the rows it finds (new log entries, a new head); migration 5 writes the keys and
        # ciphertexts anew: everything else is the same, and verify is clean.
        for name in ("audit", "cqpkit_meta", *ENCRYPTED):
            after.pop(name), before.pop(name)
        assert after == before
        assert campaign_store.verify().ok

    def test_newer_schema_is_refused(self, store):
        """A database written by a newer cqpkit is not touched."""
        with store.write() as conn:
            conn.exec_driver_sql("UPDATE cqpkit_meta SET valeur = '99' WHERE cle = 'schema_version'")
        with pytest.raises(StoreError, match="plus récent que cette version de cqpkit"):
            store.check_schema()
        with pytest.raises(StoreError, match="plus récent"):
            store.upgrade()

    def test_empty_database(self, db, registry):
        """An empty database asks for `init`; `upgrade` does not create one."""
        s = Store.open(db, create=True, check=False, registry=registry)
        with pytest.raises(StoreError, match="base vide, non initialisée"):
            s.check_schema()
        with pytest.raises(StoreError, match="non initialisée"):
            s.upgrade()
        s.close()

    def test_foreign_database(self, db, registry):
        """A database with tables that are not cqpkit's is refused, naming the tables found."""
        s = Store.open(db, create=True, check=False, registry=registry)
        with s.write() as conn:
            conn.exec_driver_sql("CREATE TABLE clients (id INTEGER PRIMARY KEY)")
        with pytest.raises(StoreError, match=r"n'est pas une base cqpkit \(table cqpkit_meta absente ; tables trouvées : clients\)"):
            s.init()
        s.close()


class TestOpening:
    """Opening a SQLite file: never created by a read, corrupted files named in French."""

    def test_missing_file_is_not_created(self, tmp_path):
        """A read on a missing file is an error and leaves no file behind."""
        path = tmp_path / "absente.db"
        with pytest.raises(StoreError, match="base introuvable"):
            Store.open(str(path))
        assert not path.exists()

    def test_not_a_database(self, tmp_path):
        """A file that is not SQLite."""
        path = tmp_path / "notes.db"
        path.write_text("ceci n'est pas une base\n" * 100, encoding="utf-8")
        with pytest.raises(StoreError, match="n'est pas une base SQLite"):
            Store.open(str(path))

    def test_unknown_address(self):
        """An address that is neither a path nor a known URL."""
        with pytest.raises(StoreError, match="adresse de base non reconnue"):
            Store.open("mysql://x@y/z")

    def test_pragmas(self, store):
        """SQLite connections enforce foreign keys and overwrite deleted content."""
        if store.target.kind != "sqlite":
            pytest.skip("réglages propres à SQLite")
        with store.read() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        assert isinstance(sqlite3.sqlite_version, str)
