"""A référentiel as French text, the way a certification officer reads it (``cqpkit show``).

The whole structure, in the order of the certifier's documents: identity, status and units
(« 4 blocs de compétences + 1 module transverse »); prérequis; the domaines, blocs or module
transverse with their savoir-faire, savoirs, SPE and tutor days; the échelles; each épreuve
with its instructions, modalities, supports, evaluators (roles as labels), échelle and
critères; the modules (or « unités de professionnalisation »); the volumes of the parcours;
the routes and their conditions; the jury's rules (composition, presidency, format,
conditions, first-passage deadline, partial award and its validity, sovereignty); tutoring;
training; each funding line with every value of its barème and its period of effect (the one
in force on the date asked is marked) and caps; the rules, as sentences.

Choices: ids of vocabularies never appear, their labels do (:mod:`cqpkit.render.labels`); the ids
of the référentiel's own elements (``D1``, ``UP3``, ``finale-entreprise-D1``) stay, since
dossiers name them. A heading is written only when something follows it. Notes are shown
(without ``--court``) after what they comment, with the format's key names replaced by what
they mean; a note shared by every element of a list is shown once. ``court=True`` keeps one
line per element and no notes.

Why about 550 lines: one function per section of the référentiel, in the order of the
certifier's documents, sharing a handful of private helpers (notes, quantities, sources); the
sections are read side by side when the wording of one changes, and a split would only move
those helpers into a module of their own with no other user.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cqpkit.render import labels as L
from cqpkit.render.text import accord, date_fr, decimal_fr, nombre_fr, periode_fr

__all__ = ["render_referentiel", "unit_counts"]


# ------------------------------------------------------------------------------ helpers
def unit_counts(ref: Any) -> dict[str, int]:
    """How many domaines of each type (``domaine``, ``bloc``, ``transverse``) the référentiel has."""
    counts = {"domaine": 0, "bloc": 0, "transverse": 0}
    for d in ref.domaines:
        counts[d.type] = counts.get(d.type, 0) + 1
    return counts


def _qty(x: float, unite: str) -> str:
    one, many = L.UNITES.get(unite, (unite, unite))
    return f"{nombre_fr(x)} {accord(x, one, many)}"


def _notes(text: str, indent: str, title: str = "Notes") -> list[str]:
    text = L.officer_text(text.strip())
    if not text:
        return []
    lines = [" ".join(line.split()) for para in text.split("\n\n") for line in para.split("\n")]
    lines = [x for x in lines if x]
    if len(lines) == 1:
        return [f"{indent}{title} : {lines[0]}"]
    return [f"{indent}{title} :"] + [f"{indent}  {x}" for x in lines]


def _shared_note(items: Any) -> str:
    """The note every element has, when there are several and they all have the same one."""
    notes = {x.notes.strip() for x in items}
    return notes.pop() if len(items) > 1 and len(notes) == 1 else ""


def _days(m: Any) -> list[str]:
    parts = [
        f"{nombre_fr(v)} j {label}"
        for v, label in (
            (getattr(m, "jours_presentiel", None), "présentiel"),
            (getattr(m, "jours_elearning", None), "e-learning"),
            (getattr(m, "jours_foad", None), "FOAD"),
        )
        if v is not None
    ]
    if getattr(m, "heures", None) is not None:
        parts.append(f"{nombre_fr(m.heures)} h")
    if m.spe is not None:
        parts.append(f"{m.spe} SPE")
    if m.jours_spe is not None:
        parts.append(f"{nombre_fr(m.jours_spe)} j de SPE")
    if m.jours_tuteur is not None:
        parts.append(f"{nombre_fr(m.jours_tuteur)} j de tutorat")
    if m.heures_accompagnement_individuel is not None:
        parts.append(f"{nombre_fr(m.heures_accompagnement_individuel)} h d'accompagnement individuel")
    return parts


def _source(s: Any) -> str:
    return f"{s.document}, {s.section}" if s.section else s.document


def _lower_first(text: str) -> str:
    """« Représentants de l'UGEM » → « représentants de l'UGEM » (not « OEMM » or « VAE »)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _eur(x: float) -> str:
    """« 9 650 € », « 7,99 € »."""
    return f"{decimal_fr(x)} €"


def _de(label: str) -> str:
    """« du début de la formation », « de la nomination », « de l'inscription »."""
    for article, contracted in (("le ", "du "), ("les ", "des "), ("la ", "de la "), ("l'", "de l'")):
        if label.startswith(article):
            return contracted + label[len(article):]
    return "de " + label


# ----------------------------------------------------------------------------- sections
def _identity(ref: Any, plugin: str, court: bool) -> list[str]:
    c = ref.certification
    out = [f"{c.intitule} — {c.id}, version {c.version}"]
    out.append(f"  Branche : {c.branche} ; certificateur : {c.certificateur} ; extension : {plugin}")
    if c.en_vigueur_depuis:
        out.append(f"  En vigueur : {periode_fr(c.en_vigueur_depuis, c.en_vigueur_jusqua)}")
    elif c.en_vigueur_jusqua:
        out.append(f"  En vigueur : jusqu'au {date_fr(c.en_vigueur_jusqua)}")
    units = [L.unites_domaines(unit_counts(ref)).replace("aucun domaine", "aucun domaine de compétences dans les sources")]
    if ref.modules:
        units.append(f"{len(ref.modules)} {L.module_appellation(ref).lower()}")
    out.append(f"  Composition : {' ; '.join(units)}")
    if c.mentions:
        out.append(f"  Mentions : {', '.join(L.mention(ref, m) for m in c.mentions)}")
    if c.repertoire is not None:
        out += _repertoire(c.repertoire, court)
    if not c.complet:
        out.append("  Référentiel incomplet : les sources ne donnent pas tout (voir les notes).")
    if court:
        return out
    if c.finalite:
        out.append("  Finalité :")
        out += [f"    - {x}" for x in c.finalite]
    if c.capacites:
        out.append("  Le titulaire est capable de :")
        out += [f"    - {x}" for x in c.capacites]
    if c.equivalence:
        out.append(f"  Équivalence : {c.equivalence}")
    out += _notes(c.notes, "  ")
    return out


_REGISTRES = {
    "RNCP": "Répertoire national des certifications professionnelles",
    "RS": "Répertoire spécifique",
}


def _repertoire(rep: Any, court: bool) -> list[str]:
    """The fiche in France Compétences' registers: code, level, registration, classification codes, certifiers."""
    head = f"  Fiche {rep.fiche} ({_REGISTRES[rep.registre]})"
    if rep.niveau is not None:
        head += f", niveau {rep.niveau}"
    out = [head]
    if court:
        return out
    if rep.intitule:
        out.append(f"    Intitulé au répertoire : {rep.intitule}")
    dates = []
    if rep.date_decision:
        dates.append(f"décision du {date_fr(rep.date_decision)}")
    if rep.date_effet:
        dates.append(f"effet le {date_fr(rep.date_effet)}")
    if rep.date_fin_enregistrement:
        dates.append(f"fin d'enregistrement le {date_fr(rep.date_fin_enregistrement)}")
    if dates:
        out.append(f"    Enregistrement : {' ; '.join(dates)}")
    codes = [f"{label} : {', '.join(values)}" for label, values in (("NSF", rep.nsf), ("ROME", rep.rome), ("Formacode", rep.formacode)) if values]
    if codes:
        out.append(f"    Codes {' ; '.join(codes)}")
    for c in rep.certificateurs:
        out.append(f"    Certificateur au répertoire : {c.nom}" + (f" (SIRET {c.siret})" if c.siret else ""))
    if rep.sources:
        out.append("    Source : " + " ; ".join(_source(s) for s in rep.sources))
    out += _notes(rep.notes, "    ")
    return out


def _domaines(ref: Any, court: bool) -> list[str]:
    if not ref.domaines:
        return []
    kinds = list(dict.fromkeys(d.type for d in ref.domaines))
    counts = unit_counts(ref)
    heading = " et ".join(
        f"{L.TYPES_DOMAINE[k][0] if counts[k] == 1 else L.TYPES_DOMAINE[k][1]} ({counts[k]})" for k in kinds
    )
    out = [f"\n{heading[:1].upper()}{heading[1:]}"]
    shared = _shared_note(ref.domaines) if not court else ""
    for d in ref.domaines:
        extra = _days(d)
        if court:
            if d.savoir_faire:
                extra.append(f"{len(d.savoir_faire)} savoir-faire")
            if d.savoirs:
                extra.append(f"{len(d.savoirs)} savoirs")
        if len(kinds) > 1 and L.TYPES_DOMAINE[d.type][0] not in d.intitule:
            extra.insert(0, L.TYPES_DOMAINE[d.type][0])
        if d.code_bloc:
            extra.insert(0, d.code_bloc)
        if not d.complet:
            extra.append("incomplet")
        out.append(f"  {d.id}  {d.intitule}" + (f"  ({', '.join(extra)})" if extra else ""))
        if court:
            continue
        if d.description:
            out.append(f"    {d.description}")
        for title, items in (("Savoir-faire", d.savoir_faire), ("Savoirs", d.savoirs), ("Capacités", d.capacites), ("Compétences", d.competences)):
            if items:
                out.append(f"    {title} :")
                out += [f"      - {x}" for x in items]
        if not shared:
            out += _notes(d.notes, "    ")
    return out + _notes(shared, "  ", "Notes communes")


def _evaluateurs(ev: Any) -> str:
    parts = []
    if ev.nombre is not None:
        parts.append(f"{ev.nombre} {accord(ev.nombre, 'évaluateur')}" + (" distincts" if ev.distincts and ev.nombre > 1 else ""))
    if ev.roles_requis:
        parts.append("dont obligatoirement : " + ", ".join(L.role(r) for r in ev.roles_requis))
    if ev.roles_admis:
        who = "l'autre" if ev.nombre == 2 and len(ev.roles_requis) == 1 else "rôles admis"
        parts.append(f"{who} : {L.roles(ev.roles_admis)}")
    if ev.roles_exclus:
        parts.append("ne peut pas évaluer : " + ", ".join(L.role(r) for r in ev.roles_exclus))
    return " ; ".join(parts)


def _epreuves(ref: Any, court: bool) -> list[str]:
    if not ref.epreuves:
        return []
    out = [f"\nÉpreuves ({len(ref.epreuves)})"]
    for e in ref.epreuves:
        doms = f" [{', '.join(e.domaines)}]" if e.domaines else ""
        kind = [L.TYPES_EPREUVE.get(e.type, e.type)]
        if e.mention:
            kind.append(f"mention {L.mention(ref, e.mention)}")
        if not e.obligatoire:
            kind.append("facultative")
        if court and e.criteres:
            kind.append(f"{len(e.criteres)} critères")
        out.append(f"  {e.id}  {e.intitule} ({', '.join(kind)}){doms}")
        if court:
            continue
        if e.consigne:
            out.append(f"    Consigne : {e.consigne}")
        if e.modalites:
            out.append("    Modalités :")
            out += [f"      - {x}" for x in e.modalites]
        if e.supports:
            out.append("    Supports : " + " ; ".join(e.supports))
        if e.evaluateurs is not None and _evaluateurs(e.evaluateurs):
            out.append(f"    Évaluateurs : {_evaluateurs(e.evaluateurs)}")
        if e.echelle:
            out.append(f"    Échelle : {L.echelle(ref, e.echelle)}")
        if e.verdict:
            out.append(f"    Avis d'ensemble : {L.echelle(ref, e.verdict)}")
        if e.criteres:
            out.append("    Critères :")
        for k in e.criteres:
            extra = [k.domaine, k.mention and f"mention {L.mention(ref, k.mention)}", k.nature and L.NATURES_CRITERE.get(k.nature, k.nature)]
            if k.echelle and k.echelle != e.echelle:
                extra.append(f"échelle : {L.echelle(ref, k.echelle)}")
            shown = ", ".join(x for x in extra if x)
            out.append(f"      {k.id}  {k.libelle}" + (f" ({shown})" if shown else ""))
        out += _notes(e.notes, "    ")
    return out


def _modules(ref: Any, court: bool) -> list[str]:
    if not ref.modules:
        return []
    out = [f"\n{L.module_appellation(ref)} ({len(ref.modules)})"]
    shared = _shared_note(ref.modules) if not court else ""
    for m in ref.modules:
        parts = _days(m)
        if m.type != "formation":
            parts.insert(0, L.TYPES_MODULE.get(m.type, m.type))
        parts += [x for x, on in (("obligatoire", m.obligatoire), ("répétable", m.repetable)) if on]
        doms = f" [{', '.join(m.domaines)}]" if m.domaines else ""
        mention = f" (mention {L.mention(ref, m.mention)})" if m.mention else ""
        out.append(f"  {m.id}  {m.intitule}{mention}{doms}" + (f"  ({', '.join(parts)})" if parts else ""))
        if not court:
            out += [f"    - {x}" for x in m.contenus]
            if not shared:
                out += _notes(m.notes, "    ")
    return out + _notes(shared, "  ", "Notes communes")


def _volumes(ref: Any, court: bool) -> list[str]:
    if not ref.volumes:
        return []
    out = ["\nDurées du parcours"]
    for v in ref.volumes:
        spread = f" sur {nombre_fr(v.etalement_mois)} mois" if v.etalement_mois is not None else ""
        out.append(f"  {v.libelle} : {_qty(v.valeur, v.unite)}{spread}")
        if not court:
            out += _notes(v.notes, "    ")
    return out


def _experience(x: Any, what: str) -> list[str]:
    window = f" au cours des {x.fenetre.libelle()} précédents" if x.fenetre else ""
    natures = ""
    if x.natures:
        natures = " (expérience " + ", ".join(L.NATURES_EXPERIENCE.get(n, n) for n in x.natures[:-1])
        natures += (" ou " if len(x.natures) > 1 else "") + L.NATURES_EXPERIENCE.get(x.natures[-1], x.natures[-1]) + ")"
    out = [f"    {what} : au moins {x.duree.libelle()} d'expérience{window}{natures}"]
    if x.pertinente:
        out.append(f"    Expérience pertinente : {x.pertinente}")
    return out


def _voies(ref: Any, court: bool) -> list[str]:
    if not ref.voies:
        return []
    out = ["\nVoies d'accès"]
    for v in ref.voies:
        out.append(f"  {v.id}  {v.intitule}")
        if court:
            continue
        if v.description:
            out.append(f"    {' '.join(v.description.split())}")
        if v.public:
            out.append(f"    Public : {v.public}")
        if v.inscription_par:
            article = "l'" if v.inscription_par[:1] in "aeéiou" else "le "
            out.append(f"    Inscription : par {article}{v.inscription_par}")
        if v.experience is not None:
            out += _experience(v.experience, "Recevabilité")
        for doc in v.documents_requis:
            out.append(f"    Document requis : {doc.libelle}")
        o = v.orientation
        if o is not None:
            cond = []
            if o.experience is not None:
                cond.append(_experience(o.experience, "x")[0].split(" : ", 1)[1])
            if o.tous_domaines_acquis:
                cond.append("chaque domaine a priori acquis à l'entretien d'accueil")
            if cond:
                out.append("    Proposée à l'entretien d'accueil quand : " + " ; ".join(cond))
            out += _notes(o.notes, "    ", "Orientation")
        out += _notes(v.notes, "    ")
    return out


def _jury(ref: Any, court: bool) -> list[str]:
    j = ref.jury
    if j is None:
        return []
    out: list[str] = []
    if j.composition:
        total = sum(x.nombre for x in j.composition)
        colleges = [f"{x.nombre} {_lower_first(L.college(x))}" for x in j.composition]
        out.append(f"  Composition : {total} membres — " + " ; ".join(colleges))
    if j.presidence_parmi_membres is not None or j.presidence_alternee:
        who = {True: "un président choisi parmi les membres", False: "un président qui n'est pas membre du jury", None: "la présidence"}[j.presidence_parmi_membres]
        alt = ", à tour de rôle entre les collèges (présidence alternée)" if j.presidence_alternee else ""
        out.append(f"  Présidence : {who}{alt}")
    if j.format:
        steps = [_lower_first(s.libelle) + (f" ({s.minutes} min)" if s.minutes else "") for s in j.format]
        minutes = sum(s.minutes or 0 for s in j.format)
        timed = [s for s in j.format if s.minutes]
        total = f" ; {minutes} min hors délibération" if len(timed) > 1 and len(timed) < len(j.format) else ""
        out.append(f"  Déroulement : {' ; puis '.join(steps)}{total}")
    if j.conditions_passage:
        out.append("  Conditions pour se présenter : " + " ; ".join(L.CONDITIONS_PASSAGE.get(c, c) for c in j.conditions_passage))
    if j.delai_premier_passage:
        out.append(f"  Premier passage : au plus tard {j.delai_premier_passage.libelle()} après l'inscription")
    unit = "domaine" if not unit_counts(ref)["bloc"] else "bloc"
    if j.delivrance_partielle is True:
        out.append(f"  Délivrance : en totalité ou en partie, par {unit} ; la certification est délivrée quand chaque {unit} est acquis")
    elif j.delivrance_partielle is False:
        out.append("  Délivrance : en totalité seulement")
    if j.validite_acquis_partiels:
        out.append(f"  Validité des acquis partiels : {j.validite_acquis_partiels.libelle()}")
    elif j.delivrance_partielle:
        out.append(f"  Validité des {unit}s acquis : non précisée par les sources (sans limite de durée)")
    if j.souverain is True:
        out.append("  Souveraineté : le jury est souverain ; il n'a pas à justifier ses décisions, qui ne peuvent faire l'objet d'aucun recours")
    elif j.souverain is False:
        out.append("  Souveraineté : les décisions du jury peuvent faire l'objet d'un recours")
    if not court:
        out += _notes(j.notes, "  ")
    return ["\nJury", *out] if out else []


def _tutorat(ref: Any) -> list[str]:
    t = ref.tutorat
    if t is None:
        return []
    out: list[str] = []
    if t.experience_min:
        out.append(f"  Expérience du tuteur : au moins {t.experience_min.libelle()}")
    if t.pas_n_plus_1:
        out.append(f"  Le tuteur n'est pas le {L.role('n_plus_1')} du candidat")
    if t.charge_recommandee is not None:
        out.append(f"  Charge recommandée : au plus {t.charge_recommandee} candidats à la fois")
    if t.charge_max is not None:
        out.append(f"  Charge maximale : {t.charge_max} candidats à la fois")
    if t.formation_prealable or t.formation_heures is not None:
        parts = ["obligatoire avant la mission"] if t.formation_prealable else []
        if t.formation_heures is not None:
            parts.append(_qty(t.formation_heures, "heure"))
        lo, hi = t.formation_delai_min, t.formation_delai_max
        start = "commencée"
        if lo and hi:
            same = [f for f in ("annees", "mois", "semaines", "jours") if getattr(lo, f) or getattr(hi, f)]
            low = str(getattr(lo, same[0])) if len(same) == 1 else lo.libelle()
            parts.append(f"{start} {low} à {hi.libelle()} avant le début de la formation du candidat")
        elif lo:
            parts.append(f"{start} au moins {lo.libelle()} avant le début de la formation du candidat")
        elif hi:
            parts.append(f"{start} au plus {hi.libelle()} avant le début de la formation du candidat")
        out.append(f"  Formation du tuteur : {', '.join(parts)}")
    if t.jours is not None:
        out.append(f"  Temps de tutorat : {_qty(t.jours, 'jour')} par candidat")
    out += _notes(t.notes, "  ")
    return ["\nTutorat", *out] if out else []


def _formation(ref: Any, day: dt.date) -> list[str]:
    f = ref.formation
    if f is None:
        return []
    out: list[str] = []
    if f.heures_min is not None and f.heures_max is not None:
        out.append(f"  Durée de l'ensemble des modules : de {nombre_fr(f.heures_min)} à {_qty(f.heures_max, 'heure')}")
    elif f.heures_min is not None:
        out.append(f"  Durée de l'ensemble des modules : au moins {_qty(f.heures_min, 'heure')}")
    elif f.heures_max is not None:
        out.append(f"  Durée de l'ensemble des modules : au plus {_qty(f.heures_max, 'heure')}")
    if f.organisme_agree:
        until = ""
        if f.agrement_jusqua:
            until = f" ; agrément jusqu'au {date_fr(f.agrement_jusqua)}" + (" (expiré)" if f.agrement_jusqua < day else "")
        out.append(f"  Organisme de formation : agréé par le certificateur{until}")
    if f.organismes_agrees:
        out.append(f"  Organismes agréés ({len(f.organismes_agrees)}) : {', '.join(f.organismes_agrees)}")
    out += _notes(f.notes, "  ")
    return ["\nFormation", *out] if out else []


def _quantite_de(ref: Any, fin: Any) -> str:
    source = fin.quantite_de or ""
    if source.startswith("volumes:"):
        ids = source.partition(":")[2].split("+")
        vols = {v.id: v for v in ref.volumes}
        named = [f"« {vols[i].libelle} »" if i in vols else i for i in ids]
        total = sum(vols[i].valeur for i in ids if i in vols)
        unit = vols[ids[0]].unite if ids and ids[0] in vols else "jour"
        return f"{' + '.join(named)}, soit {_qty(total, unit)}"
    tutor_hours = ref.tutorat.formation_heures if ref.tutorat is not None else None
    known = {
        "tutorat.formation_heures": "les heures de formation du tuteur déclarées dans le dossier"
        + (f" (sinon {_qty(tutor_hours, 'heure')})" if tutor_hours is not None else ""),
        "mission_tuteur": "les mois de la mission de chaque tuteur, comptés par année civile",
        "periode_tutorat": "les mois de la période de tutorat du candidat (les missions de ses tuteurs réunies), quel que soit le nombre de tuteurs",
        "parcours.jours_tuteur": "les jours de tutorat des domaines ou blocs que le parcours suit",
    }
    return known.get(source, source)


def _bareme_text(fin: Any, b: Any) -> str:
    if fin.en == "point":
        text = f"{_qty(b.valeur, 'point')} par {L.UNITES.get(fin.unite, (fin.unite,))[0]}"
    elif fin.unite == "forfait":
        text = f"{_eur(b.valeur)} (forfait)"
    else:
        text = f"{_eur(b.valeur)} par {L.UNITES.get(fin.unite, (fin.unite,))[0]}"
    caps = []
    if b.plafond_quantite is not None:
        caps.append(f"dans la limite de {_qty(b.plafond_quantite, fin.unite)}")
    if b.plafond_annuel is not None:
        caps.append(f"au plus {_qty(b.plafond_annuel, 'point') if fin.en == 'point' else _eur(b.plafond_annuel)} par année civile")
    if b.plafond_montant is not None:
        caps.append(f"au plus {_qty(b.plafond_montant, 'point') if fin.en == 'point' else _eur(b.plafond_montant)} en tout")
    return text + (", " + ", ".join(caps) if caps else "")


#: The event whose date chooses a funding line's barème (cqpkit.rules.funding.evenement_of), as the officer reads it.
_EVENEMENT_FINANCEMENT = {
    "debut_formation": "début de la formation (premier module)",
    "inscription": "inscription",
    "certification": "délivrance du CQP par le jury",
    "formation_tuteur": "formation de chaque tuteur",
    "mission": "chaque mois de mission (son premier jour)",
}


def _financement(ref: Any, day: dt.date, court: bool) -> list[str]:
    if not ref.financement:
        return []
    from cqpkit.rules.asof import holding_periods
    from cqpkit.rules.funding import evenement_of

    out = ["\nFinancement"]
    for key, fin in ref.financement.items():
        out.append(f"  {key}  {fin.intitule}")
        facts = [f"Nature : {L.NATURES_FINANCEMENT.get(fin.nature, fin.nature)}"]
        if fin.beneficiaire:
            facts.append(f"bénéficiaire : {fin.beneficiaire}")
        if fin.voies:
            facts.append("voie : " + ", ".join(L.voie(ref, v) for v in fin.voies))
        if fin.condition == "certifie":
            facts.append("due une fois la certification délivrée")
        if not court:
            out.append(f"    {' ; '.join(facts)}")
        if fin.quantite is not None:
            out.append(f"    Quantité : {_qty(fin.quantite, fin.unite)}")
        elif fin.quantite_de:
            out.append(f"    Quantité : {_quantite_de(ref, fin)}")
        if fin.heures_par_jour is not None:
            out.append(f"    Conversion : {nombre_fr(fin.heures_par_jour)} h par jour")
        out.append(f"    Barème appliqué : celui en vigueur à la date de l'événement payé — {_EVENEMENT_FINANCEMENT[evenement_of(fin)]}")
        for b, first, last in holding_periods(fin.valeurs):
            period = periode_fr(first, last)
            now = f" — en vigueur le {date_fr(day)}" if first <= day and (last is None or day <= last) else ""
            out.append(f"    {period} : {_bareme_text(fin, b)}{now}")
            if not court:
                out.append(f"      Source : {_source(b.source)}")
                out += _notes(b.notes, "      ")
        if not any(first <= day and (last is None or day <= last) for _, first, last in holding_periods(fin.valeurs)):
            out.append(f"    Aucune valeur en vigueur le {date_fr(day)} : un événement de ce jour n'aurait pas de montant")
        if not court:
            out += _notes(fin.notes, "    ")
    return out


def _regle_text(ref: Any, r: Any) -> str:
    de, a = L.evenement(ref, r.de), L.evenement(ref, r.a)
    if r.type == "delai":
        if r.min is not None and r.max is not None:
            return f"entre {r.min.libelle()} et {r.max.libelle()} entre {de} et {a}"
        if r.min is not None and str(r.min) == "P0D":
            return f"{de} a lieu au plus tard le jour {_de(a)}"
        if r.min is not None:
            return f"au moins {r.min.libelle()} entre {de} et {a}"
        if r.max is not None:
            return f"au plus {r.max.libelle()} entre {de} et {a}"
        return f"délai entre {de} et {a}"
    if r.type == "ordre":
        return f"{L.evenement(ref, 'module:' + (r.avant or ''))} est suivi avant {L.evenement(ref, 'module:' + (r.apres or ''))}"
    return f"{de} a lieu avant {a}"


def _regles(ref: Any, court: bool) -> list[str]:
    if not ref.regles:
        return []
    out = ["\nRègles"]
    for r in ref.regles:
        out.append(f"  {r.id}  {r.libelle} ({L.NIVEAUX.get(r.niveau, r.niveau)})")
        if court:
            continue
        text = _regle_text(ref, r)
        if r.voies:
            text += " — voie : " + ", ".join(L.voie(ref, v) for v in r.voies)
        out.append(f"    Règle : {text[:1].upper()}{text[1:]}")
        out.append(f"    Source : {_source(r.source)}")
        out += _notes(r.notes, "    ")
    return out


def render_referentiel(ref: Any, plugin: str, as_of: dt.date | None = None, *, court: bool = False) -> str:
    """The text of ``cqpkit show``; ``as_of`` marks the barème values in force that day (default: today)."""
    day = as_of or dt.date.today()
    out = _identity(ref, plugin, court)
    if ref.prerequis:
        out.append("\nPrérequis")
        for p in ref.prerequis:
            out.append(f"  {p.id}  {p.libelle}")
            if not court:
                out += [f"    - {x}" for x in p.details]
                if p.consequence == "reorientation":
                    out.append("    Si non : le candidat est réorienté")
                out += _notes(p.notes, "    ")
    out += _domaines(ref, court)
    if ref.echelles and not court:
        out.append("\nÉchelles")
        for e in ref.echelles.values():
            values = " / ".join(v.libelle + (" (favorable)" if v.favorable else "") for v in e.valeurs)
            out.append(f"  {e.libelle} : {values}")
    out += _epreuves(ref, court)
    out += _modules(ref, court)
    out += _volumes(ref, court)
    out += _voies(ref, court)
    out += _jury(ref, court)
    if not court:
        out += _tutorat(ref)
        out += _formation(ref, day)
    out += _financement(ref, day, court)
    out += _regles(ref, court)
    out += _extensions(ref, court)
    return "\n".join(out)


def _extensions(ref: Any, court: bool) -> list[str]:
    """Each ``[extensions.<plugin>]`` table: named, with its notes (its keys are the plugin's own)."""
    out = []
    for name, ext in sorted(ref.extensions.items()):
        out.append(f"\nRègles propres à l'extension « {name} »")
        if not court:
            out += _notes(getattr(ext, "notes", ""), "  ")
    return out
