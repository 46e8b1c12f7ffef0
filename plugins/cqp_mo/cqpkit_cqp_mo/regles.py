"""The rules of the CQP Manager Opérationnel that the generic engine cannot express.

Everything the core's rule kinds can say is in the référentiels (``[tutorat]``, ``[[regles]]``,
``[jury] conditions_passage``, ``evaluateurs``, ``[financement.*]``). What is left is here, each
function a pure ``(referentiel, dossier, as_of) -> list[Constat]`` reading its parameters from the
référentiel where it has them:

- :func:`check_conseille_en_premier` — the module named by ``[extensions.cqp_mo]
  module_conseille_en_premier`` (the module transverse of the bloc version) is « fortement
  conseillé » first: a warning ``module_conseille_en_premier`` when another module of the parcours
  starts before it (the core does not read the ``extensions`` table).
- :func:`check_spe_avant_depot` — the SPE « doivent toutefois avoir été réalisées avant le dépôt du
  dossier de certification »: an error ``spe_avant_depot`` for each domaine (bloc or module
  transverse) followed in training that has fewer SPE carried out before the deposit than its
  ``spe`` (the core has no event for activities, nor a count).
- :func:`check_spe_avant_module_collectif` — the collective modules may be followed at any time
  « sous réserve d'avoir déjà pu mener des expérimentations terrain »: a warning
  ``spe_avant_module_collectif`` when a module of type ``accompagnement`` starts with no SPE carried
  out before it.
- :func:`check_premiere_annee` — version 2016: the parcours intégral « leur est conseillé dès la
  première année de la prise de poste »: a warning ``formation_premiere_annee`` when the training of
  a dossier on that route starts more than a year after the appointment (a ``[[regles]]`` rule
  cannot be restricted to one voie).
- :func:`decide` — the bloc version certifies the four blocs: the domaine of type ``transverse``
  (the module transverse, which has SPE and tutor days like a bloc) is not certified, so the
  generic decision runs on the blocs only.

Dates follow the engine: ``as_of`` is the dossier's "today" (later facts have not happened), and
"before" is strict, as in the core's ``avant`` rules (an SPE dated on the day of the deposit is not
before it).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cqpkit.model import Constat, Dossier, Duree, Referentiel, Source

__all__ = [
    "CERTIFICATION",
    "CHECKS",
    "check_conseille_en_premier",
    "check_dossier",
    "check_premiere_annee",
    "check_spe_avant_depot",
    "check_spe_avant_module_collectif",
    "decide",
]

CERTIFICATION = "secu.manager-operationnel"

ARCHITECTURE = "cqp-mo_architecture-et-parcours.md"
LANCEMENT = "cqp-mo_lancement_lettre-2017-01.md"

SOURCE_CONSEILLE = Source(
    document=ARCHITECTURE,
    section="3- Le parcours individualisé, Organiser le parcours (« Il est fortement conseillé de débuter le parcours de formation par ce module »)",
)
SOURCE_SPE_DEPOT = Source(
    document=ARCHITECTURE,
    section="2- Le parcours de formation complet (les SPE « doivent toutefois avoir été réalisées avant le dépôt du dossier de certification »)",
)
SOURCE_SPE_COLLECTIF = Source(
    document=ARCHITECTURE,
    section="3- Le parcours individualisé, Organiser le parcours (modules collectifs « sous réserve d'avoir déjà pu mener des expérimentations terrain »)",
)
SOURCE_PREMIERE_ANNEE = Source(
    document=LANCEMENT,
    section="IV - Public concerné (« Le parcours de formation certifiant leur est conseillé dès la première année de la prise de poste »)",
    date=date(2017, 1, 16),
)
#: Version 2016, lancement IV: the route for beginners and the delay it is advised within.
VOIE_PREMIERE_ANNEE = "parcours-integral"
PREMIERE_ANNEE = Duree(annees=1)

# Modules that are not part of « débuter le parcours de formation par ce module »: the opening
# session comes before the module transverse in the standard parcours (architecture 2).
_HORS_PARCOURS = ("ouverture", "activites")


def _jj(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _modules_of(ref: Referentiel, domaine: str) -> set[str]:
    return {m.id for m in ref.modules if domaine in m.domaines}


def _spe_dates(ref: Referentiel, dossier: Dossier, domaine: str | None, as_of: date) -> list[date]:
    """Dates of the SPE carried out (activités ``realisee``) of ``domaine`` (any domaine when ``None``), as of ``as_of``.

    An activité counts for a domaine when it names it, or names no domaine and a module attached to it.
    """
    modules = _modules_of(ref, domaine) if domaine is not None else set()
    found = []
    for activite in dossier.activites:
        if not activite.realisee or activite.date > as_of:
            continue
        if domaine is None or activite.domaine == domaine or (activite.domaine is None and activite.module in modules):
            found.append(activite.date)
    return sorted(found)


# --------------------------------------------------------------------------- module transverse first
def check_conseille_en_premier(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """``module_conseille_en_premier`` (avertissement): the advised module does not open the parcours.

    For the module named by ``[extensions.cqp_mo] module_conseille_en_premier`` (the référentiel's
    :class:`~cqpkit_cqp_mo.extension.ExtensionCqpMo`): once a module of the parcours (every type but
    ``ouverture`` and ``activites``, and not the advised one) has started on or before ``as_of``, the
    advised module must have started on or before the first of them (the same day is not after).
    Never followed, or followed later: one warning, at the first module that came before it.
    """
    found = []
    types = {m.id: m.type for m in ref.modules}
    extension = ref.extension("cqp_mo")
    advised = extension.module_conseille_en_premier if extension is not None else None
    for conseille in (m for m in ref.modules if m.id == advised):
        suivis = sorted(
            (f.debut, i, f.module)
            for i, f in enumerate(dossier.formations)
            if f.debut <= as_of and f.module != conseille.id and types.get(f.module) not in _HORS_PARCOURS
        )
        if not suivis:
            continue
        premier, index, module = suivis[0]
        debuts = [f.debut for f in dossier.formations if f.module == conseille.id and f.debut <= as_of]
        if debuts and min(debuts) <= premier:
            continue
        quand = f"suivi le {_jj(min(debuts))}" if debuts else f"non suivi au {_jj(as_of)}"
        titre = next(m.intitule for m in ref.modules if m.id == module)
        found.append(
            Constat(
                code="module_conseille_en_premier",
                niveau="avertissement",
                message=(
                    f"Le module « {conseille.intitule} » est fortement conseillé en début de parcours ; le parcours a "
                    f"commencé le {_jj(premier)} par « {titre} » ({quand})."
                ),
                chemin=f"formations[{index}].debut",
                source=SOURCE_CONSEILLE,
                regle="extensions.cqp_mo.module_conseille_en_premier",
                valeurs={
                    "module_conseille": conseille.id,
                    "premier_module": module,
                    "date_premier_module": _jj(premier),
                    "date_module_conseille": _jj(min(debuts)) if debuts else "aucune",
                },
            )
        )
    return found


# --------------------------------------------------------------------------- SPE before the deposit
def check_spe_avant_depot(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """``spe_avant_depot`` (erreur): a domaine followed in training whose SPE were not all carried out before the deposit.

    Checked once the certification dossier is deposited (``depot_dossier`` on or before ``as_of``),
    for each domaine with a number of SPE (``spe``: the blocs and the module transverse of the bloc
    version) one of whose modules started before the deposit. The SPE of the domaine are its
    activités carried out (:func:`_spe_dates`) strictly before the deposit; fewer than ``spe`` is a
    breach. Domaines not followed in training (not targeted, or held at the pré-positionnement) have
    no SPE to carry out in this dossier.
    """
    depot = dossier.dossier.depot_dossier
    if depot is None or depot > as_of:
        return []
    found = []
    for domaine in ref.domaines:
        if domaine.spe is None:
            continue
        modules = _modules_of(ref, domaine.id)
        if not any(f.module in modules and f.debut < depot for f in dossier.formations):
            continue
        avant = [d for d in _spe_dates(ref, dossier, domaine.id, as_of) if d < depot]
        if len(avant) >= domaine.spe:
            continue
        found.append(
            Constat(
                code="spe_avant_depot",
                niveau="erreur",
                message=(
                    f"{domaine.intitule} ({domaine.id}) : {len(avant)} SPE réalisée{'s' if len(avant) > 1 else ''} avant "
                    f"le dépôt du dossier de certification le {_jj(depot)}, {domaine.spe} prévue"
                    f"{'s' if domaine.spe > 1 else ''} ; les SPE doivent avoir été réalisées avant le dépôt."
                ),
                chemin="dossier.depot_dossier",
                source=SOURCE_SPE_DEPOT,
                regle=f"domaines.{domaine.id}.spe",
                valeurs={
                    "domaine": domaine.id,
                    "spe_prevues": str(domaine.spe),
                    "spe_avant_depot": str(len(avant)),
                    "depot_dossier": _jj(depot),
                },
            )
        )
    return found


# --------------------------------------------------------------------------- SPE before a collective module
def check_spe_avant_module_collectif(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """``spe_avant_module_collectif`` (avertissement): a collective module followed before any SPE.

    Only for a référentiel that counts SPE (a domaine with ``spe``: the bloc version). Each time a
    module of type ``accompagnement`` is followed (on or before ``as_of``), at least one SPE (an
    activité carried out, of any domaine) must come strictly before its first day.
    """
    if not any(d.spe is not None for d in ref.domaines):
        return []
    collectifs = {m.id: m for m in ref.modules if m.type == "accompagnement"}
    spe = _spe_dates(ref, dossier, None, as_of)
    found = []
    for i, suivie in enumerate(dossier.formations):
        module = collectifs.get(suivie.module)
        if module is None or suivie.debut > as_of or any(d < suivie.debut for d in spe):
            continue
        found.append(
            Constat(
                code="spe_avant_module_collectif",
                niveau="avertissement",
                message=(
                    f"Module « {module.intitule} » suivi le {_jj(suivie.debut)} sans aucune SPE réalisée auparavant : "
                    "les modules d'accompagnement collectif supposent d'avoir déjà pu mener des expérimentations terrain."
                ),
                chemin=f"formations[{i}].debut",
                source=SOURCE_SPE_COLLECTIF,
                regle=f"modules.{module.id}",
                valeurs={"module": module.id, "debut": _jj(suivie.debut), "premiere_spe": _jj(spe[0]) if spe else "aucune"},
            )
        )
    return found


# --------------------------------------------------------------------------- version 2016: first year
def check_premiere_annee(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """``formation_premiere_annee`` (avertissement): on the parcours intégral, training started after the first year in post.

    Only on the voie ``parcours-integral`` (version 2016, for beginners), with a ``nomination``: the
    first module must start at most one year after the appointment, the anniversary day included
    (appointed on 01/09/2016, a training starting on 01/09/2017 is within the first year, on
    02/09/2017 it is not).
    """
    from cqpkit.rules.dates import add, within

    info = dossier.dossier
    if info.voie != VOIE_PREMIERE_ANNEE or info.nomination is None:
        return []
    if not any(v.id == VOIE_PREMIERE_ANNEE for v in ref.voies):
        return []
    debuts = sorted((f.debut, i) for i, f in enumerate(dossier.formations) if f.debut <= as_of)
    if not debuts:
        return []
    debut, index = debuts[0]
    if within(info.nomination, debut, PREMIERE_ANNEE):
        return []
    limite = add(info.nomination, PREMIERE_ANNEE)
    return [
        Constat(
            code="formation_premiere_annee",
            niveau="avertissement",
            message=(
                f"Parcours intégral commencé le {_jj(debut)}, plus d'un an après la nomination du {_jj(info.nomination)} "
                f"(au plus tard le {_jj(limite)}) : il est conseillé dès la première année de la prise de poste."
            ),
            chemin=f"formations[{index}].debut",
            source=SOURCE_PREMIERE_ANNEE,
            regle="voies.parcours-integral",
            valeurs={"nomination": _jj(info.nomination), "debut_formation": _jj(debut), "date_limite": _jj(limite)},
        )
    ]


CHECKS = (check_conseille_en_premier, check_spe_avant_depot, check_spe_avant_module_collectif, check_premiere_annee)
"""The checks :func:`check_dossier` runs, in this order."""


def check_dossier(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """Every finding of :data:`CHECKS` (the registry calls it for the CQP MO's référentiels only)."""
    found: list[Constat] = []
    for check in CHECKS:
        found.extend(check(ref, dossier, as_of))
    return found


# --------------------------------------------------------------------------- decision
def decide(ref: Referentiel, dossier: Dossier, as_of: date) -> Any | None:
    """The result of a bloc-version dossier: the generic decision on the blocs, without the transverse domaine.

    ``None`` (let the generic engine answer) for a version without a
    domaine of type ``transverse`` (version 2016). A jury decision recorded on the transverse domaine
    is then a decision on a domaine the certification does not certify (``decision_domaine_inconnu``).
    """
    if not any(d.type == "transverse" for d in ref.domaines):
        return None
    import attrs
    from cqpkit.rules.decision import decide as generic_decide

    blocs = attrs.evolve(ref, domaines=tuple(d for d in ref.domaines if d.type != "transverse"))
    return generic_decide(blocs, dossier, as_of)
