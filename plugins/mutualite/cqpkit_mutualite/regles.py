"""Rules of the CQP Spécialiste prestations that the generic engine cannot express in TOML.

The domaine 1 final evaluation has two grids (Partie 2, livret d'évaluation finale en
entreprise): the first « dans le domaine de la mention choisie par le candidat », the second on
the « compte-rendu de la période d'observation réalisée par le candidat dans le domaine qui ne
correspond pas à la mention choisie », and one verdict for the domaine, placed after the second
grid. The référentiel model has no key for "the other mention", so these checks live here:

- ``d1_mention_choisie`` (erreur): an evaluation of ``finale-entreprise-D1`` that records a
  mention other than the dossier's;
- ``d1_decouverte_autre_mention`` (erreur): an evaluation of
  ``finale-entreprise-D1-decouverte`` that records the dossier's own mention;
- ``d1_decouverte_manquante`` (avertissement): a verdict on domaine 1 (an evaluation of
  ``finale-entreprise-D1`` that records one) with no evaluation of the découverte grid dated on or
  before it. The livret places the one « avis sur la maîtrise de ce domaine » after the second
  grid: an avis given without it rests on an incomplete final evaluation, whatever its value. A
  warning, not an error: the guide makes a positive final evaluation a condition of readiness
  (« n'intervient que lorsque le candidat est prêt et lorsque l'évaluation finale est positive »,
  the engine's ``passage_evaluation_finale``, a warning), not a bar, and the jury is sovereign.

An evaluation that records no mention is not checked for the mention. Only evaluations dated on
or before the date "as of" count. Pure functions: :func:`check_d1` takes a référentiel, a dossier
and a date; the hook in ``cqpkit_mutualite`` calls it for ``mutualite.specialiste-prestations``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cqpkit.model import Constat
from cqpkit.model.invariants import quick_constructor

__all__ = ["CERTIFICATION", "DECOUVERTE", "FINALE_D1", "check_d1"]

CERTIFICATION = "mutualite.specialiste-prestations"
FINALE_D1 = "finale-entreprise-D1"
DECOUVERTE = "finale-entreprise-D1-decouverte"

#: ``_constat(code=…, niveau=…, …)``: a :class:`Constat`, with the same invariants as attrs' ``__init__``, tested inline.
_constat = quick_constructor(Constat)

_MENTIONS = {"sante": "santé", "prevoyance": "prévoyance"}


def _jj(day: dt.date) -> str:
    # what day.strftime("%d/%m/%Y") writes (the year unpadded, as glibc's %Y), without strftime's cost per finding
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _mention(mention: str | None) -> str:
    return _MENTIONS.get(mention or "", mention or "")


def check_d1(referentiel: Any, dossier: Any, as_of: dt.date) -> list[Any]:
    """The findings on the two domaine 1 grids of a Spécialiste prestations dossier (see the module docstring)."""
    epreuves = referentiel.epreuves_par_id
    if FINALE_D1 not in epreuves or DECOUVERTE not in epreuves:
        return []
    finale, decouverte = epreuves[FINALE_D1], epreuves[DECOUVERTE]
    choisie = dossier.dossier.mention
    found: list[Any] = []
    # One pass: the mention findings (in the dossier's order), the verdicts on domaine 1 and the earliest découverte.
    # « a découverte dated on or before the verdict » is « the earliest découverte is »: one pass, not one pass per
    # verdict (quadratic: 53 s for a dossier of 32 000 evaluations).
    verdicts: list[tuple[int, Any]] = []
    premiere: dt.date | None = None
    for i, ev in enumerate(dossier.evaluations):
        epreuve = ev.epreuve
        if (epreuve != FINALE_D1 and epreuve != DECOUVERTE) or ev.date > as_of:
            continue
        if epreuve == DECOUVERTE:
            if premiere is None or ev.date < premiere:
                premiere = ev.date
        elif ev.verdict is not None:
            verdicts.append((i, ev))
        if ev.mention is None or choisie is None:
            continue
        if epreuve == FINALE_D1 and ev.mention != choisie:
            found.append(
                _constat(
                    code="d1_mention_choisie",
                    niveau="erreur",
                    message=(
                        f"L'évaluation finale du domaine 1 du {_jj(ev.date)} porte sur la mention "
                        f"{_mention(ev.mention)} ; elle doit porter sur la mention choisie par le candidat "
                        f"({_mention(choisie)})."
                    ),
                    chemin=f"evaluations[{i}].mention",
                    source=finale.sources[0] if finale.sources else None,
                    regle=f"epreuves.{FINALE_D1}",
                    valeurs={"mention_evaluation": ev.mention, "mention_dossier": choisie},
                )
            )
        if epreuve == DECOUVERTE and ev.mention == choisie:
            found.append(
                _constat(
                    code="d1_decouverte_autre_mention",
                    niveau="erreur",
                    message=(
                        f"L'évaluation du compte-rendu de découverte du {_jj(ev.date)} porte sur la mention "
                        f"{_mention(ev.mention)}, celle du candidat ; la découverte porte sur le processus de "
                        "l'autre mention."
                    ),
                    chemin=f"evaluations[{i}].mention",
                    source=decouverte.sources[0] if decouverte.sources else None,
                    regle=f"epreuves.{DECOUVERTE}",
                    valeurs={"mention_evaluation": ev.mention, "mention_dossier": choisie},
                )
            )
    libelles: dict[str, str] | None = None
    for i, ev in verdicts:
        if premiere is None or premiere > ev.date:
            if libelles is None:
                libelles = {}
                if finale.verdict is not None and finale.verdict in referentiel.echelles:
                    libelles = {n.id: n.libelle for n in referentiel.echelles[finale.verdict].valeurs}
            avis = libelles.get(ev.verdict, ev.verdict)
            found.append(
                _constat(
                    code="d1_decouverte_manquante",
                    niveau="avertissement",
                    message=(
                        f"Avis sur le domaine 1 (« {avis} ») donné le {_jj(ev.date)} sans évaluation du "
                        "compte-rendu de découverte du processus de l'autre mention à cette date : l'évaluation "
                        "finale du domaine 1 est incomplète (l'avis porte sur les deux grilles)."
                    ),
                    chemin=f"evaluations[{i}].verdict",
                    source=decouverte.sources[0] if decouverte.sources else None,
                    regle=f"epreuves.{DECOUVERTE}",
                    valeurs={"date_evaluation": _jj(ev.date), "verdict": ev.verdict},
                )
            )
    return found
