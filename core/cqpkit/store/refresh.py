"""Which stored results are stale, and ``cqpkit db refresh``: recompute them in batches, each its own transaction.

A dossier's stored result is **current** when its row of ``resultats`` exists, was computed from the
dossier's current version (``numero_version``) and carries the fingerprint of the référentiel, plugins and
cqpkit loaded now (:func:`cqpkit.store.results.fingerprints`). Otherwise it is **stale** (or missing: a base
upgraded from version 5, an import killed between its transaction and the computation that follows it).
Dossiers whose référentiel no loaded plugin supplies are neither: their results stay as they are.

:func:`refresh` reads a batch of stale dossiers, computes their results outside any write transaction, then
writes them in one short transaction, skipping a dossier that changed meanwhile (another version, another
passage: it stays stale for the next run). A kill at any moment leaves every dossier as before or as after.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from cqpkit.store import schema as t
from cqpkit.store.base import StoreBase
from cqpkit.store.bulkcounters import replace_results
from cqpkit.store.errors import StoreConflictError
from cqpkit.store.results import fingerprints, result_rows

__all__ = ["StaleResultsError", "refresh", "stale_counts", "stale_ids"]


class StaleResultsError(StoreConflictError):
    """A report asked on results that are stale or missing (exit 1): ``cqpkit db refresh`` recomputes them."""


def _loaded_pairs(store: StoreBase) -> dict[tuple[str, str], str]:
    return fingerprints(store.registry)


def _stale_where(pairs: dict[tuple[str, str], str], certification: str | None = None) -> Any:
    """The dossiers (joined with their ``resultats`` row, left outer) whose result is stale or missing."""
    d, r = t.dossiers, t.resultats
    by_pair = []
    for (cid, version), print_ in pairs.items():
        if certification and cid != certification:
            continue
        by_pair.append(
            sa.and_(d.c.certification == cid, d.c.version_referentiel == version,
                    sa.or_(r.c.dossier_id.is_(None), r.c.empreinte != print_, r.c.numero_version != d.c.numero_version))
        )
    return sa.or_(*by_pair) if by_pair else sa.false()


def stale_ids(conn: sa.Connection, store: StoreBase, limit: int | None = None, after: str | None = None,
              certification: str | None = None) -> list[str]:
    """The ids of stale dossiers, in id order (``after``: from the one after it; ``limit``: at most that many)."""
    d, r = t.dossiers, t.resultats
    q = (
        sa.select(d.c.id).select_from(d.outerjoin(r, r.c.dossier_id == d.c.id))
        .where(_stale_where(_loaded_pairs(store), certification)).order_by(d.c.id)
    )
    if after is not None:
        q = q.where(d.c.id > after)
    if limit is not None:
        q = q.limit(limit)
    return [row.id for row in conn.execute(q)]


def stale_counts(conn: sa.Connection, store: StoreBase, certification: str | None = None) -> dict[str, int]:
    """The number of stale dossiers per certification (only those with any)."""
    d, r = t.dossiers, t.resultats
    q = (
        sa.select(d.c.certification, sa.func.count()).select_from(d.outerjoin(r, r.c.dossier_id == d.c.id))
        .where(_stale_where(_loaded_pairs(store), certification)).group_by(d.c.certification)
    )
    return {row[0]: row[1] for row in conn.execute(q)}


def _states(conn: sa.Connection, ids: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Per dossier: its current version number and its last passage row id (what a change moves)."""
    d, p = t.dossiers, t.passages
    out = {row.id: (row.numero_version, 0) for row in conn.execute(sa.select(d.c.id, d.c.numero_version).where(d.c.id.in_(list(ids))))}
    q = sa.select(p.c.dossier_id, sa.func.max(p.c.id)).where(p.c.dossier_id.in_(list(ids))).group_by(p.c.dossier_id)
    for did, last in conn.execute(q):
        out[did] = (out[did][0], last)
    return out


def refresh(
    store: StoreBase, batch: int = 500, progress: Callable[[str, int, int], None] | None = None, certification: str | None = None,
    ids: Sequence[str] | None = None,
) -> int:
    """Recompute the stale results (all, of one certification, or among ``ids``) in batches; return how many were written.

    Each batch: the dossiers read and their results computed (no write lock held), then written in one
    transaction where each dossier's version and passages are checked unchanged since the read.
    """
    from cqpkit.store.deadlines import engine_dossiers

    registry = store.registry
    pairs = _loaded_pairs(store)
    with store.read() as conn:
        total = sum(stale_counts(conn, store, certification).values()) if ids is None else len(ids)
    done = written = 0
    last: str | None = None
    pending = sorted(ids) if ids is not None else None  # read by position: a batch is a slice, the rest never copied
    at = 0
    phase = "Calcul des résultats"
    if progress is not None:
        progress(phase, 0, total)
    while True:
        with store.read() as conn:
            if pending is None:
                chunk = stale_ids(conn, store, batch, last, certification)
            else:
                chunk, at = pending[at : at + batch], at + batch
            if not chunk:
                break
            states = _states(conn, chunk)
            dossiers = engine_dossiers(conn, chunk)
        last = chunk[-1]
        computed = [
            result_rows(registry, d, states[did][0]) for did, d in dossiers.items()
            if did in states and (d.dossier.certification, d.dossier.version) in pairs
        ]
        with store.write() as conn:
            now = _states(conn, chunk)
            keep = [c for c in computed if now.get(c[0]["dossier_id"]) == states.get(c[0]["dossier_id"])]
            replace_results(conn, keep)  # counted once per batch (cqpkit.store.bulkcounters)
        written += len(keep)
        done += len(chunk)
        if progress is not None:
            progress(phase, min(done, total), max(total, done))
    return written
