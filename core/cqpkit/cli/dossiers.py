"""The dossier commands: ``check``, ``decide``, ``funding``, ``plan``, ``explain``.

All five run one sequence (:func:`~cqpkit.cli.dossier_run.run_dossiers`): load the registry and say
which plugins failed; fix the date (``--as-of``, default today); read the dossier files one at a time
(a directory stands for its ``*.toml`` files), printing the errors of those that fail and keeping them
for ``--json``; run the engine on each good one as it is read and print it (French text, or JSON
``{"date", …, "erreurs"}`` written item by item): memory does not grow with the number of files
(``check --session`` keeps the dossiers presented to the session, :func:`_presented`, and streams the
others). On a directory,
``check`` prints the dossiers with errors, ``decide`` and ``funding`` the summary only (``--verbose``:
every dossier); a counter of the files read goes to stderr when it is a terminal (``--quiet``: none). Exit code: the worst of the files (2 unreadable,
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
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from cqpkit.cli.common import (
    STATUTS,
    STATUTS_PLURIEL,
    date_said,
    dump,
    parse_date,
    source_text,
    statut_text,
)
from cqpkit.cli.dossier_run import DossierRun, load_dossier_or_scenario, run_dossiers
from cqpkit.cli.output import print_block, print_error
from cqpkit.plugins.answers import (
    NATURES,
    CheckSummary,
    DecideSummary,
    FundingTotals,
    check_item,
    decide_item,
    explain_item,
    funding_item,
    funding_of,
    plan_item,
)
from cqpkit.plugins.hookcalls import HookFailure  # (loaded with the registry: no per-dossier import)
from cqpkit.render.text import date_txt, montant_fr, nombre_fr, plafond_txt, pluriel

__all__ = ["DossierRun", "add_dossier_command", "cmd_check", "cmd_decide", "cmd_explain", "cmd_funding", "cmd_plan", "load_dossier_or_scenario", "run_dossiers"]


# -------------------------------------------------------------------------------- check
_NIVEAU_ORDRE = {"erreur": 0, "avertissement": 1, "information": 2}


def _has(constats: Any, niveau: str) -> bool:
    return any(c.niveau == niveau for c in constats)


def cmd_check(args: argparse.Namespace) -> int:
    if args.historique and not args.session:
        print("cqpkit check : erreur d'utilisation : --historique ne s'emploie qu'avec --session", file=sys.stderr)
        return 2
    session_paths = [args.session, *(args.historique or ())] if args.session else []
    summary = CheckSummary()
    counts = summary.counts
    session: dict[str, Any] = {"constats": [], "checked": False}

    def checked(run: DossierRun, pairs: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, Any, list[Any]]]:
        for path, dossier in pairs:
            cs = _checked(run, path, dossier)
            run.fail_if(summary.add(cs))
            yield path, dossier, cs

    def streamed(run: DossierRun) -> Iterator[tuple[str, Any, list[Any]]]:
        for path, dossier, cs in run.each(lambda d: run.registry.check(d, run.day), "check", keep_failed=True):
            run.fail_if(summary.add(cs))
            yield path, dossier, cs

    def compute(run: DossierRun) -> Any:
        if not session_paths:
            return streamed(run)  # each dossier checked as it is read (or by the --jobs workers, in order)
        return with_session(run)

    def with_session(run: DossierRun) -> Iterator[tuple[str, Any, list[Any]]]:
        """Each dossier checked and given out as it is read, as without ``--session``; only the dossiers presented to
        the session (:func:`_presented`) are kept, and the session is checked against them once the last one is out.

        The session files are read first (the first one's id says which dossiers are presented) and their errors
        reported after the dossiers', each with all its errors, as they always were. A plugin failing on the session
        is said on stderr and gives the session the finding ``extension_en_echec`` (exit 1), as a dossier's failure
        does: the dossiers are already written, and the JSON stays whole.
        """
        from cqpkit.formats.dossiers import load_session

        read = _read_all(session_paths, lambda path: load_session(path, run.registry))
        first = read[args.session]
        is_presented = _presented(args.dossiers, first) if not isinstance(first, BaseException) else None
        presented = []
        for path, dossier, cs in checked(run, run.dossiers()):
            if is_presented is not None and is_presented(path, dossier):
                presented.append(dossier)
            yield path, dossier, cs
        sessions = run.load_files(lambda path: _or_raise(read[path]), session_paths)
        session["checked"] = len(sessions) == len(session_paths)
        if session["checked"]:
            from cqpkit.plugins.hookcalls import HookFailure, failure_constat

            first, *historique = (s for _, s in sessions)
            try:
                session["constats"] = run.registry.check_session(first, presented, historique)
            except HookFailure as exc:  # said on stderr, and the session's finding extension_en_echec (the output is begun)
                print_error(exc)
                session["constats"] = [failure_constat(exc)]
            run.fail_if(_has(session["constats"], "erreur"))

    def as_json(run: DossierRun, report: Any) -> dict[str, Any]:
        out: dict[str, Any] = {
            "dossiers": (check_item(path, d, cs) for path, d, cs in report),
            "resume": summary.resume,
            "erreurs": lambda: run.erreurs,
        }
        if args.session:
            # called once the dossiers are written: the session is checked after the last one (with_session)
            out["session"] = lambda: {"fichier": args.session, "constats": [dump(c) for c in session["constats"]]}
        return out

    def as_text(run: DossierRun, report: Any) -> None:
        for _path, d, cs in report:
            if not run.verbose and not _has(cs, "erreur"):
                continue  # on a directory, only the dossiers with errors (--verbose: every one)
            head = f"{d.id} ({d.dossier.certification} {d.dossier.version}) — "
            lines = [head + (pluriel(len(cs), "constat") if cs else "aucun constat")]
            for c in sorted(cs, key=lambda c: (_NIVEAU_ORDRE[c.niveau], c.chemin, c.code)):
                where = f"{c.chemin} : " if c.chemin else ""
                lines.append(f"  {c.niveau:<13} {c.code} — {where}{c.message}")
            print_block(lines)  # one write per dossier
        # Nothing checked because every file is invalid or unreadable: the errors alone (on stderr), no « 0 dossier vérifié ».
        nothing = counts["dossiers"] == 0 and bool(run.erreurs)
        if args.session and not session["checked"]:
            if not nothing:
                print(f"Session {args.session} — non vérifiée : un fichier de session est invalide ou illisible (voir les erreurs)")
        elif args.session:
            constats = session["constats"]
            print(f"Session {args.session} — " + (f"{len(constats)} constat(s)" if constats else "aucun constat"))
            for c in constats:
                print(f"  {c.niveau:<13} {c.code} — {c.message}")
        if nothing:
            return
        n, n_err, n_warn = counts["dossiers"], counts["avec_erreurs"], counts["avec_avertissements"]
        print(
            f"{pluriel(n, 'dossier vérifié', 'dossiers vérifiés')} {date_said(run.args)} : "
            f"{n_err} avec erreurs, {n_warn} avec avertissements seulement, {n - n_err - n_warn} sans problème"
        )

    return run_dossiers(args, compute, as_json, as_text)


def _read_all(paths: list[str], load: Callable[[str], Any]) -> dict[str, Any]:
    """``load(path)`` of each path, or the error it raised (reported later, in its turn)."""
    from cqpkit.exceptions import InvalidFileError, UnreadableFileError

    out: dict[str, Any] = {}
    for path in paths:
        if path not in out:
            try:
                out[path] = load(path)
            except (UnreadableFileError, InvalidFileError) as exc:
                out[path] = exc
    return out


def _or_raise(value: Any) -> Any:
    if isinstance(value, BaseException):
        raise value
    return value


def _presented(arguments: list[str], session: Any) -> Callable[[str, Any], bool]:
    """Which dossiers ``check --session`` checks the session against (and keeps in memory until then).

    A dossier file named on the command line is presented (the user names the candidates: one without a passage
    at the session gets the information « aucun passage enregistré »); a dossier found in a directory is presented
    when one of its passages names the session, as the store counts the candidates of a session. A directory of
    a whole campaign thus streams like any other: only the session's candidates, a bounded number, stay in memory.
    """
    import os

    named = frozenset(a for a in arguments if not os.path.isdir(a))
    session_id = session.id

    def presented(path: str, dossier: Any) -> bool:
        return path in named or any(p.session == session_id for p in dossier.passages)

    return presented


def _checked(run: DossierRun, path: str, dossier: Any) -> list[Any]:
    """The findings on one dossier; a plugin failing on it gives the finding ``extension_en_echec`` instead."""
    try:
        return run.registry.check(dossier, run.day)
    except HookFailure as exc:
        return [run.failed(path, dossier, exc)]


# ------------------------------------------------------------------------------- decide
def cmd_decide(args: argparse.Namespace) -> int:
    decided = DecideSummary()
    counts = decided.counts

    def compute(run: DossierRun) -> Any:
        for path, _, r in run.each(lambda d: run.registry.decide(d, run.day), "decide"):
            run.fail_if(decided.add(r))
            yield path, r

    def as_json(run: DossierRun, results: Any) -> dict[str, Any]:
        return {"resultats": (decide_item(path, r) for path, r in results), "resume": decided.resume}

    def as_text(run: DossierRun, results: Any) -> None:
        n = 0
        for _, r in results:
            n += 1
            if run.verbose:
                _decision_text(r)
        summary = ", ".join(f"{n} {(STATUTS_PLURIEL if n > 1 else STATUTS).get(k, k)}" for k, n in sorted(counts.items()))
        print(f"{pluriel(n, 'dossier')} {date_said(run.args)}" + (f" : {summary}" if summary else ""))

    return run_dossiers(args, compute, as_json, as_text)


def _decision_text(r: Any) -> None:
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


# ------------------------------------------------------------------------------ funding
_NATURES = NATURES


def cmd_funding(args: argparse.Namespace) -> int:
    totals = FundingTotals()
    rounded = totals.par_nature

    def compute(run: DossierRun) -> Any:
        for path, d, (lines, found) in run.each(lambda d: funding_of(run.registry, d, run.day), "funding"):
            totals.add(lines)
            yield path, d, lines, found

    def as_json(run: DossierRun, rows: Any) -> dict[str, Any]:
        return {
            "dossiers": (funding_item(p, d, lines, found) for p, d, lines, found in rows),
            "total": totals.total,
            "total_par_nature": rounded,
        }

    def as_text(run: DossierRun, rows: Any) -> None:
        for _, d, lines, found in rows:
            if not run.verbose:
                continue  # on a directory, the totals only (--verbose: every dossier)
            print(f"{d.id} ({d.dossier.certification} {d.dossier.version})")
            if not lines:
                print("  aucune ligne de financement")
            for x in lines:
                year = f" [{x.annee}]" if x.annee else ""
                print(f"  {x.libelle}{year} : {x.base} = {montant_fr(x.montant, x.en)}")
            for c in found:
                print(f"  {c.niveau} {c.code} — {c.message}")
        parts = []
        for n, label in _NATURES.items():
            t = rounded()[n]
            if t["euro"] or t["point"]:
                amounts = [montant_fr(t["euro"], "euro")] if t["euro"] else []
                amounts += [montant_fr(t["point"], "point")] if t["point"] else []
                parts.append(f"{label} {' et '.join(amounts)}")
        print(f"Totaux {date_said(run.args)} : " + ("; ".join(parts) if parts else "aucun montant"))

    from cqpkit.cli.exports import wants_table

    to_table = wants_table(args)
    if to_table:
        return to_table
    if to_table is not None:  # a spreadsheet (--format, -o), built from the JSON output's dict

        def as_table(run: DossierRun, rows: Any) -> None:
            from cqpkit.cli.exports import export_table
            from cqpkit.interop.tables import funding_table

            data = {"date": run.day.isoformat(), "dossiers": [
                {"dossier": d.id, "lignes": [dump(x) for x in lines], "constats": [dump(c) for c in found]} for _, d, lines, found in rows
            ]}
            export_table(args, funding_table, data, "Financement")

        return run_dossiers(args, compute, as_json, as_table)
    return run_dossiers(args, compute, as_json, as_text)


# --------------------------------------------------------------------------------- plan
_ORIENTATIONS = {"formation": "formation", "evaluation_directe": "évaluation directe", "acquis": "déjà acquis"}


def cmd_plan(args: argparse.Namespace) -> int:
    def compute(run: DossierRun) -> Any:
        return ((path, x) for path, _, x in run.each(lambda d: run.registry.plan(d, run.day)))

    def as_json(run: DossierRun, plans: Any) -> dict[str, Any]:
        return {"parcours": (plan_item(p, x) for p, x in plans)}

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
        return ((path, e) for path, _, e in run.each(lambda d: run.registry.explain(d, run.day)))

    def as_json(run: DossierRun, explanations: Any) -> dict[str, Any]:
        return {
            "dossiers": (explain_item(p, e) for p, e in explanations)
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
def add_dossier_command(func: Any, session: bool = False, jobs: bool = False) -> Callable[[argparse.ArgumentParser], None]:
    """The arguments every dossier command takes (and ``check``'s ``--session``, ``--historique``; ``--jobs``)."""

    def add(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "dossiers", nargs="+", metavar="DOSSIER", help="fichiers dossier (TOML), ou répertoires : leurs fichiers *.toml, lus un à un"
        )
        p.add_argument("--as-of", dest="as_of", type=parse_date, metavar="DATE", help="date à laquelle le dossier est lu (AAAA-MM-JJ ; défaut : aujourd'hui) : les événements postérieurs sont ignorés ; chaque montant reste au barème de la date de son événement")
        p.add_argument("--json", action="store_true", help="sortie JSON")
        p.add_argument(
            "--verbose", action="store_true", help="sur un répertoire, une ligne par dossier (défaut : le résumé seulement)"
        )
        p.add_argument("--quiet", action="store_true", help="pas de compteur de progression sur la sortie d'erreur")
        if jobs:
            p.add_argument(
                "-j",
                "--jobs",
                type=_jobs,
                default=1,
                metavar="N",
                help="lire et calculer les dossiers dans N processus (0 : un par cœur ; défaut : 1) ; même sortie, "
                "dans le même ordre" + (" (sans effet avec --session)" if session else ""),
            )
        if session:
            p.add_argument("--session", metavar="SESSION", help="vérifier aussi cette session de jury (fichier TOML)")
            p.add_argument(
                "--historique", nargs="*", metavar="SESSION", help="sessions précédentes du même jury (alternance de la présidence)"
            )
        p.set_defaults(func=func)

    return add


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if not 0 <= n <= 256:
        raise argparse.ArgumentTypeError(f"« {text} » : un nombre de processus de 0 (un par cœur) à 256 est attendu")
    return n


def add_check(p: argparse.ArgumentParser) -> None:
    add_dossier_command(cmd_check, session=True, jobs=True)(p)


def add_plan(p: argparse.ArgumentParser) -> None:
    add_dossier_command(cmd_plan)(p)


def add_decide(p: argparse.ArgumentParser) -> None:
    add_dossier_command(cmd_decide, jobs=True)(p)


def add_funding(p: argparse.ArgumentParser) -> None:
    from cqpkit.cli.exports import table_options

    add_dossier_command(cmd_funding, jobs=True)(p)
    table_options(p)


def add_explain(p: argparse.ArgumentParser) -> None:
    add_dossier_command(cmd_explain)(p)
