"""The evaluators of each evaluation: :func:`check_evaluateurs`.

``nombre`` counts distinct people when ``distincts``; every role of ``roles_requis`` must be held by an
evaluator (main or secondary role); each excluded role held is reported.

Part of :mod:`cqpkit.rules.checks` (see its docstring for what a finding holds and how ``as_of`` reads).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from cqpkit.formats.refindex import per_referentiel
from cqpkit.model import Acteur, Constat, Dossier, Epreuve, Evaluation, Referentiel
from cqpkit.rules.checks.common import _constat, _first, _role
from cqpkit.rules.fr import date_fr as _jj
from cqpkit.rules.fr import liste as _liste
from cqpkit.rules.fr import pluriel as _pluriel

__all__ = ["check_evaluateurs"]


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
    specs = per_referentiel(ref, _specs)
    if not specs:
        return []
    # The acteurs by id, built once (the first of an id, as Dossier.acteur finds it): looking each evaluator
    # up in the list would cost evaluations × acteurs; with the roles each holds (main or secondary).
    acteurs: dict[str, Acteur] = {}
    roles: dict[str, frozenset[str]] = {}
    for a in dossier.acteurs:
        if a.id not in acteurs:
            acteurs[a.id] = a
            roles[a.id] = frozenset(a.roles)
    # Most evaluations are in order, and a dossier's evaluations mostly share their evaluators and their épreuve's
    # rule (the same rule for several épreuves: _Spec.rule): whether they are in order is asked once per (rule,
    # evaluators) pair; nothing of a message is written unless one is not.
    in_order: dict[tuple[int, tuple[str, ...]], bool] = {}
    found: list[Constat] = []
    for i, evaluation in enumerate(dossier.evaluations):
        spec = specs.get(evaluation.epreuve)
        if spec is None or evaluation.date > as_of:
            continue
        key = (spec.rule, evaluation.evaluateurs)
        ok = in_order.get(key)
        if ok is None:
            ok = in_order[key] = spec.in_order(evaluation.evaluateurs, roles)
        if not ok:
            found.extend(_check_evaluation(spec.epreuve, evaluation, i, acteurs))
    return found


class _Spec:
    """An épreuve's ``evaluateurs`` rule with its role sets, built once per référentiel (:func:`_specs`)."""

    __slots__ = ("admis", "distincts", "epreuve", "exclus", "nombre", "requis", "rule")

    def __init__(self, epreuve: Epreuve, rules: dict[tuple[object, ...], int]) -> None:
        spec = epreuve.evaluateurs
        assert spec is not None
        self.epreuve = epreuve
        self.nombre = spec.nombre
        self.distincts = spec.distincts
        self.requis = frozenset(spec.roles_requis)
        self.admis = frozenset(spec.roles_admis) | self.requis if spec.roles_admis else None
        self.exclus = frozenset(spec.roles_exclus)
        # the same number for the épreuves whose rule is the same (what in_order reads): one answer for them all
        self.rule = rules.setdefault((self.nombre, self.distincts, self.requis, self.admis, self.exclus), len(rules))

    def in_order(self, listed: tuple[str, ...], roles: dict[str, frozenset[str]]) -> bool:
        """Whether these evaluators give no finding (:func:`_check_evaluation` gives none exactly then)."""
        distinct = tuple(dict.fromkeys(listed))
        if self.nombre is not None and (len(distinct) if self.distincts else len(listed)) < self.nombre:
            return False
        if self.distincts and len(distinct) < len(listed):
            return False
        held_each = [roles[ident] for ident in distinct if ident in roles]  # an evaluator not among the acteurs holds none
        held = frozenset().union(*held_each)
        if not self.requis <= held or not self.exclus.isdisjoint(held):
            return False
        admis = self.admis
        return admis is None or all(not admis.isdisjoint(r) for r in held_each)


def _specs(ref: Referentiel) -> dict[str, _Spec]:
    """The épreuves that state ``evaluateurs``, by id (the first of an id, as ``epreuves_par_id``)."""
    rules: dict[tuple[object, ...], int] = {}
    return {ident: _Spec(e, rules) for ident, e in ref.epreuves_par_id.items() if e.evaluateurs is not None}


def _check_evaluation(epreuve: Epreuve, evaluation: Evaluation, i: int, par_id: dict[str, Acteur]) -> list[Constat]:
    spec = epreuve.evaluateurs
    assert spec is not None
    listed = list(evaluation.evaluateurs)
    distinct = list(dict.fromkeys(listed))
    counted = len(distinct) if spec.distincts else len(listed)
    acteurs = [a for a in (par_id.get(ident) for ident in distinct) if a is not None]
    # (called only for an evaluation that is not in order, _Spec.in_order: each rule below is then asked again)
    source = spec.source or _first(epreuve.sources)
    chemin = f"evaluations[{i}].evaluateurs"
    head = f"Évaluation « {epreuve.intitule} » du {_jj(evaluation.date)}"
    base = {"epreuve": epreuve.id, "date_evaluation": _jj(evaluation.date), "evaluateurs": _liste(listed)}
    found: list[Constat] = []

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
        counts = Counter(listed)
        for ident in distinct:
            times = counts[ident]
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
