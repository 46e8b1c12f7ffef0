"""Shared set-up of the store tests (no test here): the databases, a registry, generated dossiers.

Every store test runs on SQLite, and on PostgreSQL: the server of ``CQPKIT_TEST_POSTGRES_URL``
(``.ci/run`` sets it), else the local server when one answers on the default address
(:data:`LOCAL_POSTGRES`, trust authentication, database ``test``: what the README's test command
finds on a developer's machine; the session header says which). Each PostgreSQL test gets a fresh
schema of its own, dropped afterwards, passed to cqpkit through the URL (``options=-csearch_path=…``).
With neither, the PostgreSQL tests skip and say why (one line for the group in the summary) — except
under ``CI=true``, where they fail: CI must run them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BUNDLED, ROOT

CAMPAIGN = ROOT / "examples" / "campaign"
PG_ENV = "CQPKIT_TEST_POSTGRES_URL"
SP = "mutualite.specialiste-prestations"


#: The local server the tests use when ``CQPKIT_TEST_POSTGRES_URL`` is not set and it answers.
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
_probed: list[str] = []


def local_postgres() -> str:
    """:data:`LOCAL_POSTGRES` when a server answers there within a second, else ``""`` (asked once per session)."""
    if not _probed:
        found = ""
        try:
            import psycopg

            with psycopg.connect(LOCAL_POSTGRES, connect_timeout=1) as conn:
                conn.execute("SELECT 1")
            found = LOCAL_POSTGRES
        except Exception:  # no driver, no server, another authentication: the tests skip and say so
            found = ""
        _probed.append(found)
    return _probed[0]


def postgres_url() -> tuple[str, str]:
    """The server URL the PostgreSQL tests use and where it comes from (``""`` when none)."""
    url = os.environ.get(PG_ENV, "").strip()
    if url:
        return url, PG_ENV
    local = local_postgres()
    return local, "serveur local détecté" if local else ""


def postgres_url_or_skip() -> str:
    """The server URL (environment, else the local server); skip (or fail under ``CI=true``) without one."""
    url, _ = postgres_url()
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{PG_ENV} n'est pas défini alors que CI=true : les tests PostgreSQL sont obligatoires en CI (.ci/run le définit)")
        pytest.skip(
            f"PostgreSQL non configuré : {PG_ENV} n'est pas défini et aucun serveur ne répond sur {LOCAL_POSTGRES} ; "
            f"définissez {PG_ENV} pour lancer ces tests"
        )
    return url


@contextlib.contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """A fresh schema on the server, as a URL for ``--db``; dropped at the end."""
    import sqlalchemy as sa

    name = f"cqpkit_test_{os.getpid()}_{secrets.token_hex(4)}"
    engine = sa.create_engine(base_url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    except Exception as exc:  # the server is configured but does not answer: say so
        engine.dispose()
        pytest.fail(f"PostgreSQL injoignable à {base_url} : {exc}")
    sep = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{sep}options=-csearch_path%3D{name}"
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database address that does not exist yet: a SQLite path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield str(tmp_path / "cqpkit.db")
    else:
        with postgres_schema(postgres_url_or_skip()) as url:
            yield url


@pytest.fixture(scope="session")
def registry():  # type: ignore[no-untyped-def]
    """The bundled plugins' registry (loaded once, with only the bundled plugins)."""
    old = os.environ.get("CQPKIT_LOAD_PLUGINS")
    os.environ["CQPKIT_LOAD_PLUGINS"] = BUNDLED
    try:
        import cqpkit

        return cqpkit.load_registry(cache=False)
    finally:
        if old is None:
            del os.environ["CQPKIT_LOAD_PLUGINS"]
        else:
            os.environ["CQPKIT_LOAD_PLUGINS"] = old


@pytest.fixture
def store(db: str, registry):  # type: ignore[no-untyped-def]
    """An initialised, empty store."""
    from cqpkit.store.store import Store

    s = Store.open(db, create=True, check=False, registry=registry)
    s.init()
    yield s
    s.close()


@pytest.fixture
def campaign_store(store):  # type: ignore[no-untyped-def]
    """A store holding the example campaign."""
    store.import_files([str(CAMPAIGN)], operateur="test")
    return store


def copy_campaign(dest: Path) -> Path:
    """A private copy of the example campaign (to change files)."""
    out = dest / "campaign"
    shutil.copytree(CAMPAIGN, out)
    return out


def counts(store) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The number of rows of every table."""
    import sqlalchemy as sa
    from cqpkit.store import schema as t

    with store.read() as conn:
        return {name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() for name, table in t.metadata.tables.items()}


def snapshot(store) -> dict[str, list[tuple]]:  # type: ignore[no-untyped-def]
    """Every row of every table, sorted: two equal snapshots are the same database content."""
    import sqlalchemy as sa
    from cqpkit.store import schema as t

    with store.read() as conn:
        return {name: sorted(tuple(map(str, r)) for r in conn.execute(sa.select(table))) for name, table in t.metadata.tables.items()}


def generated_dossier(i: int, prefix: str = "GEN") -> str:
    """A small valid Spécialiste prestations dossier (fictional ids, no personal data but an e-mail)."""
    insc = dt.date(2019, 1, 7) + dt.timedelta(days=i % 300)
    return (
        "[dossier]\n"
        f'id = "{prefix}-{i:06d}"\n'
        f'certification = "{SP}"\n'
        'version = "2014"\n'
        'voie = "vae"\n'
        'mention = "sante"\n'
        f"inscription = {insc.isoformat()}\n\n"
        "[candidat]\n"
        f'id = "C-{prefix}-{i:06d}"\n'
        f'email = "candidat.{prefix.lower()}.{i}@example.invalid"\n\n'
        "[[passages]]\n"
        'session = "GEN-JURY-01"\n'
        f"date = {(insc + dt.timedelta(days=200)).isoformat()}\n"
        'decisions = { D1 = "acquis", D2 = "non_acquis" }\n'
    )


def write_generated(directory: Path, n: int, prefix: str = "GEN", start: int = 0) -> Path:
    """Write ``n`` generated dossier files into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        (directory / f"{prefix.lower()}-{i:06d}.toml").write_text(generated_dossier(i, prefix), encoding="utf-8")
    return directory


def cqpkit_cmd() -> list[str]:
    """How to run the command in a subprocess with this interpreter."""
    return [sys.executable, "-m", "cqpkit"]


class TestWhichPostgres:
    """The PostgreSQL tests use the variable's server, else the local one when it answers (issue « the first hour »)."""

    def test_the_variable_wins(self, monkeypatch):
        """CQPKIT_TEST_POSTGRES_URL set: that server, named as coming from the variable."""
        monkeypatch.setenv(PG_ENV, "postgresql://u@example.invalid:5432/x")
        assert postgres_url() == ("postgresql://u@example.invalid:5432/x", PG_ENV)

    def test_without_the_variable_the_local_server_or_nothing(self, monkeypatch):
        """Unset: the local default address when a server answers there, else nothing (the tests then skip)."""
        monkeypatch.delenv(PG_ENV, raising=False)
        url, origin = postgres_url()
        assert (url, origin) in {(LOCAL_POSTGRES, "serveur local détecté"), ("", "")}
        assert url == local_postgres()


def undo_users(conn) -> None:  # type: ignore[no-untyped-def]
    """Take a base back before the users' migration (:mod:`cqpkit.store.migration7`): its tables gone, their triggers with them."""
    conn.exec_driver_sql("DROP TABLE IF EXISTS jetons")
    conn.exec_driver_sql("DROP TABLE IF EXISTS utilisateurs")


def undo_v5(conn) -> None:  # type: ignore[no-untyped-def]
    """Take a base back before migration 5 (the personal data's encryption): its clear columns back (empty), its
    table and columns gone (and the later migrations' tables). What migration 5 writes again (keys, ciphertexts)
    differs: compare without them (:data:`ENCRYPTED`)."""
    undo_users(conn)
    for column in ("nom", "prenom", "email", "telephone", "emploi", "employeur", "notes"):
        conn.exec_driver_sql(f"ALTER TABLE candidats ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
    conn.exec_driver_sql("ALTER TABLE candidats ADD COLUMN naissance DATE")
    conn.exec_driver_sql("ALTER TABLE candidats DROP COLUMN donnees")
    conn.exec_driver_sql("ALTER TABLE dossiers DROP COLUMN empreinte_publique")
    conn.exec_driver_sql("DROP TABLE cles")


#: The tables whose rows migration 5 writes anew (random keys, ciphertexts of the candidates' data).
ENCRYPTED = ("cles", "candidats")

def undo_migration_4(conn) -> None:  # type: ignore[no-untyped-def]
    """Drop what migration 4 created (its triggers, and on PostgreSQL their function), to go back to version 3 in a test."""
    from cqpkit.store import migrations

    undo_users(conn)  # a later migration, whose triggers run migration 4's function
    dialect = conn.dialect.name
    for name, table, _ in migrations._v4_triggers(dialect):
        conn.exec_driver_sql(f"DROP TRIGGER {name}" + ("" if dialect == "sqlite" else f" ON {table}"))
    if dialect != "sqlite":
        conn.exec_driver_sql("DROP FUNCTION cqpkit_refus()")
