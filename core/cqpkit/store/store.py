"""The store: candidates, dossiers, jury sessions and decisions on SQLite or PostgreSQL.

:class:`Store` is the Python API behind ``cqpkit db``, ``import``, ``jury``, ``dossier``,
``report`` and ``candidate``. Every operation is one transaction: it is applied whole or not at
all, and writers are serialised (see :mod:`cqpkit.store.engine`). Every change is logged in the
audit chain (:mod:`cqpkit.store.audit`) with the operator's name.

What the store guarantees, and how
----------------------------------
- **Dossiers are versioned.** An import whose content did not change is a no-op; a changed
  file is a new version (``dossier_versions``), which records the référentiel version it follows.
- **Evaluations and decisions are append-only.** Evaluations are added when a version brings new
  ones. A jury passage is a row per state (``passages``): a new decision, or a later file that
  says something new about an open session, is a new row that names the one it replaces. A
  closed session's decisions never change in place: a file that contradicts them is refused, and a
  correction (``cqpkit jury decide … --motif``) is a new row of origin ``correction`` with its
  reason. Triggers forbid ``UPDATE`` and ``DELETE`` on these tables.
- **The engine reads what the store holds.** The dossier the engines see is the latest version's
  content with, as its passages, the current state of each of its passages in the store. Every
  deadline (first jury after registration, expiry of each partial award) is computed with the
  engine (:meth:`Registry.decide`, :func:`cqpkit.rules.dates.add`) when the dossier or its
  decisions change, and kept in ``echeances``, indexed by date.
- **Personal data live in one table** (``candidats``): exported as JSON on request, replaced by a
  pseudonym on erasure, never written to the audit log nor to the dossier versions.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import json
import operator
import os
import re
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from cqpkit.exceptions import CqpkitError, Erreur, InvalidArgumentError
from cqpkit.model import CERTIFICATION_ENTIERE, Dossier, PassageJury, SessionJury
from cqpkit.rules.asof import as_of_day
from cqpkit.store import migrations, personnes
from cqpkit.store import schema as t
from cqpkit.store.audit import AuditWriter, Verification, canonical, canonical_plain
from cqpkit.store.audit import verify as verify_chain
from cqpkit.store.engine import Target, is_driver_error, make_engine, resolve, translate
from cqpkit.store.errors import NotFoundError, StoreConflictError, StoreError
from cqpkit.store.reading import (
    PERSONAL,
    Lot,
    deadlines,
    personal_fields,
    read_files,
    with_deadlines,
    without_cycle_collector,
)

__all__ = ["Effacement", "ImportReport", "Store", "compute_echeances", "insert_tuples", "operateur_par_defaut", "plugin_hint", "rebuild_echeances"]

_CHUNK = 500
#: The import writes its dossiers' rows every this many dossiers, not all at the end: the rows of a large
#: lot (about 5 kB a dossier) need not all be in memory at once.
_FLUSH_EVERY = 2000
_NONE: Mapping[str, int] = {}  # no evaluation stored yet (read-only: never written to)
#: The list of ids of a chunked ``IN`` lookup, bound at execution: the statement is compiled once, then
#: taken from SQLAlchemy's cache, instead of coercing and compiling one literal per id.
_IDS = sa.bindparam("ids", expanding=True)
#: The columns of the rows the import builds as tuples (:func:`insert_tuples`), in the order it builds them.
_DOSSIER_COLUMNS = (
    "id", "certification", "version_referentiel", "voie", "mention", "inscription", "candidat_id", "numero_version", "empreinte", "modifie_le", "cree_le",
)
_VERSION_COLUMNS = ("dossier_id", "numero", "empreinte", "certification", "version_referentiel", "contenu", "enregistre_le", "operateur")
_EVALUATION_COLUMNS = ("dossier_id", "numero_version", "position", "epreuve", "date", "contenu", "empreinte", "enregistre_le")
_PASSAGE_COLUMNS = (
    "dossier_id", "session_id", "date", "absent", "excuse", "decisions", "notes", "origine", "remplace_id", "motif", "enregistre_le", "operateur",
)
_ECHEANCE_COLUMNS = ("type", "domaine", "date", "depuis", "certification", "dossier_id")


def operateur_par_defaut() -> str:
    """Who makes a change when ``--operateur`` is not given: ``CQPKIT_OPERATEUR``, else the system user."""
    name = os.environ.get("CQPKIT_OPERATEUR", "").strip()
    if name:
        return name
    try:
        return getpass.getuser() or "inconnu"
    except Exception:  # no user name in this environment (some containers)
        return "inconnu"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _chunks(items: Sequence[Any], n: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _jour(horodatage: str | None) -> str:
    """``2020-07-06T09:30:00+00:00`` → ``06/07/2020``."""
    if not horodatage:
        return "—"
    return dt.date.fromisoformat(horodatage[:10]).strftime("%d/%m/%Y")


def _locate(fichier: str, path: tuple, message: str) -> Erreur:
    """An error at ``path`` in a file already read (re-read to find the line; line 0 if it is not a file)."""
    from cqpkit.formats.errors import format_path

    try:
        from cqpkit.formats.tomlfile import parse_toml, read_text

        return parse_toml(read_text(fichier), fichier).erreur(path, message)
    except CqpkitError:
        return Erreur(fichier, 0, format_path(path), message)


# --------------------------------------------------------------------------- deadlines
def compute_echeances(registry: Any, dossier: Dossier) -> list[dict[str, Any]]:
    """The deadlines of a dossier (:func:`cqpkit.store.reading.deadlines`) as rows of ``echeances`` without the ids."""
    info = dossier.dossier
    return [
        {"type": kind, "domaine": dom, "date": date, "depuis": depuis, "certification": info.certification, "dossier_id": info.id}
        for kind, dom, date, depuis in deadlines(registry, dossier)
    ]


def _passage_from_row(r: Any) -> PassageJury:
    return PassageJury(
        session=r.session_id, date=r.date, decisions=json.loads(r.decisions), absent=bool(r.absent), excuse=bool(r.excuse), notes=r.notes
    )


def _state(p: PassageJury) -> tuple:
    return (p.date, bool(p.absent), bool(p.excuse), tuple(sorted(p.decisions.items())), p.notes)


def _row_state(r: Any) -> tuple:
    return (r.date, bool(r.absent), bool(r.excuse), tuple(sorted(json.loads(r.decisions).items())), r.notes)


def _effective(rows: Iterable[Any]) -> list[Any]:
    """The current row of each session (the latest one), in date order."""
    latest: dict[str, Any] = {}
    for r in sorted(rows, key=lambda r: r.id):
        latest[r.session_id] = r
    return sorted(latest.values(), key=lambda r: (r.date, r.id))


def _load_contents(conn: sa.Connection, ids: Sequence[str]) -> dict[str, str]:
    d, v = t.dossiers, t.dossier_versions
    out: dict[str, str] = {}
    for chunk in _chunks(list(ids)):
        q = (
            sa.select(d.c.id, v.c.contenu)
            .join(v, sa.and_(v.c.dossier_id == d.c.id, v.c.numero == d.c.numero_version))
            .where(d.c.id.in_(chunk))
        )
        out.update({r.id: r.contenu for r in conn.execute(q)})
    return out


def _passages_of(conn: sa.Connection, ids: Sequence[str]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    q = sa.select(t.passages).where(t.passages.c.dossier_id.in_(_IDS)).order_by(t.passages.c.id)
    for chunk in _chunks(list(ids)):
        for r in conn.execute(q, {"ids": chunk}):
            out[r.dossier_id].append(r)
    return out


def _engine_dossiers(conn: sa.Connection, ids: Sequence[str], people: bool = True) -> dict[str, Dossier]:
    """The dossiers as the engines see them: latest content, passages as the store holds them, and (``people``)
    what the store knows of the people they name (:func:`personnes.enrich`; not before migration 3 made its tables)."""
    from cqpkit.formats.converter import json_converter

    conv = json_converter()
    contents = _load_contents(conn, ids)
    passages = _passages_of(conn, ids)
    out = {}
    for did, text in contents.items():
        d = conv.structure(json.loads(text), Dossier)
        out[did] = attrs.evolve(d, passages=tuple(_passage_from_row(r) for r in _effective(passages.get(did, ()))))
    # A tutor's load and other missions as the store knows them, the person's facts (cqpkit.store.personnes).
    return personnes.enrich(conn, out) if people else out


def rebuild_echeances(conn: sa.Connection, registry: Any, ids: Sequence[str] | None = None, *, people: bool = True) -> int:
    """Recompute the deadlines of the given dossiers (all of them by default); return the rows written.

    ``people=False`` for a migration that runs before the people's tables exist (migration 2).
    """
    if ids is None:
        ids = [r.id for r in conn.execute(sa.select(t.dossiers.c.id).order_by(t.dossiers.c.id))]
    n = 0
    for chunk in _chunks(list(ids), 2000):
        dossiers = _engine_dossiers(conn, chunk, people)
        conn.execute(t.echeances.delete().where(t.echeances.c.dossier_id.in_(list(chunk))))
        rows = [r for d in dossiers.values() for r in compute_echeances(registry, d)]
        if rows:
            conn.execute(t.echeances.insert(), rows)
        n += len(rows)
    return n


# ------------------------------------------------------------------------------ import
@attrs.define
class ImportReport:
    """What one import did: per file, ``statut`` (nouveau, version N, inchangé…) and notes."""

    fichiers: list[dict[str, Any]] = attrs.Factory(list)
    notes: list[str] = attrs.Factory(list)
    audit: int = 0
    #: seconds spent in the database (statements and commit), the rest of the import being Python work
    secondes_sql: float = 0.0
    #: seconds spent computing the deadlines with the engine, before the write transaction and in it (for bench/store.py)
    secondes_moteur: float = 0.0
    #: seconds spent before the write transaction: which dossiers the base holds, the new ones' deadlines (for bench/store.py)
    secondes_avant: float = 0.0

    def count(self, kind: str, statut_prefix: str) -> int:
        return sum(1 for f in self.fichiers if f["type"] == kind and f["statut"].startswith(statut_prefix))


class _Existing:
    """The rows an import compares itself with, read in chunks under the write lock."""

    def __init__(self, conn: sa.Connection, lot: Lot) -> None:
        sess_ids = {s.session.id for s in lot.sessions} | {p.session for lu in lot.dossiers for p in lu.dossier.passages}
        self.sessions = self._by_id(conn, t.sessions, sorted(sess_ids))
        # Most ids of a large import are new: which ones exist is asked at the driver level (plain columns,
        # no per-id parameter expansion), then whole rows are read for those alone.
        stored = _driver_lookup(conn, t.candidats, ("id",), sorted({lu.dossier.candidat.id for lu in lot.dossiers}))
        self.candidats = self._by_id(conn, t.candidats, sorted(stored))
        #: id -> (id, empreinte, numero_version): all an import compares a stored dossier with
        self.dossiers = _driver_lookup(conn, t.dossiers, ("id", "empreinte", "numero_version"), [lu.dossier.id for lu in lot.dossiers])
        known = sorted(self.dossiers)
        self.passages = _passages_of(conn, known)
        self.evaluations: dict[str, Counter] = defaultdict(Counter)
        ev = t.evaluations.c
        q = sa.select(ev.dossier_id, ev.empreinte).where(ev.dossier_id.in_(_IDS))
        for chunk in _chunks(known):
            for r in conn.execute(q, {"ids": chunk}):
                self.evaluations[r.dossier_id][r.empreinte] += 1

    @staticmethod
    def _by_id(conn: sa.Connection, table: sa.Table, ids: Sequence[str]) -> dict[str, Any]:
        out = {}
        q = sa.select(table).where(table.c.id.in_(_IDS))
        for chunk in _chunks(list(ids)):
            out.update({r.id: r for r in conn.execute(q, {"ids": chunk})})
        return out


def _driver_lookup(conn: sa.Connection, table: sa.Table, columns: tuple[str, ...], ids: Sequence[str]) -> dict[str, Any]:
    """The rows of ``table`` whose ``id`` is in ``ids`` (the first of ``columns``), by id, read at the driver level.

    For columns the drivers return as the store stores them (texts, integers: no type conversion is
    applied); :meth:`_Existing._by_id` reads whole rows through SQLAlchemy. Rows are named tuples.
    """
    if not ids:
        return {}
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    head = f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table.name)} WHERE {quote(columns[0])} IN "
    out: dict[str, Any] = {}
    for chunk in _chunks(list(ids)):
        out.update({r[0]: r for r in conn.exec_driver_sql(f"{head}({', '.join([mark] * len(chunk))})", tuple(chunk))})
    return out


def _same(value: Any) -> Any:
    return value


def _evaluation_rows(lu: Any, numero: int, already: Mapping[str, int], now: str, day: Any = _same) -> list[tuple]:
    """The evaluations a dossier version brings that the store does not hold yet (compared by fingerprint),
    as tuples of :data:`_EVALUATION_COLUMNS`."""
    dossier = lu.dossier
    texts, digests = lu.evaluations, lu.empreintes_evaluations
    if len(texts) != len(dossier.evaluations) or len(digests) != len(texts):  # a DossierLu built without them
        from cqpkit.formats.converter import json_converter

        texts = [canonical(json_converter().unstructure(e)) for e in dossier.evaluations]
        digests = [hashlib.sha256(text.encode("utf-8")).hexdigest() for text in texts]
    did = dossier.id
    rows = zip(dossier.evaluations, texts, digests, strict=True)  # the lengths were checked above
    if not already:  # a new dossier, or none of its evaluations stored yet: all of them
        return [(did, numero, i, e.epreuve, day(e.date), text, digest, now) for i, (e, text, digest) in enumerate(rows)]
    out = []
    seen: dict[str, int] = {}
    for i, (e, text, digest) in enumerate(rows):
        # a new version: skip the evaluations already stored (as many times as stored)
        seen[digest] = n = seen.get(digest, 0) + 1
        if n <= already.get(digest, 0):
            continue
        out.append((did, numero, i, e.epreuve, day(e.date), text, digest, now))
    return out


def date_param(conn: sa.Connection) -> Any:
    """How a date goes to this connection's driver in :func:`bulk_insert`'s rows: ISO text on SQLite (what
    ``sa.Date`` stores there), the date itself on PostgreSQL. The import writes its dates with it as it builds
    its rows, and tells :func:`bulk_insert` so (``dates_ready``)."""
    return dt.date.isoformat if conn.dialect.name == "sqlite" else _same


def flag_param(conn: sa.Connection) -> tuple[Any, Any]:
    """How ``False`` and ``True`` go to this connection's driver in :func:`insert_tuples`' rows, indexed by the
    boolean: ``0`` and ``1`` on SQLite (what ``sa.Boolean`` stores there; ``sqlite3`` binds an exact ``int``
    directly, a ``bool`` through its adaptation protocol, about a fifth of a row's insert more), the booleans
    themselves on PostgreSQL (which has no implicit cast from integer to boolean)."""
    return (0, 1) if conn.dialect.name == "sqlite" else (False, True)


def bulk_insert(
    conn: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]], chunk: int = 5000, *, dates_ready: bool = False
) -> None:
    """Insert many rows at the driver level (one ``executemany`` per chunk, no per-row SQL compilation).

    This is the import's hot path: SQLAlchemy's compiled ``insert()`` costs several times the
    driver's own work per row; the statement is still built from the table's metadata, quoted by
    the dialect, and runs on the SQLAlchemy connection, inside its transaction. Dates go to SQLite
    as ISO text (what ``sa.Date`` stores there), to PostgreSQL as dates: converted here, column by
    column, unless the caller wrote them with :func:`date_param` (``dates_ready=True``). The rows
    become tuples in C (``itemgetter``, with the keys of the first row); booleans, integers and
    texts go to both drivers as they are. (:func:`insert_tuples` takes rows already as tuples.)
    """
    if not rows:
        return
    keys = tuple(rows[0])
    params = _tuples(rows, keys)
    if not dates_ready and conn.dialect.name == "sqlite":
        date_columns = [i for i, c in enumerate(keys) if isinstance(table.c[c].type, sa.Date)]
        if date_columns:
            params = _iso_dates(params, date_columns, len(keys))
    insert_tuples(conn, table, keys, params, chunk)


def insert_tuples(conn: sa.Connection, table: sa.Table, keys: tuple[str, ...], params: Sequence[tuple], chunk: int = 5000) -> None:
    """:func:`bulk_insert` for rows built as tuples in the order of ``keys``, their dates as :func:`date_param` writes them.

    The import builds its rows this way (a tuple costs less to build, convert and free than a dict,
    for each of the ten rows a dossier brings).
    """
    if not params:
        return
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in keys)}) VALUES ({', '.join([mark] * len(keys))})"
    if len(params) <= chunk:
        conn.exec_driver_sql(sql, params)
        return
    for i in range(0, len(params), chunk):
        conn.exec_driver_sql(sql, params[i : i + chunk])


def _tuples(rows: Sequence[dict[str, Any]], keys: tuple[str, ...]) -> list[tuple]:
    """The rows as tuples in the order of ``keys`` (a missing key is an error, as before)."""
    if len(keys) == 1:
        (col,) = keys
        return [(r[col],) for r in rows]
    return list(map(operator.itemgetter(*keys), rows))


def _iso_dates(params: list[tuple], date_columns: list[int], width: int) -> list[tuple]:
    """``params`` with the values of the columns ``date_columns`` written as ISO text (``None`` and texts kept)."""

    def iso(v: Any) -> Any:
        return v.isoformat() if isinstance(v, dt.date) else v

    columns = list(zip(*params, strict=True)) if params else [() for _ in range(width)]
    for i in date_columns:
        columns[i] = tuple(map(iso, columns[i]))
    return list(zip(*columns, strict=True))


# ----------------------------------------------------------------- certifications without rules
def plugin_hint(registry: Any) -> str:
    """Why a plugin may not be loaded in this process: the environment switches, the plugins that failed."""
    parts = []
    only = os.environ.get("CQPKIT_LOAD_PLUGINS")
    if only is not None:
        only = ",".join(x.strip() for x in only.split(",") if x.strip())
        parts.append(
            f"CQPKIT_LOAD_PLUGINS={only} : seules ces extensions installées sont chargées" if only
            else "CQPKIT_LOAD_PLUGINS est vide : aucune extension installée n'est chargée"
        )
    off = ",".join(x.strip() for x in os.environ.get("CQPKIT_DISABLE_PLUGINS", "").split(",") if x.strip())
    if off:
        parts.append(f"CQPKIT_DISABLE_PLUGINS={off} en écarte")
    failed = sorted({f.plugin for f in getattr(registry, "failures", ())})
    if failed:
        parts.append(f"extension{'s' if len(failed) > 1 else ''} qui n'{'ont' if len(failed) > 1 else 'a'} pas pu être chargée{'s' if len(failed) > 1 else ''} : {', '.join(failed)}")
    parts.append("« cqpkit plugins » liste les extensions chargées")
    return " (" + " ; ".join(parts) + ")"


def _rules_of(registry: Any) -> dict[str, set[str]]:
    """The certifications the loaded plugins supply, each with its référentiel versions."""
    out: dict[str, set[str]] = defaultdict(set)
    for r in registry.resumes():
        out[r.id].add(r.version)
    return out


def _no_rules(registry: Any, rules: Mapping[str, set[str]], certification: str, versions: Iterable[str] = ()) -> str | None:
    """Why the dossiers of ``certification`` (in these référentiel ``versions``) cannot be evaluated here, or ``None``.

    The engines need the référentiel a dossier follows: a certification that no loaded plugin
    supplies (its plugin is not installed, not loaded, or failed to load), or a version of it that
    the installed plugin no longer (or not yet) supplies.
    """
    supplied = rules.get(certification)
    if not supplied:
        return "aucune extension chargée ne fournit cette certification — installez l'extension (le plugin) qui la fournit" + plugin_hint(registry)
    missing = sorted(set(versions) - supplied)
    if not missing:
        return None
    s = "s" if len(missing) > 1 else ""
    return (
        f"version{s} {', '.join(f'« {v} »' for v in missing)} du référentiel absente{s} des extensions chargées "
        f"(versions fournies : {', '.join(sorted(supplied))}) — installez la version de l'extension qui la fournit" + plugin_hint(registry)
    )


def _count_dossiers(n: int) -> str:
    return f"{n} dossier{'s' if n > 1 else ''}"


def _left_out(entries: Mapping[str, tuple[int, str]]) -> list[dict[str, Any]]:
    """``certifications_ignorees`` of the reports: ``{certification, dossiers, raison}``, by certification."""
    return [{"certification": c, "dossiers": n, "raison": raison} for c, (n, raison) in sorted(entries.items())]


def _stored_certifications(conn: sa.Connection) -> list[str]:
    """The distinct certifications of the stored dossiers, one index lookup each (not a scan of the dossiers)."""
    c = t.dossiers.c.certification
    out: list[str] = []
    q = sa.select(c).order_by(c).limit(1)
    current = conn.execute(q).scalar()
    while current is not None:
        out.append(current)
        current = conn.execute(q.where(c > current)).scalar()
    return out


@attrs.frozen
class Effacement:
    """What :meth:`Store.erase` did: the candidate's pseudonym, when they were erased, and whether it was already done."""

    candidat: str
    pseudonyme: str
    efface_le: str
    deja_efface: bool


# ------------------------------------------------------------------------------- store
class Store:
    """A cqpkit database (see the module docstring). Open it with :meth:`open`."""

    def __init__(self, target: Target, engine: sa.Engine, registry: Any = None) -> None:
        self.target = target
        self.engine = engine
        self._registry = registry

    # -- opening -------------------------------------------------------------------
    @classmethod
    def open(cls, db: str | os.PathLike[str] | None = None, *, create: bool = False, registry: Any = None, check: bool = True) -> Store:
        """Open the database ``db`` (path or URL; see :mod:`cqpkit.store.engine`).

        With ``check`` (the default) the schema version is checked first: an empty, foreign,
        older or newer database raises :class:`StoreError` saying what to do. ``create`` allows
        a missing SQLite file to be created (it is initialised by :meth:`init`).
        """
        target = resolve(db)
        engine = make_engine(target, create=create)
        store = cls(target, engine, registry)
        if check:
            store.check_schema()
        return store

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def registry(self) -> Any:
        """The registry used to validate and to run the engines (loaded on first use)."""
        if self._registry is None:
            from cqpkit.plugins.registry import load_registry

            self._registry = load_registry()
        return self._registry

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except CqpkitError:
            raise
        except Exception as exc:
            if is_driver_error(exc):
                raise translate(exc, self.target) from exc
            raise

    @contextlib.contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A connection in a read transaction (driver errors become French :class:`StoreError`)."""
        with self._guard(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextlib.contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """A connection in a writing transaction, writers serialised; committed at the end, or rolled back."""
        with self._guard(), self.engine.connect() as conn:
            conn.execution_options(cqpkit_write=True)
            with conn.begin():
                yield conn

    # -- schema --------------------------------------------------------------------
    def version(self) -> int | None:
        """The schema version of the database (``None``: empty)."""
        with self.read() as conn:
            if self.target.kind == "postgresql" and conn.exec_driver_sql("SELECT current_schema()").scalar() is None:
                # No schema of the search_path exists: not an empty base, and `db init` could not create anything.
                path = conn.exec_driver_sql("SHOW search_path").scalar()
                raise StoreError(
                    f"{self.target.label} : aucun des schémas du search_path ({path}) n'existe sur le serveur ; "
                    "créez-le (CREATE SCHEMA …) ou corrigez l'option search_path de l'adresse"
                )
            return migrations.read_version(conn, self.target.label)

    def check_schema(self) -> None:
        """Raise :class:`StoreError` unless the database is a cqpkit database at the current schema version."""
        migrations.check(self.version(), self.target.label)

    def init(self) -> list[migrations.Migration]:
        """Create the schema in an empty database; a database already current is left as it is.

        An older cqpkit database is not upgraded silently: :meth:`upgrade` says it is done.
        """
        version = self.version()
        if version is not None and version < migrations.CURRENT:
            migrations.check(version, self.target.label)
        return migrations.apply(self.write, self.target.label, self)

    def upgrade(self, target: int = migrations.CURRENT) -> list[migrations.Migration]:
        """Apply the missing migrations (up to ``target``); an empty database is refused (``init`` creates)."""
        if self.version() is None:
            migrations.check(None, self.target.label)
        return migrations.apply(self.write, self.target.label, self, target)

    def verify(self) -> Verification:
        """Check the audit chain and, on SQLite, the file's integrity (``PRAGMA integrity_check``)."""
        with self.read() as conn:
            result = verify_chain(conn)
            if self.target.kind == "sqlite":
                rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").all()]
                if rows != ["ok"]:
                    result.problemes.extend(f"intégrité SQLite : {r}" for r in rows[:10])
        return result

    # -- import --------------------------------------------------------------------
    def import_files(self, paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str], operateur: str | None = None) -> ImportReport:
        """Validate every file, then store them all in one transaction (or nothing: see :meth:`import_lot`).

        ``paths`` lists files and directories (every ``*.toml`` under them); one path alone may be
        given as it is (a text is one path, not a sequence of one-letter paths).
        """
        lot = read_files(_paths(paths), self.registry)
        return self.import_lot(lot, operateur)

    def import_lot(self, lot: Lot, operateur: str | None = None) -> ImportReport:
        """Store validated dossiers and sessions, all or nothing (see the module docstring).

        The lot is stored as given: :func:`~cqpkit.store.reading.read_files` validates files, and
        :func:`~cqpkit.store.reading.read_lot` validates objects built in Python when it is given the
        registry (``read_lot(…, registry=store.registry)``).

        Before the write transaction (other writers need not wait for it), the deadlines of the dossiers
        the base does not hold yet are computed with the engine (:func:`~cqpkit.store.reading.with_deadlines`);
        a dossier stored meanwhile by another process is handled in the transaction like any stored one.
        """
        operateur = operateur or operateur_par_defaut()
        from sqlalchemy import event

        before_start = time.perf_counter()
        registry = self.registry
        if lot.dossiers and not (lot.registry is registry and all(lu.echeances is not None for lu in lot.dossiers)):
            with self.read() as conn:
                stored = _driver_lookup(conn, t.dossiers, ("id",), [lu.dossier.id for lu in lot.dossiers])
            lot, engine = with_deadlines(lot, registry, stored)
        else:
            engine = 0.0
        before_transaction = time.perf_counter() - before_start

        spent = [0.0, 0.0]

        def before(*_: Any) -> None:
            spent[1] = time.perf_counter()

        def after(*_: Any) -> None:
            spent[0] += time.perf_counter() - spent[1]

        with without_cycle_collector(), self.write() as conn:
            # Time spent in the database (for bench/store.py): the rest is preparing the rows.
            event.listen(conn, "before_cursor_execute", before)
            event.listen(conn, "after_cursor_execute", after)
            report = _Import(self, conn, lot, operateur).run()
            start = time.perf_counter()
        spent[0] += time.perf_counter() - start  # the commit
        report.secondes_sql = spent[0]
        report.secondes_moteur += engine
        report.secondes_avant = before_transaction
        return report

    # -- jury ----------------------------------------------------------------------
    def open_session(self, session: SessionJury, operateur: str | None = None) -> None:
        """Record a new jury session (open); it is validated against the registry first."""
        from cqpkit.formats.dossiers import validate_session

        erreurs = validate_session(attrs.evolve(session, session=attrs.evolve(session.session, cloturee=False)), self.registry, "jury open")
        if erreurs:
            # The session was written to TOML only to be validated: its line numbers mean nothing to the user.
            erreurs = [e._replace(ligne=0) for e in erreurs]
            raise StoreConflictError(f"session « {session.id} » invalide :", erreurs)
        from cqpkit.store.reading import read_lot

        lot = read_lot(sessions=[("jury open", attrs.evolve(session, session=attrs.evolve(session.session, cloturee=False)))])
        operateur = operateur or operateur_par_defaut()
        with self.write() as conn:
            if conn.execute(sa.select(t.sessions.c.id).where(t.sessions.c.id == session.id)).first() is not None:
                raise StoreConflictError(f"session « {session.id} » déjà enregistrée")
            precedente = session.session.precedente
            if precedente is not None and conn.execute(sa.select(t.sessions.c.id).where(t.sessions.c.id == precedente)).first() is None:
                # The alternation of the presidency would silently not be checked (rules/jury.py): say it now.
                known = [r.id for r in conn.execute(sa.select(t.sessions.c.id).order_by(t.sessions.c.date, t.sessions.c.id))]
                raise StoreConflictError(f"--precedente : {_unknown_session(precedente, known, self.target.label)}")
            _Import(self, conn, lot, operateur).run()

    def _session_row(self, conn: sa.Connection, session_id: str) -> Any:
        row = conn.execute(sa.select(t.sessions).where(t.sessions.c.id == session_id)).first()
        if row is None:
            known = [r.id for r in conn.execute(sa.select(t.sessions.c.id).order_by(t.sessions.c.date, t.sessions.c.id))]
            raise NotFoundError(_unknown_session(session_id, known, self.target.label))
        return row

    def _dossier_row(self, conn: sa.Connection, dossier_id: str) -> Any:
        row = conn.execute(sa.select(t.dossiers).where(t.dossiers.c.id == dossier_id)).first()
        if row is None:
            raise NotFoundError(f"dossier « {dossier_id} » inconnu dans la base {self.target.label}")
        return row

    def _check_certification(self, conn: sa.Connection, certification: str) -> None:
        """Raise :class:`NotFoundError` unless ``certification`` is known: to a loaded plugin, or in the base.

        Called by the reports and ``jury_sessions`` only when their filter gave nothing, so that a
        misspelt ``--certification`` is said as such rather than shown as an empty report.
        """
        d = t.dossiers
        if conn.execute(sa.select(d.c.id).where(d.c.certification == certification).limit(1)).first() is not None:
            return
        stored = {c for r in conn.execute(sa.select(t.sessions.c.certifications)) for c in json.loads(r.certifications)}
        known = {r.id for r in self.registry.resumes()}
        if certification in stored or certification in known:
            return
        stored |= {r.certification for r in conn.execute(sa.select(d.c.certification).distinct())}
        raise NotFoundError(
            f"certification « {certification} » inconnue : ni dans les extensions chargées ni dans la base {self.target.label} "
            f"(certifications connues : {', '.join(sorted(known | stored)) or 'aucune'})"
        )

    def _require_rules(self, row: Any, readable: str = "") -> None:
        """Raise :class:`StoreConflictError` unless a loaded plugin supplies the référentiel of the dossier ``row``.

        Without it the engines cannot read the dossier: say that the plugin is missing (rather
        than an unknown certification, since the base holds it), and what can still be read.
        """
        why = _no_rules(self.registry, _rules_of(self.registry), row.certification, [row.version_referentiel])
        if why is not None:
            still = f" ; ce qui est enregistré reste lisible : {readable}" if readable else ""
            raise StoreConflictError(f"dossier « {row.id} » ({row.certification} {row.version_referentiel}) : {why}{still}")

    def _session_without_rules(self, conn: sa.Connection, row: Any, dossier_ids: Sequence[str]) -> list[str]:
        """Why the engine cannot check the stored session ``row`` with these dossiers here: a certification of the
        session, or the référentiel of a dossier, that no loaded plugin supplies (one French line each)."""
        registry = self.registry
        rules = _rules_of(registry)
        certs = json.loads(row.certifications)
        out = []
        for cert in certs:
            why = _no_rules(registry, rules, cert)
            if why is not None:
                out.append(f"certification « {cert} » : {why}")
        said = {cert for cert in certs if not rules.get(cert)}  # not said again for each of its dossiers
        for chunk in _chunks(sorted(dossier_ids)):
            q = sa.select(t.dossiers.c.id, t.dossiers.c.certification, t.dossiers.c.version_referentiel).where(t.dossiers.c.id.in_(list(chunk)))
            for d in conn.execute(q):
                why = _no_rules(registry, rules, d.certification, [d.version_referentiel])
                if why is not None and d.certification not in said:
                    out.append(f"dossier « {d.id} » ({d.certification} {d.version_referentiel}) : {why}")
        return out

    def _refresh(self, conn: sa.Connection, ids: Sequence[str]) -> None:
        rebuild_echeances(conn, self.registry, ids)

    def add_to_session(
        self, session_id: str, dossier_ids: Sequence[str], operateur: str | None = None, *,
        absent: bool = False, excuse: bool = False, present: bool = False,
    ) -> list[tuple[str, str]]:
        """Present dossiers to an open session (a passage without decisions yet); return ``(dossier, statut)``.

        A dossier already presented keeps its record, unless the call says its presence explicitly
        (``absent``, ``excuse`` or ``present``) and it differs from the one recorded: a new record then
        replaces it (append-only, like a decision), decisions kept — the candidate announced present who
        did not come, the one recorded absent who came after all. Marking absent or excused a dossier
        the jury has already decided on is refused (with every other problem, before anything is written).
        """
        if sum((absent, excuse, present)) > 1:
            raise InvalidArgumentError("absent, excuse, present : un seul à la fois")
        operateur = operateur or operateur_par_defaut()
        out = []
        if isinstance(dossier_ids, str):  # one id, not a sequence of one-letter ids
            dossier_ids = [dossier_ids]
        dossier_ids = list(dict.fromkeys(dossier_ids))  # a dossier named twice is presented once
        with self.write() as conn:
            s = self._session_row(conn, session_id)
            if s.cloturee:
                raise StoreConflictError(f"session « {session_id} » close le {_jour(s.cloturee_le)} : on ne peut plus y présenter de dossier")
            certs = json.loads(s.certifications)
            # Every dossier is checked before anything is written, and every problem is said at once.
            found = {r.id: r for chunk in _chunks(dossier_ids) for r in conn.execute(sa.select(t.dossiers).where(t.dossiers.c.id.in_(list(chunk))))}
            unknown = [f"dossier « {did} » inconnu dans la base {self.target.label}" for did in dossier_ids if did not in found]
            foreign = [
                f"dossier « {did} » ({found[did].certification}) : la session « {session_id} » ne couvre pas cette certification ({', '.join(certs)})"
                for did in dossier_ids
                if did in found and found[did].certification not in certs
            ]
            current = {}
            for chunk in _chunks([did for did in dossier_ids if did in found]):
                q = sa.select(t.passages).where(t.passages.c.session_id == session_id, t.passages.c.dossier_id.in_(list(chunk))).order_by(t.passages.c.id)
                current.update({r.dossier_id: r for r in conn.execute(q)})  # the latest record of each dossier
            wanted = (absent, excuse)
            decided = [
                f"dossier « {did} » : le jury a déjà enregistré des décisions à cette session ({_decisions_text(current[did].decisions)}) ; "
                f"il ne peut pas y être {'absent' if absent else 'excusé'}"
                for did in dossier_ids
                if (absent or excuse) and did in current and (bool(current[did].absent), bool(current[did].excuse)) != wanted
                and json.loads(current[did].decisions)
            ]
            rules = _rules_of(self.registry)
            # Recording a passage recomputes the dossier's deadlines with the engine: its référentiel must be installed.
            without_rules = [
                f"dossier « {did} » ({found[did].certification} {found[did].version_referentiel}) : {why}"
                for did in dossier_ids
                if did in found and found[did].certification in certs
                and (why := _no_rules(self.registry, rules, found[did].certification, [found[did].version_referentiel])) is not None
            ]
            problems = unknown + foreign + decided + without_rules
            if len(problems) == 1:
                raise (NotFoundError if unknown else StoreConflictError)(problems[0])
            if problems:
                raise StoreConflictError(
                    f"aucun dossier présenté à la session « {session_id} » ({len(problems)} problèmes) :\n" + "\n".join(f"  {p}" for p in problems)
                )
            audit = AuditWriter(conn, operateur, _now())
            rows = []
            for did in dossier_ids:
                previous = current.get(did)
                if previous is not None:
                    recorded = (bool(previous.absent), bool(previous.excuse))
                    if not (absent or excuse or present) or recorded == wanted:
                        out.append((did, "déjà présenté" + _presence_text(*recorded)))
                        continue
                    rows.append(
                        {
                            "dossier_id": did, "session_id": session_id, "date": previous.date, "absent": absent, "excuse": excuse,
                            "decisions": previous.decisions, "notes": previous.notes, "origine": "jury", "remplace_id": previous.id,
                            "motif": "", "enregistre_le": audit.horodatage, "operateur": operateur,
                        }
                    )
                    audit.add("passage.presence", "dossier", did, {"session": session_id, "absent": absent, "excuse": excuse, "remplace": previous.id})
                    out.append((did, "présence mise à jour" + (_presence_text(absent, excuse) or " (présent)")))
                    continue
                rows.append(
                    {
                        "dossier_id": did, "session_id": session_id, "date": s.date, "absent": absent, "excuse": excuse,
                        "decisions": "{}", "notes": "", "origine": "jury", "remplace_id": None, "motif": "",
                        "enregistre_le": audit.horodatage, "operateur": operateur,
                    }
                )
                audit.add("passage.inscription", "dossier", did, {"session": session_id, "absent": absent, "excuse": excuse})
                out.append((did, "présenté" + _presence_text(absent, excuse)))
            if rows:
                conn.execute(t.passages.insert(), rows)
                self._refresh(conn, [r["dossier_id"] for r in rows])
            audit.flush()
        return out

    def decide(
        self, session_id: str, dossier_id: str, decisions: dict[str, str], operateur: str | None = None, *, motif: str = ""
    ) -> dict[str, Any]:
        """Record the jury's decisions on a dossier at a session; on a closed session, a correction with its ``motif``.

        ``decisions`` maps domaine ids to ``"acquis"`` or ``"non_acquis"``; for a référentiel without
        domaines, its one key is ``certification`` (the whole certification, see
        :data:`~cqpkit.model.CERTIFICATION_ENTIERE`), stored as such in ``passages.decisions``. Returns
        ``{"statut": "enregistré" | "corrigé" | "inchangé", "passage": id, "remplace": id | None}``.
        """
        if not isinstance(decisions, Mapping):
            raise InvalidArgumentError(
                f"decisions : une table domaine → décision est attendue ({{\"D1\": \"acquis\"}}), pas {type(decisions).__name__}"
            )
        if motif is not None and not isinstance(motif, str):
            raise InvalidArgumentError(f"motif : un texte est attendu, pas {type(motif).__name__}")
        operateur = operateur or operateur_par_defaut()
        motif = (motif or "").strip()
        with self.write() as conn:
            s = self._session_row(conn, session_id)
            d = self._dossier_row(conn, dossier_id)
            certs = json.loads(s.certifications)
            if d.certification not in certs:
                raise StoreConflictError(
                    f"dossier « {dossier_id} » ({d.certification}) : la session « {session_id} » ne couvre pas cette certification ({', '.join(certs)})"
                )
            self._require_rules(d)
            ref = self.registry.referentiel(d.certification, version=d.version_referentiel)
            problems = _decision_problems(decisions, [x.id for x in ref.domaines], f"{d.certification} {d.version_referentiel}")
            if problems:
                raise StoreConflictError("décisions refusées :\n" + "\n".join(f"  {p}" for p in problems))
            rows = conn.execute(
                sa.select(t.passages).where(t.passages.c.dossier_id == dossier_id, t.passages.c.session_id == session_id).order_by(t.passages.c.id)
            ).all()
            current = rows[-1] if rows else None
            if current is not None and (current.absent or current.excuse):
                what = "absent" if current.absent else "excusé"
                raise StoreConflictError(
                    f"dossier « {dossier_id} » enregistré {what} à la session « {session_id} » : le jury ne décide pas sur un candidat "
                    f"qui n'est pas passé (s'il est venu : cqpkit jury add {session_id} {dossier_id} --present)"
                )
            if s.cloturee:
                if current is None:
                    raise StoreConflictError(
                        f"session « {session_id} » close : le dossier « {dossier_id} » n'y est pas passé, il n'y a rien à corriger"
                    )
                if not motif:
                    raise StoreConflictError(
                        f"session « {session_id} » close le {_jour(s.cloturee_le)} : ses décisions ne changent pas ; "
                        "une correction est un nouvel enregistrement motivé (ajoutez --motif « … »)"
                    )
            before = json.loads(current.decisions) if current is not None else {}
            merged = {**before, **decisions}
            if current is not None and merged == before:
                return {"statut": "inchangé", "passage": current.id, "remplace": None}
            horodatage = _now()
            origine = "correction" if s.cloturee else "jury"
            values = {
                "dossier_id": dossier_id, "session_id": session_id,
                "date": current.date if current is not None else s.date,
                "absent": bool(current.absent) if current is not None else False,
                "excuse": bool(current.excuse) if current is not None else False,
                "decisions": canonical(merged), "notes": current.notes if current is not None else "",
                "origine": origine, "remplace_id": current.id if current is not None else None, "motif": motif,
                "enregistre_le": horodatage, "operateur": operateur,
            }
            conn.execute(t.passages.insert(), [values])
            new_id = conn.execute(
                sa.select(sa.func.max(t.passages.c.id)).where(t.passages.c.dossier_id == dossier_id, t.passages.c.session_id == session_id)
            ).scalar_one()
            audit = AuditWriter(conn, operateur, horodatage)
            details = {"session": session_id, "decisions": merged, "passage": new_id, "remplace": values["remplace_id"]}
            if motif:
                details["motif"] = motif
            audit.add("passage.correction" if s.cloturee else "passage.decision", "dossier", dossier_id, details)
            self._refresh(conn, [dossier_id])
            audit.flush()
            return {"statut": "corrigé" if s.cloturee else "enregistré", "passage": new_id, "remplace": values["remplace_id"]}

    def close_session(self, session_id: str, operateur: str | None = None, *, force: bool = False) -> list[Any]:
        """Close a session after checking it with the engine (composition, presidency, passages).

        Error findings refuse the closing (:class:`StoreConflictError`) unless ``force``; the
        findings are returned.
        """
        operateur = operateur or operateur_par_defaut()
        with self.write() as conn:
            s = self._session_row(conn, session_id)
            if s.cloturee:
                raise StoreConflictError(f"session « {session_id} » déjà close (le {_jour(s.cloturee_le)})")
            ids = [r.dossier_id for r in conn.execute(sa.select(t.passages.c.dossier_id).where(t.passages.c.session_id == session_id).distinct())]
            missing = self._session_without_rules(conn, s, ids)
            if missing:  # the engine checks the session before it is closed, even with --forcer
                raise StoreConflictError(
                    f"session « {session_id} » non close : le moteur ne peut pas la contrôler ici\n" + "\n".join(f"  {m}" for m in missing)
                )
            constats = self._session_findings(conn, s, ids)
            errors = [c for c in constats if c.niveau == "erreur"]
            if errors and not force:
                lines = "\n".join(f"  {c.code} — {c.message}" for c in errors)
                raise StoreConflictError(
                    f"session « {session_id} » non close : {len(errors)} constat(s) bloquant(s) (corrigez, ou --forcer pour clore quand même)\n{lines}"
                )
            horodatage = _now()
            conn.execute(t.sessions.update().where(t.sessions.c.id == session_id).values(cloturee=True, cloturee_le=horodatage, modifie_le=horodatage))
            audit = AuditWriter(conn, operateur, horodatage)
            audit.add("session.cloture", "session", session_id, {"dossiers": len(ids), "constats": sorted({c.code for c in constats}), "forcee": bool(errors)})
            audit.flush()
            return constats

    def _session_findings(self, conn: sa.Connection, row: Any, dossier_ids: Sequence[str]) -> list[Any]:
        """The engine's findings on a stored session as ``jury close`` checks it.

        The session is checked as closed (``cloturee``), with the dossiers presented to it as the
        engines see them and, as its history (most recent first, then by id), the other stored
        sessions of the same jury: those that cover one of its certifications, and the one its
        ``precedente`` names. A session of another branch's jury is not "the previous session"
        for the alternation of the presidency.
        """
        from cqpkit.formats.converter import json_converter

        conv = json_converter()
        session = conv.structure(json.loads(row.contenu), SessionJury)
        session = attrs.evolve(session, session=attrs.evolve(session.session, cloturee=True))
        dossiers = list(_engine_dossiers(conn, sorted(dossier_ids)).values())
        mine = set(session.session.certifications)
        others = conn.execute(sa.select(t.sessions.c.id, t.sessions.c.certifications, t.sessions.c.contenu).where(t.sessions.c.id != row.id)).all()
        historique = [
            conv.structure(json.loads(r.contenu), SessionJury)
            for r in others
            if r.id == session.session.precedente or mine.intersection(json.loads(r.certifications))
        ]
        historique.sort(key=lambda x: (x.session.date, x.id), reverse=True)
        return self.registry.check_session(session, dossiers, historique)

    # -- queries -------------------------------------------------------------------
    def dossier(self, dossier_id: str) -> Dossier:
        """A stored dossier as the engines see it (latest version; passages as the store holds them)."""
        with self.read() as conn:
            self._dossier_row(conn, dossier_id)
            return _engine_dossiers(conn, [dossier_id])[dossier_id]

    def personne(self, personne_id: str, as_of: dt.date) -> dict[str, Any]:
        """A person the dossiers name: facts, dossiers and missions, load over time, the prime per calendar year (:func:`personnes.show`)."""
        as_of = as_of_day(as_of)
        with self.read() as conn:
            return personnes.show(conn, self.registry, personne_id, as_of, _rules_of(self.registry), _engine_dossiers, self.target.label)

    def dossier_ids(self, certification: str | None = None) -> list[str]:
        """The ids of the stored dossiers (of one certification)."""
        q = sa.select(t.dossiers.c.id).order_by(t.dossiers.c.id)
        if certification:
            q = q.where(t.dossiers.c.certification == certification)
        with self.read() as conn:
            return [r.id for r in conn.execute(q)]

    def show(self, dossier_id: str, as_of: dt.date) -> dict[str, Any]:
        """Everything about one dossier as of a date: identity, candidate, passages, result, funding, deadlines."""
        from cqpkit.formats.converter import output_converter

        as_of = as_of_day(as_of)
        out_conv = output_converter()
        with self.read() as conn:
            row = self._dossier_row(conn, dossier_id)
            dossier = _engine_dossiers(conn, [dossier_id])[dossier_id]
            cand = conn.execute(sa.select(t.candidats).where(t.candidats.c.id == row.candidat_id)).first()
            prows = conn.execute(sa.select(t.passages).where(t.passages.c.dossier_id == dossier_id).order_by(t.passages.c.id)).all()
            ech = conn.execute(sa.select(t.echeances).where(t.echeances.c.dossier_id == dossier_id).order_by(t.echeances.c.date)).all()
            sessions = {r.id: bool(r.cloturee) for r in conn.execute(sa.select(t.sessions.c.id, t.sessions.c.cloturee).where(t.sessions.c.id.in_({r.session_id for r in prows} or {""})))}
        self._require_rules(row, f"cqpkit dossier history {dossier_id}")
        effective = {r.id for r in _effective(prows)}
        resultat = self.registry.decide(dossier, as_of)
        lignes = self.registry.funding(dossier, as_of)
        return {
            "dossier": dossier_id,
            "certification": row.certification,
            "version": row.version_referentiel,
            "voie": row.voie,
            "mention": row.mention,
            "inscription": row.inscription.isoformat(),
            "version_dossier": row.numero_version,
            "candidat": _candidate_public(cand),
            "evaluations": [out_conv.unstructure(e) for e in dossier.evaluations],
            "passages": [
                {
                    "id": r.id, "session": r.session_id, "session_close": sessions.get(r.session_id, False),
                    "date": r.date.isoformat(), "absent": bool(r.absent), "excuse": bool(r.excuse),
                    "decisions": json.loads(r.decisions), "origine": r.origine, "remplace": r.remplace_id,
                    "motif": r.motif, "en_vigueur": r.id in effective,
                }
                for r in prows
            ],
            "resultat": out_conv.unstructure(resultat),
            "financement": [out_conv.unstructure(x) for x in lignes],
            "echeances": [{"type": e.type, "domaine": e.domaine or None, "date": e.date.isoformat(), "depuis": e.depuis.isoformat()} for e in ech],
            "date": as_of.isoformat(),
        }

    def history(self, dossier_id: str) -> dict[str, Any]:
        """The versions of a dossier, every state of its passages (corrections included) and its audit entries."""
        with self.read() as conn:
            row = self._dossier_row(conn, dossier_id)
            versions = conn.execute(
                sa.select(t.dossier_versions.c.numero, t.dossier_versions.c.empreinte, t.dossier_versions.c.certification,
                          t.dossier_versions.c.version_referentiel, t.dossier_versions.c.enregistre_le, t.dossier_versions.c.operateur)
                .where(t.dossier_versions.c.dossier_id == dossier_id).order_by(t.dossier_versions.c.numero)
            ).all()
            evals = conn.execute(
                sa.select(t.evaluations.c.numero_version, t.evaluations.c.epreuve, t.evaluations.c.date, t.evaluations.c.enregistre_le)
                .where(t.evaluations.c.dossier_id == dossier_id).order_by(t.evaluations.c.id)
            ).all()
            prows = conn.execute(sa.select(t.passages).where(t.passages.c.dossier_id == dossier_id).order_by(t.passages.c.id)).all()
            entries = conn.execute(
                sa.select(t.audit).where(t.audit.c.objet_id.in_([dossier_id, row.candidat_id])).order_by(t.audit.c.numero)
            ).all()
        return {
            "dossier": dossier_id,
            "versions": [
                {"numero": v.numero, "empreinte": v.empreinte, "certification": v.certification, "version": v.version_referentiel,
                 "enregistre_le": v.enregistre_le, "operateur": v.operateur}
                for v in versions
            ],
            "evaluations": [{"version_dossier": e.numero_version, "epreuve": e.epreuve, "date": e.date.isoformat(), "enregistre_le": e.enregistre_le} for e in evals],
            "passages": [
                {"id": r.id, "session": r.session_id, "date": r.date.isoformat(), "decisions": json.loads(r.decisions),
                 "absent": bool(r.absent), "excuse": bool(r.excuse), "origine": r.origine, "remplace": r.remplace_id,
                 "motif": r.motif, "enregistre_le": r.enregistre_le, "operateur": r.operateur}
                for r in prows
            ],
            "journal": [_audit_json(e) for e in entries],
        }

    # -- jury sessions (read only) -------------------------------------------------
    def jury_sessions(self, certification: str | None = None) -> list[dict[str, Any]]:
        """Every stored jury session (covering ``certification``), by date then id.

        Each is ``{session, date, lieu, certifications, president, membres, close, cloturee_le,
        dossiers, candidats}``: ``membres`` is the number of members, ``dossiers`` the number of
        dossiers presented to the session (a passage recorded, absent or not), ``candidats`` the
        number of distinct candidates among them.
        """
        p, d, s = t.passages, t.dossiers, t.sessions
        counts_q = (
            sa.select(p.c.session_id, sa.func.count(sa.distinct(p.c.dossier_id)).label("dossiers"),
                      sa.func.count(sa.distinct(d.c.candidat_id)).label("candidats"))
            .join(d, d.c.id == p.c.dossier_id)
            .group_by(p.c.session_id)
        )
        with self.read() as conn:
            rows = conn.execute(sa.select(s.c.id, s.c.date, s.c.certifications, s.c.contenu, s.c.cloturee, s.c.cloturee_le).order_by(s.c.date, s.c.id)).all()
            presented = {r.session_id: (r.dossiers, r.candidats) for r in conn.execute(counts_q)}
            if certification and not any(certification in json.loads(r.certifications) for r in rows):
                self._check_certification(conn, certification)
        out = []
        for r in rows:
            certs = json.loads(r.certifications)
            if certification and certification not in certs:
                continue
            content = json.loads(r.contenu)
            info = content.get("session", {})
            n_dossiers, n_candidats = presented.get(r.id, (0, 0))
            out.append(
                {
                    "session": r.id, "date": r.date.isoformat(), "lieu": info.get("lieu") or "", "certifications": certs,
                    "president": info.get("president"), "membres": len(content.get("membres") or ()), "close": bool(r.cloturee),
                    "cloturee_le": r.cloturee_le, "dossiers": n_dossiers, "candidats": n_candidats,
                }
            )
        return out

    def jury_session(self, session_id: str) -> dict[str, Any]:
        """One stored jury session: members, president, candidates presented with every record of their decisions, findings.

        ``candidats`` lists the dossiers presented (by dossier id), each with the decisions in force
        and ``enregistrements``: every state recorded in this session, in order (the jury's
        decision, then each correction with its ``motif`` and the record it replaces).
        ``constats`` are the engine's findings on the session as ``jury close`` checks it
        (:meth:`Registry.check_session`, the session taken as closed); when a certification of the
        session or a dossier's référentiel has no loaded plugin, they cannot be established:
        ``constats`` is then empty and ``constats_non_etablis`` says why (one line each; empty
        otherwise), the rest being read from the base. An unknown session raises
        :class:`NotFoundError` naming the stored sessions.
        """
        from cqpkit.formats.converter import output_converter

        p, d = t.passages, t.dossiers
        with self.read() as conn:
            row = conn.execute(sa.select(t.sessions).where(t.sessions.c.id == session_id)).first()
            if row is None:
                known = [r.id for r in conn.execute(sa.select(t.sessions.c.id).order_by(t.sessions.c.date, t.sessions.c.id))]
                raise NotFoundError(_unknown_session(session_id, known, self.target.label))
            prows = conn.execute(
                sa.select(p, d.c.candidat_id, d.c.certification, d.c.version_referentiel, d.c.voie, d.c.mention)
                .join(d, d.c.id == p.c.dossier_id)
                .where(p.c.session_id == session_id)
                .order_by(p.c.dossier_id, p.c.id)
            ).all()
            ids = sorted({r.dossier_id for r in prows})
            missing = self._session_without_rules(conn, row, ids)
            constats = [] if missing else self._session_findings(conn, row, ids)
        content = json.loads(row.contenu)
        info = content.get("session", {})
        president = info.get("president")
        by_dossier: dict[str, list[Any]] = defaultdict(list)
        for r in prows:
            by_dossier[r.dossier_id].append(r)
        candidats = []
        for did in ids:
            records = by_dossier[did]
            current = records[-1]  # the latest row is the one in force (as the engines see it)
            decisions_of = {r.id: json.loads(r.decisions) for r in records}
            candidats.append(
                {
                    "dossier": did, "candidat": current.candidat_id, "certification": current.certification,
                    "version": current.version_referentiel, "voie": current.voie, "mention": current.mention,
                    "date": current.date.isoformat(), "absent": bool(current.absent), "excuse": bool(current.excuse),
                    "decisions": _sorted_decisions(decisions_of[current.id]),
                    "corrections": sum(1 for r in records if r.origine == "correction"),
                    "enregistrements": [
                        {
                            "id": r.id, "origine": r.origine, "date": r.date.isoformat(), "absent": bool(r.absent), "excuse": bool(r.excuse),
                            "decisions": _sorted_decisions(decisions_of[r.id]), "remplace": r.remplace_id,
                            "modifie": _changed(decisions_of.get(r.remplace_id, {}), decisions_of[r.id]) if r.remplace_id else {},
                            "motif": r.motif, "enregistre_le": r.enregistre_le, "operateur": r.operateur, "en_vigueur": r is current,
                        }
                        for r in records
                    ],
                }
            )
        out_conv = output_converter()
        return {
            "session": row.id,
            "date": row.date.isoformat(),
            "lieu": info.get("lieu") or "",
            "certifications": json.loads(row.certifications),
            "precedente": info.get("precedente"),
            "president": president,
            "membres": [
                {"id": m.get("id"), "college": m.get("college"), "organisation": m.get("organisation") or "",
                 "fonction": m.get("fonction") or "", "president": m.get("id") == president}
                for m in content.get("membres") or ()
            ],
            "close": bool(row.cloturee),
            "cloturee_le": row.cloturee_le,
            "version_session": row.numero_version,
            "candidats": candidats,
            "constats": [out_conv.unstructure(c) for c in constats],
            # Why the engine's findings could not be established here (a plugin missing), one line each; empty otherwise.
            "constats_non_etablis": missing,
        }

    # -- reports -------------------------------------------------------------------
    def deadlines(self, as_of: dt.date, within: int, certification: str | None = None) -> dict[str, Any]:
        """Deadlines falling in the next ``within`` days, and those passed in the last ``within`` days.

        Two range scans of the date index of ``echeances`` (the query costs what the window holds,
        not what the store holds). A certification of the base whose référentiel no loaded plugin
        supplies is left out and named in ``certifications_ignorees`` (``{certification, dossiers,
        raison}``: found with one index lookup per stored certification), and so are the deadlines of
        the window whose dossier follows a référentiel version no loaded plugin supplies. Asked for
        with ``certification``, a certification whose plugin is missing raises :class:`StoreConflictError`.
        """
        as_of = as_of_day(as_of)
        if isinstance(within, bool) or not isinstance(within, int) or within < 0:
            raise InvalidArgumentError(f"within doit être un nombre entier de jours positif ou nul, pas {within!r}")
        e, d = t.echeances, t.dossiers
        horizon = _shift(as_of, within)  # a window beyond the calendar stops at its ends
        since = _shift(as_of, -within)
        rules = _rules_of(self.registry)
        left: dict[str, tuple[int, str]] = {}
        versions_missing: dict[str, set[str]] = defaultdict(set)

        def count(conn: sa.Connection, cid: str, versions: Iterable[str] | None = None) -> int:
            q = sa.select(sa.func.count()).select_from(d).where(d.c.certification == cid)
            if versions is not None:
                q = q.where(d.c.version_referentiel.in_(sorted(versions)))
            return conn.execute(q).scalar_one()

        def window(conn: sa.Connection, lo: dt.date, hi: dt.date, hi_inclusive: bool) -> list[dict[str, Any]]:
            q = (
                sa.select(e.c.certification, e.c.type, e.c.domaine, e.c.date, e.c.depuis, e.c.dossier_id, d.c.candidat_id, d.c.voie,
                          d.c.version_referentiel)
                .join(d, d.c.id == e.c.dossier_id)
                .where(e.c.date >= lo, e.c.date <= hi if hi_inclusive else e.c.date < hi)
                .order_by(e.c.certification, e.c.date, e.c.dossier_id, e.c.domaine)
            )
            if certification:
                q = q.where(e.c.certification == certification)
            if left:
                q = q.where(e.c.certification.not_in(sorted(left)))
            out = []
            for r in conn.execute(q):
                if r.version_referentiel not in rules.get(r.certification, ()):
                    versions_missing[r.certification].add(r.version_referentiel)
                    continue
                out.append(
                    {"certification": r.certification, "type": r.type, "domaine": r.domaine or None, "date": r.date.isoformat(),
                     "depuis": r.depuis.isoformat(), "dossier": r.dossier_id, "candidat": r.candidat_id, "voie": r.voie,
                     "jours": (r.date - as_of).days}
                )
            return out

        with self.read() as conn:
            if certification:
                stored = [certification] if conn.execute(sa.select(d.c.id).where(d.c.certification == certification).limit(1)).first() else []
            else:
                stored = _stored_certifications(conn)
            for cid in stored:
                if cid not in rules:
                    left[cid] = (count(conn, cid), _no_rules(self.registry, rules, cid) or "")
            if certification and left:
                n, why = left[certification]
                raise StoreConflictError(f"certification « {certification} » ({_count_dossiers(n)} dans la base {self.target.label}) : {why}")
            out = {
                "date": as_of.isoformat(),
                "jours": within,
                "a_venir": window(conn, as_of, horizon, True),
                "passees": window(conn, since, as_of, False),
            }
            for cid, versions in versions_missing.items():
                left[cid] = (count(conn, cid, versions), _no_rules(self.registry, rules, cid, versions) or "")
            out["certifications_ignorees"] = _left_out(left)
            if certification and not out["a_venir"] and not out["passees"] and not versions_missing:
                self._check_certification(conn, certification)
            return out

    def campaign(self, as_of: dt.date, certification: str | None = None) -> dict[str, Any]:
        """Per certification: dossiers, candidates, routes, awards (full, partial), failures, deadlines missed, funding.

        Every figure comes from the engine as of ``as_of`` (:meth:`Registry.decide`,
        :meth:`Registry.check` for the first-jury deadline, :meth:`Registry.funding`). The dossiers
        whose référentiel no loaded plugin supplies (the certification's plugin is not installed or
        not loaded, or it does not supply that version) are left out of every figure and named per
        certification in ``certifications_ignorees`` (``{certification, dossiers, raison}``); asked
        for with ``certification``, a certification whose plugin is missing raises
        :class:`StoreConflictError`. ``sessions`` lists every stored session, ``a_venir`` being true
        for those dated after ``as_of``.
        """
        as_of = as_of_day(as_of)
        ids = self.dossier_ids(certification)
        rules = _rules_of(self.registry)
        if certification and ids and certification not in rules:
            why = _no_rules(self.registry, rules, certification)
            raise StoreConflictError(f"certification « {certification} » ({_count_dossiers(len(ids))} dans la base {self.target.label}) : {why}")
        if certification and not ids:
            with self.read() as conn:
                self._check_certification(conn, certification)
        stats: dict[str, dict[str, Any]] = {}
        all_candidates: set[str] = set()
        left: dict[str, Counter] = defaultdict(Counter)  # certification -> référentiel version -> dossiers left out
        for chunk in _chunks(ids, 2000):
            with self.read() as conn:
                dossiers = _engine_dossiers(conn, chunk)
                cands = {r.id: r.candidat_id for r in conn.execute(sa.select(t.dossiers.c.id, t.dossiers.c.candidat_id).where(t.dossiers.c.id.in_(list(chunk))))}
            for did in chunk:
                d = dossiers[did]
                cid = d.dossier.certification
                if d.dossier.version not in rules.get(cid, ()):
                    left[cid][d.dossier.version] += 1  # the engines cannot read it here: said, not counted
                    continue
                s = stats.setdefault(cid, _empty_stats(cid, self.registry))
                s["dossiers"] += 1
                s["_candidats"].add(cands[did])
                all_candidates.add(cands[did])
                voie = "vae" if d.dossier.voie == "vae" else "formation"
                s[voie] += 1
                if d.dossier.inscription > as_of:
                    s["a_venir"] += 1
                    continue
                r = self.registry.decide(d, as_of)
                key = {"certifie": "certifies", "partiel": "partiels", "non_acquis": "echecs", "expire": "expires", "en_cours": "en_cours"}[r.statut]
                s[key] += 1
                constats = self.registry.check(d, as_of, resultat=r)
                if any(c.code == "premier_passage_hors_delai" for c in constats):
                    s["delais_depasses"] += 1
                # A funding line whose event has no barème is not summed: counted, so that a total is never read as complete.
                s["lignes_sans_bareme"] += sum(1 for c in constats if c.code == "bareme_inconnu")
                for line in self.registry.funding(d, as_of, resultat=r):
                    # Costs, funding and rewards are kept apart: what a training costs is not added to what is paid for it.
                    nature = getattr(line, "nature", "financement")
                    s[f"{nature}_{'points' if line.en == 'point' else 'euro'}"] += line.montant
        rows = []
        for cid in sorted(stats):
            s = stats[cid]
            s["candidats"] = len(s.pop("_candidats"))
            for k in _MONEY:
                s[k] = round(s[k], 2)
            rows.append(s)
        total = _empty_stats("total", None)
        total.pop("_candidats")
        for s in rows:
            for k, v in s.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    total[k] += v
        for k in _MONEY:
            total[k] = round(total[k], 2)
        total["intitule"] = "Total"
        total["candidats"] = len(all_candidates)
        with self.read() as conn:
            sessions = conn.execute(sa.select(t.sessions.c.id, t.sessions.c.date, t.sessions.c.certifications, t.sessions.c.cloturee).order_by(t.sessions.c.date, t.sessions.c.id)).all()
        return {
            "date": as_of.isoformat(),
            "certifications": rows,
            "total": total,
            "sessions": [
                {"session": r.id, "date": r.date.isoformat(), "certifications": json.loads(r.certifications), "close": bool(r.cloturee),
                 "a_venir": r.date > as_of}
                for r in sessions
                if not certification or certification in json.loads(r.certifications)
            ],
            "certifications_ignorees": _left_out(
                {cid: (sum(v.values()), _no_rules(self.registry, rules, cid, v) or "") for cid, v in left.items()}
            ),
        }

    # -- personal data -------------------------------------------------------------
    def export_candidate(
        self, candidat_id: str, operateur: str | None = None, *, deliver: Callable[[dict[str, Any]], None] | None = None
    ) -> dict[str, Any]:
        """Every personal datum the store holds on a candidate, with their dossiers and the log (GDPR access).

        The export is itself logged (who asked, when; not what was exported). ``deliver``, when given,
        receives the export before the log entry is committed: if it raises (the file cannot be
        written), the entry is rolled back with it, so the log never records an export that was not made.
        """
        operateur = operateur or operateur_par_defaut()
        with self.write() as conn:
            cand = conn.execute(sa.select(t.candidats).where(t.candidats.c.id == candidat_id)).first()
            if cand is None:
                raise NotFoundError(f"candidat « {candidat_id} » inconnu dans la base {self.target.label}")
            ids = [r.id for r in conn.execute(sa.select(t.dossiers.c.id).where(t.dossiers.c.candidat_id == candidat_id).order_by(t.dossiers.c.id))]
            dossiers = []
            for did in ids:
                versions = conn.execute(
                    sa.select(t.dossier_versions).where(t.dossier_versions.c.dossier_id == did).order_by(t.dossier_versions.c.numero)
                ).all()
                prows = conn.execute(sa.select(t.passages).where(t.passages.c.dossier_id == did).order_by(t.passages.c.id)).all()
                dossiers.append(
                    {
                        "dossier": did,
                        "versions": [{"numero": v.numero, "enregistre_le": v.enregistre_le, "operateur": v.operateur, "contenu": json.loads(v.contenu)} for v in versions],
                        "passages": [
                            {"session": r.session_id, "date": r.date.isoformat(), "decisions": json.loads(r.decisions), "origine": r.origine,
                             "motif": r.motif, "enregistre_le": r.enregistre_le}
                            for r in prows
                        ],
                    }
                )
            entries = conn.execute(sa.select(t.audit).where(t.audit.c.objet_id.in_([candidat_id, *ids])).order_by(t.audit.c.numero)).all()
            audit = AuditWriter(conn, operateur, _now())
            audit.add("candidat.export", "candidat", candidat_id, {"dossiers": len(ids)})
            audit.flush()
            personal = {k: (getattr(cand, k).isoformat() if isinstance(getattr(cand, k), dt.date) else getattr(cand, k)) for k in PERSONAL}
            data = {
                "candidat": {"id": cand.id, **personal, "pseudonyme": cand.pseudonyme, "efface_le": cand.efface_le,
                             "enregistre_le": cand.cree_le, "modifie_le": cand.modifie_le},
                "dossiers": dossiers,
                "journal": [_audit_json(e) for e in entries],
                "exporte_le": audit.horodatage,
                "base": self.target.label,
            }
            if deliver is not None:
                deliver(data)
        return data

    def erase_candidate(self, candidat_id: str, operateur: str | None = None) -> str:
        """Replace a candidate's personal data with a pseudonym; dossiers, decisions and statistics stay. Return the pseudonym.

        The candidate's id stays (it is what the dossiers refer to); every personal field is
        emptied and ``nom`` becomes the pseudonym. A later import of one of their files keeps the
        candidate erased. On SQLite, ``secure_delete`` overwrites the old values in the file.
        A candidate already erased is left as they are (no log entry): :meth:`erase` says so.
        """
        return self.erase(candidat_id, operateur).pseudonyme

    def erase(self, candidat_id: str, operateur: str | None = None) -> Effacement:
        """:meth:`erase_candidate`, saying what was done: the pseudonym, the date of the erasure, and
        ``deja_efface`` when the candidate had already been erased (then nothing is written, not even
        a log entry)."""
        operateur = operateur or operateur_par_defaut()
        with self.write() as conn:
            cand = conn.execute(sa.select(t.candidats).where(t.candidats.c.id == candidat_id)).first()
            if cand is None:
                raise NotFoundError(f"candidat « {candidat_id} » inconnu dans la base {self.target.label}")
            if cand.efface_le:
                return Effacement(candidat_id, cand.pseudonyme, cand.efface_le, True)
            pseudonyme = f"Candidat-{secrets.token_hex(4)}"
            horodatage = _now()
            champs = [k for k in PERSONAL if getattr(cand, k) not in (None, "")]
            values = {k: "" for k in PERSONAL}
            values.update(naissance=None, nom=pseudonyme, pseudonyme=pseudonyme, efface_le=horodatage, modifie_le=horodatage)
            conn.execute(t.candidats.update().where(t.candidats.c.id == candidat_id).values(**values))
            audit = AuditWriter(conn, operateur, horodatage)
            audit.add("candidat.effacement", "candidat", candidat_id, {"champs": champs, "pseudonyme": pseudonyme})
            audit.flush()
            return Effacement(candidat_id, pseudonyme, horodatage, False)


def _paths(paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str]) -> list[str]:
    """The paths of an import as texts; one path given alone (a text, a ``Path``) is a list of one."""
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    return [os.fspath(p) for p in paths]


def _shift(day: dt.date, days: int) -> dt.date:
    """``day`` moved by ``days`` days, kept within the calendar (``date.min``, ``date.max``)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def _domain_key(dom: str) -> tuple:
    """``D2`` before ``D10``: digits compared as numbers."""
    return tuple(int(x) if x.isdigit() else x for x in re.split(r"(\d+)", dom))


def _decision_problems(decisions: Mapping[str, Any], known: Sequence[str], ref_label: str) -> list[str]:
    """Why the jury's ``decisions`` cannot be recorded for a référentiel whose domaines are ``known``.

    Per domaine where the référentiel defines domaines; on the whole certification
    (``certification``) where it defines none, a partial award being impossible there.
    """
    whole = CERTIFICATION_ENTIERE
    problems = []
    for dom, value in decisions.items():
        if dom == whole and known:
            problems.append(
                f"décision sur la certification entière refusée : {ref_label} définit ses domaines ({', '.join(known)}) ; "
                f"le jury décide domaine par domaine (ex. {known[0]}=acquis)"
            )
        elif dom != whole and not known:
            problems.append(
                f"décision sur le domaine « {dom} » refusée : {ref_label} ne définit pas ses domaines : seule une décision sur la "
                f"certification entière ({whole}=acquis ou {whole}=non_acquis) peut être enregistrée ; "
                "une délivrance partielle, par domaine, y est impossible"
            )
        elif dom != whole and dom not in known:
            problems.append(f"domaine « {dom} » inconnu de {ref_label} (domaines : {', '.join(known)})")
        if value not in ("acquis", "non_acquis"):
            problems.append(f"décision « {value} » invalide pour {dom} (valeurs possibles : acquis, non_acquis)")
    return problems


def _sorted_decisions(decisions: dict[str, str]) -> dict[str, str]:
    return {k: decisions[k] for k in sorted(decisions, key=_domain_key)}


def _changed(before: dict[str, str], after: dict[str, str]) -> dict[str, dict[str, str | None]]:
    """What a record changed in the decisions of the one it replaces: ``{domaine: {avant, apres}}``."""
    keys = sorted(set(before) | set(after), key=_domain_key)
    return {k: {"avant": before.get(k), "apres": after.get(k)} for k in keys if before.get(k) != after.get(k)}


def _presence_text(absent: bool, excuse: bool) -> str:
    return " (absent)" if absent else (" (excusé)" if excuse else "")


def _decisions_text(decisions: str) -> str:
    return ", ".join(f"{dom} {value}" for dom, value in sorted(json.loads(decisions).items(), key=lambda kv: _domain_key(kv[0])))


def _unknown_session(session_id: str, known: Sequence[str], label: str, shown: int = 30) -> str:
    """The message of an unknown session: the sessions the base holds (the most recent ``shown`` of them)."""
    head = f"session de jury « {session_id} » inconnue dans la base {label}"
    if not known:
        return f"{head} : la base ne contient aucune session (ouvrez-en une avec « cqpkit jury open » ou importez son fichier)"
    listed = ", ".join(known[-shown:])
    more = f" (les {shown} plus récentes sur {len(known)} ; toutes : cqpkit jury list)" if len(known) > shown else ""
    return f"{head} ; sessions enregistrées{more} : {listed}"


def _candidate_public(cand: Any) -> dict[str, Any]:
    if cand is None:
        return {}
    out = {"id": cand.id, "efface": bool(cand.efface_le)}
    for k in PERSONAL:
        v = getattr(cand, k)
        out[k] = v.isoformat() if isinstance(v, dt.date) else v
    out["pseudonyme"] = cand.pseudonyme
    return out


def _audit_json(e: Any) -> dict[str, Any]:
    return {
        "numero": e.numero, "horodatage": e.horodatage, "operateur": e.operateur, "action": e.action,
        "objet": e.objet, "objet_id": e.objet_id, "details": json.loads(e.details), "empreinte": e.empreinte,
    }


def _empty_stats(cid: str, registry: Any) -> dict[str, Any]:
    intitule = cid
    if registry is not None:
        for r in registry.resumes():
            if r.id == cid:
                intitule = r.intitule
    return {
        "certification": cid, "intitule": intitule, "dossiers": 0, "candidats": 0, "_candidats": set(), "formation": 0, "vae": 0,
        "certifies": 0, "partiels": 0, "echecs": 0, "expires": 0, "en_cours": 0, "a_venir": 0, "delais_depasses": 0,
        "lignes_sans_bareme": 0, **dict.fromkeys(_MONEY, 0.0),
    }


#: The funding sums of the campaign report, per nature of line (``LigneFinancement.nature``) and unit.
_MONEY = tuple(f"{n}_{u}" for n in ("cout", "financement", "gratification") for u in ("euro", "points"))


# ------------------------------------------------------------------------ the import
def _test_pause() -> None:
    """Testing hook: with ``CQPKIT_TEST_PAUSE_IMPORT=FILE``, create FILE once the rows are written, then wait.

    The fault tests use it to kill a process, or to start a concurrent one, while an import holds
    its transaction open with its rows written and not committed. ``CQPKIT_TEST_PAUSE_SECONDS``
    (default 60) is how long it waits.
    """
    path = os.environ.get("CQPKIT_TEST_PAUSE_IMPORT")
    if not path:
        return
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(str(os.getpid()))
    time.sleep(float(os.environ.get("CQPKIT_TEST_PAUSE_SECONDS", "60")))


class _Import:
    """One import transaction (sessions, candidates, dossiers, closings), or an error and nothing."""

    def __init__(self, store: Store, conn: sa.Connection, lot: Lot, operateur: str) -> None:
        self.store = store
        self.conn = conn
        self.lot = lot
        self.operateur = operateur
        self.now = _now()
        self.audit = AuditWriter(conn, operateur, self.now)
        self.day = date_param(conn)  # dates as the driver takes them (bulk_insert(..., dates_ready=True))
        self.flag = flag_param(conn)  # booleans as the driver takes them: self.flag[value]
        self.start = self.audit.numero
        self.report = ImportReport()
        self.errors: list[Erreur] = []

    def run(self) -> ImportReport:
        existing = _Existing(self.conn, self.lot)
        closed_before = {sid for sid, r in existing.sessions.items() if r.cloturee}
        to_close = self._sessions(existing)
        self._candidates(existing)
        self._dossiers(existing, closed_before)
        self._personnes(existing)
        _test_pause()
        for s in to_close:
            self.conn.execute(t.sessions.update().where(t.sessions.c.id == s.session.id).values(cloturee=True, cloturee_le=self.now, modifie_le=self.now))
            self.audit.add("session.cloture", "session", s.session.id, {})
        if self.errors:
            n = len({e.fichier for e in self.errors})
            raise StoreConflictError(
                f"import refusé : {n} fichier{'s' if n > 1 else ''} en conflit avec la base, rien n'a été enregistré",
                sorted(self.errors, key=lambda e: (e.fichier, e.ligne)),
            )
        self.audit.flush()
        self.report.audit = self.audit.numero - self.start
        return self.report

    # sessions ------------------------------------------------------------------------
    def _sessions(self, existing: _Existing) -> list[Any]:
        to_close = []
        inserts, versions = [], []
        self._note_unknown_previous()
        for s in self.lot.sessions:
            info = s.session.session
            row = existing.sessions.get(info.id)
            entry = {"fichier": s.fichier, "type": "session", "id": info.id}
            if row is None:
                inserts.append(
                    {"id": info.id, "date": info.date, "certifications": canonical(list(info.certifications)), "numero_version": 1,
                     "empreinte": s.empreinte, "contenu": s.contenu, "cloturee": False, "cloturee_le": None,
                     "cree_le": self.now, "modifie_le": self.now}
                )
                versions.append({"session_id": info.id, "numero": 1, "empreinte": s.empreinte, "contenu": s.contenu, "enregistre_le": self.now, "operateur": self.operateur})
                self.audit.add("session.creation", "session", info.id, {"empreinte": s.empreinte, "date": info.date.isoformat()})
                entry["statut"] = "nouvelle"
            elif row.empreinte == s.empreinte:
                entry["statut"] = "inchangée"
            elif row.cloturee:
                self.errors.append(
                    _locate(s.fichier, ("session",), f"session « {info.id} » close le {_jour(row.cloturee_le)} : son contenu ne peut plus changer")
                )
                continue
            else:
                numero = row.numero_version + 1
                self.conn.execute(
                    t.sessions.update().where(t.sessions.c.id == info.id).values(
                        date=info.date, certifications=canonical(list(info.certifications)), numero_version=numero,
                        empreinte=s.empreinte, contenu=s.contenu, modifie_le=self.now,
                    )
                )
                versions.append({"session_id": info.id, "numero": numero, "empreinte": s.empreinte, "contenu": s.contenu, "enregistre_le": self.now, "operateur": self.operateur})
                self.audit.add("session.version", "session", info.id, {"numero": numero, "empreinte": s.empreinte})
                entry["statut"] = f"version {numero}"
            if info.cloturee and not (row is not None and row.cloturee):
                to_close.append(s)
                entry["statut"] += ", close"
            self.report.fichiers.append(entry)
        if inserts:
            self.conn.execute(t.sessions.insert(), inserts)
        if versions:
            self.conn.execute(t.session_versions.insert(), versions)
        return to_close

    def _note_unknown_previous(self) -> None:
        """A note for each session whose ``precedente`` is neither in the base nor in this import.

        Not an error: the previous session may predate the base (a campaign's history imported from its
        middle). But the alternation of the presidency then goes unchecked (rules/jury.py), which the
        operator should know. (``jury open --precedente``, typed by hand, refuses an unknown session.)
        """
        in_lot = {s.session.id for s in self.lot.sessions}
        wanted = {s.session.session.precedente for s in self.lot.sessions} - in_lot - {None}
        if not wanted:
            return
        stored = {r.id for r in self.conn.execute(sa.select(t.sessions.c.id).where(t.sessions.c.id.in_(sorted(wanted))))}
        for s in self.lot.sessions:
            previous = s.session.session.precedente
            if previous is not None and previous not in in_lot and previous not in stored:
                self.report.notes.append(
                    f"session « {s.session.id} » ({s.fichier}) : sa session précédente « {previous} » n'est ni dans la base ni dans "
                    "cet import ; l'alternance de la présidence ne pourra pas être vérifiée tant qu'elle n'y est pas"
                )

    # candidates ----------------------------------------------------------------------
    def _candidates(self, existing: _Existing) -> None:
        inserts = []
        done: set[str] = set()
        now, day = self.now, self.day
        personal_of = operator.attrgetter(*PERSONAL)
        date_columns = [i for i, k in enumerate(PERSONAL) if isinstance(t.candidats.c[k].type, sa.Date)]
        for lu in self.lot.dossiers:
            c = lu.dossier.candidat
            if c.id in done:
                continue
            done.add(c.id)
            row = existing.candidats.get(c.id)
            if row is None:
                values = personal_of(c)
                self.audit.add("candidat.creation", "candidat", c.id, {"champs": [k for k, v in zip(PERSONAL, values, strict=True) if v not in (None, "")]})
                if date_columns:
                    values = list(values)
                    for i in date_columns:
                        if values[i] is not None:
                            values[i] = day(values[i])
                inserts.append((c.id, *values, None, None, now, now))
                continue
            personal = personal_fields(c)
            if row.efface_le:
                if any(personal[k] not in (None, "") for k in PERSONAL):
                    self.report.notes.append(
                        f"candidat « {c.id} » effacé le {_jour(row.efface_le)} : ses données personnelles ({lu.fichier}) ne sont pas réenregistrées"
                    )
            else:
                changed = [k for k in PERSONAL if getattr(row, k) != personal[k]]
                if changed:
                    self.conn.execute(t.candidats.update().where(t.candidats.c.id == c.id).values(**{k: personal[k] for k in changed}, modifie_le=self.now))
                    self.audit.add("candidat.modification", "candidat", c.id, {"champs": changed})
                    self.report.notes.append(f"candidat « {c.id} » : données personnelles mises à jour ({', '.join(changed)})")
        insert_tuples(self.conn, t.candidats, ("id", *PERSONAL, "pseudonyme", "efface_le", "cree_le", "modifie_le"), inserts)

    # people --------------------------------------------------------------------------
    def _personnes(self, existing: _Existing) -> None:
        """The people the dossiers name: contradictions are errors; rows of the dossiers written; notes on hand-made loads."""
        lot = [(lu.fichier, lu.dossier) for lu in self.lot.dossiers]
        self.errors.extend(personnes.base_conflicts(self.conn, lot))
        if self.errors:
            return
        written = [lu.dossier for lu in self.lot.dossiers if getattr(existing.dossiers.get(lu.dossier.id), "empreinte", None) != lu.empreinte]
        replaced = [d.id for d in written if d.id in existing.dossiers]
        if personnes.write(self.conn, written, replaced, self.now):
            named = {d.id: d for d in written if any(a.personne for a in d.acteurs)}
            for did, d in personnes.enrich(self.conn, named).items():
                self.report.notes.extend(personnes.declared_notes(named[did], d))

    # dossiers ------------------------------------------------------------------------
    def _dossiers(self, existing: _Existing, closed_before: set[str]) -> None:
        registry = self.store.registry
        day, flag = self.day, self.flag
        now, operateur = self.now, self.operateur
        report = self.report
        new_dossiers, updates, versions, evals, passages, refresh = [], [], [], [], [], []
        echeances: list[tuple] = []
        ready = self.lot.registry is registry  # the deadlines computed before the transaction (with_deadlines) hold here

        def flush() -> None:
            """Write the rows built so far (in the transaction: an error found later still rolls them back)."""
            insert_tuples(self.conn, t.dossiers, _DOSSIER_COLUMNS, new_dossiers)
            if updates:
                self.conn.execute(t.dossiers.update().where(t.dossiers.c.id == sa.bindparam("_id")), updates)
            for rows, table, columns in (
                (versions, t.dossier_versions, _VERSION_COLUMNS), (evals, t.evaluations, _EVALUATION_COLUMNS),
                (passages, t.passages, _PASSAGE_COLUMNS), (echeances, t.echeances, _ECHEANCE_COLUMNS),
            ):
                insert_tuples(self.conn, table, columns, rows)
            for rows in (new_dossiers, updates, versions, evals, passages, echeances):
                rows.clear()

        for lu in self.lot.dossiers:
            d = lu.dossier
            info = d.dossier
            did = info.id
            row = existing.dossiers.get(did)
            entry = {"fichier": lu.fichier, "type": "dossier", "id": did}
            self.report.fichiers.append(entry)
            if row is not None and row.empreinte == lu.empreinte:
                entry["statut"] = "inchangé"
                continue
            numero = 1 if row is None else row.numero_version + 1
            stored: dict[str, list[Any]] = {}
            for r in existing.passages.get(did, ()):
                stored.setdefault(r.session_id, []).append(r)
            new_rows, bad = [], False
            seen_sessions: set[str] = set()
            for i, p in enumerate(d.passages):
                if p.session in seen_sessions:
                    self.errors.append(_locate(lu.fichier, ("passages", i, "session"), f"session « {p.session} » citée par deux passages : un passage par session"))
                    bad = True
                    continue
                seen_sessions.add(p.session)
                rows = stored.get(p.session, ())
                if rows and any(_row_state(r) == _state(p) for r in rows):
                    continue  # already recorded (maybe since corrected: the store keeps the correction)
                if p.session in closed_before:
                    srow = existing.sessions[p.session]
                    what = "ses décisions ne changent pas" if rows else "on ne peut plus y ajouter de passage"
                    self.errors.append(
                        _locate(
                            lu.fichier, ("passages", i),
                            f"la session « {p.session} » est close depuis le {_jour(srow.cloturee_le)} : {what} "
                            "(une correction est un nouvel enregistrement motivé : cqpkit jury decide … --motif)",
                        )
                    )
                    bad = True
                    continue
                new_rows.append(
                    (did, p.session, day(p.date), flag[bool(p.absent)], flag[bool(p.excuse)], canonical_plain(p.decisions), p.notes, "import",
                     rows[-1].id if rows else None, "", now, operateur)
                )
            if bad or self.errors:
                continue  # nothing will be written; keep collecting the errors of the other files
            if row is None:
                new_dossiers.append(
                    (did, info.certification, info.version, info.voie, info.mention, day(info.inscription), d.candidat.id, numero,
                     lu.empreinte, now, now)
                )
            else:
                updates.append(
                    {"_id": did, "certification": info.certification, "version_referentiel": info.version, "voie": info.voie,
                     "mention": info.mention, "inscription": info.inscription, "candidat_id": d.candidat.id, "numero_version": numero,
                     "empreinte": lu.empreinte, "modifie_le": now}
                )
                refresh.append(did)
            versions.append((did, numero, lu.empreinte, info.certification, info.version, lu.contenu, now, operateur))
            ev = _evaluation_rows(lu, numero, existing.evaluations.get(did, _NONE), now, day)
            evals.extend(ev)
            passages.extend(new_rows)
            details = {
                "numero": numero, "empreinte": lu.empreinte, "certification": info.certification, "version": info.version,
                "evaluations": len(ev), "passages": [r[1] for r in new_rows],
            }
            self.audit.add("dossier.creation" if row is None else "dossier.version", "dossier", did, details)
            entry["statut"] = "nouveau" if row is None else f"version {numero}"
            if row is None:
                computed = lu.echeances if ready else None
                if computed is None:
                    start = time.perf_counter()
                    computed = deadlines(registry, d)
                    report.secondes_moteur += time.perf_counter() - start
                cert = info.certification
                echeances.extend((kind, dom, day(date), day(depuis), cert, did) for kind, dom, date, depuis in computed)
            if len(versions) >= _FLUSH_EVERY and not self.errors:
                flush()
        if self.errors:
            return
        flush()
        if refresh:
            start = time.perf_counter()
            rebuild_echeances(self.conn, registry, refresh)
            report.secondes_moteur += time.perf_counter() - start  # with the few queries it makes
