"""The individualised parcours after the entretien d'accueil et d'orientation (:func:`plan`).

Mutualité guide, Partie 1, 2.2: the entretien « identifie les compétences déjà acquises, qui
peuvent être directement évaluées, et les compétences à acquérir, qui font l'objet d'une
formation »; Partie 2, guide d'entretien: a « non » to a prérequis means the candidate is
re-oriented, and a candidate with more than 3 years in the job who a priori holds every domaine
may be oriented towards VAE.

Semantic choices, each pinned by ``tests/test_rules_orientation.py``
--------------------------------------------------------------------
- **Which positionnement.** ``dossier.positionnement`` when it is dated on or before ``as_of``; a
  positionnement dated later has not happened yet and counts as absent. Without one, every domaine
  is planned in training and an information ``positionnement_absent`` says so. The VAE suggestion
  is then never made.
- **Prérequis.** Each prérequis of the référentiel answered ``"non"``: a finding
  ``prerequis_non_maitrise``, an error when its ``consequence`` is ``"reorientation"`` (then
  ``Parcours.reorientation`` is true) and an information when it is ``"information"``. A prérequis
  not answered gives the information ``prerequis_non_renseigne``. A re-oriented candidate gets no
  parcours: ``domaines`` is empty, ``heures`` is ``None`` and no route is suggested.
- **Orientation of a domaine**, in this order:

  1. ``"acquis"`` when the domaine is acquired and still valid as of ``as_of`` at a jury
     (:func:`cqpkit.rules.decision.decide`): nothing is left to plan for it;
  2. the orientation recorded in the positionnement (``"formation"`` / ``"evaluation_directe"``);
  3. otherwise derived from the positioning values, when the référentiel supports it: the domaine
     must be covered by an épreuve of type ``positionnement`` whose échelle (the épreuve's
     ``echelle``) has at least one ``favorable`` value (on « pas du tout / partiellement / en
     totalité », only « en totalité » is favourable). Then the domaine is ``"evaluation_directe"``
     when its savoir-faire **and** its savoirs are both recorded with a favourable value (« en
     totalité » for both), or, for a positionnement that records one overall ``niveau`` instead
     (no savoir-faire nor savoirs value), when that ``niveau`` is favourable; in every other case
     (partially, not at all, one of the two missing, a value not on the scale) it is
     ``"formation"``;
  4. otherwise (no positionnement épreuve with a favourable value covers the domaine, or nothing
     is recorded for the domaine) the domaine stays in ``"formation"`` and an information
     ``orientation_par_defaut`` says why.
- **A domaine in training** lists the modules attached to it (``Module.domaines``), in the
  référentiel's order, keeping a module with a ``mention`` only when it is the dossier's mention
  (without a mention in the dossier, mention-specific modules are left out). ``heures`` is the sum
  of the modules' ``heures`` and ``jours`` the sum of their training days (présentiel + e-learning +
  FOAD, those given), each ``None`` when one of the modules does not give the figure or when no
  module is attached (a duration is never invented). ``jours_tuteur`` and ``spe`` are the domaine's
  own when the référentiel gives them. Domaines directly evaluated or acquired list nothing.
- **Total hours** (``Parcours.heures``): the hours of the distinct modules of the domaines in
  training (a module attached to two domaines counts once); ``None`` when one of them gives no
  hours; ``0`` when no domaine is in training. Modules attached to no domaine (transverse,
  collective) are not part of the per-domaine parcours and are not counted.
- **Suggested route** (``voie_suggeree``): the first voie of the référentiel, in file order, whose
  ``orientation`` condition holds, with an information ``voie_suggeree``. The condition needs at least
  one criterion and every criterion it states must hold: ``experience`` — the dossier's experiences
  marked ``pertinente`` (and of one of ``natures`` when the condition lists some) cover at least
  ``duree`` within the last ``fenetre`` **as of the positionnement's date**, the day the entretien
  concludes (:func:`cqpkit.rules.dates.has_duration`: merged periods, 3 years = 1 095 days);
  ``tous_domaines_acquis`` — every domaine is ``"evaluation_directe"`` or ``"acquis"``.
- **Référentiel without domaines**: nothing can be planned; ``domaine_non_defini`` as an
  information (the parcours cannot be individualised, which blocks nothing by itself: the
  refusal to *decide* is the error, see :mod:`cqpkit.rules.decision`).
"""

from __future__ import annotations

from datetime import date

from cqpkit.model import (
    ConditionOrientation,
    Constat,
    Domaine,
    Dossier,
    Module,
    Parcours,
    ParcoursDomaine,
    Positionnement,
    PositionnementDomaine,
    Referentiel,
    Source,
)
from cqpkit.rules import dates
from cqpkit.rules.decision import decide
from cqpkit.rules.fr import date_fr as _fr

__all__ = ["derive_orientation", "domaine_modules", "plan"]


def _first(sources: tuple[Source, ...]) -> Source | None:
    return sources[0] if sources else None


def domaine_modules(ref: Referentiel, domaine_id: str, mention: str | None) -> tuple[Module, ...]:
    """The modules attached to ``domaine_id``, in référentiel order, a mention-specific one only for its mention."""
    return tuple(m for m in ref.modules if domaine_id in m.domaines and (m.mention is None or m.mention == mention))


def _module_days(module: Module) -> float | None:
    given = [j for j in (module.jours_presentiel, module.jours_elearning, module.jours_foad) if j is not None]
    return sum(given) if given else None


def _sum_or_none(values: list[float | None]) -> float | None:
    if not values or any(v is None for v in values):
        return None
    return float(sum(v for v in values if v is not None))


def _favourable_values(ref: Referentiel, domaine_id: str) -> tuple[set[str], Source | None] | None:
    """The favourable values of the positionnement scale covering ``domaine_id`` (``None``: not supported)."""
    for epreuve in ref.epreuves:
        if epreuve.type != "positionnement" or domaine_id not in epreuve.domaines or epreuve.echelle is None:
            continue
        echelle = ref.echelles.get(epreuve.echelle)
        if echelle is None:
            continue
        favourable = {n.id for n in echelle.valeurs if n.favorable}
        if favourable:
            return favourable, _first(epreuve.sources)
    return None


def derive_orientation(
    ref: Referentiel, domaine_id: str, positioning: PositionnementDomaine | None
) -> tuple[str, str | None]:
    """The orientation derived from the positioning values, and why it defaulted (``None`` when derived).

    Returns ``("evaluation_directe", None)`` or ``("formation", None)`` when the référentiel's
    positionnement scale supports the derivation, else ``("formation", reason)``.
    """
    supported = _favourable_values(ref, domaine_id)
    if supported is None:
        return "formation", (
            "le référentiel ne prévoit pas d'échelle de positionnement avec une valeur favorable pour ce domaine : "
            "l'orientation ne peut pas être déduite du positionnement"
        )
    favourable, _ = supported
    if positioning is None or (
        positioning.savoir_faire is None and positioning.savoirs is None and positioning.niveau is None
    ):
        return "formation", "aucun positionnement ni orientation n'est consigné pour ce domaine"
    if positioning.savoir_faire is not None or positioning.savoirs is not None:
        values = [positioning.savoir_faire, positioning.savoirs]
    else:
        values = [positioning.niveau]
    if all(v is not None and v in favourable for v in values):
        return "evaluation_directe", None
    return "formation", None


def _positionnement(dossier: Dossier, as_of: date) -> Positionnement | None:
    pos = dossier.positionnement
    return pos if pos is not None and pos.date <= as_of else None


def _prerequis_constats(ref: Referentiel, pos: Positionnement) -> tuple[list[Constat], bool]:
    constats: list[Constat] = []
    reorientation = False
    for p in ref.prerequis:
        answer = pos.prerequis.get(p.id)
        chemin = f"positionnement.prerequis.{p.id}"
        if answer is None:
            constats.append(
                Constat(
                    code="prerequis_non_renseigne",
                    niveau="information",
                    message=(
                        f"Le pré-requis « {p.libelle} » n'est pas renseigné dans le positionnement du {_fr(pos.date)}."
                    ),
                    chemin=chemin,
                    source=_first(p.sources),
                    valeurs={"prerequis": p.id},
                )
            )
        elif answer == "non":
            blocking = p.consequence == "reorientation"
            reorientation = reorientation or blocking
            suite = (
                "le candidat doit être ré-orienté, l'accès à ce CQP n'est pas pertinent"
                if blocking
                else "à prendre en compte dans le parcours"
            )
            constats.append(
                Constat(
                    code="prerequis_non_maitrise",
                    niveau="erreur" if blocking else "information",
                    message=(
                        f"Pré-requis non maîtrisé : « {p.libelle} » (réponse « non » au positionnement "
                        f"du {_fr(pos.date)}) ; {suite}."
                    ),
                    chemin=chemin,
                    source=_first(p.sources),
                    valeurs={"prerequis": p.id, "reponse": answer, "consequence": p.consequence},
                )
            )
    return constats, reorientation


def _training(ref: Referentiel, domaine: Domaine, mention: str | None) -> ParcoursDomaine:
    modules = domaine_modules(ref, domaine.id, mention)
    return ParcoursDomaine(
        domaine=domaine.id,
        orientation="formation",
        modules=tuple(m.id for m in modules),
        heures=_sum_or_none([m.heures for m in modules]),
        jours=_sum_or_none([_module_days(m) for m in modules]),
        jours_tuteur=domaine.jours_tuteur,
        spe=domaine.spe,
    )


def _condition_holds(
    ref: Referentiel, dossier: Dossier, cond: ConditionOrientation, domaines: tuple[ParcoursDomaine, ...], on: date
) -> dict[str, str] | None:
    """The values that made ``cond`` hold on ``on`` (for the finding), or ``None`` when it does not hold."""
    if cond.experience is None and not cond.tous_domaines_acquis:
        return None
    valeurs: dict[str, str] = {"date_positionnement": on.isoformat()}
    if cond.experience is not None:
        exp = cond.experience
        periods = [
            dates.Periode(debut=e.debut, fin=e.fin)
            for e in dossier.experiences
            if e.pertinente and (not exp.natures or e.nature in exp.natures) and e.debut <= on
        ]
        days = dates.days_within_window(periods, exp.fenetre, on)
        needed = dates.duree_as_days(exp.duree)
        if days < needed:
            return None
        valeurs.update(
            experience_jours=str(days),
            experience_requise=f"{exp.duree.libelle()} ({needed} jours)",
            fenetre=exp.fenetre.libelle() if exp.fenetre is not None else "sans limite",
        )
    if cond.tous_domaines_acquis:
        if not domaines or any(pd.orientation == "formation" for pd in domaines):
            return None
        valeurs["tous_domaines_acquis"] = "oui"
    return valeurs


def plan(ref: Referentiel, dossier: Dossier, as_of: date) -> Parcours:
    """The individualised parcours from the dossier's positionnement, as of ``as_of`` (see the module docstring)."""
    if not ref.domaines:
        cert = ref.certification
        return Parcours(
            dossier=dossier.id,
            constats=(
                Constat(
                    code="domaine_non_defini",
                    niveau="information",
                    message=(
                        f"Aucun parcours ne peut être établi pour le {cert.intitule} (version {cert.version}) : "
                        "le référentiel ne définit aucun domaine."
                    ),
                    chemin="positionnement",
                    source=_first(cert.sources),
                    valeurs={"certification": cert.id, "version": cert.version},
                ),
            ),
        )

    mention = dossier.dossier.mention
    constats: list[Constat] = []
    pos = _positionnement(dossier, as_of)
    reorientation = False
    if pos is None:
        constats.append(
            Constat(
                code="positionnement_absent",
                niveau="information",
                message=(
                    f"Aucun positionnement n'est enregistré au {_fr(as_of)} : tous les domaines non encore acquis "
                    "sont prévus en formation (parcours complet)."
                ),
                chemin="positionnement",
                source=_first(ref.certification.sources),
                valeurs={"date": as_of.isoformat()},
            )
        )
    else:
        found, reorientation = _prerequis_constats(ref, pos)
        constats.extend(found)
    if reorientation:
        return Parcours(dossier=dossier.id, reorientation=True, constats=tuple(constats))

    acquired = {a.domaine for a in decide(ref, dossier, as_of).acquis} if dossier.passages else set()
    planned: list[ParcoursDomaine] = []
    for domaine in ref.domaines:
        if domaine.id in acquired:
            planned.append(ParcoursDomaine(domaine=domaine.id, orientation="acquis"))
            continue
        if pos is None:
            planned.append(_training(ref, domaine, mention))
            continue
        positioning = pos.domaines.get(domaine.id)
        if positioning is not None and positioning.orientation is not None:
            orientation, reason = positioning.orientation, None
        else:
            orientation, reason = derive_orientation(ref, domaine.id, positioning)
        if reason is not None:
            constats.append(
                Constat(
                    code="orientation_par_defaut",
                    niveau="information",
                    message=f"Domaine {domaine.id} prévu en formation : {reason}.",
                    chemin=f"positionnement.domaines.{domaine.id}",
                    source=_first(domaine.sources),
                    valeurs={"domaine": domaine.id, "orientation": "formation"},
                )
            )
        if orientation == "formation":
            planned.append(_training(ref, domaine, mention))
        else:
            planned.append(ParcoursDomaine(domaine=domaine.id, orientation="evaluation_directe"))
    domaines = tuple(planned)

    training = [pd for pd in domaines if pd.orientation == "formation"]
    if any(pd.heures is None for pd in training):
        heures = None  # a domaine in training without hours (no module, or a module without hours)
    else:
        distinct: dict[str, float] = {}
        for pd in training:
            for mid in pd.modules:
                distinct.setdefault(mid, ref.module(mid).heures or 0.0)
        heures = float(sum(distinct.values()))

    voie_suggeree = None
    if pos is not None:
        for voie in ref.voies:
            if voie.orientation is None:
                continue
            valeurs = _condition_holds(ref, dossier, voie.orientation, domaines, pos.date)
            if valeurs is None:
                continue
            voie_suggeree = voie.id
            parts = []
            if "experience_jours" in valeurs:
                parts.append(
                    f"{valeurs['experience_jours']} jours d'expérience pertinente sur les {valeurs['fenetre']} "
                    f"précédant le positionnement (requis : {valeurs['experience_requise']})"
                )
            if "tous_domaines_acquis" in valeurs:
                parts.append("tous les domaines a priori acquis")
            constats.append(
                Constat(
                    code="voie_suggeree",
                    niveau="information",
                    message=f"Orientation possible vers la voie « {voie.intitule} » : {' ; '.join(parts)}.",
                    chemin="positionnement",
                    source=voie.orientation.source or _first(voie.sources),
                    valeurs={"voie": voie.id, **valeurs},
                )
            )
            break

    return Parcours(
        dossier=dossier.id,
        voie_suggeree=voie_suggeree,
        domaines=domaines,
        heures=heures,
        constats=tuple(constats),
    )
