"""The counters of ``report campaign`` read back (migration 9, :mod:`cqpkit.store.migration9`).

Each query reads a table of counters, not the dossiers: what it costs follows the number of certifications,
référentiel versions, fingerprints and distinct days of the results, not the number of stored dossiers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from cqpkit.store import schema as t

__all__ = ["active_sums", "candidates", "dossier_groups", "stale_counts"]


def dossier_groups(conn: sa.Connection, certification: str | None = None) -> list[tuple[str, str, str, int]]:
    """(certification, référentiel version, voie, dossiers), as ``GROUP BY`` over ``dossiers`` would give them."""
    c = t.compte_dossiers
    q = sa.select(c.c.certification, c.c.version_referentiel, c.c.voie, c.c.n).where(c.c.n != 0)
    if certification:
        q = q.where(c.c.certification == certification)
    return [tuple(r) for r in conn.execute(q.order_by(c.c.certification, c.c.version_referentiel, c.c.voie))]  # type: ignore[misc]


def stale_counts(
    conn: sa.Connection, groups: list[tuple[str, str, str, int]], pairs: dict[tuple[str, str], str]
) -> dict[str, int]:
    """The stale (or missing) results per certification: per loaded référentiel version, its dossiers (``groups``)
    minus its results computed from their dossier's current version with the fingerprint loaded now (``pairs``)."""
    per_pair: dict[tuple[str, str], int] = {}
    for cid, version, _voie, n in groups:
        if (cid, version) in pairs:
            per_pair[(cid, version)] = per_pair.get((cid, version), 0) + n
    if not per_pair:
        return {}
    r = t.compte_resultats
    where = sa.or_(
        *(
            sa.and_(r.c.certification == cid, r.c.version_referentiel == v, r.c.empreinte == pairs[(cid, v)])
            for cid, v in per_pair
        )
    )
    current = {(row.certification, row.version_referentiel): row.n for row in conn.execute(sa.select(r).where(where))}
    out: dict[str, int] = {}
    for (cid, version), n in per_pair.items():
        stale = n - current.get((cid, version), 0)
        if stale:
            out[cid] = out.get(cid, 0) + stale
    return out


def active_sums(conn: sa.Connection, as_of: dt.date, certification: str | None = None) -> list[tuple[Any, ...]]:
    """Per (certification, version, statut, hors_delai, failed): the intervals holding ``as_of``, their funding lines
    without a barème and their six sums (:data:`cqpkit.store.migration9._MONEY` order) — the days ``<= as_of`` of
    ``resultat_jours`` summed; groups holding no interval left out."""
    j = t.resultat_jours
    money = [
        c
        for c in j.columns
        if c.name
        not in ("certification", "version_referentiel", "statut", "hors_delai", "echoue", "jour", "n", "sans_bareme")
    ]
    key = (j.c.certification, j.c.version_referentiel, j.c.statut, j.c.hors_delai, j.c.echoue)
    q = (
        sa.select(*key, sa.func.sum(j.c.n), sa.func.sum(j.c.sans_bareme), *(sa.func.sum(c) for c in money))
        .where(j.c.jour <= as_of)
        .group_by(*key)
    )
    if certification:
        q = q.where(j.c.certification == certification)
    return [tuple(r) for r in conn.execute(q) if r[5]]


def candidates(conn: sa.Connection, certifications: list[str]) -> tuple[dict[str, int], int]:
    """The distinct candidates per certification (every référentiel version), and in the whole base."""
    c = t.compte_candidats_distincts
    rows = dict(
        conn.execute(sa.select(c.c.certification, c.c.n).where(c.c.certification.in_([*certifications, ""]))).all()
    )
    return {cid: rows.get(cid, 0) for cid in certifications}, rows.get("", 0)
