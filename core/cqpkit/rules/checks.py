"""The checks of one dossier against its référentiel, as of a date: :func:`check_dossier`.

:func:`check_dossier` is the union of one public function per kind of rule, each a pure function
``(ref, dossier, as_of) -> list[Constat]``: :func:`check_premier_passage`, :func:`check_regles`,
:func:`check_evaluateurs`, :func:`check_tutorat`, :func:`check_vae`,
:func:`check_conditions_passage`, :func:`check_heures_formation`, :func:`check_organismes`, and
:func:`cqpkit.rules.vigueur.check_version` (the version in force at the registration). The codes
and levels are those of ``docs/engine.md``; the semantics each rule gives to the parameters are
written on its function and summed up here:

- first passage (``premier_passage_hors_delai``): at most ``delai_premier_passage`` after
  registration, the anniversary day included; absences are not passages; with no passage, reported
  from the day after the deadline; only on the routes of ``delai_premier_passage_voies`` when given.
- ``[[regles]]``: each occurrence of ``a`` needs one occurrence of ``de`` that fits it (``delai``:
  on or before it, at least ``min`` and at most ``max`` earlier, bounds included; ``avant`` /
  ``ordre``: strictly before); one finding per occurrence of ``a`` left unfitted; nothing while
  ``a`` has not happened.
- evaluators: ``nombre`` counts distinct people when ``distincts``; every role of ``roles_requis``
  must be held by an evaluator (main or secondary role); each excluded role held is reported.
- tutor: experience measured at the start of the mission (else of the training), load above the
  recommendation (warning) and above the maximum (error), trained no later than the start of the
  training (a missing date is a breach once the training started), lead time within min/max.
- VAE (the dossier's voie when it states ``experience``): relevant experience of the allowed
  natures, periods merged, clipped to the window ending on the registration day, counted in days
  against 365 a year; required documents once the file is handed in.
- readiness at each attended passage (training route only), per domaine presented: a favourable
  verdict for every final in-company épreuve with a verdict échelle, and activities carried out
  (an ``Activite`` realised, or a favourable « activité » critère such as the fiche de synthèse's).
- hours within ``heures_min`` / ``heures_max`` (warning) when the modules followed cover every
  domaine; an agreed training body for each module (a warning after ``agrement_jusqua``).

"As of" (``as_of``)
-------------------
``as_of`` is the dossier's "today": every dated fact after it (a passage, an evaluation, a module, a
tutor training, the start of a mission) has not happened yet and is ignored, and a deadline that has
not run out yet is not a breach. Undated facts (the tutor's load, the roles of an acteur) always hold.

What a finding holds
--------------------
Each :class:`~cqpkit.model.Constat` has the code and level of ``docs/engine.md``; a French message
naming the values (dates as JJ/MM/AAAA, durations with :meth:`~cqpkit.model.Duree.libelle`); a
``chemin`` into the dossier (``evaluations[2].evaluateurs``); as ``source`` the first source of the
référentiel element that states the rule (``[jury]``, ``[tutorat]``, ``[formation]``, the épreuve's
``evaluateurs`` or else the épreuve, the voie's ``experience`` or else the voie, the ``[[regles]]``
rule); as ``regle`` the place of the rule in the référentiel (``tutorat.charge_max``,
``regles.<id>``); and in ``valeurs`` the values the rule used, as text, for ``cqpkit explain``.

The result of :func:`check_dossier` is sorted by ``chemin`` (indices in numeric order:
``evaluations[2]`` before ``evaluations[10]``), then ``code``, then ``message``: the same inputs always
give the same list.

Facts a dossier does not give (a tutor's ``management_depuis``, a module's hours, whether a training
body is agreed) make a rule unknowable and give no finding, except two absences that are breaches in
themselves: a ``[[regles]]`` event ``de`` missing when ``a`` happened, and a compulsory tutor training
with no date once the candidate's training started. The validation of the dossier is the place that
asks for missing data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date

from cqpkit.model import (
    Acteur,
    Constat,
    Dossier,
    Epreuve,
    Evaluation,
    PassageJury,
    Referentiel,
    Regle,
    Source,
    Voie,
)
from cqpkit.rules import dates
from cqpkit.rules.events import Occurrence, event_occurrences
from cqpkit.rules.fr import (
    date_fr as _jj,
)
from cqpkit.rules.fr import (
    entier_fr as _entier,
)
from cqpkit.rules.fr import (
    liste as _liste,
)
from cqpkit.rules.fr import (
    nombre_fr as _nombre,
)
from cqpkit.rules.fr import (
    pluriel as _pluriel,
)
from cqpkit.rules.sources import source_for
from cqpkit.rules.vigueur import check_version

__all__ = [
    "CHECKS",
    "check_conditions_passage",
    "check_dossier",
    "check_evaluateurs",
    "check_heures_formation",
    "check_organismes",
    "check_premier_passage",
    "check_regle",
    "check_regles",
    "check_tutorat",
    "check_vae",
    "domaines_presentes",
    "is_vae_route",
    "premier_passage_limite",
    "sort_constats",
    "voie_vae",
]


# ----------------------------------------------------------------------- formatting


_ROLES = {
    "tuteur": "tuteur",
    "n_plus_1": "responsable hiérarchique (N+1)",
    "formateur_suivi": "formateur de suivi",
    "formateur_interne": "formateur interne",
    "professionnel_experimente": "professionnel expérimenté",
    "evaluateur": "évaluateur",
    "responsable_rh": "responsable RH",
    "responsable_session": "responsable de session",
    "consultant": "consultant",
}


def _role(role: str) -> str:
    return _ROLES.get(role, role)


def _first(sources: Sequence[Source]) -> Source | None:
    return sources[0] if sources else None


_NUMBERS = re.compile(r"(\d+)")


def _chemin_key(chemin: str) -> tuple[object, ...]:
    # re.split with a capturing group alternates text and digits, text first: positions keep one type.
    parts = _NUMBERS.split(chemin)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def sort_constats(constats: Iterable[Constat]) -> list[Constat]:
    """Findings sorted by ``chemin`` (numeric indices), then ``code``, then ``message``."""
    return sorted(constats, key=lambda c: (_chemin_key(c.chemin), c.code, c.message))


def _constat(
    code: str,
    niveau: str,
    message: str,
    *,
    chemin: str,
    source: Source | None,
    regle: str,
    valeurs: dict[str, str],
) -> Constat:
    return Constat(
        code=code,
        niveau=niveau,  # type: ignore[arg-type]
        message=message,
        chemin=chemin,
        source=source,
        regle=regle,
        valeurs=valeurs,
    )


# ----------------------------------------------------------------------- events
_EVENT_LABELS = {
    "inscription": "l'inscription",
    "nomination": "la nomination",
    "depot_dossier": "le dépôt du dossier",
    "debut_formation": "le début de la formation",
    "fin_formation": "la fin de la formation",
    "premier_passage": "le premier passage devant le jury",
    "passage": "le passage devant le jury",
}


def _event_label(ref: Referentiel, name: str) -> str:
    kind, colon, ident = name.partition(":")
    if colon and kind == "module":
        titles = {m.id: m.intitule for m in ref.modules}
        return f"le module « {titles.get(ident, ident)} »"
    if colon and kind == "epreuve":
        titles = {e.id: e.intitule for e in ref.epreuves}
        return f"l'épreuve « {titles.get(ident, ident)} »"
    return _EVENT_LABELS.get(name, name)


# ----------------------------------------------------------------------- first passage
def premier_passage_limite(ref: Referentiel, dossier: Dossier) -> date | None:
    """The last day of ``[jury] delai_premier_passage`` for this dossier, or ``None`` when none applies.

    ``None`` when the référentiel states no such deadline, or restricts it
    (``delai_premier_passage_voies``) to routes other than the dossier's. Otherwise
    ``dates.add(inscription, delai)``: the anniversary day is still in time. The store's deadlines
    (:func:`cqpkit.store.reading.deadlines`) use it too.
    """
    jury = ref.jury
    if jury is None or jury.delai_premier_passage is None:
        return None
    if jury.delai_premier_passage_voies and dossier.dossier.voie not in jury.delai_premier_passage_voies:
        return None  # a deadline of another route
    return dates.add(dossier.dossier.inscription, jury.delai_premier_passage)


def check_premier_passage(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """``premier_passage_hors_delai``: the first passage later than ``[jury] delai_premier_passage`` after registration.

    The deadline is ``dates.add(inscription, delai)``, the anniversary day included
    (:func:`cqpkit.rules.dates.within`): registered on 04/03/2013 with P3Y, a first passage on
    04/03/2016 is in time, on 05/03/2016 it is not. With no passage as of ``as_of``, the finding
    comes the day after the deadline. A passage where the candidate was absent is not a passage
    (see :mod:`cqpkit.rules.events`). With ``[jury] delai_premier_passage_voies``, only a dossier
    on one of those routes is checked (the Mutualité states the 3 years for the training route).
    """
    limite = premier_passage_limite(ref, dossier)
    inscription = dossier.dossier.inscription
    if limite is None or inscription > as_of:
        return []
    jury = ref.jury
    assert jury is not None and jury.delai_premier_passage is not None
    delai = jury.delai_premier_passage
    valeurs = {
        "inscription": _jj(inscription),
        "delai": str(delai),
        "date_limite": _jj(limite),
        "date": _jj(as_of),
    }
    premiers = event_occurrences(dossier, "premier_passage", as_of=as_of)
    if premiers:
        premier = premiers[0]
        if dates.within(inscription, premier.date, delai):
            return []
        valeurs["premier_passage"] = _jj(premier.date)
        message = (
            f"Premier passage devant le jury le {_jj(premier.date)}, plus de {delai.libelle()} après "
            f"l'inscription du {_jj(inscription)} (date limite : {_jj(limite)})."
        )
        chemin = premier.chemin
    else:
        if as_of <= limite:
            return []
        valeurs["premier_passage"] = "aucun"
        message = (
            f"Aucun passage devant le jury au {_jj(as_of)}, alors que le délai de {delai.libelle()} après "
            f"l'inscription du {_jj(inscription)} a expiré le {_jj(limite)}."
        )
        chemin = "passages"
    return [
        _constat(
            "premier_passage_hors_delai",
            "erreur",
            message,
            chemin=chemin,
            source=source_for(jury.sources, "delai_premier_passage"),
            regle="jury.delai_premier_passage",
            valeurs=valeurs,
        )
    ]


# ----------------------------------------------------------------------- [[regles]]
def _regle_events(regle: Regle) -> tuple[str, str] | None:
    if regle.type == "ordre":
        if regle.avant is None or regle.apres is None:
            return None
        return f"module:{regle.avant}", f"module:{regle.apres}"
    if regle.de is None or regle.a is None:
        return None
    return regle.de, regle.a


def _delai_ok(regle: Regle, de: date, a: date) -> bool:
    if de > a:
        return False
    if regle.min is not None and not dates.at_least(de, a, regle.min):
        return False
    return regle.max is None or dates.within(de, a, regle.max)


def check_regle(ref: Referentiel, regle: Regle, dossier: Dossier, as_of: date) -> list[Constat]:
    """The findings of one ``[[regles]]`` rule (code: the rule's ``id``; level: its ``niveau``).

    - ``delai``: an occurrence ``d`` of ``de`` fits an occurrence ``a`` of ``a`` when ``d`` is on or
      before ``a``, ``a`` is at least ``min`` after ``d`` (:func:`~cqpkit.rules.dates.at_least`, the
      anniversary day included) and at most ``max`` after it (:func:`~cqpkit.rules.dates.within`,
      the anniversary day included).
    - ``avant``: ``d`` fits ``a`` when ``d`` is strictly before ``a`` (the same day is not before).
    - ``ordre``: ``avant`` with ``de = module:<avant>`` and ``a = module:<apres>``.

    Several occurrences: the rule holds for an occurrence of ``a`` when at least one occurrence of
    ``de`` fits it, and it is checked for every occurrence of ``a`` (each passage, each time a
    module is followed); each occurrence of ``a`` that no occurrence of ``de`` fits gives one
    finding, at the ``chemin`` of that occurrence. Occurrences after ``as_of`` do not exist yet:
    with no occurrence of ``a`` the rule is not yet applicable and gives nothing; with occurrences
    of ``a`` but none of ``de``, each occurrence of ``a`` gives a finding (the module was never
    followed before the jury). A deadline that runs out before ``a`` happens is reported when
    ``a`` happens.
    """
    pair = _regle_events(regle)
    if pair is None:
        return []
    de_name, a_name = pair
    de_occ = event_occurrences(dossier, de_name, as_of=as_of)
    a_occ = event_occurrences(dossier, a_name, as_of=as_of)
    de_label = _event_label(ref, de_name)
    a_label = _event_label(ref, a_name)
    found: list[Constat] = []
    for a in a_occ:
        if regle.type == "delai":
            fits = [d for d in de_occ if _delai_ok(regle, d.date, a.date)]
        else:
            fits = [d for d in de_occ if d.date < a.date]
        if fits:
            continue
        message, valeurs = _regle_breach(regle, de_occ, a, de_label, a_label, as_of)
        valeurs = {
            "regle": regle.id,
            "type": regle.type,
            "de": de_name,
            "a": a_name,
            "date_a": _jj(a.date),
            **valeurs,
            "date": _jj(as_of),
        }
        found.append(
            _constat(
                regle.id,
                regle.niveau,
                message,
                chemin=a.chemin,
                source=regle.source,
                regle=f"regles.{regle.id}",
                valeurs=valeurs,
            )
        )
    return found


def _regle_breach(
    regle: Regle,
    de_occ: list[Occurrence],
    a: Occurrence,
    de_label: str,
    a_label: str,
    as_of: date,
) -> tuple[str, dict[str, str]]:
    """The message and values of a breach of ``regle`` for the occurrence ``a``."""
    head = f"{regle.libelle.rstrip('. ')} : {a_label} le {_jj(a.date)}"
    before = [d for d in de_occ if (d.date <= a.date if regle.type == "delai" else d.date < a.date)]
    if not before:
        when = "le " + _jj(a.date) + " ou avant" if regle.type == "delai" else "avant le " + _jj(a.date)
        if de_occ:
            detail = f"première date : {_jj(de_occ[0].date)}"
            valeurs = {"date_de": _jj(de_occ[0].date)}
        else:
            detail = f"aucune au {_jj(as_of)}"
            valeurs = {"date_de": "aucune"}
        return f"{head} ; aucune date pour {de_label} {when} ({detail}).", valeurs
    # Only a ``delai`` rule gets here: some occurrences of ``de`` come before ``a`` but none fits.
    earliest = before[0]
    if regle.min is not None and not dates.at_least(earliest.date, a.date, regle.min):
        limite = dates.add(earliest.date, regle.min)
        return (
            f"{head} ; {de_label} le {_jj(earliest.date)} : écart inférieur à {regle.min.libelle()} "
            f"(au plus tôt le {_jj(limite)}).",
            {"date_de": _jj(earliest.date), "min": str(regle.min), "date_limite": _jj(limite)},
        )
    # The earliest fits ``min``; the latest occurrence that fits ``min`` is the nearest to ``a``, and
    # since nothing fits, it is too early for ``max``.
    assert regle.max is not None
    candidates = [d for d in before if regle.min is None or dates.at_least(d.date, a.date, regle.min)]
    latest = candidates[-1]
    limite = dates.add(latest.date, regle.max)
    valeurs = {"date_de": _jj(latest.date), "max": str(regle.max), "date_limite": _jj(limite)}
    if regle.min is not None:
        valeurs["min"] = str(regle.min)
    return (
        f"{head} ; {de_label} le {_jj(latest.date)} : écart supérieur à {regle.max.libelle()} "
        f"(au plus tard le {_jj(limite)}).",
        valeurs,
    )


def check_regles(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """Every ``[[regles]]`` rule of the référentiel that applies to the dossier's route (see :func:`check_regle`)."""
    found: list[Constat] = []
    for regle in ref.regles:
        if regle.voies and dossier.dossier.voie not in regle.voies:
            continue  # a rule of another route
        found.extend(check_regle(ref, regle, dossier, as_of))
    return found


# ----------------------------------------------------------------------- evaluators
def check_evaluateurs(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """Evaluator rules of each recorded evaluation (dated on or before ``as_of``) against its épreuve's ``evaluateurs``.

    - ``evaluateurs_nombre``: fewer evaluators than ``nombre``. When ``distincts`` is true the
      distinct evaluators are counted (the same person twice is one evaluator), otherwise the
      evaluators listed.
    - ``evaluateurs_non_distincts``: with ``distincts``, one finding per evaluator listed twice or more.
    - ``evaluateur_role_requis``: every role of ``roles_requis`` must be held (as main or secondary
      role) by at least one evaluator: one finding per role held by none. An evaluator who is not
      among the acteurs holds no role.
    - ``evaluateur_role_exclu``: one finding per evaluator and role of ``roles_exclus`` he holds.

    ``roles_admis`` is not checked: no code of ``docs/engine.md`` reports it. An evaluation of an
    épreuve the référentiel does not define, or that states no ``evaluateurs``, gives nothing.
    """
    epreuves = ref.epreuves_par_id
    found: list[Constat] = []
    for i, evaluation in enumerate(dossier.evaluations):
        epreuve = epreuves.get(evaluation.epreuve)
        if evaluation.date > as_of or epreuve is None or epreuve.evaluateurs is None:
            continue
        found.extend(_check_evaluation(epreuve, evaluation, i, dossier))
    return found


def _check_evaluation(epreuve: Epreuve, evaluation: Evaluation, i: int, dossier: Dossier) -> list[Constat]:
    spec = epreuve.evaluateurs
    assert spec is not None
    source = spec.source or _first(epreuve.sources)
    chemin = f"evaluations[{i}].evaluateurs"
    head = f"Évaluation « {epreuve.intitule} » du {_jj(evaluation.date)}"
    listed = list(evaluation.evaluateurs)
    distinct = list(dict.fromkeys(listed))
    base = {"epreuve": epreuve.id, "date_evaluation": _jj(evaluation.date), "evaluateurs": _liste(listed)}
    found: list[Constat] = []

    counted = len(distinct) if spec.distincts else len(listed)
    if spec.nombre is not None and counted < spec.nombre:
        mot = ("évaluateur distinct", "évaluateurs distincts") if spec.distincts else ("évaluateur", "évaluateurs")
        found.append(
            _constat(
                "evaluateurs_nombre",
                "erreur",
                f"{head} : {_pluriel(counted, *mot)} "
                f"({_liste(distinct if spec.distincts else listed)}) au lieu de {spec.nombre}.",
                chemin=chemin,
                source=source,
                regle="epreuves.evaluateurs.nombre",
                valeurs={**base, "nombre": str(counted), "nombre_requis": str(spec.nombre)},
            )
        )
    if spec.distincts:
        for ident in distinct:
            times = listed.count(ident)
            if times > 1:
                found.append(
                    _constat(
                        "evaluateurs_non_distincts",
                        "erreur",
                        f"{head} : l'évaluateur {ident} figure {times} fois, alors que les évaluateurs doivent être "
                        "des personnes distinctes.",
                        chemin=chemin,
                        source=source,
                        regle="epreuves.evaluateurs.distincts",
                        valeurs={**base, "evaluateur": ident, "occurrences": str(times)},
                    )
                )
    acteurs = [a for a in (dossier.acteur(ident) for ident in distinct) if a is not None]
    for role in spec.roles_requis:
        if not any(role in a.roles for a in acteurs):
            found.append(
                _constat(
                    "evaluateur_role_requis",
                    "erreur",
                    f"{head} : aucun évaluateur n'est {_role(role)} (évaluateurs : {_liste(distinct)}).",
                    chemin=chemin,
                    source=source,
                    regle="epreuves.evaluateurs.roles_requis",
                    valeurs={**base, "role_requis": role},
                )
            )
    if spec.roles_admis:
        admis = set(spec.roles_admis) | set(spec.roles_requis)
        for acteur in acteurs:
            if not admis & set(acteur.roles):
                found.append(
                    _constat(
                        "evaluateur_role_non_admis",
                        "erreur",
                        f"{head} : l'évaluateur {acteur.id} est {_role(acteur.role)}, rôle qui ne peut pas évaluer "
                        f"(rôles admis : {_liste(_role(r) for r in sorted(admis))}).",
                        chemin=chemin,
                        source=source,
                        regle="epreuves.evaluateurs.roles_admis",
                        valeurs={**base, "evaluateur": acteur.id, "roles_admis": _liste(sorted(admis))},
                    )
                )
    for acteur in acteurs:
        for role in spec.roles_exclus:
            if role in acteur.roles:
                found.append(
                    _constat(
                        "evaluateur_role_exclu",
                        "erreur",
                        f"{head} : l'évaluateur {acteur.id} est {_role(role)}, rôle exclu de cette évaluation.",
                        chemin=chemin,
                        source=source,
                        regle="epreuves.evaluateurs.roles_exclus",
                        valeurs={**base, "evaluateur": acteur.id, "role_exclu": role},
                    )
                )
    return found


# ----------------------------------------------------------------------- tutor
def check_tutorat(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """Tutor rules of ``[tutorat]`` for every acteur holding the role ``tuteur`` (main or secondary).

    - ``tuteur_experience`` (level ``experience_min_niveau``, an error by default): management
      experience (from ``management_depuis``) at the start of the tutor's mission (``mission_debut``,
      or the start of the candidate's training when the mission has no start) below
      ``experience_min``; exactly ``experience_min`` is enough
      (:func:`~cqpkit.rules.dates.at_least`: from 01/03/2015, P2Y is reached on 01/03/2017). Not
      checked before that start (as of the date) nor without ``management_depuis``.
    - ``tuteur_n_plus_1`` (``pas_n_plus_1``): the tutor also holds the role ``n_plus_1``.
    - ``tuteur_charge_recommandee`` (warning) / ``tuteur_charge_max`` (error): ``tutores_simultanes``
      (this candidate included) above ``charge_recommandee`` / ``charge_max``; above both gives both.
      The load is not dated: always checked.
    - ``tuteur_forme_apres`` (``formation_prealable``): once the candidate's training has started
      (``debut_formation`` on or before ``as_of``), the tutor training (``forme_le``) starts after
      it, or has no date, or has not happened as of the date. The same day is not after.
    - ``tuteur_delai_formation`` (warning): the time from ``forme_le`` to ``debut_formation`` is
      below ``formation_delai_min`` or above ``formation_delai_max`` (both bounds included), checked
      when both dates have happened and the tutor was not trained after the start while
      ``formation_prealable`` is true (that is ``tuteur_forme_apres``).
    """
    tutorat = ref.tutorat
    if tutorat is None:
        return []
    debuts = event_occurrences(dossier, "debut_formation", as_of=as_of)
    debut_formation = debuts[0].date if debuts else None
    found: list[Constat] = []
    for i, acteur in enumerate(dossier.acteurs):
        if "tuteur" in acteur.roles:
            found.extend(_check_tuteur(ref, acteur, i, debut_formation, as_of))
    return found


def _check_tuteur(ref: Referentiel, acteur: Acteur, i: int, debut_formation: date | None, as_of: date) -> list[Constat]:
    tutorat = ref.tutorat
    assert tutorat is not None
    head = f"Tuteur {acteur.id}"
    found: list[Constat] = []

    def add(code: str, niveau: str, message: str, champ: str, regle: str, valeurs: dict[str, str]) -> None:
        found.append(
            _constat(
                code,
                niveau,
                message,
                chemin=f"acteurs[{i}].{champ}",
                source=source_for(tutorat.sources, regle),
                regle=f"tutorat.{regle}",
                valeurs={"tuteur": acteur.id, **valeurs},
            )
        )

    # Experience at the start of the mission (or of the training).
    if tutorat.experience_min is not None and acteur.management_depuis is not None:
        if acteur.mission_debut is not None:
            debut, quoi = acteur.mission_debut, "au début de sa mission"
        else:
            debut, quoi = debut_formation, "au début de la formation"
        if (
            debut is not None
            and debut <= as_of
            and not dates.at_least(acteur.management_depuis, debut, tutorat.experience_min)
        ):
            requis = dates.add(acteur.management_depuis, tutorat.experience_min)
            add(
                "tuteur_experience",
                tutorat.experience_min_niveau,
                f"{head} : manager depuis le {_jj(acteur.management_depuis)}, moins de "
                f"{tutorat.experience_min.libelle()} d'expérience de management {quoi} le {_jj(debut)} "
                f"(atteints le {_jj(requis)}).",
                "management_depuis",
                "experience_min",
                {
                    "management_depuis": _jj(acteur.management_depuis),
                    "debut": _jj(debut),
                    "experience_min": str(tutorat.experience_min),
                    "date_requise": _jj(requis),
                },
            )

    if tutorat.pas_n_plus_1 and "n_plus_1" in acteur.roles:
        add(
            "tuteur_n_plus_1",
            "erreur",
            f"{head} : le tuteur est aussi le responsable hiérarchique (N+1) du candidat, ce qui n'est pas permis.",
            "roles_secondaires" if acteur.role == "tuteur" else "role",
            "pas_n_plus_1",
            {"roles": _liste(acteur.roles)},
        )

    n = acteur.tutores_simultanes
    if n is not None:
        for code, niveau, limite, quoi, regle in (
            (
                "tuteur_charge_recommandee",
                "avertissement",
                tutorat.charge_recommandee,
                "de la charge recommandée",
                "charge_recommandee",
            ),
            ("tuteur_charge_max", "erreur", tutorat.charge_max, "du maximum", "charge_max"),
        ):
            if limite is not None and n > limite:
                add(
                    code,
                    niveau,
                    f"{head} : {_pluriel(n, 'personne tutorée', 'personnes tutorées')} en même temps, au-delà "
                    f"{quoi} ({limite}).",
                    "tutores_simultanes",
                    regle,
                    {"tutores_simultanes": str(n), regle: str(limite)},
                )

    if debut_formation is None:
        return found
    # A tutor training dated after ``as_of`` is also after the start (which is on or before ``as_of``).
    forme_le = acteur.forme_le
    if tutorat.formation_prealable and (forme_le is None or forme_le > debut_formation):
        detail = "sa formation de tuteur n'a pas de date" if forme_le is None else f"formé le {_jj(forme_le)}"
        add(
            "tuteur_forme_apres",
            "erreur",
            f"{head} : la formation du tuteur doit précéder le début de la formation du candidat "
            f"le {_jj(debut_formation)} ; {detail}.",
            "forme_le",
            "formation_prealable",
            {"forme_le": _jj(forme_le) if forme_le else "aucune", "debut_formation": _jj(debut_formation)},
        )
        return found
    if forme_le is None or forme_le > as_of:
        return found
    delai_min, delai_max = tutorat.formation_delai_min, tutorat.formation_delai_max
    trop_court = delai_min is not None and not dates.at_least(forme_le, debut_formation, delai_min)
    trop_long = delai_max is not None and not dates.within(forme_le, debut_formation, delai_max)
    if trop_court or trop_long:
        bornes = []
        if delai_min is not None:
            bornes.append(f"au moins {delai_min.libelle()}")
        if delai_max is not None:
            bornes.append(f"au plus {delai_max.libelle()}")
        jours = (debut_formation - forme_le).days
        add(
            "tuteur_delai_formation",
            "avertissement",
            f"{head} : formé le {_jj(forme_le)}, {_pluriel(jours, 'jour')} avant le début de la formation "
            f"du candidat le {_jj(debut_formation)} ; délai attendu : {' et '.join(bornes)}.",
            "forme_le",
            "formation_delai",
            {
                "forme_le": _jj(forme_le),
                "debut_formation": _jj(debut_formation),
                "jours": str(jours),
                "formation_delai_min": str(delai_min) if delai_min else "",
                "formation_delai_max": str(delai_max) if delai_max else "",
            },
        )
    return found


# ----------------------------------------------------------------------- VAE
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
    voie = voie_vae(ref, dossier)
    if voie is None:
        return []
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
        requis = dates.duree_as_days(exp.duree)
        if jours < requis:
            debut_fenetre = fenetre_comptee.debut
            if exp.fenetre is not None and debut_fenetre is not None:
                fenetre = (
                    f"du {_jj(debut_fenetre)} au {_jj(fenetre_comptee.fin)} inclus (les {exp.fenetre.libelle()} qui "
                    "se terminent le jour de l'inscription)"
                )
            else:
                fenetre = f"jusqu'à l'inscription du {_jj(fenetre_comptee.fin)} inclus"
            found.append(
                _constat(
                    "vae_experience",
                    "erreur",
                    f"Expérience pertinente de {_pluriel(jours, 'jour')} {fenetre}, au lieu de "
                    f"{exp.duree.libelle()} ({_entier(requis)} jours) au moins.",
                    chemin="experiences",
                    source=exp.source or _first(voie.sources),
                    regle="voies.experience",
                    valeurs={
                        "voie": voie.id,
                        "jours": str(jours),
                        "jours_requis": str(requis),
                        "duree": str(exp.duree),
                        "fenetre": str(exp.fenetre) if exp.fenetre else "",
                        "debut_fenetre": _jj(debut_fenetre) if debut_fenetre else "",
                        "fin_fenetre": _jj(fenetre_comptee.fin),
                        "date_reference": _jj(inscription),
                        "natures": _liste(exp.natures),
                        "experiences_retenues": f"{len(retenues)} sur {len(dossier.experiences)}",
                    },
                )
            )
    depose = dossier.dossier.depot_dossier is not None and dossier.dossier.depot_dossier <= as_of
    if depose or event_occurrences(dossier, "passage", as_of=as_of):
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


# ----------------------------------------------------------------------- readiness at each passage
def domaines_presentes(ref: Referentiel, dossier: Dossier, index: int) -> list[str]:
    """The domaines presented at ``dossier.passages[index]``, in the référentiel's order.

    Those the jury decided on (the keys of ``decisions``) when there are decisions; otherwise
    every domaine of the référentiel not acquired at an earlier passage. Ids the référentiel does
    not define are left out (the dossier's validation reports them).
    """
    passage = dossier.passages[index]
    ordre = [d.id for d in ref.domaines]
    if passage.decisions:
        return [d for d in ordre if d in passage.decisions]
    acquis = {
        d
        for p in dossier.passages
        if p.date < passage.date and not p.absent
        if not p.excuse
        for d, decision in p.decisions.items()
        if decision == "acquis"
    }
    return [d for d in ordre if d not in acquis]


def _favorables(ref: Referentiel, echelle: str | None) -> set[str] | None:
    if echelle is None or echelle not in ref.echelles:
        return None
    return {n.id for n in ref.echelles[echelle].valeurs if n.favorable}


def check_conditions_passage(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """Readiness at each passage (``[jury] conditions_passage``), on any route but VAE (:func:`is_vae_route`).

    Each passage on or before ``as_of`` where the candidate was present is checked for each
    domaine presented (:func:`domaines_presentes`):

    - ``passage_evaluation_finale`` (warning), condition ``evaluation_finale_favorable``: every
      épreuve of type ``finale_entreprise`` covering the domaine (of the dossier's mention or of no
      mention) that names a ``verdict`` échelle needs an evaluation dated on or before the passage
      whose verdict is a ``favorable`` value of that échelle (any such evaluation counts, as for
      ``decision_contraire`` in :mod:`cqpkit.rules.decision`). One finding per épreuve lacking it.
      An épreuve without a ``verdict`` gives no opinion of its own (the CQP Spécialiste
      prestations' second D1 grid is covered by the D1 verdict) and is not required.
    - ``passage_activites`` (error), condition ``activites_realisees``: the domaine's activities
      count as carried out, on or before the passage, when (1) an :class:`~cqpkit.model.Activite`
      of that domaine (or, with no domaine, of a module covering it) has ``realisee = true``, or
      (2) a critère of nature ``activite`` for that domaine (the fiche de synthèse's « activités
      exercées : oui / non ») is rated on a ``favorable`` value of its échelle (the critère's, else
      the épreuve's) in an evaluation of its épreuve. Either is enough: activities carried out
      once stay carried out.

    - ``passage_modules_obligatoires`` (error), condition ``modules_obligatoires``: every module
      with ``obligatoire = true`` was followed (a ``formations`` entry starting on or before the
      passage). One finding per passage and missing module (not per domaine).

    The conditions concern the route with in-company evaluation; on a VAE route
    (:func:`is_vae_route`) nothing is checked.
    """
    jury = ref.jury
    if jury is None or not jury.conditions_passage or is_vae_route(ref, dossier):
        return []
    conditions = set(jury.conditions_passage)
    source = source_for(jury.sources, "conditions_passage")
    found: list[Constat] = []
    for i, passage in enumerate(dossier.passages):
        if passage.absent or passage.excuse or passage.date > as_of:
            continue
        if "modules_obligatoires" in conditions:
            suivis = {f.module for f in dossier.formations if f.debut <= passage.date}
            for module in ref.modules:
                if module.obligatoire and module.id not in suivis:
                    found.append(
                        _constat(
                            "passage_modules_obligatoires",
                            "erreur",
                            f"Passage devant le jury du {_jj(passage.date)} : le module obligatoire « {module.intitule} » "
                            f"({module.id}) n'a pas été suivi.",
                            chemin=f"passages[{i}]",
                            source=_first(module.sources) or source,
                            regle="jury.conditions_passage.modules_obligatoires",
                            valeurs={"module": module.id, "date_passage": _jj(passage.date), "session": passage.session},
                        )
                    )
        for domaine in domaines_presentes(ref, dossier, i):
            chemin = f"passages[{i}].decisions.{domaine}"
            if "evaluation_finale_favorable" in conditions:
                found.extend(_evaluation_finale(ref, dossier, passage, domaine, chemin, source))
            if "activites_realisees" in conditions and not _activites_realisees(ref, dossier, domaine, passage.date):
                found.append(
                    _constat(
                        "passage_activites",
                        "erreur",
                        f"Passage devant le jury du {_jj(passage.date)} : aucune trace que le candidat a exercé les "
                        f"activités du domaine {domaine} à cette date (activité réalisée ou fiche de synthèse).",
                        chemin=chemin,
                        source=source,
                        regle="jury.conditions_passage.activites_realisees",
                        valeurs={"domaine": domaine, "date_passage": _jj(passage.date), "session": passage.session},
                    )
                )
    return found


def _evaluation_finale(
    ref: Referentiel,
    dossier: Dossier,
    passage: PassageJury,
    domaine: str,
    chemin: str,
    source: Source | None,
) -> list[Constat]:
    mention = dossier.dossier.mention
    found: list[Constat] = []
    for epreuve in ref.epreuves:
        if epreuve.type != "finale_entreprise" or domaine not in epreuve.domaines:
            continue
        if epreuve.mention is not None and epreuve.mention != mention:
            continue
        favorables = _favorables(ref, epreuve.verdict)
        if favorables is None:
            continue
        evaluations = [e for e in dossier.evaluations if e.epreuve == epreuve.id and e.date <= passage.date]
        if any(e.verdict in favorables for e in evaluations):
            continue
        valeurs = {
            "domaine": domaine,
            "date_passage": _jj(passage.date),
            "epreuve": epreuve.id,
            "verdicts_favorables": _liste(sorted(favorables)),
        }
        if not evaluations:
            detail = "aucune évaluation finale en entreprise enregistrée à cette date"
            valeurs["verdict"] = "aucun"
        else:
            evaluation = max(evaluations, key=lambda e: e.date)
            valeurs["date_evaluation"] = _jj(evaluation.date)
            valeurs["verdict"] = evaluation.verdict or "aucun"
            if evaluation.verdict is None:
                detail = f"l'évaluation du {_jj(evaluation.date)} n'a pas de verdict"
            else:
                libelles = {n.id: n.libelle for n in ref.echelles[epreuve.verdict].valeurs}  # type: ignore[index]
                libelle = libelles.get(evaluation.verdict, evaluation.verdict)
                detail = f"dernière évaluation le {_jj(evaluation.date)} : « {libelle} »"
        found.append(
            _constat(
                "passage_evaluation_finale",
                "avertissement",
                f"Passage devant le jury du {_jj(passage.date)}, domaine {domaine} : pas d'évaluation finale "
                f"favorable « {epreuve.intitule} » ({detail}).",
                chemin=chemin,
                source=source,
                regle="jury.conditions_passage.evaluation_finale_favorable",
                valeurs=valeurs,
            )
        )
    return found


def _activites_realisees(ref: Referentiel, dossier: Dossier, domaine: str, jusqua: date) -> bool:
    module_domaines = {m.id: m.domaines for m in ref.modules}
    for activite in dossier.activites:
        if not activite.realisee or activite.date > jusqua:
            continue
        if activite.domaine == domaine:
            return True
        if (
            activite.domaine is None
            and activite.module is not None
            and domaine in module_domaines.get(activite.module, ())
        ):
            return True
    for epreuve in ref.epreuves:
        for critere in epreuve.criteres:
            if critere.nature != "activite" or critere.domaine != domaine:
                continue
            favorables = _favorables(ref, critere.echelle or epreuve.echelle)
            if favorables is None:
                continue
            if any(
                e.epreuve == epreuve.id and e.date <= jusqua and e.criteres.get(critere.id) in favorables
                for e in dossier.evaluations
            ):
                return True
    return False


# ----------------------------------------------------------------------- training
def check_heures_formation(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """``heures_formation`` (warning): total training hours outside ``[formation] heures_min`` / ``heures_max``.

    Checked only when the modules followed (started on or before ``as_of``) cover every domaine of
    the référentiel (through each module's ``domaines``): the range is stated "for all the modules"
    of the certification. Both bounds are included (280 and 320 h are within 280–320 h). The total
    is the sum of the ``heures`` of those modules; above ``heures_max`` is reported at once (hours
    not given could only add to it), below ``heures_min`` only when every module gives its hours and
    the training has ended (its last end on or before ``as_of``).
    """
    formation = ref.formation
    if formation is None or (formation.heures_min is None and formation.heures_max is None) or not ref.domaines:
        return []
    suivies = [f for f in dossier.formations if f.debut <= as_of]
    modules = {m.id: m for m in ref.modules}
    couverts = {d for f in suivies if f.module in modules for d in modules[f.module].domaines}
    if not suivies or any(d.id not in couverts for d in ref.domaines):
        return []
    total = sum(f.heures for f in suivies if f.heures is not None)
    completes = all(f.heures is not None for f in suivies)
    fins = event_occurrences(dossier, "fin_formation")
    terminee = bool(fins) and fins[-1].date <= as_of
    fourchette = " à ".join(_nombre(x) + " h" for x in (formation.heures_min, formation.heures_max) if x is not None)
    if formation.heures_max is not None and total > formation.heures_max:
        sens = f"au-delà du maximum de {_nombre(formation.heures_max)} h"
    elif formation.heures_min is not None and completes and terminee and total < formation.heures_min:
        sens = f"en deçà du minimum de {_nombre(formation.heures_min)} h"
    else:
        return []
    return [
        _constat(
            "heures_formation",
            "avertissement",
            f"Formation de {_nombre(total)} h au total pour un parcours couvrant tous les domaines, {sens} "
            f"(durée prévue : {fourchette}).",
            chemin="formations",
            source=source_for(formation.sources, "heures_min", "heures_max"),
            regle="formation.heures",
            valeurs={
                "heures": _nombre(total),
                "heures_min": _nombre(formation.heures_min) if formation.heures_min is not None else "",
                "heures_max": _nombre(formation.heures_max) if formation.heures_max is not None else "",
                "modules": _liste(f.module for f in suivies),
            },
        )
    ]


def check_organismes(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """``organisme_non_agree``: a module followed (started on or before ``as_of``) with a body that is not agreed.

    Applies when ``[formation] organisme_agree`` is true. A module's body is agreed when the
    dossier says so (``organisme_agree``: the dossier's own flag wins); when the dossier does not
    say, when it is one of ``organismes_agrees`` and the module started on or before
    ``agrement_jusqua``; when neither tells (no flag and no list), it is unknown and gives nothing.

    The date that matters is the module's start (the event the agreement constrains), never
    ``as_of``: a module started on 30/06/2014 with a listed body stays in order when checked in
    2020. After ``agrement_jusqua`` the list no longer agrees anyone (« l'agrément … a été délivré
    jusqu'à juin 2014 »): a listed body is then no more agreed than an unlisted one. The finding is
    an error, or a warning for a module started after ``agrement_jusqua`` (the branch's agreement
    had ended: no body could be chosen among agreed ones).
    """
    formation = ref.formation
    if formation is None or not formation.organisme_agree:
        return []
    jusqua = formation.agrement_jusqua
    found: list[Constat] = []
    for i, suivie in enumerate(dossier.formations):
        if suivie.debut > as_of:
            continue
        expire = jusqua is not None and suivie.debut > jusqua
        liste = bool(formation.organismes_agrees) and suivie.organisme in formation.organismes_agrees
        agree = suivie.organisme_agree
        if agree is None and formation.organismes_agrees:
            agree = liste and not expire
        if agree is None or agree:
            continue
        organisme = f"« {suivie.organisme} »" if suivie.organisme else "(non nommé)"
        if liste and expire:
            assert jusqua is not None
            message = (
                f"Module {suivie.module} commencé le {_jj(suivie.debut)} avec l'organisme {organisme}, de la liste des "
                f"organismes agréés, mais l'agrément de la branche a pris fin le {_jj(jusqua)} : à cette date, "
                "aucun organisme n'est plus agréé."
            )
        else:
            message = (
                f"Module {suivie.module} commencé le {_jj(suivie.debut)} avec l'organisme {organisme}, qui n'est pas agréé"
            )
            if expire:
                assert jusqua is not None
                message += f" (l'agrément de la branche a pris fin le {_jj(jusqua)})"
            message += "."
        found.append(
            _constat(
                "organisme_non_agree",
                "avertissement" if expire else "erreur",
                message,
                chemin=f"formations[{i}].organisme",
                source=source_for(formation.sources, "agrement_jusqua" if expire else "organisme_agree"),
                regle="formation.organisme_agree",
                valeurs={
                    "module": suivie.module,
                    "debut": _jj(suivie.debut),
                    "organisme": suivie.organisme,
                    "organisme_liste": "oui" if liste else "non",
                    "agrement_jusqua": _jj(jusqua) if jusqua else "",
                },
            )
        )
    return found


# ----------------------------------------------------------------------- all of them
CHECKS: tuple[Callable[[Referentiel, Dossier, date], list[Constat]], ...] = (
    check_premier_passage,
    check_regles,
    check_evaluateurs,
    check_tutorat,
    check_vae,
    check_conditions_passage,
    check_heures_formation,
    check_organismes,
    check_version,
)
"""The checks :func:`check_dossier` runs, in this order (the result is sorted anyway)."""


def check_dossier(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """Every finding of :data:`CHECKS` for ``dossier`` as of ``as_of``, sorted by ``chemin``, ``code``, ``message``."""
    found: list[Constat] = []
    for check in CHECKS:
        found.extend(check(ref, dossier, as_of))
    return sort_constats(found)
