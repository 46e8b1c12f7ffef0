"""The funding statement ``etat-financement``: per dossier, or for a whole campaign (many dossiers).

Every line is one :class:`~cqpkit.model.LigneFinancement` of ``registry.funding(dossier, as_of)``: its
label, the year it covers, its base as the engine writes it (« 32,5 jours × 7 h × 12,00 €/h »), its
quantity, rate and cap, its amount, the date of the event that chose the barème and the barème's source
(a footnote). The engine's funding findings (a line that could not be computed: no barème in force at the
event's date…) are printed under the dossier's lines, never silently dropped.

Totals are sums of the engine's amounts, per nature (cost, funding, gratification), per beneficiary (the
référentiel's ``beneficiaire`` of the line's financement: the sources name who receives an amount, not
always who pays it, so the statement totals what each beneficiary receives) and per unit (euros, points).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from cqpkit.documents import Document
from cqpkit.documents.jury import Notes
from cqpkit.documents.papers import FORMAT, candidat_nom, date_courte, date_longue, montant

__all__ = ["NATURES", "etat_financement"]

#: Natures of a funding line, as the statement heads them (``LigneFinancement.nature``).
NATURES = {"cout": "Coût de la formation", "financement": "Prise en charge", "gratification": "Gratification"}


def _quantite(line: Any) -> str:
    from cqpkit.rules.funding_text import quantite_txt

    try:
        return quantite_txt(line.quantite, line.unite)
    except KeyError:  # a unit of a plugin's own line
        from cqpkit.rules.fr import nombre_fr

        return f"{nombre_fr(line.quantite)} {line.unite}"


def _taux(line: Any) -> str:
    from cqpkit.rules.funding_text import taux_txt

    if line.unite == "forfait":
        return montant(line.taux, line.en)
    try:
        return taux_txt(line.taux, line.unite, line.en).replace(" €", "\u00a0€")
    except KeyError:
        return f"{montant(line.taux, line.en)}/{line.unite}"


def _plafond(line: Any) -> str:
    from cqpkit.rules.fr import decimal_fr

    if line.plafond is None:
        return ""
    if line.plafond == line.quantite and line.unite != "forfait":
        return _quantite(line)
    return montant(line.plafond, line.en) if line.en in ("euro", "point") else decimal_fr(line.plafond)


def _beneficiaire(ref: Any, line: Any) -> str:
    fin = ref.financement.get(line.code)
    return (fin.beneficiaire if fin is not None else "") or "non précisé"


def _dossier_part(registry: Any, dossier: Any, day: dt.date, notes: Notes, totals: dict[tuple[str, str, str], Decimal]) -> dict[str, Any]:
    ref = registry.referentiel_for(dossier)
    resultat = registry.decide(dossier, day)
    lines = registry.funding(dossier, day, resultat=resultat)
    findings = [c for c in registry.check(dossier, day, resultat=resultat) if c.regle.startswith("financement.")]
    own: dict[str, Decimal] = {}
    rows = []
    for x in lines:
        who = _beneficiaire(ref, x)
        # Decimal sums of the engine's amounts (as repr: 0.1 + 0.2 stays 0.30 €); the amounts themselves are the engine's.
        amount = Decimal(repr(float(x.montant)))
        key = (x.nature, who, x.en)
        totals[key] = totals.get(key, Decimal(0)) + amount
        own[x.en] = own.get(x.en, Decimal(0)) + amount
        rows.append({
            "libelle": x.libelle + (f" ({x.annee})" if x.annee else ""),
            "nature": NATURES.get(x.nature, x.nature),
            "beneficiaire": who,
            "base": x.base,
            "quantite": _quantite(x),
            "taux": _taux(x),
            "plafond": _plafond(x),
            "montant": montant(x.montant, x.en),
            "evenement": date_courte(x.date_evenement),
            "bareme_depuis": date_courte(x.depuis),
            "note": notes.cite(x.source),
        })
    return {
        "dossier": dossier.id,
        "candidat": candidat_nom(dossier),
        "certification": ref.certification.intitule,
        "version": ref.version,
        "lignes": rows,
        "constats": [{"niveau": c.niveau, "code": c.code, "message": c.message, "note": notes.cite(c.source)} for c in findings],
        "total": [montant(float(v), en) for en, v in sorted(own.items())],
    }


def etat_financement(registry: Any, dossiers: Sequence[Any], as_of: dt.date | None = None, *, titre: str = "") -> Document:
    """The funding statement of one dossier, or of a campaign (several dossiers), as of ``as_of`` (default: today)."""
    from cqpkit.exceptions import InvalidArgumentError

    if not dossiers:
        raise InvalidArgumentError("état de financement : aucun dossier")
    day = as_of if as_of is not None else dt.date.today()
    notes = Notes()
    totals: dict[tuple[str, str, str], Decimal] = {}
    parts = [_dossier_part(registry, d, day, notes, totals) for d in dossiers]
    order = list(NATURES)
    par_beneficiaire = [
        {"nature": NATURES.get(n, n), "beneficiaire": who, "montant": montant(float(v), en)}
        for (n, who, en), v in sorted(totals.items(), key=lambda kv: (order.index(kv[0][0]) if kv[0][0] in order else 9, kv[0][1], kv[0][2]))
    ]
    campagne = len(parts) > 1
    name = f"etat-financement-{dossiers[0].id}.pdf" if not campagne else f"etat-financement-campagne-{day.isoformat()}.pdf"
    return Document(
        kind="etat-financement",
        template="etat-financement",
        data={
            "format": FORMAT,
            "titre": titre or ("État de financement de la campagne" if campagne else f"État de financement du dossier {dossiers[0].id}"),
            "as_of": date_longue(day),
            "campagne": campagne,
            "nombre_dossiers": str(len(parts)),
            "dossiers": parts,
            "totaux": par_beneficiaire,
        },
        filename=name,
        referentiels=tuple(dict.fromkeys((r.id, r.version) for r in map(registry.referentiel_for, dossiers))),
    )
