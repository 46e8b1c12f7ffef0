"""The JSON answers of the dossier engines: what ``cqpkit check|plan|decide|funding|explain --json`` and the HTTP
API (:mod:`cqpkit.web`) both give, built by the same functions.

Each engine command gives one object per dossier (:func:`check_item`, :func:`plan_item`, :func:`decide_item`,
:func:`funding_item`, :func:`explain_item`), a summary built as the dossiers come (:class:`CheckSummary`,
:class:`DecideSummary`, :class:`FundingTotals`), the errors of the input files (:func:`erreur_item`) and the
dossiers a plugin failed on (:func:`non_evalue_item`). The CLI streams them (``cqpkit.cli.dossiers``, one file at
a time); :func:`answer` computes the whole object in memory for dossiers already loaded (the HTTP API, an
embedding application). The keys are the contract of ``docs/json-output.md``; ``tests/test_web_engine.py``
checks that the HTTP answer equals the CLI's ``--json`` on the bundled examples.

Next to the registry because it calls it (:meth:`~cqpkit.plugins.registry.Registry.decide` and the others) and
nothing else: no I/O, no front end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from cqpkit.model import Constat, Dossier, LigneFinancement, Parcours, Resultat
    from cqpkit.plugins.registry import Explication, Registry

__all__ = [
    "COMMANDS",
    "CheckSummary",
    "DecideSummary",
    "FundingTotals",
    "answer",
    "check_item",
    "decide_item",
    "dump",
    "erreur_item",
    "explain_item",
    "funding_item",
    "funding_of",
    "non_evalue_item",
    "plan_item",
]

#: The engine commands :func:`answer` knows, in the order of ``cqpkit --help``.
COMMANDS = ("check", "plan", "decide", "funding", "explain")


def dump(obj: Any) -> Any:
    """A result object (finding, decision, funding line, parcours) as the JSON output shows it: every key, ISO dates."""
    from cqpkit.formats.converter import output_converter

    return output_converter().unstructure(obj)


# ------------------------------------------------------------------------ input errors
def erreur_item(fichier: str, ligne: int | None, cle: str, message: str) -> dict[str, Any]:
    """One error of an input file (« Erreur » of docs/json-output.md): ``cle`` is also under ``chemin``."""
    return {"fichier": fichier, "ligne": ligne, "cle": cle, "chemin": cle, "message": message}


def non_evalue_item(fichier: str, dossier: Dossier, constat: Constat) -> dict[str, Any]:
    """A dossier a plugin failed on, left out of the results, with the finding ``extension_en_echec``."""
    d = dossier.dossier
    return {"fichier": fichier, "dossier": dossier.id, "certification": d.certification, "version": d.version, "constats": [dump(constat)]}


# ------------------------------------------------------------------------------ items
def check_item(fichier: str, dossier: Dossier, constats: Iterable[Constat]) -> dict[str, Any]:
    """``check``: the findings on one dossier."""
    d = dossier.dossier
    return {
        "fichier": fichier,
        "dossier": dossier.id,
        "certification": d.certification,
        "version": d.version,
        "constats": [dump(c) for c in constats],
    }


def decide_item(fichier: str, resultat: Resultat) -> dict[str, Any]:
    """``decide``: the Resultat of one dossier, plus ``fichier``."""
    return {"fichier": fichier, **dump(resultat)}


def plan_item(fichier: str, parcours: Parcours) -> dict[str, Any]:
    """``plan``: the Parcours of one dossier, plus ``fichier``."""
    return {"fichier": fichier, **dump(parcours)}


def funding_of(registry: Registry, dossier: Dossier, day: dt.date) -> tuple[list[LigneFinancement], list[Constat]]:
    """``funding``: the lines of one dossier and the findings on the lines the engine could not give (decided once)."""
    resultat = registry.decide(dossier, day)
    lines = registry.funding(dossier, day, resultat=resultat)
    found = [c for c in registry.check(dossier, day, resultat=resultat) if c.regle.startswith("financement.")]
    return lines, found


def funding_item(fichier: str, dossier: Dossier, lignes: Iterable[LigneFinancement], constats: Iterable[Constat]) -> dict[str, Any]:
    """``funding``: the lines of one dossier and the findings on its lines."""
    return {"fichier": fichier, "dossier": dossier.id, "lignes": [dump(x) for x in lignes], "constats": [dump(c) for c in constats]}


def explain_item(fichier: str, explication: Explication) -> dict[str, Any]:
    """``explain``: findings, result and funding lines of one dossier."""
    e = explication
    return {
        "fichier": fichier,
        "dossier": e.dossier,
        "constats": [dump(c) for c in e.constats],
        "resultat": dump(e.resultat),
        "financement": [dump(x) for x in e.financement],
    }


# -------------------------------------------------------------------------- summaries
class CheckSummary:
    """``check``'s ``resume``: the dossiers checked, those with errors, those with warnings only."""

    def __init__(self) -> None:
        self.counts = {"dossiers": 0, "avec_erreurs": 0, "avec_avertissements": 0}

    def add(self, constats: Iterable[Constat]) -> bool:
        """Count one dossier's findings; True when one of them is an error (a blocking finding)."""
        niveaux = {c.niveau for c in constats}
        self.counts["dossiers"] += 1
        if "erreur" in niveaux:
            self.counts["avec_erreurs"] += 1
            return True
        if "avertissement" in niveaux:
            self.counts["avec_avertissements"] += 1
        return False

    def resume(self) -> dict[str, int]:
        return dict(self.counts)


class DecideSummary:
    """``decide``'s ``resume``: statut → number of dossiers."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def add(self, resultat: Resultat) -> bool:
        """Count one result; True when one of its findings is an error."""
        self.counts[resultat.statut] = self.counts.get(resultat.statut, 0) + 1
        return any(c.niveau == "erreur" for c in resultat.constats)

    def resume(self) -> dict[str, int]:
        return self.counts


#: Totals per nature, so that what the training costs is not added to what is paid for it.
NATURES = {"cout": "coûts", "financement": "financements", "gratification": "gratifications"}


class FundingTotals:
    """``funding``'s ``total`` and ``total_par_nature``: running sums in the order of the dossiers and of their lines
    (the same floats as one sum at the end), rounded to the cent when read."""

    def __init__(self) -> None:
        self.per_nature: dict[str, dict[str, Any]] = {n: {"euro": 0, "point": 0} for n in NATURES}
        self.all: dict[str, Any] = {"euro": 0, "point": 0}

    def add(self, lignes: Iterable[LigneFinancement]) -> None:
        for x in lignes:
            if x.en in ("euro", "point"):
                self.all[x.en] += x.montant
                if x.nature in self.per_nature:
                    self.per_nature[x.nature][x.en] += x.montant

    def total(self) -> dict[str, Any]:
        return {"euro": round(self.all["euro"], 2), "point": self.all["point"]}

    def par_nature(self) -> dict[str, dict[str, Any]]:
        return {n: {"euro": round(t["euro"], 2), "point": t["point"]} for n, t in self.per_nature.items()}


# ----------------------------------------------------------------------------- answer
def answer(
    command: str,
    registry: Registry,
    dossiers: Iterable[tuple[str, Dossier]],
    day: dt.date,
    date_source: str,
    *,
    erreurs: Iterable[dict[str, Any]] = (),
) -> tuple[dict[str, Any], bool]:
    """The whole ``--json`` object of an engine command on dossiers already loaded, and whether one finding blocks.

    ``dossiers``: ``(fichier, dossier)`` pairs, valid (read with a registry); ``date_source``: ``"as_of"`` or
    ``"aujourdhui"``; ``erreurs``: the errors of the inputs that could not be read (``erreur_item``). A plugin
    failing on a dossier (:class:`~cqpkit.plugins.hookcalls.HookFailure`) gives, as in the CLI, the finding
    ``extension_en_echec``: in ``check``'s results, under ``non_evalues`` for the others (and it blocks).
    """
    from cqpkit.plugins.hookcalls import HookFailure, failure_constat

    if command not in COMMANDS:
        raise ValueError(f"commande inconnue : {command}")
    blocking = False
    non_evalues: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    out: dict[str, Any] = {"date": day.isoformat(), "date_source": date_source}

    def each(compute: Callable[[Dossier], Any]) -> Iterable[tuple[str, Dossier, Any]]:
        nonlocal blocking
        for fichier, dossier in dossiers:
            try:
                result = compute(dossier)
            except HookFailure as exc:
                blocking = True
                non_evalues.append(non_evalue_item(fichier, dossier, failure_constat(exc)))
                continue
            yield fichier, dossier, result

    if command == "check":
        summary = CheckSummary()
        for fichier, dossier in dossiers:
            try:
                constats = registry.check(dossier, day)
            except HookFailure as exc:
                constats = [failure_constat(exc)]
                blocking = True
            blocking |= summary.add(constats)
            items.append(check_item(fichier, dossier, constats))
        out.update(dossiers=items, resume=summary.resume())
    elif command == "decide":
        decided = DecideSummary()
        for fichier, _, r in each(lambda d: registry.decide(d, day)):
            blocking |= decided.add(r)
            items.append(decide_item(fichier, r))
        out.update(resultats=items, resume=decided.resume())
    elif command == "plan":
        items = [plan_item(fichier, p) for fichier, _, p in each(lambda d: registry.plan(d, day))]
        out.update(parcours=items)
    elif command == "funding":
        totals = FundingTotals()
        for fichier, dossier, (lines, found) in each(lambda d: funding_of(registry, d, day)):
            totals.add(lines)
            items.append(funding_item(fichier, dossier, lines, found))
        out.update(dossiers=items, total=totals.total(), total_par_nature=totals.par_nature())
    else:
        items = [explain_item(fichier, e) for fichier, _, e in each(lambda d: registry.explain(d, day))]
        out.update(dossiers=items)
    erreurs = list(erreurs)
    out.update(erreurs=erreurs, non_evalues=non_evalues)
    return out, blocking or bool(erreurs)
