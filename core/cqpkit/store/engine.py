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
  numbers of dossiers need one writer at a time.

A missing SQLite file is created only when asked (``create=True``: ``cqpkit db init`` and
``cqpkit import``); a read never leaves an empty file behind.
"""

from __future__ import annotations

import os
import re
import sqlite3
from urllib.parse import quote, urlsplit, urlunsplit

import sqlalchemy as sa
from sqlalchemy import event

from cqpkit.store.errors import StoreError

__all__ = ["LOCK_ID", "Target", "is_driver_error", "make_engine", "resolve", "translate"]

#: The advisory lock taken by every writing transaction on PostgreSQL ("CQPK" in ASCII).
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
        """The name shown in messages (a URL without its password)."""
        if self.path is not None:
            return self.path
        parts = urlsplit(self.url)
        netloc = parts.netloc
        if "@" in netloc:
            user, _, host = netloc.rpartition("@")
            netloc = f"{user.split(':')[0]}@{host}"
        # ``?password=…`` is a password too: never shown
        query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", parts.query)
        return urlunsplit((parts.scheme.replace("+psycopg", ""), netloc, parts.path, query, ""))


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
    if "://" not in db:
        return Target("sqlite", "", os.fspath(db))
    scheme, _, rest = db.partition("://")
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        target = Target("postgresql", f"postgresql+psycopg://{rest}")
        try:  # a malformed address (a port that is not a number…) is a usage error, said before any work
            sa.engine.make_url(target.url)
        except (sa.exc.ArgumentError, ValueError) as exc:
            raise StoreError(f"adresse PostgreSQL invalide « {target.label} » : {_url_problem(exc)}") from None
        return target
    if scheme == "sqlite":
        path = rest[1:] if rest.startswith("/") else rest
        return Target("sqlite", "", path or "cqpkit.db")
    shown = re.sub(r"://([^/@:]*):[^/@]*@", r"://\1@", db)  # no password in a message
    raise StoreError(
        f"adresse de base non reconnue « {shown} » : un chemin de fichier SQLite, ou une adresse "
        "postgresql://utilisateur@hôte:port/base"
    )


def _url_problem(exc: BaseException) -> str:
    """Why SQLAlchemy could not read a URL, in French."""
    text = str(exc)
    m = re.search(r"invalid literal for int\(\) with base 10: '([^']*)'", text)
    if m:
        return f"port « {m.group(1)} » invalide (un nombre est attendu, ex. 5432)"
    return "forme attendue postgresql://utilisateur@hôte:port/base"


def _sqlite_engine(target: Target, create: bool) -> sa.Engine:
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

    engine = sa.create_engine("sqlite://", creator=connect, poolclass=sa.pool.StaticPool)

    @event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get("cqpkit_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _postgresql_engine(target: Target) -> sa.Engine:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise StoreError(
            "le pilote PostgreSQL n'est pas installé : pip install 'cqpkit[postgres]' (psycopg 3)"
        ) from None
    try:
        engine = sa.create_engine(target.url, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": 10})
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise StoreError(f"adresse PostgreSQL invalide « {target.label} » : {_url_problem(exc)}") from None

    @event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        if conn.get_execution_options().get("cqpkit_write", False):
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK_ID})")

    return engine


def make_engine(target: Target, *, create: bool = False) -> sa.Engine:
    """An engine for ``target``; a missing SQLite file is created only with ``create``."""
    if target.kind == "sqlite":
        return _sqlite_engine(target, create)
    return _postgresql_engine(target)


def translate(exc: BaseException, target: Target) -> StoreError:
    """A driver error as a French :class:`StoreError` naming the database."""
    text = str(getattr(exc, "orig", None) or exc)
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

