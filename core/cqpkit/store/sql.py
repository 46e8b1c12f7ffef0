"""SQL helpers of the store: chunked lookups, driver-level inserts (the import's hot path), stored values.

Nothing here knows the domain: these functions take a connection, a table and rows. The modules of
the store (:mod:`~cqpkit.store.importing`, :mod:`~cqpkit.store.deadlines`, :mod:`~cqpkit.store.audit`…)
build on them; they import nothing of the store but its schema.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from cqpkit.store import schema as t

__all__ = ["bulk_insert", "chunks", "date_param", "driver_lookup", "flag_param", "insert_tuples", "jour", "now", "stored_certifications"]

_CHUNK = 500
#: The list of ids of a chunked ``IN`` lookup, bound at execution: the statement is compiled once, then
#: taken from SQLAlchemy's cache, instead of coercing and compiling one literal per id.
IDS = sa.bindparam("ids", expanding=True)


def now() -> str:
    """The time of a change as the store records it (UTC, ISO 8601, to the second)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def chunks(items: Sequence[Any], n: int = _CHUNK) -> Iterator[Sequence[Any]]:
    """``items`` in slices of ``n`` (the ids of an ``IN`` lookup, a batch of dossiers)."""
    for i in range(0, len(items), n):
        yield items[i : i + n]


def jour(horodatage: str | None) -> str:
    """``2020-07-06T09:30:00+00:00`` → ``06/07/2020``."""
    if not horodatage:
        return "—"
    return dt.date.fromisoformat(horodatage[:10]).strftime("%d/%m/%Y")


def driver_lookup(conn: sa.Connection, table: sa.Table, columns: tuple[str, ...], ids: Sequence[str]) -> dict[str, Any]:
    """The rows of ``table`` whose ``id`` is in ``ids`` (the first of ``columns``), by id, read at the driver level.

    For columns the drivers return as the store stores them (texts, integers: no type conversion is
    applied); :class:`cqpkit.store.importing.Existing` reads whole rows through SQLAlchemy. Rows are named tuples.
    """
    if not ids:
        return {}
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    head = f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table.name)} WHERE {quote(columns[0])} IN "
    out: dict[str, Any] = {}
    for chunk in chunks(list(ids)):
        out.update({r[0]: r for r in conn.exec_driver_sql(f"{head}({', '.join([mark] * len(chunk))})", tuple(chunk))})
    return out


def same(value: Any) -> Any:
    """A value as it is (the date conversion of a driver that takes dates as they are)."""
    return value


def date_param(conn: sa.Connection) -> Any:
    """How a date goes to this connection's driver in :func:`bulk_insert`'s rows: ISO text on SQLite (what
    ``sa.Date`` stores there), the date itself on PostgreSQL. The import writes its dates with it as it builds
    its rows, and tells :func:`bulk_insert` so (``dates_ready``)."""
    return dt.date.isoformat if conn.dialect.name == "sqlite" else same


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


def stored_certifications(conn: sa.Connection) -> list[str]:
    """The distinct certifications of the stored dossiers, one index lookup each (not a scan of the dossiers)."""
    c = t.dossiers.c.certification
    out: list[str] = []
    q = sa.select(c).order_by(c).limit(1)
    current = conn.execute(q).scalar()
    while current is not None:
        out.append(current)
        current = conn.execute(q.where(c > current)).scalar()
    return out
