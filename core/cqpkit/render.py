"""A référentiel as French text, the way its certifier's documents present it (``cqpkit show``).

The whole structure is shown: identity and status; prérequis; each domaine or bloc with its
savoir-faire, savoirs and capacités, SPE, tutor days and individual accompaniment; the
épreuves with their evaluators and critères; the modules with their days and hours; the
volumes of the parcours; the routes with their conditions; the jury; tutoring, training and
funding rules (the barème in force on the date asked); the generic rules. ``court=True``
keeps one line per element.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cqpkit.rules.fr import date_fr, nombre_fr

__all__ = ["render_referentiel"]

_TYPES_EPREUVE = {
    "positionnement": "positionnement",
    "formative": "évaluation formative",
    "intermediaire": "évaluation intermédiaire",
    "finale_entreprise": "évaluation finale en entreprise",
    "synthese": "fiche de synthèse",
    "certifiante": "évaluation certifiante",
    "vae": "VAE",
}
_UNITES = {"jour": "j", "heure": "h", "mois": "mois", "semaine": "semaine(s)", "minute": "min", "action": "action(s)"}


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


def render_referentiel(ref: Any, plugin: str, as_of: dt.date | None = None, *, court: bool = False) -> str:
    """The text of ``cqpkit show``."""
    c = ref.certification
    out = [f"{c.intitule} — {c.id}, version {c.version}"]
    out.append(f"  Branche : {c.branche} ; certificateur : {c.certificateur} ; extension : {plugin}")
    if c.en_vigueur_depuis or c.en_vigueur_jusqua:
        start = date_fr(c.en_vigueur_depuis) if c.en_vigueur_depuis else "…"
        end = date_fr(c.en_vigueur_jusqua) if c.en_vigueur_jusqua else "…"
        out.append(f"  En vigueur : du {start} au {end}")
    if c.mentions:
        out.append(f"  Mentions : {', '.join(c.mentions)}")
    if not c.complet:
        out.append("  Référentiel incomplet : les sources ne donnent pas tout (voir les notes).")
    if not court:
        if c.finalite:
            out.append("  Finalité :")
            out += [f"    - {x}" for x in c.finalite]
        if c.capacites:
            out.append("  Le titulaire est capable de :")
            out += [f"    - {x}" for x in c.capacites]
        if c.equivalence:
            out.append(f"  Équivalence : {c.equivalence}")
        if c.notes:
            out.append(f"  Notes : {c.notes.strip()}")

    if ref.prerequis:
        out.append("\nPrérequis")
        for p in ref.prerequis:
            out.append(f"  {p.id}  {p.libelle}")
            if not court:
                out += [f"    - {x}" for x in p.details]

    out.append(f"\nDomaines ({len(ref.domaines)})")
    for d in ref.domaines:
        extra = _days(d)
        if court:
            if d.savoir_faire:
                extra.append(f"{len(d.savoir_faire)} savoir-faire")
            if d.savoirs:
                extra.append(f"{len(d.savoirs)} savoirs")
        if not d.complet:
            extra.append("incomplet")
        kind = {"bloc": "bloc ", "transverse": "transverse "}.get(d.type, "")
        out.append(f"  {d.id}  {kind}{d.intitule}" + (f"  ({', '.join(extra)})" if extra else ""))
        if court:
            continue
        for title, items in (("Savoir-faire", d.savoir_faire), ("Savoirs", d.savoirs), ("Capacités", d.capacites), ("Compétences", d.competences)):
            if items:
                out.append(f"    {title} :")
                out += [f"      - {x}" for x in items]

    if ref.echelles and not court:
        out.append("\nÉchelles")
        for key, e in ref.echelles.items():
            values = " / ".join(v.libelle + (" (favorable)" if v.favorable else "") for v in e.valeurs)
            out.append(f"  {key}  {e.libelle} : {values}")

    if ref.epreuves:
        out.append(f"\nÉpreuves ({len(ref.epreuves)})")
        for e in ref.epreuves:
            doms = f" [{', '.join(e.domaines)}]" if e.domaines else ""
            mention = f" mention {e.mention}" if e.mention else ""
            kind = _TYPES_EPREUVE.get(e.type, e.type)
            crit = f", {len(e.criteres)} critères" if e.criteres and court else ""
            out.append(f"  {e.id}  {e.intitule} ({kind}{mention}{crit}){doms}")
            if court:
                continue
            if e.evaluateurs is not None:
                ev = e.evaluateurs
                parts = []
                if ev.nombre is not None:
                    parts.append(f"{ev.nombre} évaluateur{'s' if ev.nombre > 1 else ''}" + (" distincts" if ev.distincts and ev.nombre > 1 else ""))
                if ev.roles_requis:
                    parts.append("dont " + ", ".join(ev.roles_requis))
                if ev.roles_admis:
                    parts.append("admis : " + ", ".join(ev.roles_admis))
                if ev.roles_exclus:
                    parts.append("exclus : " + ", ".join(ev.roles_exclus))
                out.append(f"    Évaluateurs : {' ; '.join(parts)}")
            if e.modalites:
                out.append(f"    Modalités : {', '.join(e.modalites)}")
            if e.supports:
                out.append(f"    Supports : {', '.join(e.supports)}")
            if e.echelle or e.verdict:
                out.append(f"    Échelle : {e.echelle or '—'} ; verdict : {e.verdict or '—'}")
            for k in e.criteres:
                extra = ", ".join(x for x in (k.domaine, k.mention and f"mention {k.mention}", k.nature) if x)
                out.append(f"    {k.id}  {k.libelle}" + (f" ({extra})" if extra else ""))

    if ref.modules:
        out.append(f"\nModules ({len(ref.modules)})")
        for m in ref.modules:
            parts = _days(m)
            flags = [x for x, on in (("obligatoire", m.obligatoire), ("répétable", m.repetable), ("conseillé en premier", m.conseille_en_premier)) if on]
            doms = f" [{', '.join(m.domaines)}]" if m.domaines else ""
            mention = f" mention {m.mention}" if m.mention else ""
            out.append(f"  {m.id}  {m.intitule}{mention}{doms}" + (f"  ({', '.join(parts + flags)})" if parts or flags else ""))
            if not court:
                out += [f"    - {x}" for x in m.contenus]

    if ref.volumes:
        out.append("\nDurées du parcours")
        for v in ref.volumes:
            spread = f" sur {nombre_fr(v.etalement_mois)} mois" if v.etalement_mois is not None else ""
            out.append(f"  {v.libelle} : {nombre_fr(v.valeur)} {_UNITES.get(v.unite, v.unite)}{spread}")

    if ref.voies:
        out.append("\nVoies d'accès")
        for v in ref.voies:
            out.append(f"  {v.id}  {v.intitule}")
            if court:
                continue
            if v.public:
                out.append(f"    Public : {v.public}")
            if v.experience is not None:
                x = v.experience
                window = f" dans les {x.fenetre.libelle()} précédents" if x.fenetre else ""
                out.append(f"    Recevabilité : {x.duree.libelle()} d'expérience{window}" + (f" ({', '.join(x.natures)})" if x.natures else ""))
                if x.pertinente:
                    out.append(f"    Expérience pertinente : {x.pertinente}")
            for doc in v.documents_requis:
                out.append(f"    Document requis : {doc.libelle}")

    if ref.jury is not None:
        j = ref.jury
        out.append("\nJury")
        if j.composition:
            out.append("  Composition : " + ", ".join(f"{x.nombre} {x.libelle or x.college}" for x in j.composition))
        if j.presidence_parmi_membres:
            out.append("  Président choisi parmi les membres" + (", présidence alternée entre les collèges" if j.presidence_alternee else ""))
        for seq in j.format:
            out.append(f"  {seq.libelle}" + (f" : {seq.minutes} min" if seq.minutes else ""))
        if j.delai_premier_passage:
            voies = f" (voie {', '.join(j.delai_premier_passage_voies)})" if j.delai_premier_passage_voies else ""
            out.append(f"  Premier passage : au plus tard {j.delai_premier_passage.libelle()} après l'inscription{voies}")
        if j.validite_acquis_partiels:
            out.append(f"  Validité des acquis partiels : {j.validite_acquis_partiels.libelle()}")

    if ref.tutorat is not None and not court:
        t = ref.tutorat
        out.append("\nTutorat")
        if t.experience_min:
            out.append(f"  Expérience du tuteur : au moins {t.experience_min.libelle()}")
        if t.pas_n_plus_1:
            out.append("  Le tuteur n'est pas le responsable hiérarchique")
        if t.charge_recommandee is not None or t.charge_max is not None:
            out.append(f"  Charge : {t.charge_recommandee or '—'} recommandé(s), {t.charge_max or '—'} au plus")
        if t.formation_prealable:
            hours = f" ({nombre_fr(t.formation_heures)} h)" if t.formation_heures else ""
            out.append(f"  Formation préalable du tuteur{hours}")
        if t.jours is not None:
            out.append(f"  Temps de tutorat : {nombre_fr(t.jours)} j")

    if ref.formation is not None and not court:
        f = ref.formation
        out.append("\nFormation")
        if f.heures_min is not None or f.heures_max is not None:
            out.append(f"  Durée de l'ensemble des modules : {nombre_fr(f.heures_min or 0)} à {nombre_fr(f.heures_max or 0)} h")
        if f.organisme_agree:
            until = f" (agrément jusqu'au {date_fr(f.agrement_jusqua)})" if f.agrement_jusqua else ""
            out.append(f"  Organisme de formation agréé{until}")

    if ref.financement:
        from cqpkit.rules.asof import value_as_of

        day = as_of or dt.date.today()
        out.append(f"\nFinancement (barèmes en vigueur le {date_fr(day)})")
        for key, fin in ref.financement.items():
            value = value_as_of(fin.valeurs, day)
            if value is None:
                out.append(f"  {key}  {fin.intitule} : aucune valeur en vigueur à cette date")
                continue
            unit = "point" if fin.en == "point" else "€"
            qty = f" ; quantité {nombre_fr(fin.quantite)}" if fin.quantite is not None else ""
            out.append(f"  {key}  {fin.intitule} : {nombre_fr(value.valeur)} {unit} / {fin.unite}{qty} (depuis le {date_fr(value.depuis)})")

    if ref.regles and not court:
        out.append("\nRègles")
        for r in ref.regles:
            out.append(f"  {r.id}  {r.libelle} ({r.niveau})")
    return "\n".join(out)
