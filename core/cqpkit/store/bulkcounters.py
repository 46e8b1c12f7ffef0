"""The counters of migration 9 kept by a bulk write: the triggers suspended, the counters moved once per batch in SQL.

The triggers of :mod:`cqpkit.store.migration9` keep the counters right row by row: about ten upserts for each
dossier an import writes (its route, its candidate twice, the distinct candidates twice, its result, two per
interval of its results). A bulk write (the import's batches, ``db refresh``'s batches) does better by moving the
counters once per batch, set-based: the same ``GROUP BY`` as :func:`cqpkit.store.migration9.fill`, restricted to
the dossiers of the batch, added to the counters as upserts (a few rows per route, référentiel and day; one per
candidate).

How, in the writer's own transaction (:func:`suspended`):

- **SQLite**: the counter triggers of the tables written are dropped, then created again from the DDL
  ``sqlite_master`` held (a trigger changed by hand stays changed, for ``db verify`` to report), before the
  transaction ends. SQLite's DDL is transactional: a crash (kill -9) or an error rolls the drop back with the
  rows; readers see the schema last committed (triggers there); there is one writer at a time.
- **PostgreSQL**: ``ALTER TABLE … DISABLE TRIGGER`` then ``ENABLE TRIGGER``, transactional too (a rollback or a
  crash leaves the triggers enabled; other sessions see the catalogue committed). The lock it takes (*share row
  exclusive*) lets readers through; writers of the store queue behind its advisory lock anyway. ``ALTER TABLE``
  needs the role to own the tables: a role holding the data rights only (least privilege) writes with the
  triggers on, row by row, as before — slower, as right.

Between the two, the caller writes only the rows it then counts (:func:`add_dossiers`, :func:`add_results`):
new dossiers' rows, or a batch's results deleted and inserted again, the deltas taken before the delete and
after the insert. Anything else written meanwhile would go uncounted: the window wraps the statements, not the
transaction. ``db verify`` compares the counters with a fresh count (:mod:`cqpkit.store.countercheck`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from cqpkit.store import migration9
from cqpkit.store import schema as t
from cqpkit.store.sql import bulk_insert, chunks, insert_tuples

__all__ = ["add_dossiers", "add_results", "insert_dossiers", "insert_results", "replace_results", "suspended"]

_CHUNK = 500  # ids per IN list (SQLite's bound parameters, PostgreSQL's plans)
_DAY_KEY = ("certification", "version_referentiel", "statut", "hors_delai", "echoue", "jour")
_DAY_SUMS = ("n", "sans_bareme", *migration9._MONEY)
#: Results as :func:`cqpkit.store.results.result_rows` gives them: the row of ``resultats``, those of ``resultat_periodes``.
Computed = Sequence[tuple[dict[str, Any], list[dict[str, Any]]]]


@contextlib.contextmanager
def suspended(conn: sa.Connection, tables: Sequence[str]) -> Iterator[bool]:
    """The counter triggers of ``tables`` off for the block (in ``conn``'s transaction), back on after it; yields
    whether they are off (the caller then counts what it wrote: :func:`add_dossiers`, :func:`add_results`).

    SQLite: the triggers present are dropped and created again from their stored DDL (a trigger changed by hand
    stays as it was, for ``db verify`` to report). PostgreSQL: those enabled disabled and enabled again, when the role owns the tables
    (``ALTER TABLE`` needs it; a role with the data rights only — the least privilege of ``docs/store.md`` — writes
    with the triggers on: yields ``False``). On an error the triggers are not put back here: the transaction is
    rolled back, and the drop (or disable) with it.
    """
    names = {name: table for name, table, _ddl in migration9.triggers(conn.dialect.name) if table in tables}
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" * len(names))
        stored = conn.exec_driver_sql(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})", tuple(names)
        ).all()
        for name, _sql in stored:
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
        yield True
        for _name, sql in stored:
            conn.exec_driver_sql(sql)
        return
    present = conn.exec_driver_sql(
        "SELECT t.tgname, c.relname, pg_has_role(c.relowner, 'USAGE') FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname = ANY(%s) AND pg_table_is_visible(c.oid) AND t.tgenabled <> 'D'",
        (list(names),),
    ).all()
    if not all(owned for _n, _t, owned in present):
        yield False
        return
    for name, table, _owned in present:
        conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
    yield True
    for name, table, _owned in present:
        conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER {name}")


def _marks(conn: sa.Connection, n: int) -> str:
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    return ", ".join([mark] * n)


def _upsert(table: str, key: tuple[str, ...], sums: tuple[str, ...], select: str) -> str:
    """``select`` (key columns then ``sums``) added to the counter rows of ``table``."""
    sets = ", ".join(f"{s} = {table}.{s} + excluded.{s}" for s in sums)
    return f"INSERT INTO {table} ({', '.join((*key, *sums))}) {select} ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}"


def add_dossiers(conn: sa.Connection, ids: Sequence[str], sign: int = 1) -> None:
    """Count the dossiers ``ids`` (as they are now) in ``compte_dossiers`` and the candidate counters (``sign`` −1:
    take them away), as the dossiers' insert triggers would have, one by one. ``ids`` distinct."""
    one = "" if sign > 0 else "-"
    for chunk in chunks(list(ids), _CHUNK):
        params = tuple(chunk)
        where = f"WHERE id IN ({_marks(conn, len(chunk))})"
        conn.exec_driver_sql(
            _upsert(
                "compte_dossiers", ("certification", "version_referentiel", "voie"), ("n",),
                f"SELECT certification, version_referentiel, voie, {one}COUNT(*) FROM dossiers {where} "
                "GROUP BY certification, version_referentiel, voie",
            ),
            params,
        )
        for cert in ("certification", "''"):
            # The candidates the chunk adds there (or takes away): their count moves, and the distinct ones with the
            # candidates whose count leaves 0 (or comes back to it). Measured before the counts move.
            by = "certification, candidat_id" if cert == "certification" else "candidat_id"  # PostgreSQL: no GROUP BY ''
            groups = f"SELECT {cert} AS c, candidat_id AS k, COUNT(*) AS n FROM dossiers {where} GROUP BY {by}"
            crossing = "COALESCE(x.n, 0) = 0" if sign > 0 else "x.n = g.n"
            conn.exec_driver_sql(
                _upsert(
                    "compte_candidats_distincts", ("certification",), ("n",),
                    f"SELECT g.c, {one}COUNT(*) FROM ({groups}) g LEFT JOIN compte_candidats x "
                    f"ON x.certification = g.c AND x.candidat_id = g.k WHERE {crossing} GROUP BY g.c",
                ),
                params,
            )
            conn.exec_driver_sql(
                _upsert(
                    "compte_candidats", ("certification", "candidat_id"), ("n",),
                    f"SELECT c, k, {one}n FROM ({groups}) g WHERE true",
                ),
                params,
            )


def add_results(conn: sa.Connection, ids: Sequence[str], sign: int = 1, days: Sequence[tuple] | None = None) -> None:
    """Count the stored results of the dossiers ``ids`` (as they are now: ``resultats`` computed from the dossier's
    current version, every interval of ``resultat_periodes``) in ``compte_resultats`` and ``resultat_jours``
    (``sign`` −1: take them away), as their insert triggers would have, row by row. ``days``: the rows to add to
    ``resultat_jours`` for them, grouped already (:func:`day_rows`), added as they are."""
    one = "" if sign > 0 else "-"
    neg = "-" if sign > 0 else ""
    failed = "CASE WHEN echec IS NULL THEN 0 ELSE 1 END" if conn.dialect.name == "sqlite" else "echec IS NOT NULL"
    figures = ("sans_bareme", *migration9._MONEY)
    for chunk in chunks(list(ids), _CHUNK):
        params = tuple(chunk)
        marks = _marks(conn, len(chunk))
        conn.exec_driver_sql(
            _upsert(
                "compte_resultats", ("certification", "version_referentiel", "empreinte"), ("n",),
                f"SELECT r.certification, r.version_referentiel, r.empreinte, {one}COUNT(*) FROM resultats r "
                f"JOIN dossiers d ON d.id = r.dossier_id AND d.numero_version = r.numero_version "
                f"WHERE r.dossier_id IN ({marks}) GROUP BY r.certification, r.version_referentiel, r.empreinte",
            ),
            params,
        )
        if days is not None:
            continue
        key = "certification, version_referentiel, statut, hors_delai"
        start = ", ".join(f"{one}{c} AS {c}" for c in figures)
        end = ", ".join(f"{neg}{c}" for c in figures)
        sums = ", ".join(f"SUM({c})" for c in _DAY_SUMS)
        conn.exec_driver_sql(
            _upsert(
                "resultat_jours", _DAY_KEY, _DAY_SUMS,
                f"SELECT {', '.join(_DAY_KEY)}, {sums} FROM ("
                f"SELECT {key}, {failed} AS echoue, debut AS jour, {one}1 AS n, {start} FROM resultat_periodes "
                f"WHERE dossier_id IN ({marks}) UNION ALL "
                f"SELECT {key}, {failed}, fin, {neg}1, {end} FROM resultat_periodes "
                f"WHERE dossier_id IN ({marks}) AND fin IS NOT NULL) AS bornes GROUP BY {', '.join(_DAY_KEY)}",
            ),
            params + params,
        )
    if days:
        marks = _marks(conn, len(_DAY_KEY) + len(_DAY_SUMS))
        conn.exec_driver_sql(_upsert("resultat_jours", _DAY_KEY, _DAY_SUMS, f"VALUES ({marks})"), list(days))


def period_tuples(computed: Computed, day: Any, flag: tuple[Any, Any]) -> tuple[tuple[str, ...], list[tuple]]:
    """The rows of ``resultat_periodes`` of these results as :func:`cqpkit.store.sql.insert_tuples` takes them: their
    columns, and the rows as tuples with their dates and booleans as the driver takes them (``day``, ``flag``)."""
    money = migration9._MONEY
    columns = ("dossier_id", "debut", "fin", "certification", "version_referentiel", "statut", "hors_delai", "sans_bareme", *money, "echec")
    rows = [
        (r["dossier_id"], day(r["debut"]), None if r["fin"] is None else day(r["fin"]), r["certification"], r["version_referentiel"], r["statut"],
         flag[bool(r["hors_delai"])], r["sans_bareme"], *(r[c] for c in money), r["echec"])
        for _, rs in computed for r in rs
    ]  # fmt: skip
    return columns, rows


def day_rows(computed: Computed, day: Any, flag: tuple[Any, Any]) -> list[tuple]:
    """What :func:`add_results` adds to ``resultat_jours`` for these results (rows of
    :func:`cqpkit.store.results.result_rows`), grouped in Python: per référentiel, status, lateness, failure and day,
    the intervals that begin that day (+1 and their figures) and those that end it (−1, their figures taken away).
    Rows as :func:`add_results` takes them (``day``, ``flag``: :func:`cqpkit.store.sql.date_param`,
    :func:`~cqpkit.store.sql.flag_param`). Depends on the results alone: the import computes it before its
    transaction, for the results it computed there."""
    money = migration9._MONEY
    sums: dict[tuple, list] = {}
    for _, rows in computed:
        for r in rows:
            group = (r["certification"], r["version_referentiel"], r["statut"], flag[bool(r["hors_delai"])], flag[r["echec"] is not None])
            figures = (r["sans_bareme"], *(r[c] for c in money))
            for when, one in ((r["debut"], 1), (r["fin"], -1)):
                if when is None:
                    continue
                k = (*group, day(when))
                acc = sums.get(k)
                if acc is None:
                    sums[k] = [one, *(one * v for v in figures)]
                else:
                    acc[0] += one
                    for i, v in enumerate(figures, 1):
                        acc[i] += one * v
    return [(*k, *v) for k, v in sums.items()]


# ------------------------------------------------------------------------------------------ the bulk writes
def insert_dossiers(conn: sa.Connection, columns: tuple[str, ...], rows: Sequence[tuple]) -> None:
    """Insert new dossiers (tuples in the order of ``columns``, as :func:`cqpkit.store.sql.insert_tuples`), counted
    once for the lot. New dossiers have no stored results yet (their rows come after them: :func:`insert_results`)."""
    if not rows:
        return
    with suspended(conn, ("dossiers",)) as off:
        insert_tuples(conn, t.dossiers, columns, rows)
    if off:
        at = columns.index("id")
        add_dossiers(conn, [r[at] for r in rows])



def insert_results(
    conn: sa.Connection, computed: Computed, days: Sequence[tuple] | None = None, periods: tuple[tuple[str, ...], list[tuple]] | None = None
) -> None:
    """:func:`cqpkit.store.results.insert_results` (dossiers new to the base), counted once for the lot; the rows
    inserted at the driver level (:func:`cqpkit.store.sql.bulk_insert`: SQLAlchemy's compiled ``insert()`` cost about
    a fifth of the import's transaction on these rows). ``days``, ``periods``: :func:`day_rows` and :func:`period_tuples`
    of ``computed``, when built already."""
    if not computed:
        return
    with suspended(conn, ("resultats", "resultat_periodes")) as off:
        bulk_insert(conn, t.resultats, [head for head, _ in computed])
        if periods is not None:
            insert_tuples(conn, t.resultat_periodes, *periods)
        else:
            bulk_insert(conn, t.resultat_periodes, [r for _, rs in computed for r in rs])
    if off:
        add_results(conn, [head["dossier_id"] for head, _ in computed], days=days)


def replace_results(conn: sa.Connection, computed: Computed) -> None:
    """What :func:`cqpkit.store.results.write_results` does (the results of these dossiers replaced), counted once for
    the lot: the results replaced taken away before their delete, the new ones added after their insert."""
    if not computed:
        return
    ids = list(dict.fromkeys(head["dossier_id"] for head, _ in computed))
    with suspended(conn, ("resultats", "resultat_periodes")) as off:
        if off:
            add_results(conn, ids, -1)
        for chunk in chunks(ids, _CHUNK):
            conn.execute(t.resultat_periodes.delete().where(t.resultat_periodes.c.dossier_id.in_(list(chunk))))
            conn.execute(t.resultats.delete().where(t.resultats.c.dossier_id.in_(list(chunk))))
        bulk_insert(conn, t.resultats, [head for head, _ in computed])
        bulk_insert(conn, t.resultat_periodes, [r for _, rs in computed for r in rs])
    if off:
        add_results(conn, ids)
