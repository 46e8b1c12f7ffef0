"""Whether a structured dossier passes every cross-check, in one walk of the model objects: the common case, quickly.

:func:`cqpkit.formats.dossier_checks.check_dossier_data` checks the parsed tables (plain dicts), tolerant of
every wrong shape, so that a file with a wrong type *and* a dangling reference gets both messages. A dossier
that the structuring's fast path (:mod:`cqpkit.formats.fastpath`) has already built has none of those wrong
shapes: every value has its model type. :func:`dossier_is_clean` asks the same questions of the model
objects, without a type test, a path or a message, and answers only « no finding » (``True``) or « perhaps
one » (``False``); on ``False`` the loader runs the detailed checks, which find the findings and word them.
So this module never decides what is wrong and can only be stricter than the detailed checks: a test
compares both on generated dossiers, valid and changed one value at a time (``tests/test_dossier_quick.py``).

Keep it in step with :mod:`cqpkit.formats.dossier_checks`: a check added there is added here (else a file
with that problem would be read as valid), which the comparison test catches for the values it changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cqpkit.formats.dossier_checks import _ID
from cqpkit.formats.refindex import referentiel_index
from cqpkit.model import CERTIFICATION_ENTIERE

if TYPE_CHECKING:  # pragma: no cover
    from cqpkit.model import Dossier, Referentiel

__all__ = ["dossier_is_clean"]

_id_ok = _ID.match


def dossier_is_clean(d: Dossier, ref: Referentiel | None) -> bool:
    """``True`` only if ``check_dossier_data`` finds nothing in the tables ``d`` was structured from (see the module)."""
    info = d.dossier
    if not _id_ok(info.id) or not _id_ok(d.candidat.id):
        return False
    inscription = info.inscription
    index = None
    if ref is not None:
        if info.certification != ref.id or info.version != ref.version:
            return False
        index = referentiel_index(ref)
        voies = index.voies
        voie = info.voie
        if voies and voie not in voies:
            return False
        mention = info.mention
        if mention is None:
            if index.mentions:
                return False
        elif mention not in index.mention_set:
            return False
        if info.documents and voie in voies:
            required = voies[voie]
            for doc in info.documents:
                if doc not in required:
                    return False

    # Acteurs: ids valid and unique, one acteur per person, periods in order.
    acteurs = set()
    personnes = set()
    for a in d.acteurs:
        aid = a.id
        if aid in acteurs or not _id_ok(aid):
            return False
        acteurs.add(aid)
        pid = a.personne
        if pid is not None:
            if pid in personnes or not _id_ok(pid):
                return False
            personnes.add(pid)
        start, end = a.mission_debut, a.mission_fin
        if start and end and end < start:
            return False
        for m in a.autres_missions:
            if m.fin < m.debut:
                return False

    if d.activites and not _activites_clean(d, index, inscription):
        return False

    p = d.positionnement
    if p is not None and (
        (p.par is not None and p.par not in acteurs) or (index is not None and not _positionnement_clean(p, index))
    ):
        return False

    for e in d.experiences:
        if e.fin and e.fin < e.debut:
            return False
    for f in d.formations:
        if (f.fin and f.fin < f.debut) or f.debut < inscription:
            return False
        if index is not None and f.module not in index.module_set:
            return False

    # Evaluations; the final ones (per domaine, their dates) for the passages.
    finales: dict[str, list[Any]] = {}
    epreuves = index.epreuves if index is not None else None
    echelles = index.echelles if index is not None else None
    for ev in d.evaluations:
        day = ev.date
        if day < inscription:
            return False
        for a in ev.evaluateurs:
            if a not in acteurs:
                return False
        if epreuves is None:
            continue
        if ev.mention is not None and ev.mention not in index.mention_set:  # type: ignore[union-attr]
            return False
        epreuve = epreuves.get(ev.epreuve)
        if epreuve is None:
            return False
        criteres = epreuve.criteres
        for cid, value in ev.criteres.items():
            if cid not in criteres:
                return False
            scale_name = criteres[cid]
            if scale_name:
                scale = echelles.get(scale_name)  # type: ignore[union-attr]
                if scale is not None and value not in scale[1]:
                    return False
        if ev.verdict is not None and epreuve.verdict:
            scale = echelles.get(epreuve.verdict)  # type: ignore[union-attr]
            if scale is not None and ev.verdict not in scale[1]:
                return False
        if epreuve.type == "finale_entreprise":
            for did in epreuve.domaines:
                finales.setdefault(did, []).append(day)

    # Passages: in date order, after registration; against the référentiel: what they decide, on what.
    previous = None
    for passage in d.passages:
        day = passage.date
        if day < inscription or (previous is not None and day <= previous):
            return False
        previous = day
        decided = passage.decisions
        if index is None or not decided:
            continue
        if not index.domaines:  # the whole certification only
            if any(did != CERTIFICATION_ENTIERE for did in decided):
                return False
            continue
        if CERTIFICATION_ENTIERE in decided:  # per domaine only
            return False
        domaine_set = index.domaine_set
        for did in decided:
            if did not in domaine_set:
                return False
            days = finales.get(did)
            if days and min(days) > day:
                return False
    return True


def _activites_clean(d: Dossier, index: Any, inscription: Any) -> bool:
    seen = set()
    for a in d.activites:
        if a.id in seen or not _id_ok(a.id) or a.date < inscription:
            return False
        seen.add(a.id)
        if index is not None and (
            (a.domaine is not None and a.domaine not in index.domaine_set)
            or (a.module is not None and a.module not in index.module_set)
        ):
            return False
    return True


def _positionnement_clean(p: Any, index: Any) -> bool:
    for pid in p.prerequis:
        if pid not in index.prerequis_set:
            return False
    scale_name = index.positionnement_echelle
    scale = index.echelles.get(scale_name) if scale_name is not None else None
    for did, row in p.domaines.items():
        if did not in index.domaine_set:
            return False
        if scale is not None:
            for value in (row.savoir_faire, row.savoirs, row.niveau):
                if value is not None and value not in scale[1]:
                    return False
    return True
