"""The référentiel commands: ``list``, ``show``, ``validate``, ``schema``, ``plugins``.

``cqpkit list`` is the start-up budget (``bench/startup.py``): this module imports the standard
library and :mod:`cqpkit.cli.common` only; the format layer and the renderer are imported by the
commands that use them.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cqpkit.cli.common import failures_out, load_registry, parse_date, print_json, table
from cqpkit.cli.output import capped, json_stream, print_lines
from cqpkit.exceptions import Erreur, InvalidFileError, UnreadableFileError
from cqpkit.render.text import pluriel

__all__ = ["add_list", "add_plugins", "add_schema", "add_show", "add_validate"]


def _failures_json(registry: Any) -> list[dict[str, str]]:
    return [{"plugin": f.plugin, "raison": f.raison} for f in registry.failures]


# --------------------------------------------------------------------------------- list
def cmd_list(args: argparse.Namespace) -> int:
    registry = load_registry()
    fiches = registry.fiches()
    if args.json:
        print_json({"referentiels": [r.to_json() for r in fiches], "erreurs": _failures_json(registry)})
    else:
        if fiches:
            rows = [
                [r.id, r.version, r.unites_libelle, r.plugin, r.intitule + ("" if r.complet else " (incomplet)")]
                for r in fiches
            ]
            print_lines(table(rows, ["Certification", "Version", "Domaines / blocs", "Extension", "Intitulé"]))
        n = len(fiches)
        print(pluriel(n, "référentiel") if n else "Aucun référentiel enregistré.")
    failures_out(registry)
    return 1 if registry.failures else 0


def add_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_list)


# --------------------------------------------------------------------------------- show
def cmd_show(args: argparse.Namespace) -> int:
    registry = load_registry()
    failures_out(registry)
    ref = registry.referentiel(args.id, version=args.version, as_of=args.as_of)
    plugin = registry.plugin_of(ref.id, ref.version)
    if args.json:
        from cqpkit.formats.converter import json_converter

        print_json({"plugin": plugin, "referentiel": json_converter().unstructure(ref)})
        return 0
    from cqpkit.render.referentiel import render_referentiel

    print_lines(render_referentiel(ref, plugin, args.as_of, court=args.court))
    return 0


def add_show(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", metavar="ID", help="identifiant de la certification (branche.slug)")
    p.add_argument("--version", dest="version", metavar="V", help="version du référentiel")
    p.add_argument("--as-of", dest="as_of", type=parse_date, metavar="DATE", help="la version en vigueur à cette date (AAAA-MM-JJ)")
    p.add_argument("--court", action="store_true", help="une ligne par élément (sans savoir-faire, savoirs ni critères)")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_show)


# ----------------------------------------------------------------------------- validate
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
            registry = load_registry()
        return registry

    results: list[dict[str, Any]] = []
    code = 0
    for path in args.files:
        kind = None
        try:
            doc = parse_toml(read_text(path), path)
            kind = file_kind(doc.data)
            if kind == "referentiel":
                # [extensions.<plugin>] tables are validated by the loaded plugins' classes.
                classes = get_registry().extension_classes() if "extensions" in doc.data else None
                ref = referentiel_from_document(doc, classes)
                details = {"certification": ref.id, "version": ref.version}
            elif kind == "dossier":
                d = dossier_from_document(doc, get_registry())
                details = {"dossier": d.id, "certification": d.dossier.certification, "version": d.dossier.version}
            elif kind == "session":
                s = session_from_document(doc, get_registry())
                details = {"session": s.id, "date": s.session.date.isoformat()}
            elif kind == "scenario":
                from cqpkit.testing.scenarios import load_scenario

                sc = load_scenario(path, get_registry())
                details = {"scenario": sc.info.description, "dossier": sc.dossier.id, "avertissements": [e._asdict() for e in sc.avertissements]}
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
        print_json({"fichiers": results})
        return code
    if registry is not None:
        failures_out(registry)  # a broken plugin explains an unknown certification
    n_bad = 0
    for r in results:
        if r["valide"]:
            print(f"{r['fichier']} : {_valid_text(r)}", flush=True)  # in order with the errors, even in one log
            for e in r.get("avertissements", ()):
                print(f"avertissement : {Erreur(**e)}", file=sys.stderr, flush=True)
        elif "illisible" in r:
            n_bad += 1
            print(f"erreur : {r['illisible']}", file=sys.stderr)
        else:
            n_bad += 1
            errs = r["erreurs"]
            print(f"{r['fichier']} : {pluriel(len(errs), 'erreur')}", file=sys.stderr)
            for line in capped(Erreur(**e) for e in errs):
                print(line, file=sys.stderr)
    n = len(results)
    print(f"{pluriel(n - n_bad, 'fichier valide', 'fichiers valides')} sur {n}")
    return code


def _valid_text(r: dict[str, Any]) -> str:
    if r["type"] == "dossier":
        return f"dossier valide ({r['dossier']}, {r['certification']} {r['version']})"
    if r["type"] == "session":
        return f"session de jury valide ({r['session']}, {r['date']})"
    if r["type"] == "scenario":
        return f"scénario valide ({r['dossier']} : {r['scenario']})"
    return f"référentiel valide ({r['certification']}, version {r['version']})"


def add_validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FICHIER", help="fichiers TOML à valider")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_validate)


# ------------------------------------------------------------------------------- schema
def cmd_schema(args: argparse.Namespace) -> int:
    from cqpkit.formats.schema import schema_text

    # The référentiel schema holds each loaded plugin's [extensions.<plugin>] fragment.
    extensions = load_registry().extension_classes() if args.kind == "referentiel" else None
    json_stream().write(schema_text(args.kind, extensions))
    return 0


def add_schema(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "kind",
        metavar="TYPE",
        choices=["referentiel", "dossier", "session"],
        help="type de fichier : referentiel, dossier ou session",
    )
    p.set_defaults(func=cmd_schema)


# ------------------------------------------------------------------------------ plugins
def cmd_plugins(args: argparse.Namespace) -> int:
    registry = load_registry()
    rows = [
        {
            "nom": p.name,
            "module": p.module,
            "version": p.version,
            "distribution": p.distribution,
            "integre": p.builtin,
            "hooks": registry.hooks_of(p.name),
            "referentiels": registry.files_of(p.name),
        }
        for p in registry.plugins()
    ]
    if args.json:
        print_json({"plugins": rows, "erreurs": _failures_json(registry)})
    else:
        for r in rows:
            kind = "intégrée" if r["integre"] else f"distribution {r['distribution'] or '?'}"
            print(f"{r['nom']} {r['version']} ({kind}, module {r['module']})")
            print(f"  hooks : {', '.join(r['hooks']) or 'aucun'}")
            for f in r["referentiels"]:
                print(f"  référentiel : {f}")
    failures_out(registry)
    return 1 if registry.failures else 0


def add_plugins(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_plugins)
