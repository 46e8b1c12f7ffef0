"""What the four forms share: the heading (certification, version, date of effect, completeness), the
dossier's identity, scales as boxes, sources as footnotes, the people around the candidate.

Everything returned is plain JSON-able data already written for print (dates JJ/MM/AAAA through
:mod:`cqpkit.rules.fr`, labels from the référentiel or :mod:`cqpkit.render.labels`): the templates only
lay it out. A value the dossier does not record is ``""`` (or a box not ticked), so that the template
leaves a line or a box for the hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from cqpkit.exceptions import InvalidArgumentError
from cqpkit.model import Domaine, Dossier, Epreuve, Evaluation, Referentiel, Source
from cqpkit.render import labels
from cqpkit.rules.fr import date_fr, nombre_fr

__all__ = [
    "FORMAT",
    "acteur_txt",
    "cases",
    "domaine_data",
    "entete",
    "epreuves_of",
    "evaluations_of",
    "filename",
    "grille",
    "questions",
    "sources_txt",
    "verifie",
]

#: The version of the data shape the form templates receive (docs/documents.md).
FORMAT = 1


def sources_txt(sources: Iterable[Source | None]) -> list[str]:
    """Each source as « document, section », once, in order (the template prints them as footnotes)."""
    out: list[str] = []
    for s in sources:
        if s is None:
            continue
        text = f"{s.document}, {s.section}" if s.section else s.document
        if text not in out:
            out.append(text)
    return out


def cases(ref: Referentiel, echelle: str | None, value: str | None = None) -> list[dict[str, Any]]:
    """The values of an échelle as boxes (least to most favourable), the one ``value`` names ticked."""
    e = ref.echelles.get(echelle or "")
    if e is None:
        return []
    return [{"libelle": n.libelle, "coche": n.id == value} for n in e.valeurs]


def grille(ref: Referentiel, epreuve: Epreuve, valeurs: dict[str, str] | None = None) -> dict[str, Any]:
    """The noted criteria of an épreuve as a grid: one row per criterion, one box per value of its échelle.

    Criteria of nature « question » are not noted (they are asked): they are left to
    :func:`questions`. A criterion with its own échelle keeps it (its row has its own boxes).
    """
    valeurs = valeurs or {}
    rows = []
    columns: list[str] = [c["libelle"] for c in cases(ref, epreuve.echelle)]
    for c in epreuve.criteres:
        if c.nature == "question":
            continue
        boxes = cases(ref, c.echelle or epreuve.echelle, valeurs.get(c.id))
        rows.append({"id": c.id, "libelle": c.libelle, "cases": boxes, "propre": c.echelle is not None})
    return {"colonnes": columns, "lignes": rows}


def questions(epreuve: Epreuve, domaine: str | None) -> list[str]:
    """The questions (criteria of nature « question ») of an épreuve for one domaine, or with no domaine."""
    return [c.libelle for c in epreuve.criteres if c.nature == "question" and c.domaine == domaine]


def domaine_data(ref: Referentiel, d: Domaine) -> dict[str, Any]:
    """A domaine as the forms print it: its number and title, its savoir-faire, savoirs, capacités, figures."""
    kind = labels.TYPES_DOMAINE.get(d.type, (d.type,))[0]
    chiffres = []
    if d.spe is not None:
        chiffres.append(f"{d.spe} SPE" + (f" ({nombre_fr(d.jours_spe)} j)" if d.jours_spe is not None else ""))
    if d.jours_tuteur is not None:
        chiffres.append(f"{nombre_fr(d.jours_tuteur)} {labels.UNITES['jour'][d.jours_tuteur >= 2]} de tutorat")
    if d.heures_accompagnement_individuel is not None:
        h = d.heures_accompagnement_individuel
        chiffres.append(f"{nombre_fr(h)} {labels.UNITES['heure'][h >= 2]} d'accompagnement individuel")
    return {
        "id": d.id,
        "titre": f"{kind[:1].upper()}{kind[1:]} {d.id}",
        "intitule": d.intitule,
        "description": d.description,
        "savoir_faire": list(d.savoir_faire),
        "savoirs": list(d.savoirs),
        "capacites": list(d.capacites),
        "competences": list(d.competences),
        "chiffres": chiffres,
        "complet": d.complet,
        "sources": sources_txt(d.sources),
    }


def epreuves_of(ref: Referentiel, *types: str) -> list[Epreuve]:
    """The épreuves of these types, in the file's order."""
    return [e for e in ref.epreuves if e.type in types]


def evaluations_of(dossier: Dossier | None, epreuve: str, as_of: dt.date | None) -> list[Evaluation]:
    """The dossier's evaluations of one épreuve known ``as_of`` (all of them without a date), oldest first."""
    if dossier is None:
        return []
    found = [e for e in dossier.evaluations if e.epreuve == epreuve and (as_of is None or e.date <= as_of)]
    return sorted(found, key=lambda e: e.date)


def acteur_txt(dossier: Dossier | None, acteur_id: str | None) -> str:
    """Someone around the candidate as a form names them: « P-02, collaboratrice confirmée (Mutuelle…) — tuteur »."""
    if dossier is None or not acteur_id:
        return ""
    a = dossier.acteur(acteur_id)
    if a is None:
        return acteur_id
    where = ", ".join(x for x in (a.fonction, a.organisation) if x)
    return f"{a.id}" + (f", {where}" if where else "") + f" — {labels.roles(a.roles)}"


def _candidat(dossier: Dossier) -> str:
    c = dossier.candidat
    name = " ".join(x for x in (c.nom.upper() if c.nom else "", c.prenom) if x)
    return name or c.id


def verifie(ref: Referentiel, dossier: Dossier | None) -> None:
    """Raise :class:`InvalidArgumentError` (in French) when the dossier names another certification or version."""
    cert = ref.certification
    if dossier is not None and (dossier.dossier.certification, dossier.dossier.version) != (cert.id, cert.version):
        raise InvalidArgumentError(
            f"le dossier {dossier.id} relève de « {dossier.dossier.certification} » version "
            f"« {dossier.dossier.version} », pas du référentiel « {cert.id} » version « {cert.version} »"
        )


def entete(
    ref: Referentiel, titre: str, dossier: Dossier | None, as_of: dt.date | None, *, sources: Iterable[Source] = ()
) -> dict[str, Any]:
    """The data every form starts with: what it is, for which référentiel version, for which dossier."""
    verifie(ref, dossier)
    cert = ref.certification
    en_vigueur = date_fr(cert.en_vigueur_depuis) if cert.en_vigueur_depuis else "non indiquée par les sources"
    avertissement = ""
    if not cert.complet:
        avertissement = (
            "Référentiel incomplet (complet = false) : les sources ne donnent pas tout le référentiel de ce CQP. "
            "Ce formulaire reprend seulement ce que le référentiel contient ; rien n'y est ajouté."
        )
    mention = dossier.dossier.mention if dossier is not None else None
    info: dict[str, Any] = {
        "id": "", "candidat": "", "emploi": "", "employeur": "", "inscription": "", "voie": "", "etat_au": "",
    }
    if dossier is not None:
        info = {
            "id": dossier.id,
            "candidat": _candidat(dossier),
            "emploi": dossier.candidat.emploi,
            "employeur": dossier.candidat.employeur,
            "inscription": date_fr(dossier.dossier.inscription),
            "voie": labels.voie(ref, dossier.dossier.voie),
            "etat_au": date_fr(as_of) if as_of is not None else "",
        }
    return {
        "format": FORMAT,
        "titre": titre,
        "rempli": dossier is not None,
        "certification": {
            "id": cert.id,
            "intitule": cert.intitule,
            "certificateur": cert.certificateur,
            "version": cert.version,
            "en_vigueur": en_vigueur,
            "complet": cert.complet,
            "avertissement": avertissement,
        },
        "mentions": [
            {"libelle": f"Mention {labels.mention(ref, m)}", "coche": m == mention} for m in cert.mentions
        ],
        "dossier": info,
        "sources": sources_txt(sources),
    }


def filename(kind: str, ref: Referentiel, dossier: Dossier | None) -> str:
    """``positionnement-specialiste-prestations-2014.pdf`` (blank) or ``…-OEMM-2017-0201.pdf`` (filled)."""
    tail = dossier.id if dossier is not None else f"{ref.certification.slug}-{ref.version}"
    return f"{kind}-{tail}.pdf"
