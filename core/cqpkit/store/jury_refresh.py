"""A jury decision's recomputation out of the write lock: the dossier's deadlines and stored results computed
before the writing transaction, then written in it only if the dossier is still as it was read.

Recording a decision recomputes the dossier's deadlines and stored results with the engine (:func:`jury.refresh
<cqpkit.store.jury.refresh>`): on the CQP MO dossier of the bench, about 80 engine asks, a tenth of a second.
Computed inside the writing transaction, they held every other writer (the store's writers are serialised) for
that long: concurrent jury members waited for each other's engine. :func:`cqpkit.store.jury.decide` now reads a
:class:`Snapshot` of the dossier in a read transaction, computes here what the new passage makes of it
(:func:`computed`: the dossier as the engine will see it once the passage is written, its deadlines and results),
and, in a short writing transaction, checks that nothing it was computed from changed (:func:`still`) before
writing the passage and what was computed (:func:`write`). Otherwise it tries again, and last computes inside
the transaction as before.

What the computation reads is the dossier as the engines see it (:func:`cqpkit.store.deadlines.engine_dossiers`:
its latest content, its passages, what the store knows of the people it names) and the registry: the snapshot
keeps that dossier and the rows of its passages, and :func:`still` compares them with the base's in the writing
transaction — equal, the results computed are those a computation inside it gives.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import attrs
import sqlalchemy as sa

from cqpkit.store import schema as t

__all__ = ["Computed", "Snapshot", "computed", "snapshot", "still", "write"]


class Snapshot(NamedTuple):
    """A dossier as read before its decision: the rows of its passages (every state) and the dossier the engines see."""

    dossier_id: str
    passages: tuple[tuple[Any, ...], ...]
    dossier: Any


class Computed(NamedTuple):
    """What the new passage makes of the dossier: the rows of ``echeances``, and its stored results (``None``: the
    registry gives no fingerprint of its référentiel; its results are left as they are, as :func:`rebuild_results`
    leaves them)."""

    echeances: list[dict[str, Any]]
    results: tuple[dict[str, Any], list[dict[str, Any]]] | None


def _passage_rows(conn: sa.Connection, dossier_id: str) -> list[Any]:
    from cqpkit.store.deadlines import passages_of

    return passages_of(conn, [dossier_id]).get(dossier_id, [])


def snapshot(conn: sa.Connection, dossier_id: str) -> Snapshot | None:
    """The dossier's passages and the dossier as the engines see it (``None``: no content stored)."""
    from cqpkit.store.deadlines import engine_dossiers

    dossier = engine_dossiers(conn, [dossier_id]).get(dossier_id)
    if dossier is None:
        return None
    return Snapshot(dossier_id, tuple(tuple(r) for r in _passage_rows(conn, dossier_id)), dossier)


def still(conn: sa.Connection, snap: Snapshot) -> bool:
    """Whether the dossier is, in ``conn``'s transaction, as ``snap`` read it (its passages first: the cheaper test)."""
    if tuple(tuple(r) for r in _passage_rows(conn, snap.dossier_id)) != snap.passages:
        return False
    from cqpkit.store.deadlines import engine_dossiers

    return bool(engine_dossiers(conn, [snap.dossier_id]).get(snap.dossier_id) == snap.dossier)


def with_passage(snap: Snapshot, values: Mapping[str, Any]) -> Any:
    """The dossier as the engines will see it once the passage row ``values`` is written (after every row it has).

    The same functions as :func:`engine_dossiers` (the current state of each session, in date order) on the
    snapshot's rows and the new one, given an id after theirs (the base's next id is after them: writers are
    serialised and :func:`still` checked that no row came in between).
    """
    from cqpkit.formats.dossiers import mark_validated
    from cqpkit.store.deadlines import effective, passage_from_row

    columns = [c.name for c in t.passages.columns]
    rows = [types.SimpleNamespace(**dict(zip(columns, r, strict=True))) for r in snap.passages]
    rows.append(types.SimpleNamespace(**{**values, "id": max((r.id for r in rows), default=0) + 1}))
    passages = tuple(passage_from_row(r) for r in effective(rows))
    return mark_validated(attrs.evolve(snap.dossier, passages=passages))


def computed(registry: Any, dossier: Any, numero_version: int) -> Computed:
    """The deadlines and stored results of ``dossier`` (:func:`compute_echeances`, :func:`result_rows`, the
    deadlines asked once for both)."""
    from cqpkit.store.reading import deadlines
    from cqpkit.store.results import fingerprint, result_rows

    info = dossier.dossier
    found = deadlines(registry, dossier)
    echeances = [
        {
            "type": kind,
            "domaine": dom,
            "date": day,
            "depuis": depuis,
            "certification": info.certification,
            "dossier_id": info.id,
        }
        for kind, dom, day, depuis in found
    ]
    if fingerprint(registry, info.certification, info.version) is None:
        return Computed(echeances, None)
    return Computed(echeances, result_rows(registry, dossier, numero_version, echeances=found))


def write(conn: sa.Connection, dossier_ids: Sequence[str], done: Computed) -> None:
    """Replace the deadlines and stored results of the dossier by ``done``, in ``conn``'s transaction."""
    from cqpkit.store.results import write_results

    conn.execute(t.echeances.delete().where(t.echeances.c.dossier_id.in_(list(dossier_ids))))
    if done.echeances:
        conn.execute(t.echeances.insert(), done.echeances)
    if done.results is not None:
        write_results(conn, [done.results])
