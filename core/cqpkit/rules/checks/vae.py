"""The VAE route: :func:`check_vae`, :func:`is_vae_route`, :func:`voie_vae`.

The dossier's voie when it states ``experience``: relevant experience of the allowed natures, periods
merged, clipped to the window ending on the registration day, counted in days against 365 a year;
required documents once the file is handed in.

Part of :mod:`cqpkit.rules.checks` (see its docstring for what a finding holds and how ``as_of`` reads).
"""

from __future__ import annotations

from datetime import date

from cqpkit.formats.refindex import per_referentiel
from cqpkit.model import Constat, Dossier, Referentiel, Voie
from cqpkit.rules import dates
from cqpkit.rules.checks.common import _constat, _first
from cqpkit.rules.fr import date_fr as _jj
from cqpkit.rules.fr import entier_fr as _entier
from cqpkit.rules.fr import liste as _liste
from cqpkit.rules.fr import pluriel as _pluriel

__all__ = ["check_vae", "is_vae_route", "voie_vae"]


def is_vae_route(ref: Referentiel, dossier: Dossier) -> bool:
    """Whether the dossier follows a VAE route: voie ``"vae"``, or a voie of the référentiel stating an ``experience``.

    The same reading as :func:`cqpkit.rules.decision.is_training_route` (its negation): only VAE
    routes have an experience condition.
    """
    return dossier.dossier.voie == "vae" or voie_vae(ref, dossier) is not None


def voie_vae(ref: Referentiel, dossier: Dossier) -> Voie | None:
    """The dossier's voie when it is a VAE route: the voie it names, if that voie states an ``experience``."""
    for voie in ref.voies:
        if voie.id == dossier.dossier.voie and voie.experience is not None:
            return voie
    return None


class _VoieVae:
    """A voie stating an ``experience``, with what the finding ``vae_experience`` writes of it (built once per
    référentiel: :func:`_voies_vae`)."""

    __slots__ = ("duree", "entier_requis", "fenetre", "fenetre_libelle", "natures", "requis", "voie")

    def __init__(self, voie: Voie) -> None:
        exp = voie.experience
        assert exp is not None
        self.voie = voie
        self.requis = dates.duree_as_days(exp.duree)
        self.entier_requis = _entier(self.requis)
        self.duree = (str(exp.duree), exp.duree.libelle())
        self.fenetre = str(exp.fenetre) if exp.fenetre else ""
        self.fenetre_libelle = exp.fenetre.libelle() if exp.fenetre is not None else ""
        self.natures = _liste(exp.natures)


def _voies_vae(ref: Referentiel) -> dict[str, _VoieVae]:
    """The voies stating an ``experience`` by id (the first of an id, as :func:`voie_vae` finds it)."""
    found: dict[str, _VoieVae] = {}
    for voie in ref.voies:
        if voie.experience is not None and voie.id not in found:
            found[voie.id] = _VoieVae(voie)
    return found


def check_vae(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """VAE admissibility on the VAE route (:func:`voie_vae`); nothing on any other route.

    - ``vae_experience``: the experiences that count are those marked ``pertinente`` whose
      ``nature`` is one of the voie's ``natures`` (any nature when the list is empty). Their
      periods are merged (overlaps and touching periods count once), clipped to the window "the
      last ``fenetre``" (:func:`~cqpkit.rules.dates.window_of`) and counted in days
      (:func:`~cqpkit.rules.dates.days_in`); the message prints that window's first and last days; the
      required ``duree`` counts 365 days a year (:func:`~cqpkit.rules.dates.duree_as_days`: 3 years
      = 1 095 days). Admissibility is that of the request: the window ends on the day of
      registration (``inscription``, when the candidate registers for the VAE), so experience after
      it does not count and a later ``as_of`` does not move the window. Not checked before
      registration.
    - ``vae_document_manquant``: one finding per ``documents_requis`` id missing from
      ``dossier.documents``, once the file is handed in: ``depot_dossier`` or a passage on or before
      ``as_of`` (a file being built is not yet incomplete).
    """
    vae = per_referentiel(ref, _voies_vae).get(dossier.dossier.voie)  # (voie_vae, from the référentiel's index)
    if vae is None:
        return []
    voie = vae.voie
    found: list[Constat] = []
    exp = voie.experience
    assert exp is not None
    inscription = dossier.dossier.inscription
    if inscription <= as_of:
        retenues = [
            e
            for e in dossier.experiences
            if e.pertinente and (not exp.natures or e.nature in exp.natures) and (e.fin is None or e.fin >= e.debut)
        ]
        periodes = [dates.Periode(debut=e.debut, fin=e.fin) for e in retenues]
        # One window for the count and the message: the days printed are the days counted.
        fenetre_comptee = dates.window_of(exp.fenetre, inscription)
        jours = dates.days_in(periodes, fenetre_comptee)
        requis = vae.requis
        if jours < requis:
            debut_fenetre = fenetre_comptee.debut
            if exp.fenetre is not None and debut_fenetre is not None:
                fenetre = (
                    f"du {_jj(debut_fenetre)} au {_jj(fenetre_comptee.fin)} inclus (les {vae.fenetre_libelle} qui "
                    "se terminent le jour de l'inscription)"
                )
            else:
                fenetre = f"jusqu'à l'inscription du {_jj(fenetre_comptee.fin)} inclus"
            found.append(
                _constat(
                    "vae_experience",
                    "erreur",
                    f"Expérience pertinente de {_pluriel(jours, 'jour')} {fenetre}, au lieu de "
                    f"{vae.duree[1]} ({vae.entier_requis} jours) au moins.",
                    chemin="experiences",
                    source=exp.source or _first(voie.sources),
                    regle="voies.experience",
                    valeurs={
                        "voie": voie.id,
                        "jours": str(jours),
                        "jours_requis": str(requis),
                        "duree": vae.duree[0],
                        "fenetre": vae.fenetre,
                        "debut_fenetre": _jj(debut_fenetre) if debut_fenetre else "",
                        "fin_fenetre": _jj(fenetre_comptee.fin),
                        "date_reference": _jj(inscription),
                        "natures": vae.natures,
                        "experiences_retenues": f"{len(retenues)} sur {len(dossier.experiences)}",
                    },
                )
            )
    depot = dossier.dossier.depot_dossier
    # handed in: deposited, or a passage (the event « passage »: attended) on or before as_of
    if (depot is not None and depot <= as_of) or any(
        p.date <= as_of and not (p.absent or p.excuse) for p in dossier.passages
    ):
        for doc in voie.documents_requis:
            if doc.id not in dossier.documents:
                found.append(
                    _constat(
                        "vae_document_manquant",
                        "erreur",
                        f"Document requis pour la VAE absent du dossier : {doc.libelle} ({doc.id}).",
                        chemin="dossier.documents",
                        source=_first(voie.sources),
                        regle="voies.documents_requis",
                        valeurs={"voie": voie.id, "document": doc.id, "documents": _liste(dossier.documents)},
                    )
                )
    return found
