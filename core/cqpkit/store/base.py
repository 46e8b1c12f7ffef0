"""What every part of the store stands on: the open database, its transactions, the registry, the lookups.

:class:`StoreBase` holds the connection target, the engine and the registry, and gives the read and
write transactions (driver errors become French :class:`StoreError`). The modules of the store
(:mod:`~cqpkit.store.importing`, :mod:`~cqpkit.store.jury`, :mod:`~cqpkit.store.views`,
:mod:`~cqpkit.store.reports`, :mod:`~cqpkit.store.personal`) take it as their first argument; the
facade :class:`cqpkit.store.store.Store` is a :class:`StoreBase` whose methods call them.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
from collections.abc import Iterator, Sequence
from typing import Any, Self

import sqlalchemy as sa

from cqpkit.exceptions import CqpkitError
from cqpkit.store import migrations
from cqpkit.store import schema as t
from cqpkit.store.audit import Verification
from cqpkit.store.audit import verify as verify_chain
from cqpkit.store.availability import no_rules, rules_of
from cqpkit.store.engine import Target, is_driver_error, make_engine, resolve, translate
from cqpkit.store.errors import NotFoundError, StoreConflictError, StoreError, near_match
from cqpkit.store.sql import chunks

__all__ = ["StoreBase", "operateur_par_defaut", "unknown_session"]


def operateur_par_defaut() -> str:
    """Who makes a change when ``--operateur`` is not given: ``CQPKIT_OPERATEUR``, else the system user."""
    name = os.environ.get("CQPKIT_OPERATEUR", "").strip()
    if name:
        return name
    try:
        return getpass.getuser() or "inconnu"
    except Exception:  # no user name in this environment (some containers)
        return "inconnu"


def unknown_session(session_id: str, known: Sequence[str], label: str, shown: int = 30) -> str:
    """The message of an unknown session: the closest id, then the sessions the base holds (the most recent ``shown`` of them)."""
    head = f"session de jury « {session_id} » inconnue dans la base {label}{near_match(session_id, known)}"
    if not known:
        return f"{head} : la base ne contient aucune session (ouvrez-en une avec « cqpkit jury open » ou importez son fichier)"
    listed = ", ".join(known[-shown:])
    more = f" (les {shown} plus récentes sur {len(known)} ; toutes : cqpkit jury list)" if len(known) > shown else ""
    return f"{head} ; sessions enregistrées{more} : {listed}"


class StoreBase:
    """An open cqpkit database: target, engine, registry, transactions, and the lookups the store's modules share."""

    def __init__(self, target: Target, engine: sa.Engine, registry: Any = None) -> None:
        self.target = target
        self.engine = engine
        self._registry = registry

    # -- opening -------------------------------------------------------------------
    @classmethod
    def open(cls, db: str | os.PathLike[str] | None = None, *, create: bool = False, registry: Any = None, check: bool = True) -> Self:
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

    def __enter__(self) -> Self:
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

    def verify(self, expect: str | None = None) -> Verification:
        """Check the audit chain, every protected row against it and the protection triggers
        (:mod:`cqpkit.store.integrity`) and, on SQLite, the file's integrity (``PRAGMA integrity_check``).

        ``expect``: a fingerprint of the log kept elsewhere (the head printed on a procès-verbal): the log
        must still hold it, else a problem says so with the current head.
        """
        from cqpkit.store.integrity import check

        with self.read() as conn:
            result = verify_chain(conn, expect=expect)
            if self.target.kind == "sqlite":
                rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").all()]
                if rows != ["ok"]:
                    result.problemes.extend(f"intégrité SQLite : {r}" for r in rows[:10])
            dialect = conn.dialect.name
            state = check(conn, migrations.triggers(dialect), migrations.functions() if dialect != "sqlite" else {})
        result.problemes.extend(state.all())
        if result.attendue is not None and result.attendue_numero is None:
            result.problemes.append(
                f"empreinte attendue {result.attendue} introuvable dans le journal (tête actuelle : n° {result.entrees}, "
                f"empreinte {result.tete}) : le journal a été réécrit depuis, ou l'empreinte est mal recopiée"
            )
        return result._replace(lignes=dict(state.lignes))

    # -- lookups shared by the jury workflow, the views and the reports ----------------
    def session_row(self, conn: sa.Connection, session_id: str) -> Any:
        """The stored row of a jury session, or :class:`NotFoundError` naming the sessions the base holds."""
        row = conn.execute(sa.select(t.sessions).where(t.sessions.c.id == session_id)).first()
        if row is None:
            known = [r.id for r in conn.execute(sa.select(t.sessions.c.id).order_by(t.sessions.c.date, t.sessions.c.id))]
            raise NotFoundError(unknown_session(session_id, known, self.target.label))
        return row

    def dossier_row(self, conn: sa.Connection, dossier_id: str) -> Any:
        """The stored row of a dossier, or :class:`NotFoundError`."""
        row = conn.execute(sa.select(t.dossiers).where(t.dossiers.c.id == dossier_id)).first()
        if row is None:
            known = conn.execute(sa.select(t.dossiers.c.id)).scalars()
            raise NotFoundError(f"dossier « {dossier_id} » inconnu dans la base {self.target.label}{near_match(dossier_id, known)}")
        return row

    def check_certification(self, conn: sa.Connection, certification: str) -> None:
        """Raise :class:`NotFoundError` unless ``certification`` is known: to a loaded plugin, or in the base.

        Called by the reports and ``jury_sessions`` only when their filter gave nothing, so that a
        misspelt ``--certification`` is said as such rather than shown as an empty report.
        """
        d = t.dossiers
        if conn.execute(sa.select(d.c.id).where(d.c.certification == certification).limit(1)).first() is not None:
            return
        stored = {c for r in conn.execute(sa.select(t.sessions.c.certifications)) for c in json.loads(r.certifications)}
        known = {r.id for r in self.registry.fiches()}
        if certification in stored or certification in known:
            return
        stored |= {r.certification for r in conn.execute(sa.select(d.c.certification).distinct())}
        raise NotFoundError(
            f"certification « {certification} » inconnue : ni dans les extensions chargées ni dans la base {self.target.label} "
            f"(certifications connues : {', '.join(sorted(known | stored)) or 'aucune'})"
        )

    def require_rules(self, row: Any, readable: str = "") -> None:
        """Raise :class:`StoreConflictError` unless a loaded plugin supplies the référentiel of the dossier ``row``.

        Without it the engines cannot read the dossier: say that the plugin is missing (rather
        than an unknown certification, since the base holds it), and what can still be read.
        """
        why = no_rules(self.registry, rules_of(self.registry), row.certification, [row.version_referentiel])
        if why is not None:
            still = f" ; ce qui est enregistré reste lisible : {readable}" if readable else ""
            raise StoreConflictError(f"dossier « {row.id} » ({row.certification} {row.version_referentiel}) : {why}{still}")

    def session_without_rules(self, conn: sa.Connection, row: Any, dossier_ids: Sequence[str]) -> list[str]:
        """Why the engine cannot check the stored session ``row`` with these dossiers here: a certification of the
        session, or the référentiel of a dossier, that no loaded plugin supplies (one French line each)."""
        registry = self.registry
        rules = rules_of(registry)
        certs = json.loads(row.certifications)
        out = []
        for cert in certs:
            why = no_rules(registry, rules, cert)
            if why is not None:
                out.append(f"certification « {cert} » : {why}")
        said = {cert for cert in certs if not rules.get(cert)}  # not said again for each of its dossiers
        for chunk in chunks(sorted(dossier_ids)):
            q = sa.select(t.dossiers.c.id, t.dossiers.c.certification, t.dossiers.c.version_referentiel).where(t.dossiers.c.id.in_(list(chunk)))
            for d in conn.execute(q):
                why = no_rules(registry, rules, d.certification, [d.version_referentiel])
                if why is not None and d.certification not in said:
                    out.append(f"dossier « {d.id} » ({d.certification} {d.version_referentiel}) : {why}")
        return out
