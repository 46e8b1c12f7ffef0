"""The dossiers page's search (``/dossiers``, docs/web.md « Search »): a page of dossiers by id, or those a text finds.

Without a text: one indexed query on the dossiers (a certification; a status at a date from the stored results,
:mod:`cqpkit.store.results`), only the page's names decrypted by the handler. With a text:
:func:`cqpkit.store.candidats.search_candidats` (``texte``), the search ``cqpkit candidate list`` runs, page after
page of candidates until the page of dossiers is full.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

__all__ = ["PAGE_SIZE", "Ligne", "listed", "text_search"]

#: At most this many dossiers listed by a search (the page says when there are more).
PAGE_SIZE = 50


class Ligne(NamedTuple):
    """One line of the dossiers page."""

    id: str
    candidat_id: str
    certification: str
    version_referentiel: str
    voie: str
    inscription: Any


def listed(store: Any, certification: str, statut: str, day: dt.date) -> tuple[list[Ligne], bool]:
    """The first :data:`PAGE_SIZE` dossiers by id (of ``certification``, with ``statut`` at ``day`` in the stored
    results, :mod:`cqpkit.store.results`), and whether there are more: one indexed query, no name decrypted."""
    import sqlalchemy as sa

    from cqpkit.store import schema as t

    d, rp = t.dossiers.c, t.resultat_periodes.c
    query = sa.select(d.id, d.candidat_id, d.certification, d.version_referentiel, d.voie, d.inscription).order_by(d.id)
    if certification:
        query = query.where(d.certification == certification)
    if statut:
        query = query.where(
            sa.exists().where(
                rp.dossier_id == d.id, rp.statut == statut, rp.debut <= day, sa.or_(rp.fin.is_(None), rp.fin > day)
            )
        )
    with store.read() as conn:
        rows = [Ligne(*r) for r in conn.execute(query.limit(PAGE_SIZE + 1))]
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def text_search(
    store: Any, q: str, certification: str, statut: str, day: dt.date
) -> tuple[list[Ligne], dict[str, str], bool]:
    """The dossiers a text finds, through :func:`cqpkit.store.candidats.search_candidats` (``texte``: a part of a
    candidate's or dossier's id, or the words of a name, accents ignored): a candidate found by their id or name
    brings each of their dossiers (of ``certification``, with ``statut`` at ``day``), one found by a dossier's id
    that dossier. Pages of candidates are read until :data:`PAGE_SIZE` dossiers are found or none is left."""
    from cqpkit.store.candidats import normalise, search_candidats

    needle, words = q.casefold(), normalise(q).split()
    rows: list[Ligne] = []
    names: dict[str, str] = {}
    apres: str | None = None
    while True:
        found = search_candidats(
            store,
            texte=q,
            certification=certification or None,
            statut=statut or None,
            as_of=day,
            limite=PAGE_SIZE + 1,
            apres=apres,
            champs=("nom", "prenom"),
        )
        for cand in found["candidats"]:
            name = "(données effacées)" if cand["efface"] else f"{cand['prenom']} {cand['nom']}".strip()
            by_name = not cand["efface"] and all(w in normalise(name) for w in words)
            whole = by_name or needle in cand["id"].casefold()  # found by their name or their id: every dossier
            names[cand["id"]] = name
            for x in cand["dossiers"]:
                if (certification and x["certification"] != certification) or (statut and x["statut"] != statut):
                    continue
                if whole or needle in x["dossier"].casefold():
                    rows.append(
                        Ligne(x["dossier"], cand["id"], x["certification"], x["version"], x["voie"], x["inscription"])
                    )
        apres = found["suivant"]
        if len(rows) > PAGE_SIZE or apres is None:
            return rows[:PAGE_SIZE], names, len(rows) > PAGE_SIZE
