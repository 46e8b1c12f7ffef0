"""Shared set-up of the store tests (no test here): the databases, a registry, generated dossiers.

Every store test runs on SQLite, and on PostgreSQL: the server of ``CQPKIT_TEST_POSTGRES_URL``
(``.ci/run`` sets it), else the local server when one answers on the default address
(:data:`LOCAL_POSTGRES`, trust authentication, database ``test``: what the README's test command
finds on a developer's machine; the session header says which). Each PostgreSQL test gets a fresh
schema of its own, dropped afterwards, passed to cqpkit through the URL (``options=-csearch_path=…``).
With neither, the PostgreSQL tests skip and say why (one line for the group in the summary) — except
under ``CI=true``, where they fail: CI must run them.

``store`` (initialised, empty) and ``campaign_store`` (the example campaign imported) are built once per session
and backend (per xdist worker) and copied for each test (:class:`Templates`, through ``db``): SQLite by a copy
of the closed file, PostgreSQL by replaying the template schema's ``pg_dump`` under the test's own fresh schema.
Each test still gets a database of its own, holding what ``init``/``import`` would have made for it. Without
``pg_dump`` (or with a dump the server does not replay) each PostgreSQL test builds its own, as before.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def _schema_name() -> str:
    return f"cqpkit_test_{os.getpid()}_{secrets.token_hex(4)}"


@contextlib.contextmanager
def postgres_schema(base_url: str, dump: tuple[str, str] | None = None) -> Iterator[str]:
    """A fresh schema on the server, as a URL for ``--db``; dropped at the end.

    ``dump``: (a schema's name, its ``pg_dump``): the new schema is that one's copy, replayed under its own name.
    """
    import sqlalchemy as sa

    name = _schema_name()
    engine = sa.create_engine(base_url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.pool.NullPool)
    try:
        if dump is None:
            with engine.begin() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
        else:
            _replay(engine, dump[1].replace(dump[0], name))
    except Exception as exc:  # the server is configured but does not answer: say so
        engine.dispose()
        pytest.fail(f"PostgreSQL injoignable à {base_url} : {exc}")
    sep = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{sep}options=-csearch_path%3D{name}"
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        engine.dispose()


def _replay(engine: Any, dump: str) -> None:
    """Run a plain ``pg_dump`` script in one transaction: its SQL as it is, its ``COPY … FROM stdin`` blocks by psycopg."""
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        sql: list[str] = []
        lines = iter(dump.splitlines(keepends=True))
        for line in lines:
            if line.startswith("COPY ") and line.rstrip().endswith("FROM stdin;"):
                if sql:
                    raw.execute("".join(sql))
                    sql = []
                data = []
                for row in lines:
                    if row.rstrip("\n") == "\\.":
                        break
                    data.append(row)
                with raw.cursor().copy(line.rstrip().removesuffix(";")) as copy:
                    copy.write("".join(data))
            elif not line.startswith("\\"):  # psql's meta-commands (\restrict …) are not SQL
                sql.append(line)
        if sql:
            raw.execute("".join(sql))


#: Template contents made by the command line itself: name → the arguments of ``cqpkit import --db ADDRESS``.
CLI_IMPORTS: dict[str, tuple[str, ...]] = {
    "campaign-oemm": (str(CAMPAIGN), "--operateur", "oemm"),
    "campaign-cli": (str(CAMPAIGN),),  # the operator of the environment (CQPKIT_OPERATEUR, else the system user)
}


class Templates:
    """The stores ``db`` copies, each built on first use, once per session (per xdist worker).

    Keyed by (backend, content), ``content`` being ``"store"`` (initialised, empty), ``"campaign"`` (the example
    campaign imported by « test ») or a key of :data:`CLI_IMPORTS` (made by ``cqpkit import``; given to an address by
    :meth:`fill`, for the tests that import the campaign through the command line first). SQLite: a closed file; PostgreSQL: (the template schema's name, its
    ``pg_dump``), or ``None`` when there is none (no ``pg_dump``, a dump this server does not replay): each test
    then builds its own store.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.built: dict[tuple[str, str], Any] = {}

    def _fill(self, address: str, content: str) -> None:
        from cqpkit.store.store import Store

        if content in CLI_IMPORTS:  # the command line's own import, as the test would have run it
            from tests.conftest import run_cli

            done = run_cli("import", "--db", address, *CLI_IMPORTS[content])
            assert done.returncode == 0, done.stdout + done.stderr
            return
        s = Store.open(address, create=True, check=False, registry=bundled_registry())
        try:
            s.init()
            if content == "campaign":
                s.import_files([str(CAMPAIGN)], operateur="test")
        finally:
            s.close()

    def sqlite(self, content: str, dest: Path) -> None:
        """Copy the SQLite template of ``content`` to ``dest`` (with its journal files, if any are left)."""
        key = ("sqlite", content)
        if key not in self.built:
            path = self.folder / f"{content}.db"
            self._fill(str(path), content)
            self.built[key] = path
        src = self.built[key]
        for suffix in ("", "-wal", "-journal"):
            if Path(f"{src}{suffix}").exists():
                shutil.copyfile(f"{src}{suffix}", f"{dest}{suffix}")

    def fill(self, content: str, address: str) -> None:
        """Give ``address`` — ``db``'s, still empty: a SQLite path not created yet, or a fresh PostgreSQL schema — the
        content of the template ``content`` (what ``cqpkit import`` of :data:`CLI_IMPORTS` would have written there)."""
        if "://" not in address:
            self.sqlite(content, Path(address))
            return
        base, _, name = address.partition("?options=-csearch_path%3D")
        dump = self.postgres(content, base) if name and "&" not in name else None
        if dump is None:  # no template (no pg_dump, or an address not made by ``db``): built in place, as before
            self._fill(address, content)
            return
        import sqlalchemy as sa

        engine = sa.create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.pool.NullPool)
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')  # empty; the dump creates it again, filled
            _replay(engine, dump[1].replace(dump[0], name))
        finally:
            engine.dispose()

    def postgres(self, content: str, base_url: str) -> tuple[str, str] | None:
        """(schema name, ``pg_dump``) of the PostgreSQL template of ``content``, or ``None`` without one."""
        key = ("postgresql", content)
        if key not in self.built:
            self.built[key] = self._dump(content, base_url)
        result: tuple[str, str] | None = self.built[key]
        return result

    def _dump(self, content: str, base_url: str) -> tuple[str, str] | None:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            return None
        with postgres_schema(base_url) as url:
            name = url.rpartition("%3D")[2]
            self._fill(url, content)
            done = subprocess.run([pg_dump, "--no-owner", "--no-privileges", "--schema", name, base_url],
                                  capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0 or name not in done.stdout:
            return None
        try:  # a dump that this server refuses (client and server versions apart): no template
            with postgres_schema(base_url, (name, done.stdout)):
                pass
        except BaseException:  # pytest.fail's exception included
            return None
        return name, done.stdout


#: The addresses ``db`` filled from a template, with what they hold (``"store"`` or ``"campaign"``).
_FILLED: dict[str, str] = {}


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database address that does not exist yet: a SQLite path, or a fresh PostgreSQL schema.

    When the test uses ``store`` or ``campaign_store``, the address already holds what they give (a template's copy).
    """
    names = request.fixturenames
    content = "campaign" if "campaign_store" in names else "store" if "store" in names else ""
    templates: Templates | None = request.getfixturevalue("store_templates") if content else None
    if request.param == "sqlite":
        path = tmp_path / "cqpkit.db"
        if templates is not None:
            templates.sqlite(content, path)
            _FILLED[str(path)] = content
        try:
            yield str(path)
        finally:
            _FILLED.pop(str(path), None)
    else:
        base = postgres_url_or_skip()
        dump = templates.postgres(content, base) if templates is not None else None
        with postgres_schema(base, dump) as url:
            if dump is not None:
                _FILLED[url] = content
            try:
                yield url
            finally:
                _FILLED.pop(url, None)


_REGISTRY: list[Any] = []


def bundled_registry() -> Any:
    """The bundled plugins' registry (loaded once, with only the bundled plugins)."""
    if not _REGISTRY:
        old = os.environ.get("CQPKIT_LOAD_PLUGINS")
        os.environ["CQPKIT_LOAD_PLUGINS"] = BUNDLED
        try:
            import cqpkit

            _REGISTRY.append(cqpkit.load_registry(cache=False))
        finally:
            if old is None:
                del os.environ["CQPKIT_LOAD_PLUGINS"]
            else:
                os.environ["CQPKIT_LOAD_PLUGINS"] = old
    return _REGISTRY[0]


@pytest.fixture(scope="session")
def registry():  # type: ignore[no-untyped-def]
    """The bundled plugins' registry (loaded once, with only the bundled plugins)."""
    return bundled_registry()


@pytest.fixture
def store(db: str, registry):  # type: ignore[no-untyped-def]
    """An initialised, empty store."""
    from cqpkit.store.store import Store

    s = Store.open(db, create=True, check=False, registry=registry)
    s.init()
    yield s
    s.close()


@pytest.fixture
def campaign_store(store, db: str):  # type: ignore[no-untyped-def]
    """A store holding the example campaign (imported by « test »: in the session's template, copied by ``db``)."""
    if _FILLED.get(db) != "campaign":
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
