"""The ``cqpkit`` command: thin, French, with stable JSON output.

Each command parses its arguments, calls the registry or a service, and renders French
text (or JSON with ``--json``). Exit codes: 0 fine; 1 the input was read and is invalid
(or a plugin or référentiel is broken); 2 usage error or unreadable input. No Python
traceback for any input; ``--debug`` shows one.

Heavy modules (attrs, cattrs, the format layer) are imported inside the commands that
need them, so ``cqpkit list`` starts fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cqpkit.exceptions import CqpkitError, Erreur, InvalidFileError, UnreadableFileError, os_reason

if TYPE_CHECKING:  # pragma: no cover
    import datetime as dt

__all__ = ["COMMANDS", "build_parser", "main"]

# argparse's own messages, in French (argparse looks ``_`` up at call time).
_ARGPARSE_FR = {
    "usage: ": "usage : ",
    "options": "options",
    "positional arguments": "arguments",
    "show this help message and exit": "afficher cette aide et quitter",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (choix possibles : %(choices)s)",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "expected one argument": "une valeur est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "invalid %(type)s value: %(value)r": "valeur %(type)s invalide : %(value)r",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur d'utilisation : %(message)s\n",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s peut désigner %(matches)s",
}


def _fr(message: str) -> str:
    return _ARGPARSE_FR.get(message, message)


argparse._ = _fr  # type: ignore[attr-defined]


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, minus its import of shutil (zlib, bz2, lzma…) on every start.

    argparse builds a formatter for each argument it adds, and the stock one imports
    ``shutil`` just to read the terminal width; this reads it the same way with ``os``.
    """

    def __init__(self, prog: str, **kwargs: Any) -> None:
        if "width" not in kwargs:
            try:
                columns = int(os.environ.get("COLUMNS", "")) or os.get_terminal_size(sys.__stdout__.fileno()).columns
            except (ValueError, OSError, AttributeError):
                columns = 80
            kwargs["width"] = max(columns - 2, 20)
        super().__init__(prog, **kwargs)


def _date(text: str) -> dt.date:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date invalide « {text} » : forme attendue AAAA-MM-JJ") from None


def _print_json(data: Any) -> None:
    import json

    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def _failures_out(registry: Any) -> None:
    for f in registry.failures:
        head, _, rest = f.raison.partition("\n")
        print(f"erreur : extension « {f.plugin} » : {head}", file=sys.stderr)
        for line in rest.splitlines():
            print(f"  {line}", file=sys.stderr)


def _registry() -> Any:
    from cqpkit.plugins.registry import load_registry

    return load_registry()


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------- commands
def cmd_list(args: argparse.Namespace) -> int:
    registry = _registry()
    resumes = registry.resumes()
    if args.json:
        _print_json(
            {
                "referentiels": [r.to_json() for r in resumes],
                "erreurs": [{"plugin": f.plugin, "raison": f.raison} for f in registry.failures],
            }
        )
    else:
        if resumes:
            rows = [
                [r.id, r.version, r.unites_libelle, r.plugin, r.intitule + ("" if r.complet else " (incomplet)")]
                for r in resumes
            ]
            print(_table(rows, ["Certification", "Version", "Domaines / blocs", "Extension", "Intitulé"]))
        n = len(resumes)
        print(f"{n} référentiel{'s' if n > 1 else ''}" if n else "Aucun référentiel enregistré.")
    _failures_out(registry)
    return 1 if registry.failures else 0


def cmd_show(args: argparse.Namespace) -> int:
    registry = _registry()
    _failures_out(registry)
    ref = registry.referentiel(args.id, version=args.version, as_of=args.as_of)
    plugin = registry.plugin_of(ref.id, ref.version)
    if args.json:
        from cqpkit.formats.converter import json_converter

        _print_json({"plugin": plugin, "referentiel": json_converter().unstructure(ref)})
        return 0
    from cqpkit.render import render_referentiel

    print(render_referentiel(ref, plugin, args.as_of, court=args.court))
    return 0


def _num(value: float) -> str:
    from cqpkit.rules.fr import nombre_fr

    return nombre_fr(value)


def _unknown_kind(doc: Any) -> Erreur:
    """The error of a file that is none of the kinds ``validate`` knows: empty, or which table it lacks."""
    import difflib

    known = (
        "un référentiel commence par la table [certification], un dossier par la table [dossier], "
        "une session de jury par la table [session], un scénario par la table [scenario]"
    )
    if not doc.data:
        return Erreur(doc.fichier, 1, "", f"fichier vide (ou seulement des commentaires) : {known}")
    for key in doc.data:
        hint = difflib.get_close_matches(key, ["certification", "dossier", "session", "scenario"], n=1, cutoff=0.8)
        if hint:
            return Erreur(
                doc.fichier, doc.line((key,)), key, f"type de fichier non reconnu : vouliez-vous dire [{hint[0]}] ? ({known})"
            )
    return Erreur(doc.fichier, 1, "", f"type de fichier non reconnu : {known}")


def cmd_validate(args: argparse.Namespace) -> int:
    from cqpkit.formats.dossiers import dossier_from_document, file_kind, session_from_document
    from cqpkit.formats.referentiels import referentiel_from_document
    from cqpkit.formats.tomlfile import parse_toml, read_text

    registry = None  # loaded on the first dossier, session or scenario: a référentiel needs none

    def get_registry() -> Any:
        nonlocal registry
        if registry is None:
            registry = _registry()
        return registry

    results: list[dict[str, Any]] = []
    code = 0
    for path in args.files:
        kind = None
        try:
            doc = parse_toml(read_text(path), path)
            kind = file_kind(doc.data)
            if kind == "referentiel":
                ref = referentiel_from_document(doc)
                details = {"certification": ref.id, "version": ref.version}
            elif kind == "dossier":
                d = dossier_from_document(doc, get_registry())
                details = {"dossier": d.id, "certification": d.dossier.certification, "version": d.dossier.version}
            elif kind == "session":
                s = session_from_document(doc, get_registry())
                details = {"session": s.id, "date": s.session.date.isoformat()}
            elif kind == "scenario":
                from cqpkit.scenarios import load_scenario

                sc = load_scenario(path, get_registry())
                details = {"scenario": sc.info.description, "dossier": sc.dossier.id}
            else:
                raise InvalidFileError(path, [_unknown_kind(doc)])
        except UnreadableFileError as exc:
            code = max(code, 2)
            results.append({"fichier": path, "valide": False, "type": kind, "illisible": str(exc), "erreurs": []})
            continue
        except InvalidFileError as exc:
            code = max(code, 1)
            erreurs = [e._asdict() for e in exc.erreurs]
            results.append({"fichier": path, "valide": False, "type": kind, "erreurs": erreurs})
            continue
        results.append({"fichier": path, "valide": True, "type": kind, **details, "erreurs": []})
    if args.json:
        _print_json({"fichiers": results})
        return code
    if registry is not None:
        _failures_out(registry)  # a broken plugin explains an unknown certification
    n_bad = 0
    for r in results:
        if r["valide"]:
            if r["type"] == "dossier":
                what = f"dossier valide ({r['dossier']}, {r['certification']} {r['version']})"
            elif r["type"] == "session":
                what = f"session de jury valide ({r['session']}, {r['date']})"
            elif r["type"] == "scenario":
                what = f"scénario valide ({r['dossier']} : {r['scenario']})"
            else:
                what = f"référentiel valide ({r['certification']}, version {r['version']})"
            print(f"{r['fichier']} : {what}", flush=True)  # in order with the errors, even in one log
        elif "illisible" in r:
            n_bad += 1
            print(f"erreur : {r['illisible']}", file=sys.stderr)
        else:
            n_bad += 1
            errs = r["erreurs"]
            print(f"{r['fichier']} : {len(errs)} erreur{'s' if len(errs) > 1 else ''}", file=sys.stderr)
            for e in errs:
                print(str(Erreur(**e)), file=sys.stderr)
    n = len(results)
    print(f"{n - n_bad} fichier{'s' if n - n_bad > 1 else ''} valide{'s' if n - n_bad > 1 else ''} sur {n}")
    return code


def cmd_schema(args: argparse.Namespace) -> int:
    from cqpkit.formats.schema import schema_text

    sys.stdout.write(schema_text(args.kind))
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    registry = _registry()
    rows = []
    for p in registry.plugins():
        rows.append(
            {
                "nom": p.name,
                "module": p.module,
                "version": p.version,
                "distribution": p.distribution,
                "integre": p.builtin,
                "hooks": registry.hooks_of(p.name),
                "referentiels": registry.files_of(p.name),
            }
        )
    if args.json:
        _print_json(
            {"plugins": rows, "erreurs": [{"plugin": f.plugin, "raison": f.raison} for f in registry.failures]}
        )
    else:
        for r in rows:
            kind = "intégrée" if r["integre"] else f"distribution {r['distribution'] or '?'}"
            print(f"{r['nom']} {r['version']} ({kind}, module {r['module']})")
            print(f"  hooks : {', '.join(r['hooks']) or 'aucun'}")
            for f in r["referentiels"]:
                print(f"  référentiel : {f}")
    _failures_out(registry)
    return 1 if registry.failures else 0


# -------------------------------------------------------------------- dossier commands
_NIVEAU_ORDRE = {"erreur": 0, "avertissement": 1, "information": 2}
_STATUTS = {
    "certifie": "certifié",
    "partiel": "validation partielle",
    "en_cours": "en cours",
    "non_acquis": "aucun domaine acquis",
    "expire": "acquis expirés",
}
# The same, after a count above one (``decide``'s closing line): « 3 validations partielles ».
_STATUTS_PLURIEL = {**_STATUTS, "certifie": "certifiés", "partiel": "validations partielles"}


def _statut_text(statut: str, restants: Any) -> str:
    """The status in French; ``non_acquis`` with nothing left to acquire (a référentiel without domaines,
    decided on the whole certification) is « certification non acquise » rather than « aucun domaine acquis »."""
    if statut == "non_acquis" and not restants:
        return "certification non acquise"
    return _STATUTS.get(statut, statut)


def _fr_date(d: Any) -> str:
    from cqpkit.rules.fr import date_fr

    return date_fr(d) if d else "—"


def _source_text(source: Any) -> str:
    if source is None:
        return "source non précisée"
    text = source.document
    if source.section:
        text += f", {source.section}"
    return text


def _erreur_json(fichier: str, ligne: int | None, cle: str, message: str) -> dict[str, Any]:
    """One error of an input file for ``--json`` (docs/json-output.md, « Erreur »): ``cle`` is also under ``chemin``."""
    return {"fichier": fichier, "ligne": ligne, "cle": cle, "chemin": cle, "message": message}


def _load_files(
    load: Any, paths: Sequence[str], erreurs: list[dict[str, Any]] | None = None
) -> tuple[list[tuple[str, Any]], int]:
    """Load every file with ``load(path)``; print the errors of those that fail; return the good ones and an exit code.

    The errors also go to ``erreurs`` (for ``--json``): each error of an invalid file with its line and
    key; a file that cannot be read as one error with no line (``ligne`` null) and no key.
    """
    loaded = []
    code = 0
    for path in paths:
        try:
            loaded.append((path, load(path)))
        except UnreadableFileError as exc:
            code = max(code, 2)
            print(f"erreur : {exc}", file=sys.stderr)
            if erreurs is not None:
                erreurs.append(_erreur_json(path, None, "", str(exc)))
        except InvalidFileError as exc:
            code = max(code, 1)
            print(str(exc), file=sys.stderr)
            if erreurs is not None:
                erreurs.extend(_erreur_json(e.fichier, e.ligne, e.chemin, e.message) for e in exc.erreurs)
    return loaded, code


def _load_dossiers(
    registry: Any, paths: Sequence[str], erreurs: list[dict[str, Any]] | None = None
) -> tuple[list[tuple[str, Any]], int]:
    """Load every dossier file; print the errors of those that fail (and add them to ``erreurs``); return the good ones and an exit code."""
    from cqpkit.formats.dossiers import load_dossier

    return _load_files(lambda path: load_dossier(path, registry), paths, erreurs)


def _as_of(args: argparse.Namespace) -> dt.date:
    import datetime as dt

    return args.as_of or dt.date.today()


def _dump(obj: Any) -> Any:
    from cqpkit.formats.converter import output_converter

    return output_converter().unstructure(obj)


def cmd_check(args: argparse.Namespace) -> int:
    if args.historique and not args.session:
        print("cqpkit check : erreur d'utilisation : --historique ne s'emploie qu'avec --session", file=sys.stderr)
        return 2
    registry = _registry()
    _failures_out(registry)
    day = _as_of(args)
    erreurs: list[dict[str, Any]] = []
    loaded, code = _load_dossiers(registry, args.dossiers, erreurs)
    sessions: list[tuple[str, Any]] = []
    if args.session:
        from cqpkit.formats.dossiers import load_session

        # Every session file is read, each with all its errors, before any is used.
        session_paths = [args.session, *(args.historique or ())]
        sessions, session_code = _load_files(lambda path: load_session(path, registry), session_paths, erreurs)
        code = max(code, session_code)
    report = []
    for path, dossier in loaded:
        constats = registry.check(dossier, day)
        report.append((path, dossier, constats))
    session_constats: list[Any] = []
    session_checked = bool(args.session) and len(sessions) == len(session_paths)
    if session_checked:
        session, *historique = (s for _, s in sessions)
        session_constats = registry.check_session(session, [d for _, d, _ in report], historique)
    n_err = sum(1 for *_, cs in report if any(c.niveau == "erreur" for c in cs))
    n_warn = sum(1 for *_, cs in report if cs and not any(c.niveau == "erreur" for c in cs) and any(c.niveau == "avertissement" for c in cs))
    if any(c.niveau == "erreur" for c in session_constats):
        code = max(code, 1)
    if n_err:
        code = max(code, 1)
    if args.json:
        out = {
            "date": day.isoformat(),
            "dossiers": [
                {
                    "fichier": path,
                    "dossier": d.id,
                    "certification": d.dossier.certification,
                    "version": d.dossier.version,
                    "constats": [_dump(c) for c in cs],
                }
                for path, d, cs in report
            ],
            "resume": {"dossiers": len(report), "avec_erreurs": n_err, "avec_avertissements": n_warn},
            "erreurs": erreurs,
        }
        if args.session:
            out["session"] = {"fichier": args.session, "constats": [_dump(c) for c in session_constats]}
        _print_json(out)
        return code
    for _path, d, cs in report:
        head = f"{d.id} ({d.dossier.certification} {d.dossier.version}) — "
        print(head + (f"{len(cs)} constat{'s' if len(cs) > 1 else ''}" if cs else "aucun constat"))
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
        f"{n} dossier{'s' if n > 1 else ''} vérifié{'s' if n > 1 else ''} au {_fr_date(day)} : "
        f"{n_err} avec erreurs, {n_warn} avec avertissements seulement, {n - n_err - n_warn} sans problème"
    )
    return code


def cmd_decide(args: argparse.Namespace) -> int:
    registry = _registry()
    _failures_out(registry)
    day = _as_of(args)
    erreurs: list[dict[str, Any]] = []
    loaded, code = _load_dossiers(registry, args.dossiers, erreurs)
    results = [(path, registry.decide(d, day)) for path, d in loaded]
    counts: dict[str, int] = {}
    for _, r in results:
        counts[r.statut] = counts.get(r.statut, 0) + 1
        if any(c.niveau == "erreur" for c in r.constats):
            code = max(code, 1)
    if args.json:
        _print_json(
            {
                "date": day.isoformat(),
                "resultats": [{"fichier": path, **_dump(r)} for path, r in results],
                "resume": counts,
                "erreurs": erreurs,
            }
        )
        return code
    for _, r in results:
        line = f"{r.dossier} ({r.certification} {r.version}) : {_statut_text(r.statut, r.restants)}"
        if r.date_certification:
            line += f" le {_fr_date(r.date_certification)}"
        print(line)
        for a in r.acquis:
            until = f", valable jusqu'au {_fr_date(a.valide_jusqua)}" if a.valide_jusqua and r.statut != "certifie" else ""
            print(f"  acquis   {a.domaine} (jury du {_fr_date(a.date)}{until})")
        for a in r.expires:
            print(f"  expiré   {a.domaine} (jury du {_fr_date(a.date)}, validité échue le {_fr_date(a.valide_jusqua)})")
        if r.restants:
            print(f"  restants {', '.join(r.restants)}")
        for c in r.constats:
            print(f"  {c.niveau} {c.code} — {c.message}")
    summary = ", ".join(f"{n} {(_STATUTS_PLURIEL if n > 1 else _STATUTS).get(k, k)}" for k, n in sorted(counts.items()))
    n = len(results)
    print(f"{n} dossier{'s' if n > 1 else ''} au {_fr_date(day)}" + (f" : {summary}" if summary else ""))
    return code


def _money(value: float, en: str) -> str:
    if en == "point":
        return f"{_num(value)} point{'s' if value > 1 else ''}"
    return f"{value:,.2f} €".replace(",", " ").replace(".", ",")


def cmd_funding(args: argparse.Namespace) -> int:
    registry = _registry()
    _failures_out(registry)
    day = _as_of(args)
    erreurs: list[dict[str, Any]] = []
    loaded, code = _load_dossiers(registry, args.dossiers, erreurs)
    rows = []
    notes: dict[str, list[Any]] = {}  # the funding engine's findings per dossier (a line without barème…)
    for path, d in loaded:
        resultat = registry.decide(d, day)
        rows.append((path, d, registry.funding(d, day, resultat=resultat)))
        notes[d.id] = [c for c in registry.check(d, day, resultat=resultat) if c.regle.startswith("financement.")]
    total_eur = sum(line.montant for *_, lines in rows for line in lines if line.en == "euro")
    total_pts = sum(line.montant for *_, lines in rows for line in lines if line.en == "point")
    # Totals per nature, so that what the training costs is not added to what is paid for it.
    natures = {"cout": "coûts", "financement": "financements", "gratification": "gratifications"}
    per_nature = {
        n: {
            "euro": round(sum(x.montant for *_, ls in rows for x in ls if x.nature == n and x.en == "euro"), 2),
            "point": sum(x.montant for *_, ls in rows for x in ls if x.nature == n and x.en == "point"),
        }
        for n in natures
    }
    if args.json:
        _print_json(
            {
                "date": day.isoformat(),
                "dossiers": [
                    {"fichier": p, "dossier": d.id, "lignes": [_dump(x) for x in lines], "constats": [_dump(c) for c in notes[d.id]]}
                    for p, d, lines in rows
                ],
                "total": {"euro": round(total_eur, 2), "point": total_pts},
                "total_par_nature": per_nature,
                "erreurs": erreurs,
            }
        )
        return code
    for _, d, lines in rows:
        print(f"{d.id} ({d.dossier.certification} {d.dossier.version})")
        if not lines:
            print("  aucune ligne de financement")
        for x in lines:
            year = f" [{x.annee}]" if x.annee else ""
            print(f"  {x.libelle}{year} : {x.base} = {_money(x.montant, x.en)}")
        for c in notes[d.id]:
            print(f"  {c.niveau} {c.code} — {c.message}")
    parts = []
    for n, label in natures.items():
        t = per_nature[n]
        if t["euro"] or t["point"]:
            amounts = [_money(t["euro"], "euro")] if t["euro"] else []
            amounts += [_money(t["point"], "point")] if t["point"] else []
            parts.append(f"{label} {' et '.join(amounts)}")
    print(f"Totaux au {_fr_date(day)} : " + ("; ".join(parts) if parts else "aucun montant"))
    return code


def cmd_plan(args: argparse.Namespace) -> int:
    registry = _registry()
    _failures_out(registry)
    day = _as_of(args)
    erreurs: list[dict[str, Any]] = []
    loaded, code = _load_dossiers(registry, args.dossiers, erreurs)
    plans = [(path, registry.plan(d, day)) for path, d in loaded]
    if args.json:
        _print_json(
            {"date": day.isoformat(), "parcours": [{"fichier": p, **_dump(x)} for p, x in plans], "erreurs": erreurs}
        )
        return code
    labels = {"formation": "formation", "evaluation_directe": "évaluation directe", "acquis": "déjà acquis"}
    for _, x in plans:
        print(f"{x.dossier} : " + ("réorientation" if x.reorientation else "parcours individualisé"))
        if x.voie_suggeree:
            print(f"  voie suggérée : {x.voie_suggeree}")
        for pd in x.domaines:
            extra = []
            if pd.modules:
                extra.append("modules " + ", ".join(pd.modules))
            if pd.heures is not None:
                extra.append(f"{_num(pd.heures)} h")
            if pd.jours is not None:
                extra.append(f"{_num(pd.jours)} j")
            if pd.jours_tuteur is not None:
                extra.append(f"{_num(pd.jours_tuteur)} j de tutorat")
            if pd.spe is not None:
                extra.append(f"{pd.spe} SPE")
            print(f"  {pd.domaine}  {labels.get(pd.orientation, pd.orientation)}" + (f" ({', '.join(extra)})" if extra else ""))
        if x.heures is not None:
            print(f"  total : {_num(x.heures)} h")
        for c in x.constats:
            print(f"  {c.niveau} {c.code} — {c.message}")
    return code


def cmd_explain(args: argparse.Namespace) -> int:
    registry = _registry()
    _failures_out(registry)
    day = _as_of(args)
    erreurs: list[dict[str, Any]] = []
    loaded, code = _load_dossiers(registry, args.dossiers, erreurs)
    explanations = [(path, registry.explain(d, day)) for path, d in loaded]
    if args.json:
        _print_json(
            {
                "date": day.isoformat(),
                "dossiers": [
                    {
                        "fichier": p,
                        "dossier": e.dossier,
                        "constats": [_dump(c) for c in e.constats],
                        "resultat": _dump(e.resultat),
                        "financement": [_dump(x) for x in e.financement],
                    }
                    for p, e in explanations
                ],
                "erreurs": erreurs,
            }
        )
        return code
    for _, e in explanations:
        print(f"Dossier {e.dossier}, au {_fr_date(day)}")
        print("Constats")
        if not e.constats:
            print("  aucun")
        for c in e.constats:
            print(f"  [{c.niveau}] {c.code} : {c.message}")
            if c.regle:
                print(f"    règle : {c.regle}")
            if c.valeurs:
                print("    valeurs : " + " ; ".join(f"{k} = {v}" for k, v in c.valeurs.items()))
            print(f"    source : {_source_text(c.source)}")
        r = e.resultat
        print(f"Décision : {_statut_text(r.statut, r.restants)}" + (f" le {_fr_date(r.date_certification)}" if r.date_certification else ""))
        for a in r.acquis:
            print(f"  {a.domaine} acquis au jury {a.session} du {_fr_date(a.date)}" + (f", valable jusqu'au {_fr_date(a.valide_jusqua)}" if a.valide_jusqua else ""))
        for a in r.expires:
            print(f"  {a.domaine} acquis le {_fr_date(a.date)}, expiré après le {_fr_date(a.valide_jusqua)}")
        if r.restants:
            print(f"  restent à acquérir : {', '.join(r.restants)}")
        for c in r.constats:
            print(f"  [{c.niveau}] {c.code} : {c.message} (source : {_source_text(c.source)})")
        print(f"  règle de décision : {_source_text(r.source)}")
        print("Financement")
        if not e.financement:
            print("  aucune ligne")
        for x in e.financement:
            cap = f" ; plafond {_num(x.plafond)}" if x.plafond is not None else ""
            since = f" ; barème en vigueur depuis le {_fr_date(x.depuis)}" if x.depuis else ""
            if x.date_evenement:
                since += f", appliqué à l'événement du {_fr_date(x.date_evenement)}"
            print(f"  {x.libelle} : {x.base} = {_money(x.montant, x.en)}{cap}{since}")
            print(f"    source : {_source_text(x.source)}")
    return code


def cmd_test(args: argparse.Namespace) -> int:
    from cqpkit.scenarios import find_scenarios, load_scenario, run_scenario

    registry = _registry()
    _failures_out(registry)
    roots = args.paths or _plugin_scenario_dirs(registry)
    paths: list[str] = []
    missing: set[str] = set()
    for root in roots:
        if os.path.exists(root):
            paths.extend(find_scenarios(root))
        else:  # a misspelt path is an unreadable input (exit 2), never silently skipped
            paths.append(root)
            missing.add(root)
    if not paths:
        print("Aucun scénario trouvé.")
        return 1 if args.paths else 0
    passed = failed = 0
    code = 0
    results = []
    for path in paths:
        try:
            if path in missing:
                raise UnreadableFileError(f"{path} : fichier ou répertoire introuvable")
            outcome = run_scenario(load_scenario(path, registry), registry)
        except CqpkitError as exc:
            failed += 1
            code = max(code, exc.exit_code)
            # every key always present (docs/json-output.md): no description for a file that could not be read
            results.append({"fichier": path, "reussi": False, "description": None, "differences": [], "erreur": str(exc)})
            if not args.json:
                sys.stdout.flush()  # keep the order of ok / ÉCHEC / ERREUR when both streams go to one log
                print(f"ERREUR {path}", file=sys.stderr)
                print(str(exc), file=sys.stderr, flush=True)
            continue
        results.append(
            {
                "fichier": path,
                "reussi": outcome.ok,
                "description": outcome.description,
                "differences": list(outcome.differences),
                "erreur": None,
            }
        )
        if outcome.ok:
            passed += 1
            if not args.json:
                print(f"ok     {path}")
        else:
            failed += 1
            code = max(code, 1)
            if not args.json:
                print(f"ÉCHEC  {path} — {outcome.description}")
                for d in outcome.differences:
                    print(f"         {d}")
    if args.json:
        _print_json({"scenarios": results, "reussis": passed, "echoues": failed})
    else:
        print(f"{passed} scénario{'s' if passed > 1 else ''} réussi{'s' if passed > 1 else ''}, {failed} en échec")
    return code


def _plugin_scenario_dirs(registry: Any) -> list[str]:
    """The ``scenarios`` directory of each loaded plugin package that has one."""
    dirs = []
    for p in registry.plugins():
        module = sys.modules.get(p.module.partition(":")[0])
        path = getattr(module, "__file__", None)
        if path:
            candidate = os.path.join(os.path.dirname(path), "scenarios")
            if os.path.isdir(candidate):
                dirs.append(candidate)
    return dirs


def _add_test(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="CHEMIN", help="fichiers ou répertoires de scénarios (défaut : ceux des extensions)")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_test)


# ----------------------------------------------------------------------------- parser
# Each command's parser is built only when that command runs (git-style lazy
# subcommands): building all of them costs `cqpkit list` a noticeable share of its
# start-up budget. `cqpkit --help` and usage errors build the full parser.


def _add_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_list)


def _add_show(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", metavar="ID", help="identifiant de la certification (branche.slug)")
    p.add_argument("--version", dest="version", metavar="V", help="version du référentiel")
    p.add_argument("--as-of", dest="as_of", type=_date, metavar="DATE", help="la version en vigueur à cette date (AAAA-MM-JJ)")
    p.add_argument("--court", action="store_true", help="une ligne par élément (sans savoir-faire, savoirs ni critères)")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_show)


def _add_validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FICHIER", help="fichiers TOML à valider")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_validate)


def _add_schema(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "kind",
        metavar="TYPE",
        choices=["referentiel", "dossier", "session"],
        help="type de fichier : referentiel, dossier ou session",
    )
    p.set_defaults(func=cmd_schema)


def _add_plugins(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_plugins)


def _add_dossiers(func: Any, session: bool = False) -> Any:
    def add(p: argparse.ArgumentParser) -> None:
        p.add_argument("dossiers", nargs="+", metavar="DOSSIER", help="fichiers dossier (TOML)")
        p.add_argument("--as-of", dest="as_of", type=_date, metavar="DATE", help="date à laquelle le dossier est lu (AAAA-MM-JJ ; défaut : aujourd'hui) : les événements postérieurs sont ignorés ; chaque montant reste au barème de la date de son événement")
        p.add_argument("--json", action="store_true", help="sortie JSON")
        if session:
            p.add_argument("--session", metavar="SESSION", help="vérifier aussi cette session de jury (fichier TOML)")
            p.add_argument(
                "--historique", nargs="*", metavar="SESSION", help="sessions précédentes du même jury (alternance de la présidence)"
            )
        p.set_defaults(func=func)

    return add


def _add_new_plugin(p: argparse.ArgumentParser) -> None:
    from cqpkit.scaffold import add_arguments  # the command lives in cqpkit.scaffold

    add_arguments(p)


#: command → (help, builder), in the order `cqpkit --help` lists them.
COMMANDS = {
    "list": ("lister les certifications enregistrées", _add_list),
    "show": ("afficher un référentiel", _add_show),
    "validate": ("valider des fichiers (référentiels, dossiers, sessions de jury, scénarios)", _add_validate),
    "schema": ("afficher le schéma JSON d'un type de fichier", _add_schema),
    "plugins": ("lister les extensions chargées, leurs hooks et leurs fichiers", _add_plugins),
    "check": ("vérifier des dossiers (et une session de jury)", _add_dossiers(cmd_check, session=True)),
    "plan": ("orienter : le parcours individualisé après le positionnement", _add_dossiers(cmd_plan)),
    "decide": ("le résultat de chaque dossier à une date", _add_dossiers(cmd_decide)),
    "funding": ("les lignes de financement et de gratification", _add_dossiers(cmd_funding)),
    "explain": ("pourquoi : chaque constat, décision et montant avec sa règle et sa source", _add_dossiers(cmd_explain)),
    "test": ("exécuter des scénarios (dossier, date, résultats attendus)", _add_test),
    "new-plugin": ("créer une extension pour un nouveau CQP, prête à tester et à publier", _add_new_plugin),
    # The store commands live in cqpkit.cli_store, imported only when one of them runs.
    "db": ("la base : créer (init), migrer (upgrade), vérifier le journal d'audit (verify)", lambda p: __import__("cqpkit.cli_store").cli_store.add_db(p)),
    "import": ("enregistrer des dossiers et des sessions de jury dans la base (tout ou rien)", lambda p: __import__("cqpkit.cli_store").cli_store.add_import(p)),
    "jury": ("sessions de jury : lister (list), afficher (show), ouvrir (open), présenter (add), décider (decide), clore (close)", lambda p: __import__("cqpkit.cli_store").cli_store.add_jury(p)),
    "dossier": ("un dossier enregistré : état (show), historique (history)", lambda p: __import__("cqpkit.cli_store").cli_store.add_dossier(p)),
    "personne": ("une personne nommée par les dossiers (tuteur, évaluateur) : faits, missions, charge, prime (show)", lambda p: __import__("cqpkit.cli_store").cli_store.add_personne(p)),
    "report": ("rapports : échéances (deadlines), campagne (campaign)", lambda p: __import__("cqpkit.cli_store").cli_store.add_report(p)),
    "candidate": ("données personnelles d'un candidat : exporter (export), effacer (erase)", lambda p: __import__("cqpkit.cli_store").cli_store.add_candidate(p)),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser (French help); with ``only``, just that command's sub-parser."""
    from cqpkit import __version__

    common = argparse.ArgumentParser(add_help=False, formatter_class=_Formatter)
    common.add_argument("--debug", action="store_true", help="afficher la trace Python en cas d'erreur")

    parser = argparse.ArgumentParser(
        prog="cqpkit",
        description="Les CQP de branche en règles exécutables : référentiels, dossiers, jurys, financement.",
        parents=[common],
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"cqpkit {__version__}", help="afficher la version")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", title="commandes")
    sub.required = True
    for name, (help_text, add) in COMMANDS.items():
        if only is None or name == only:
            add(sub.add_parser(name, help=help_text, parents=[common], formatter_class=_Formatter))
        else:
            sub.add_parser(name, help=help_text, add_help=False, formatter_class=_Formatter)
    return parser


def _db_after_command(argv: list[str]) -> list[str]:
    """Accept ``cqpkit --db PATH COMMAND …`` as well as ``cqpkit COMMAND --db PATH …``.

    ``--db`` belongs to the store commands' (and sub-commands') parsers; written before the
    command, it is moved to the end of the line (``--db=PATH`` too), where the innermost
    parser reads it, so both orders mean the same.
    """
    moved: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("-"):
            return [*rest, *argv[i:], *moved]
        if arg == "--db" and i + 1 < len(argv):
            moved += argv[i : i + 2]
            i += 2
            continue
        if arg.startswith("--db="):
            moved.append(arg)
        else:
            rest.append(arg)
        i += 1
    return [*rest, *moved]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cqpkit`` command; returns the exit code."""
    argv = _db_after_command(list(sys.argv[1:] if argv is None else argv))
    command = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(command if command in COMMANDS else None).parse_args(argv)
    debug = args.debug or bool(os.environ.get("CQPKIT_DEBUG"))
    try:
        return args.func(args)
    except CqpkitError as exc:
        if debug:
            raise
        print(f"erreur : {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrompu", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        # Files read are checked where they are opened (CqpkitError); what is left is the system refusing
        # an output: a full disk, a device error, a closed terminal. Exit 2, as for an unreadable file.
        if debug:
            raise
        where = f"{exc.filename} : " if exc.filename else "écriture de la sortie impossible : "
        print(f"erreur : {where}{os_reason(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:
        if debug:
            raise
        print(f"erreur interne : {type(exc).__name__}: {exc} (relancer avec --debug pour la trace)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
