"""A dossier's awards: ``attestation`` (partial validation, per domaine or bloc, with its validity end) and ``certificat``.

Both read ``registry.decide(dossier, as_of)``: an attestation lists the domaines (or blocs) validly
acquired as of that date, each with the jury's date and the last day it is valid (the engine's
``valide_jusqua``, the rule's source in a footnote); a certificate names the CQP delivered, the date the
jury delivered it and the référentiel's version. A dossier whose status does not call for the paper (an
attestation for a certified candidate, a certificate for a partial award) is refused with the reason:
:class:`NotAwarded`, so that a batch over a session can leave it out and say so.

``projet``: the decisions come from a session not yet closed (the store knows): the paper is marked
« Projet — session non close ».
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cqpkit.documents import Document
from cqpkit.documents.jury import Notes, statut_label
from cqpkit.documents.papers import FORMAT, candidat_nom, date_courte, date_longue, domaine_label, type_domaine
from cqpkit.exceptions import InvalidArgumentError

__all__ = ["NotAwarded", "attestation", "certificat"]


class NotAwarded(InvalidArgumentError):
    """The dossier's result does not call for this paper (the message says its status): the input was read, exit 1."""

    exit_code = 1


def _identity(registry: Any, dossier: Any, resultat: Any) -> dict[str, Any]:
    from cqpkit.render import labels

    ref = registry.referentiel_for(dossier)
    return {
        "dossier": dossier.id,
        "candidat": candidat_nom(dossier),
        "candidat_id": dossier.candidat.id,
        "certification": ref.certification.intitule,
        "certification_id": ref.id,
        "version": ref.version,
        "certificateur": ref.certification.certificateur,
        "voie": labels.voie(ref, dossier.dossier.voie),
        "mention": labels.mention(ref, dossier.dossier.mention),
        "as_of": date_longue(resultat.date),
    }


def _day(as_of: dt.date | None) -> dt.date:
    return as_of if as_of is not None else dt.date.today()


def attestation(registry: Any, dossier: Any, as_of: dt.date | None = None, *, projet: bool = False) -> Document:
    """The attestation of partial validation of ``dossier`` as of ``as_of`` (default: today)."""
    day = _day(as_of)
    resultat = registry.decide(dossier, day)
    if resultat.statut != "partiel":
        why = f"certifié le {date_courte(resultat.date_certification)} : imprimer son certificat" if resultat.statut == "certifie" else statut_label(resultat)
        raise NotAwarded(f"dossier « {dossier.id} » au {date_courte(day)} : pas de validation partielle ({why})")
    ref = registry.referentiel_for(dossier)
    notes = Notes()
    unite = type_domaine(ref)
    return Document(
        kind="attestation",
        template="attestation",
        data={
            "format": FORMAT,
            **_identity(registry, dossier, resultat),
            "titre": "Attestation de validation partielle",
            "projet": projet,
            "unite": unite,
            "acquis": [
                {
                    "domaine": domaine_label(ref, a.domaine),
                    "id": a.domaine,
                    "session": a.session,
                    "obtenu": date_longue(a.date),
                    "valide_jusqua": date_longue(a.valide_jusqua) if a.valide_jusqua else "",
                    "note": notes.cite(resultat.source),  # the footnote once, then calls to it
                }
                for a in resultat.acquis
            ],
            "restants": [domaine_label(ref, r) for r in resultat.restants],
            "sans_limite": any(a.valide_jusqua is None for a in resultat.acquis),
        },
        filename=f"attestation-{dossier.id}.pdf",
        referentiels=((ref.id, ref.version),),
    )


def certificat(registry: Any, dossier: Any, as_of: dt.date | None = None, *, projet: bool = False) -> Document:
    """The certificate of the CQP delivered to ``dossier``'s candidate, as decided as of ``as_of`` (default: today)."""
    day = _day(as_of)
    resultat = registry.decide(dossier, day)
    if resultat.statut != "certifie" or resultat.date_certification is None:
        raise NotAwarded(f"dossier « {dossier.id} » au {date_courte(day)} : CQP non délivré ({statut_label(resultat)})")
    ref = registry.referentiel_for(dossier)
    notes = Notes()
    session = next(
        (p.session for p in dossier.passages if p.date == resultat.date_certification and not (p.absent or p.excuse)), ""
    )
    return Document(
        kind="certificat",
        template="certificat",
        data={
            "format": FORMAT,
            **_identity(registry, dossier, resultat),
            "titre": "Certificat de qualification professionnelle",
            "projet": projet,
            "date_certification": date_longue(resultat.date_certification),
            "session": session,
            "domaines": [domaine_label(ref, d.id) for d in ref.domaines],
            "unite": type_domaine(ref),
            "note": notes.cite(resultat.source),
            "equivalence": ref.certification.equivalence,
        },
        filename=f"certificat-{dossier.id}.pdf",
        referentiels=((ref.id, ref.version),),
    )
