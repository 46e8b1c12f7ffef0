"""What the dashboard reads (``docs/web.md``, issue 19), by indexed queries whose cost does not grow with the history.

- :func:`next_sessions`: the jury sessions from a date, in order (``ix_sessions_date``, migration 8), each with
  the number of its members and of the dossiers presented to it (counted on those sessions only:
  ``ix_passages_session``) — the rows of :func:`cqpkit.store.views.jury_sessions`, restricted.
- :func:`in_progress`: a page of the dossiers still in progress at a date, in the order of their ids, read from
  the stored results (:mod:`cqpkit.store.results`: the status per interval of dates) through
  ``ix_resultat_periodes_statut`` (migration 8): the finished dossiers (certified, expired, not started yet)
  are never read, so a page costs the same with 10 000 or 1 000 000 dossiers stored.

The engine is not run here: the page checks the dossiers of :func:`in_progress` itself (``Registry.check``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from cqpkit.store import schema as t
from cqpkit.store.views import session_counts, session_summary

__all__ = ["IN_PROGRESS", "in_progress", "next_sessions"]

#: The statuses of a dossier not finished at a date (:data:`cqpkit.rules.decision.STATUTS`): not certified, its
#: acquisitions not all expired, already registered.
IN_PROGRESS = ("en_cours", "partiel", "non_acquis")


def next_sessions(store: Any, day: dt.date, limit: int = 10, member: str | None = None) -> list[dict[str, Any]]:
    """The first ``limit`` stored jury sessions dated ``day`` or later (by date, then id); with ``member``, only
    those it sits on (a jury member's dashboard). Each is ``{session, date, lieu, certifications, president,
    membres, close, cloturee_le, dossiers, candidats}`` as :func:`cqpkit.store.views.jury_sessions` gives it."""
    s = t.sessions
    out: list[dict[str, Any]] = []
    batch = max(limit, 1) * (4 if member else 1)
    with store.read() as conn:
        last: tuple[dt.date, str] | None = None
        while len(out) < limit:
            q = sa.select(s.c.id, s.c.date, s.c.certifications, s.c.contenu, s.c.cloturee, s.c.cloturee_le).where(
                s.c.date >= day
            )
            if last is not None:
                q = q.where(sa.or_(s.c.date > last[0], sa.and_(s.c.date == last[0], s.c.id > last[1])))
            rows = conn.execute(q.order_by(s.c.date, s.c.id).limit(batch)).all()
            if not rows:
                break
            last = (rows[-1].date, rows[-1].id)
            for r in rows:
                content = json.loads(r.contenu)
                if member is not None and member not in {m.get("id") for m in content.get("membres") or ()}:
                    continue
                out.append({"_row": r, "_content": content})
                if len(out) == limit:
                    break
            if len(rows) < batch:
                break
        counts = session_counts(conn, [o["_row"].id for o in out])
    return [session_summary(o["_row"], o["_content"], counts) for o in out]


def in_progress(
    store: Any, day: dt.date, after: str = "", limit: int = 50, statuts: Sequence[str] = IN_PROGRESS
) -> tuple[list[Any], bool]:
    """The dossiers whose stored result at ``day`` has a status of ``statuts``, ids after ``after``, the first
    ``limit`` by id: rows ``(id, candidat_id, certification)``; and whether there are more.

    One query per status, each walking ``ix_resultat_periodes_statut`` from ``after`` and stopping at
    ``limit + 1`` rows. A dossier without stored results (computed at import; ``cqpkit db refresh`` after an
    upgrade) is not listed."""
    rp, d = t.resultat_periodes, t.dossiers
    found: set[str] = set()
    with store.read() as conn:
        for statut in statuts:
            q = (
                sa.select(rp.c.dossier_id)
                .where(
                    rp.c.statut == statut,
                    rp.c.dossier_id > after,
                    rp.c.debut <= day,
                    sa.or_(rp.c.fin.is_(None), rp.c.fin > day),
                )
                .order_by(rp.c.dossier_id)
                .limit(limit + 1)
            )
            found.update(r.dossier_id for r in conn.execute(q))
        ids = sorted(found)
        more = len(ids) > limit
        ids = ids[:limit]
        rows = {
            r.id: r
            for r in conn.execute(sa.select(d.c.id, d.c.candidat_id, d.c.certification).where(d.c.id.in_(ids or [""])))
        }
    return [rows[i] for i in ids if i in rows], more
