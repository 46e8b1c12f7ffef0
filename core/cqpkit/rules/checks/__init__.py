"""The checks of one dossier against its référentiel, as of a date: :func:`check_dossier`.

A package, one module per rule family (``premier_passage``, ``regles``, ``evaluateurs``, ``tutorat``,
``vae``, ``conditions_passage``, ``formation``; the version in force is :mod:`cqpkit.rules.vigueur`),
each also exposed as a builtin plugin that can be blocked by name (``cqpkit.plugins.default_*``);
the shared helpers are in ``common``. Every public name is importable from here.

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

from collections.abc import Callable
from datetime import date

from cqpkit.model import Constat, Dossier, Referentiel
from cqpkit.rules.checks.common import sort_constats
from cqpkit.rules.checks.conditions_passage import check_conditions_passage, domaines_presentes
from cqpkit.rules.checks.evaluateurs import check_evaluateurs
from cqpkit.rules.checks.formation import check_heures_formation, check_organismes
from cqpkit.rules.checks.premier_passage import check_premier_passage, premier_passage_limite
from cqpkit.rules.checks.regles import check_regle, check_regles
from cqpkit.rules.checks.tutorat import check_tutorat
from cqpkit.rules.checks.vae import check_vae, is_vae_route, voie_vae
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
