"""The dossier commands: ``check``, ``decide``, ``funding``, ``plan``, ``explain``.

All five run one sequence (:func:`run_dossiers`): load the registry and say which plugins
failed; fix the date (``--as-of``, default today); read every dossier file, printing the errors
of those that fail and keeping them for ``--json``; run the engine on the good ones; print JSON
(``{"date", …, "erreurs"}``) or French text. Exit code: the worst of the files (2 unreadable,
1 invalid) and of what the command found (1 for a blocking finding). Each command only says what
it computes and how that reads.

A plugin failing on one dossier (:class:`~cqpkit.plugins.hookcalls.HookFailure`: it raised, exited,
or answered the wrong type) hurts that dossier only: ``check`` reports the finding
``extension_en_echec`` for it; the other commands leave it out of their results and list it under
« non évalué » (``non_evalues`` with ``--json``); stderr names the plugin, the hook and the line that
raised; exit 1. The other dossiers are computed as usual.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from cqpkit.cli.common import (
    STATUTS,
    STATUTS_PLURIEL,
    as_of,
    as_of_source,
    date_said,
    dump,
    failures_out,
    load_registry,
    parse_date,
    print_json,
    source_text,
    statut_text,
)
from cqpkit.cli.output import print_error
from cqpkit.exceptions import InvalidFileError, UnreadableFileError
from cqpkit.render.text import date_txt, montant_fr, nombre_fr, plafond_txt, pluriel

__all__ = ["DossierRun", "add_dossier_command", "cmd_check", "cmd_decide", "cmd_explain", "cmd_funding", "cmd_plan", "load_dossier_or_scenario", "run_dossiers"]


# ------------------------------------------------------------------------------- runner
class DossierRun:
    """One run of a dossier command: the registry, the date, the dossiers read, their errors, the exit code so far."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.registry = load_registry()
        failures_out(self.registry)
        self.day = as_of(args)
        #: The errors of the input files, for ``--json`` (docs/json-output.md, « Erreur »).
        self.erreurs: list[dict[str, Any]] = []
        #: (path, dossier, finding) of each dossier a plugin failed on, left out of the results.
        self.non_evalues: list[tuple[str, Any, Any]] = []
        self.code = 0
        #: (path, dossier) of every file that could be read and is valid.
        self.loaded = self.load_files(lambda path: load_dossier_or_scenario(path, self.registry), args.dossiers)

    def load_files(self, load: Callable[[str], Any], paths: Sequence[str]) -> list[tuple[str, Any]]:
        """Load every file with ``load(path)``; print the errors of those that fail; return the good ones.

        The errors also go to :attr:`erreurs`: each error of an invalid file with its line and key; a file
        that cannot be read as one error with no line (``ligne`` null) and no key. :attr:`code` takes the worst.
        """
        loaded = []
        for path in paths:
            try:
                loaded.append((path, load(path)))
            except UnreadableFileError as exc:
                self.code = max(self.code, 2)
                print(f"erreur : {exc}", file=sys.stderr)
                self.erreurs.append(_erreur_json(path, None, "", str(exc)))
            except InvalidFileError as exc:
                self.code = max(self.code, 1)
                print_error(exc, prefix="")
                self.erreurs.extend(_erreur_json(e.fichier, e.ligne, e.chemin, e.message) for e in exc.erreurs)
        return loaded

    def each(self, compute: Callable[[Any], Any]) -> list[tuple[str, Any, Any]]:
        """``(path, dossier, compute(dossier))`` for every dossier read; one a plugin fails on is left out (:meth:`failed`)."""
        from cqpkit.plugins.hookcalls import HookFailure

        out = []
        for path, dossier in self.loaded:
            try:
                out.append((path, dossier, compute(dossier)))
            except HookFailure as exc:
                self.non_evalues.append((path, dossier, self.failed(path, dossier, exc)))
        return out

    def failed(self, path: str, dossier: Any, exc: Any) -> Any:
        """Say on stderr that a plugin failed on this dossier (exit 1); return the finding ``extension_en_echec``."""
        from cqpkit.plugins.hookcalls import failure_constat

        print(f"erreur : {exc} — dossier « {dossier.id} » ({path})", file=sys.stderr)
        self.code = max(self.code, 1)
        return failure_constat(exc)

    def fail_if(self, condition: bool) -> None:
        """A blocking finding makes the exit code at least 1."""
        if condition:
            self.code = max(self.code, 1)


def load_dossier_or_scenario(path: str, registry: Any) -> Any:
    """A dossier file, or the dossier of a scenario file (inline, or the file its ``dossier`` key names).

    A scenario is recognised only once the file has failed as a dossier (the dossier files' path is
    unchanged); stderr then says where the dossier was read from and the scenario's date, so that
    a plugin author debugs a failing scenario with ``check``, ``decide``, ``funding``, ``plan``, ``explain``.
    """
    from cqpkit.formats.dossiers import load_dossier

    try:
        return load_dossier(path, registry)
    except InvalidFileError:
        from cqpkit.testing.scenarios import is_scenario_file

        if not is_scenario_file(path):
            raise
    import os

    from cqpkit.testing.scenarios import load_scenario

    scenario = load_scenario(path, registry)
    ref = scenario.info.dossier
    where = os.path.join(os.path.dirname(path), ref) if ref else "ses propres tables [dossier]"
    print(
        f"scénario {path} : dossier lu depuis {where} (date du scénario : {date_txt(scenario.info.date)} ; "
        f"--as-of {scenario.info.date.isoformat()} pour la reprendre)",
        file=sys.stderr,
    )
    return scenario.dossier


def _erreur_json(fichier: str, ligne: int | None, cle: str, message: str) -> dict[str, Any]:
    """One error of an input file for ``--json``: ``cle`` is also under ``chemin``."""
    return {"fichier": fichier, "ligne": ligne, "cle": cle, "chemin": cle, "message": message}


def run_dossiers(
    args: argparse.Namespace,
    compute: Callable[[DossierRun], Any],
    as_json: Callable[[DossierRun, Any], dict[str, Any]],
    as_text: Callable[[DossierRun, Any], None],
) -> int:
    """The sequence every dossier command runs (module docstring); returns the exit code.

    ``compute(run)`` runs the engine on ``run.loaded`` (and may read more files with ``run.load_files``);
    ``as_json(run, results)`` gives the keys after ``date`` (``erreurs`` is added last unless given);
    ``as_text(run, results)`` prints the French text.
    """
    run = DossierRun(args)
    results = compute(run)
    if args.json:
        out = {"date": run.day.isoformat(), "date_source": as_of_source(args), **as_json(run, results)}
        out.setdefault("erreurs", run.erreurs)
        out["non_evalues"] = [
            {"fichier": path, "dossier": d.id, "certification": d.dossier.certification, "version": d.dossier.version, "constats": [dump(c)]}
            for path, d, c in run.non_evalues
        ]
        print_json(out)
    else:
        as_text(run, results)
        for _, d, c in run.non_evalues:
            print(f"{d.id} ({d.dossier.certification} {d.dossier.version}) : non évalué — {c.niveau} {c.code} — {c.message}")
    return run.code


# -------------------------------------------------------------------------------- check
_NIVEAU_ORDRE = {"erreur": 0, "avertissement": 1, "information": 2}


def _has(constats: Any, niveau: str) -> bool:
    return any(c.niveau == niveau for c in constats)


def cmd_check(args: argparse.Namespace) -> int:
    if args.historique and not args.session:
        print("cqpkit check : erreur d'utilisation : --historique ne s'emploie qu'avec --session", file=sys.stderr)
        return 2
    session_paths = [args.session, *(args.historique or ())] if args.session else []

    def compute(run: DossierRun) -> Any:
        sessions: list[tuple[str, Any]] = []
        if session_paths:
            from cqpkit.formats.dossiers import load_session

            # Every session file is read, each with all its errors, before any is used.
            sessions = run.load_files(lambda path: load_session(path, run.registry), session_paths)
        report = [(path, dossier, _checked(run, path, dossier)) for path, dossier in run.loaded]
        session_constats: list[Any] = []
        session_checked = bool(session_paths) and len(sessions) == len(session_paths)
        if session_checked:
            session, *historique = (s for _, s in sessions)
            session_constats = run.registry.check_session(session, [d for _, d, _ in report], historique)
        n_err = sum(1 for *_, cs in report if _has(cs, "erreur"))
        n_warn = sum(1 for *_, cs in report if cs and not _has(cs, "erreur") and _has(cs, "avertissement"))
        run.fail_if(_has(session_constats, "erreur") or n_err > 0)
        return report, session_constats, session_checked, n_err, n_warn

    def as_json(run: DossierRun, results: Any) -> dict[str, Any]:
        report, session_constats, _, n_err, n_warn = results
        out: dict[str, Any] = {
            "dossiers": [
                {
                    "fichier": path,
                    "dossier": d.id,
                    "certification": d.dossier.certification,
                    "version": d.dossier.version,
                    "constats": [dump(c) for c in cs],
                }
                for path, d, cs in report
            ],
            "resume": {"dossiers": len(report), "avec_erreurs": n_err, "avec_avertissements": n_warn},
            "erreurs": run.erreurs,
        }
        if args.session:
            out["session"] = {"fichier": args.session, "constats": [dump(c) for c in session_constats]}
        return out

    def as_text(run: DossierRun, results: Any) -> None:
        report, session_constats, session_checked, n_err, n_warn = results
        for _path, d, cs in report:
            head = f"{d.id} ({d.dossier.certification} {d.dossier.version}) — "
            print(head + (pluriel(len(cs), "constat") if cs else "aucun constat"))
            for c in sorted(cs, key=lambda c: (_NIVEAU_ORDRE[c.niveau], c.chemin, c.code)):
                where = f"{c.chemin} : " if c.chemin else ""
                print(f"  {c.niveau:<13} {c.code} — {where}{c.message}")
        if args.session and not session_checked:
            print(f"Session {args.session} — non vérifiée : un fichier de session est invalide ou illisible (voir les erreurs)")
        elif args.session:
            print(f"Session {args.session} — " + (f"{len(session_constats)} constat(s)" if session_constats else "aucun constat"))
            for c in session_constats:
                print(f"  {c.niveau:<13} {c.code} — {c.message}")
        n = len(report)
        print(
            f"{pluriel(n, 'dossier vérifié', 'dossiers vérifiés')} {date_said(run.args)} : "
            f"{n_err} avec erreurs, {n_warn} avec avertissements seulement, {n - n_err - n_warn} sans problème"
        )

    return run_dossiers(args, compute, as_json, as_text)


def _checked(run: DossierRun, path: str, dossier: Any) -> list[Any]:
    """The findings on one dossier; a plugin failing on it gives the finding ``extension_en_echec`` instead."""
    from cqpkit.plugins.hookcalls import HookFailure

    try:
        return run.registry.check(dossier, run.day)
    except HookFailure as exc:
        return [run.failed(path, dossier, exc)]


# ------------------------------------------------------------------------------- decide
def cmd_decide(args: argparse.Namespace) -> int:
    def compute(run: DossierRun) -> Any:
        results = [(path, r) for path, _, r in run.each(lambda d: run.registry.decide(d, run.day))]
        counts: dict[str, int] = {}
        for _, r in results:
            counts[r.statut] = counts.get(r.statut, 0) + 1
            run.fail_if(_has(r.constats, "erreur"))
        return results, counts

    def as_json(run: DossierRun, results: Any) -> dict[str, Any]:
        results, counts = results
        return {"resultats": [{"fichier": path, **dump(r)} for path, r in results], "resume": counts}

    def as_text(run: DossierRun, results: Any) -> None:
        results, counts = results
        for _, r in results:
            line = f"{r.dossier} ({r.certification} {r.version}) : {statut_text(r.statut, r.restants)}"
            if r.date_certification:
                line += f" le {date_txt(r.date_certification)}"
            print(line)
            for a in r.acquis:
                until = f", valable jusqu'au {date_txt(a.valide_jusqua)}" if a.valide_jusqua and r.statut != "certifie" else ""
                print(f"  acquis   {a.domaine} (jury du {date_txt(a.date)}{until})")
            for a in r.expires:
                print(f"  expiré   {a.domaine} (jury du {date_txt(a.date)}, validité échue le {date_txt(a.valide_jusqua)})")
            if r.restants:
                print(f"  restants {', '.join(r.restants)}")
            for c in r.constats:
                print(f"  {c.niveau} {c.code} — {c.message}")
        summary = ", ".join(f"{n} {(STATUTS_PLURIEL if n > 1 else STATUTS).get(k, k)}" for k, n in sorted(counts.items()))
        n = len(results)
        print(f"{pluriel(n, 'dossier')} {date_said(run.args)}" + (f" : {summary}" if summary else ""))

    return run_dossiers(args, compute, as_json, as_text)


# ------------------------------------------------------------------------------ funding
#: Totals per nature, so that what the training costs is not added to what is paid for it.
_NATURES = {"cout": "coûts", "financement": "financements", "gratification": "gratifications"}


def cmd_funding(args: argparse.Namespace) -> int:
    def compute(run: DossierRun) -> Any:
        rows = []
        notes: dict[str, list[Any]] = {}  # the funding engine's findings per dossier (a line without barème…)

        def one(d: Any) -> tuple[list[Any], list[Any]]:
            resultat = run.registry.decide(d, run.day)
            lines = run.registry.funding(d, run.day, resultat=resultat)
            return lines, [c for c in run.registry.check(d, run.day, resultat=resultat) if c.regle.startswith("financement.")]

        for path, d, (lines, found) in run.each(one):
            rows.append((path, d, lines))
            notes[d.id] = found
        per_nature = {
            n: {
                "euro": round(sum(x.montant for *_, ls in rows for x in ls if x.nature == n and x.en == "euro"), 2),
                "point": sum(x.montant for *_, ls in rows for x in ls if x.nature == n and x.en == "point"),
            }
            for n in _NATURES
        }
        return rows, notes, per_nature

    def as_json(run: DossierRun, results: Any) -> dict[str, Any]:
        rows, notes, per_nature = results
        total_eur = sum(line.montant for *_, lines in rows for line in lines if line.en == "euro")
        total_pts = sum(line.montant for *_, lines in rows for line in lines if line.en == "point")
        return {
            "dossiers": [
                {"fichier": p, "dossier": d.id, "lignes": [dump(x) for x in lines], "constats": [dump(c) for c in notes[d.id]]}
                for p, d, lines in rows
            ],
            "total": {"euro": round(total_eur, 2), "point": total_pts},
            "total_par_nature": per_nature,
        }

    def as_text(run: DossierRun, results: Any) -> None:
        rows, notes, per_nature = results
        for _, d, lines in rows:
            print(f"{d.id} ({d.dossier.certification} {d.dossier.version})")
            if not lines:
                print("  aucune ligne de financement")
            for x in lines:
                year = f" [{x.annee}]" if x.annee else ""
                print(f"  {x.libelle}{year} : {x.base} = {montant_fr(x.montant, x.en)}")
            for c in notes[d.id]:
                print(f"  {c.niveau} {c.code} — {c.message}")
        parts = []
        for n, label in _NATURES.items():
            t = per_nature[n]
            if t["euro"] or t["point"]:
                amounts = [montant_fr(t["euro"], "euro")] if t["euro"] else []
                amounts += [montant_fr(t["point"], "point")] if t["point"] else []
                parts.append(f"{label} {' et '.join(amounts)}")
        print(f"Totaux {date_said(run.args)} : " + ("; ".join(parts) if parts else "aucun montant"))

    return run_dossiers(args, compute, as_json, as_text)


# --------------------------------------------------------------------------------- plan
_ORIENTATIONS = {"formation": "formation", "evaluation_directe": "évaluation directe", "acquis": "déjà acquis"}


def cmd_plan(args: argparse.Namespace) -> int:
    def compute(run: DossierRun) -> Any:
        return [(path, x) for path, _, x in run.each(lambda d: run.registry.plan(d, run.day))]

    def as_json(run: DossierRun, plans: Any) -> dict[str, Any]:
        return {"parcours": [{"fichier": p, **dump(x)} for p, x in plans]}

    def as_text(run: DossierRun, plans: Any) -> None:
        for _, x in plans:
            print(f"{x.dossier} : " + ("réorientation" if x.reorientation else "parcours individualisé"))
            if x.voie_suggeree:
                print(f"  voie suggérée : {x.voie_suggeree}")
            for pd in x.domaines:
                extra = []
                if pd.modules:
                    extra.append("modules " + ", ".join(pd.modules))
                if pd.heures is not None:
                    extra.append(f"{nombre_fr(pd.heures)} h")
                if pd.jours is not None:
                    extra.append(f"{nombre_fr(pd.jours)} j")
                if pd.jours_tuteur is not None:
                    extra.append(f"{nombre_fr(pd.jours_tuteur)} j de tutorat")
                if pd.spe is not None:
                    extra.append(f"{pd.spe} SPE")
                orientation = _ORIENTATIONS.get(pd.orientation, pd.orientation)
                print(f"  {pd.domaine}  {orientation}" + (f" ({', '.join(extra)})" if extra else ""))
            if x.heures is not None:
                print(f"  total : {nombre_fr(x.heures)} h")
            for c in x.constats:
                print(f"  {c.niveau} {c.code} — {c.message}")

    return run_dossiers(args, compute, as_json, as_text)


# ------------------------------------------------------------------------------ explain
def cmd_explain(args: argparse.Namespace) -> int:
    def compute(run: DossierRun) -> Any:
        return [(path, e) for path, _, e in run.each(lambda d: run.registry.explain(d, run.day))]

    def as_json(run: DossierRun, explanations: Any) -> dict[str, Any]:
        return {
            "dossiers": [
                {
                    "fichier": p,
                    "dossier": e.dossier,
                    "constats": [dump(c) for c in e.constats],
                    "resultat": dump(e.resultat),
                    "financement": [dump(x) for x in e.financement],
                }
                for p, e in explanations
            ]
        }

    def as_text(run: DossierRun, explanations: Any) -> None:
        for _, e in explanations:
            _explain_text(e, run)

    return run_dossiers(args, compute, as_json, as_text)


def _explain_text(e: Any, run: DossierRun) -> None:
    print(f"Dossier {e.dossier}, {date_said(run.args)}")
    print("Constats")
    if not e.constats:
        print("  aucun")
    for c in e.constats:
        print(f"  [{c.niveau}] {c.code} : {c.message}")
        if c.regle:
            print(f"    règle : {c.regle}")
        if c.valeurs:
            print("    valeurs : " + " ; ".join(f"{k} = {v}" for k, v in c.valeurs.items()))
        print(f"    source : {source_text(c.source)}")
    r = e.resultat
    print(f"Décision : {statut_text(r.statut, r.restants)}" + (f" le {date_txt(r.date_certification)}" if r.date_certification else ""))
    for a in r.acquis:
        until = f", valable jusqu'au {date_txt(a.valide_jusqua)}" if a.valide_jusqua else ""
        print(f"  {a.domaine} acquis au jury {a.session} du {date_txt(a.date)}{until}")
    for a in r.expires:
        print(f"  {a.domaine} acquis le {date_txt(a.date)}, expiré après le {date_txt(a.valide_jusqua)}")
    if r.restants:
        print(f"  restent à acquérir : {', '.join(r.restants)}")
    for c in r.constats:
        print(f"  [{c.niveau}] {c.code} : {c.message} (source : {source_text(c.source)})")
    print(f"  règle de décision : {source_text(r.source)}")
    print("Financement")
    if not e.financement:
        print("  aucune ligne")
    for x in e.financement:
        cap = plafond_txt(x)  # the cap with its unit, unless the base already says it
        since = f" ; barème en vigueur depuis le {date_txt(x.depuis)}" if x.depuis else ""
        if x.date_evenement:
            since += f", appliqué à l'événement du {date_txt(x.date_evenement)}"
        print(f"  {x.libelle} : {x.base} = {montant_fr(x.montant, x.en)}{cap}{since}")
        print(f"    source : {source_text(x.source)}")


# ------------------------------------------------------------------------------- parser
def add_dossier_command(func: Any, session: bool = False) -> Callable[[argparse.ArgumentParser], None]:
    """The arguments every dossier command takes (and ``check``'s ``--session``, ``--historique``)."""

    def add(p: argparse.ArgumentParser) -> None:
        p.add_argument("dossiers", nargs="+", metavar="DOSSIER", help="fichiers dossier (TOML)")
        p.add_argument("--as-of", dest="as_of", type=parse_date, metavar="DATE", help="date à laquelle le dossier est lu (AAAA-MM-JJ ; défaut : aujourd'hui) : les événements postérieurs sont ignorés ; chaque montant reste au barème de la date de son événement")
        p.add_argument("--json", action="store_true", help="sortie JSON")
        if session:
            p.add_argument("--session", metavar="SESSION", help="vérifier aussi cette session de jury (fichier TOML)")
            p.add_argument(
                "--historique", nargs="*", metavar="SESSION", help="sessions précédentes du même jury (alternance de la présidence)"
            )
        p.set_defaults(func=func)

    return add


def add_check(p: argparse.ArgumentParser) -> None:
    add_dossier_command(cmd_check, session=True)(p)


def add_plan(p: argparse.ArgumentParser) -> None:
    add_dossier_command(cmd_plan)(p)


def add_decide(p: argparse.ArgumentParser) -> None:
    add_dossier_command(cmd_decide)(p)


def add_funding(p: argparse.ArgumentParser) -> None:
    add_dossier_command(cmd_funding)(p)


def add_explain(p: argparse.ArgumentParser) -> None:
    add_dossier_command(cmd_explain)(p)
