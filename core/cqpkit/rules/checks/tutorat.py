"""The tutor: :func:`check_tutorat`.

Experience measured at the start of the mission (else of the training), load above the recommendation
(warning) and above the maximum (error), trained no later than the start of the training (a missing date
is a breach once the training started), lead time within min/max.

Part of :mod:`cqpkit.rules.checks` (see its docstring for what a finding holds and how ``as_of`` reads).
"""

from __future__ import annotations

from datetime import date

from cqpkit.model import Acteur, Constat, Dossier, Referentiel
from cqpkit.rules import dates
from cqpkit.rules.checks.common import _constat
from cqpkit.rules.fr import date_fr as _jj
from cqpkit.rules.fr import liste as _liste
from cqpkit.rules.fr import pluriel as _pluriel
from cqpkit.rules.sources import source_for

__all__ = ["check_tutorat"]


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
    # The event « debut_formation » (cqpkit.rules.events), without building its occurrence: the first start of a
    # module, if on or before as_of.
    debut_formation = None
    if dossier.formations:
        debut_formation = min(f.debut for f in dossier.formations)
        if debut_formation > as_of:
            debut_formation = None
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
