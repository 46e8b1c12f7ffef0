"""Shared set-up of the store tests (no test here): the databases, a registry, generated dossiers.

Every store test runs on SQLite, and on PostgreSQL when ``CQPKIT_TEST_POSTGRES_URL`` is set
(``.ci/run`` sets it to the local server). Each PostgreSQL test gets a fresh schema of its own,
dropped afterwards, passed to cqpkit through the URL (``options=-csearch_path=…``). Without the
variable the PostgreSQL tests skip and say why — except under ``CI=true``, where they fail: CI must
run them.
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


def postgres_url_or_skip() -> str:
    """The server URL from the environment; skip (or fail under ``CI=true``) without it."""
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{PG_ENV} n'est pas défini alors que CI=true : les tests PostgreSQL sont obligatoires en CI (.ci/run le définit)")
        pytest.skip(f"PostgreSQL non configuré : définissez {PG_ENV} (ex. postgresql://postgres@127.0.0.1:5432/test) pour lancer ces tests")
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
