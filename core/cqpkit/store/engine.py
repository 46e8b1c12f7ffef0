"""Opening a database: a SQLite file by default, PostgreSQL by URL; one behaviour for both.

``--db`` (or ``CQPKIT_DB``, default ``cqpkit.db``) is either a path to a SQLite file or a URL:
``postgresql://user@host:5432/base`` (the psycopg 3 driver, extra ``cqpkit[postgres]``),
``postgresql+psycopg://…`` or ``sqlite:///path``. A PostgreSQL URL may choose a schema with
``?options=-csearch_path%3Dmon_schema`` (the tests do, to get a fresh schema per run).

Transactions are what make an import all-or-nothing and two concurrent imports safe:

- **SQLite.** The driver's own transaction handling is turned off (``isolation_level=None``) so
  that SQLAlchemy's ``BEGIN`` really starts one, DDL included; a writing transaction starts with
  ``BEGIN IMMEDIATE``, which takes the write lock at once (two writers queue instead of failing
  half-way), and waits up to ``busy_timeout`` for it. ``foreign_keys`` is on, and
  ``secure_delete`` overwrites what an erasure removes. The rollback journal (SQLite's default)
  keeps the file self-contained: a process killed mid-import leaves the file as it was.
- **PostgreSQL.** A writing transaction first takes a transaction-level advisory lock, so that
  writers are serialised exactly as on SQLite: the audit log's hash chain and the version
  numbers of dossiers need one writer at a time. The lock is the store's: keyed by its schema
  (``current_schema()``), so that stores in other schemas of the same database do not wait for it.

A missing SQLite file is created only when asked (``create=True``: ``cqpkit db init`` and
``cqpkit import``); a read never leaves an empty file behind.
"""

from __future__ import annotations

import os
import re
import sqlite3
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy import event

from cqpkit.store.address import display_url, scrub
from cqpkit.store.errors import StoreError

__all__ = ["LOCK_ID", "Target", "display_url", "is_driver_error", "make_engine", "resolve", "translate"]

#: The advisory lock taken by every writing transaction on PostgreSQL ("CQPK" in ASCII), with its schema's hash.
LOCK_ID = 0x4351504B
#: How long a writer waits for another one, in milliseconds.
BUSY_TIMEOUT_MS = 120_000


class Target:
    """Where the store is: a SQLite path or a server URL, and how to name it in messages."""

    __slots__ = ("kind", "path", "url")

    def __init__(self, kind: str, url: str, path: str | None = None) -> None:
        self.kind = kind  # "sqlite" or "postgresql"
        self.url = url
        self.path = path

    @property
    def label(self) -> str:
        """The name shown in messages and in the JSON ``base`` field: :func:`display_url`."""
        if self.path is not None:
            return self.path
        return display_url(self.url.replace("postgresql+psycopg://", "postgresql://", 1))


def resolve(db: str | os.PathLike[str] | None) -> Target:
    """The database named by ``--db`` (or ``CQPKIT_DB``, or ``cqpkit.db``); a ``pathlib.Path`` is a SQLite file."""
    if isinstance(db, os.PathLike):
        db = os.fspath(db)
    if db is not None and not isinstance(db, str):
        from cqpkit.exceptions import InvalidArgumentError

        raise InvalidArgumentError(
            f"base : un chemin de fichier SQLite ou une adresse postgresql://… est attendu, pas {type(db).__name__}"
        )
    db = db or os.environ.get("CQPKIT_DB") or "cqpkit.db"
    if "://" not in db and not _KNOWN_SCHEME.match(db):
        return Target("sqlite", "", os.fspath(db))
    scheme, sep, rest = db.partition("://")
    if sep and scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        target = Target("postgresql", f"postgresql+psycopg://{rest}")
        userinfo = rest[: rest.rindex("@")] if "@" in rest else ""
        if "@" in userinfo:
            # user:p@ss@host: the driver would read a part of the password as the host, and name it in its errors
            raise StoreError(
                f"adresse PostgreSQL ambiguë « {target.label} » : plusieurs « @ » ; dans le mot de passe "
                "(ou le nom d'utilisateur, ou un paramètre), « @ » s'écrit %40"
            )
        try:  # a malformed address (a port that is not a number…) is a usage error, said before any work
            sa.engine.make_url(target.url)
        except (sa.exc.ArgumentError, ValueError) as exc:
            raise StoreError(f"adresse PostgreSQL invalide « {target.label} » : {_url_problem(exc, db)}") from None
        return target
    if sep and scheme == "sqlite":
        path = rest[1:] if rest.startswith("/") else rest
        return Target("sqlite", "", path or "cqpkit.db")
    raise StoreError(
        f"adresse de base non reconnue « {display_url(db)} » : un chemin de fichier SQLite, ou une adresse "
        "postgresql://utilisateur@hôte:port/base"
    )


#: ``postgresql:/…``, ``sqlite:…``: a scheme cqpkit knows, mistyped (not a file name anyone means).
_KNOWN_SCHEME = re.compile(r"(?i)(postgres(ql)?(\+\w+)?|sqlite):")


def _url_problem(exc: BaseException, db: str) -> str:
    """Why SQLAlchemy could not read a URL, in French (with nothing of the password in it)."""
    text = str(exc)
    m = re.search(r"invalid literal for int\(\) with base 10: '([^']*)'", text)
    if m:
        return scrub(f"port « {m.group(1)} » invalide (un nombre est attendu, ex. 5432)", db)
    return "forme attendue postgresql://utilisateur@hôte:port/base"


def _sqlite_engine(target: Target, create: bool, pool_size: int | None = None) -> sa.Engine:
    path = os.path.abspath(target.path or "cqpkit.db")
    if not os.path.exists(path):
        if not create:
            raise StoreError(
                f"base introuvable : {target.label} (créez-la avec « cqpkit db init » ou par un premier « cqpkit import »)"
            )
        parent = os.path.dirname(path)
        if not os.path.isdir(parent):
            raise StoreError(f"base impossible à créer : {target.label} (le répertoire {parent} n'existe pas)")
    elif os.path.isdir(path):
        raise StoreError(f"{target.label} est un répertoire, pas une base SQLite")
    elif not os.path.isfile(path):  # a FIFO, a device (/dev/zero): SQLite would block on it or read nonsense
        raise StoreError(f"{target.label} : c'est un tube nommé ou un périphérique, pas un fichier ordinaire : une base SQLite est un fichier")
    mode = "rwc" if create else "rw"
    uri = f"file:{quote(path)}?mode={mode}"

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")
        return conn

    if pool_size is None:  # the CLI: one thread, one connection
        engine = sa.create_engine("sqlite://", creator=connect, poolclass=sa.pool.StaticPool)
    else:  # a service's threads: a connection each (one shared connection mixed their transactions; issue 19)
        engine = sa.create_engine(
            "sqlite://", creator=connect, poolclass=sa.pool.QueuePool, pool_size=pool_size, max_overflow=pool_size
        )

    @event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get("cqpkit_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _postgresql_engine(target: Target, pool_size: int | None = None) -> sa.Engine:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise StoreError(
            "le pilote PostgreSQL n'est pas installé : pip install 'cqpkit[postgres]' (psycopg 3)"
        ) from None
    try:
        if pool_size is None:  # the CLI: one process, one transaction or a few; a connection each is simplest
            engine = sa.create_engine(target.url, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": 10})
        else:  # a long-lived service (cqpkit serve): connections kept open, checked before reuse
            engine = sa.create_engine(
                target.url, poolclass=sa.pool.QueuePool, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                pool_recycle=1800, connect_args={"connect_timeout": 10},
            )
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise StoreError(f"adresse PostgreSQL invalide « {target.label} » : {_url_problem(exc, target.url)}") from None

    @event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        if conn.get_execution_options().get("cqpkit_write", False):
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK_ID}, hashtext(current_schema()))")

    return engine


def make_engine(target: Target, *, create: bool = False, pool_size: int | None = None) -> sa.Engine:
    """An engine for ``target``; a missing SQLite file is created only with ``create``.

    ``pool_size``: on PostgreSQL, keep up to that many connections open (plus as many more under load) instead of
    opening one per transaction (``NullPool``, the CLI's choice: a connection costs a few milliseconds, once per
    command). ``cqpkit serve`` asks for a pool: a token check is then a query, not a connection (docs/api.md).
    On SQLite, without ``pool_size`` the store has one connection (``StaticPool``: the CLI, one thread); with it, a
    pool of connections to the file, one per thread that uses the store at a time (``cqpkit serve``: requests run in
    worker threads, and two of them on one connection would run inside each other's transaction). SQLite itself
    then orders them: readers side by side, one writer at a time (``BEGIN IMMEDIATE``, waiting up to
    :data:`BUSY_TIMEOUT_MS`).
    """
    if target.kind == "sqlite":
        return _sqlite_engine(target, create, pool_size)
    return _postgresql_engine(target, pool_size)


def single_connection(engine: sa.Engine) -> bool:
    """Whether ``engine`` has one connection for every thread (SQLite opened without a pool: the CLI's store), which
    a service's threads must then take in turns."""
    return isinstance(engine.pool, sa.pool.StaticPool)


def translate(exc: BaseException, target: Target) -> StoreError:
    """A driver error as a French :class:`StoreError` naming the database."""
    text = str(getattr(exc, "orig", None) or exc)
    if target.kind == "postgresql":  # a driver may quote a part of the address it could not use
        text = scrub(text, target.url)
    low = text.lower()
    where = target.label
    if "file is not a database" in low or "not a database" in low:
        return StoreError(f"{where} n'est pas une base SQLite : fichier corrompu ou d'un autre format")
    if "malformed" in low or "corrupt" in low:
        return StoreError(f"{where} : base corrompue (image disque SQLite illisible) ; restaurez une sauvegarde")
    if "database is locked" in low or "busy" in low:
        return StoreError(f"{where} : base verrouillée par un autre processus (attente dépassée) ; réessayez")
    if "unable to open database" in low:
        return StoreError(f"{where} : ouverture impossible (droits ou chemin)")
    if "readonly" in low or "read-only" in low:
        return StoreError(f"{where} : base en lecture seule")
    if "connection" in low and ("refused" in low or "failed" in low or "timeout" in low):
        return StoreError(f"connexion impossible au serveur PostgreSQL {where} : {text.strip().splitlines()[0]}")
    if "does not exist" in low and ("database" in low or "role" in low):
        return StoreError(f"{where} : {text.strip().splitlines()[0]}")
    return StoreError(f"{where} : erreur de la base ({text.strip().splitlines()[0] if text.strip() else type(exc).__name__})")


def is_driver_error(exc: BaseException) -> bool:
    """Whether ``exc`` comes from the database (SQLAlchemy or the driver)."""
    return isinstance(exc, (sa.exc.SQLAlchemyError, sqlite3.Error))

