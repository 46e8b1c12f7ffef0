"""The engine's findings on stored dossiers, kept between requests while the store does not change.

A page that shows ``Registry.check`` on stored dossiers (the session page, one per candidate; the dashboard, a
page of dossiers in progress) asks :func:`findings` (the dossier page takes them from ``dossier show``'s view,
which computes them anyway). The answers are kept per store and per
``(dossier, date)`` under the **head of the audit log** (``cqpkit_meta.audit_numero``, one read by primary key):
every change to the store — import, session opened, dossier presented, decision, correction, closing, erasure —
appends to the log in the same transaction, so a new head drops everything kept, and an unchanged head means
the same stored dossiers, hence the same findings (the registry does not change in a running process). The
pages read the head first, then the dossiers: what is kept under a head is never older than that head.

At most :data:`SIZE` answers per store (the oldest dropped first). Nothing personal is kept: the engines see
the dossiers without their personal fields (:func:`cqpkit.store.deadlines.engine_dossiers`).

The findings on a whole session (:func:`session_findings`: ``Registry.check_session`` as ``jury close`` checks
it, which the session page and ``GET /api/v1/base/sessions/{id}`` show as ``jury show`` does) are kept the same way, per session, at most
:data:`SESSIONS` per store: they depend on the session, its dossiers and the other stored sessions only (no date),
all of which move the head when they change. There the head is read in the transaction that reads the session.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

__all__ = ["SESSIONS", "SIZE", "findings", "session_findings"]

#: Answers kept per store.
SIZE = 4096
#: Sessions whose findings are kept per store.
SESSIONS = 64

_lock = threading.Lock()
_kept: weakref.WeakKeyDictionary[Any, tuple[str, OrderedDict[tuple[str, dt.date], list[Any]]]] = (
    weakref.WeakKeyDictionary()
)


def audit_head(store: Any, conn: Any = None) -> str:
    """The number of the last entry of the store's audit log ("0" for none), read on ``conn`` when given."""
    import sqlalchemy as sa

    from cqpkit.store import schema as t

    query = sa.select(t.meta.c.valeur).where(t.meta.c.cle == "audit_numero")
    if conn is not None:
        return str(conn.execute(query).scalar() or "0")
    with store.read() as own:
        return str(own.execute(query).scalar() or "0")


_sessions: weakref.WeakKeyDictionary[Any, tuple[str, OrderedDict[str, list[Any]]]] = weakref.WeakKeyDictionary()


def session_findings(
    store: Any, conn: Any, row: Any, dossier_ids: Sequence[str], heads: list[str] | None = None
) -> list[Any]:
    """:func:`cqpkit.store.sessioncheck.session_findings` on a stored session (``row``, its presented ``dossier_ids``,
    as ``closing``), read in the transaction of ``conn``: kept while the store's audit head does not move. The head
    read is appended to ``heads`` when given (the session page hands it to :func:`findings`)."""
    from cqpkit.store.sessioncheck import session_findings as computed

    head = audit_head(store, conn)
    if heads is not None:
        heads.append(head)
    key = row.id
    with _lock:
        kept_head, kept = _sessions.get(store, ("", OrderedDict()))
        if kept_head == head and key in kept:
            kept.move_to_end(key)
            return list(kept[key])
    found = list(computed(store, conn, row, dossier_ids))
    with _lock:
        kept_head, kept = _sessions.get(store, ("", OrderedDict()))
        if kept_head != head:
            kept = OrderedDict()
            _sessions[store] = (head, kept)
        kept[key] = found
        while len(kept) > SESSIONS:
            kept.popitem(last=False)
    return list(found)


def findings(
    store: Any, ids: Sequence[str], day: dt.date, levels: frozenset[str] | None = None, head: str | None = None
) -> dict[str, list[Any]]:
    """``Registry.check(dossier, day)`` of each stored dossier of ``ids`` (only the findings of ``levels`` when
    given): from what is kept when the store has not changed, else loaded and checked (and kept). A dossier the
    engine cannot load, or on which a plugin fails, is left out (its own page says why). ``head``: the audit head
    the caller has just read (the session page: in the transaction that read the session), else read here; either
    way it is read before the dossiers are."""
    from cqpkit.plugins.hookcalls import HookFailure
    from cqpkit.store.deadlines import engine_dossiers

    if head is None:
        head = audit_head(store)
    with _lock:
        kept_head, kept = _kept.get(store, ("", OrderedDict()))
        if kept_head != head:
            kept = OrderedDict()
            _kept[store] = (head, kept)
        out = {i: kept[(i, day)] for i in ids if (i, day) in kept}
        for i in out:
            kept.move_to_end((i, day))
    missing = [i for i in dict.fromkeys(ids) if i not in out]
    if missing:
        loaded: dict[str, Any] = {}
        with store.read() as conn:
            try:
                loaded = engine_dossiers(conn, missing)
            except Exception:  # one the engine cannot read: the others each on its own
                for i in missing:
                    try:
                        loaded.update(engine_dossiers(conn, [i]))
                    except Exception:
                        continue
        fresh: dict[str, list[Any]] = {}
        for i, dossier in loaded.items():
            try:
                fresh[i] = list(store.registry.check(dossier, day))
            except HookFailure:
                continue
        with _lock:
            kept_head, kept = _kept.get(store, ("", OrderedDict()))
            if kept_head == head:
                for i, found in fresh.items():
                    kept[(i, day)] = found
                while len(kept) > SIZE:
                    kept.popitem(last=False)
        out.update(fresh)
    if levels is not None:
        return {i: [c for c in found if c.niveau in levels] for i, found in out.items()}
    return out
