"""The commands of a plugin author: ``test`` (scenario files), ``new-plugin`` (the scaffold), ``doc`` (the docs).

``cqpkit doc TOPIC`` prints one of the reference pages. They ship in the wheel as
``cqpkit/_docs/TOPIC.md`` (pyproject's force-include, one entry per topic of :data:`DOC_TOPICS`)
and are read from the source tree in a checkout, so that an installed user reaches the same
text as a reader of the repository.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from cqpkit.cli.common import failures_out, load_registry, print_json
from cqpkit.cli.output import print_error
from cqpkit.exceptions import CqpkitError, UnreadableFileError
from cqpkit.render.text import pluriel

__all__ = ["DOC_TOPICS", "add_doc", "add_new_plugin", "add_test", "cmd_test", "doc_path"]


def cmd_test(args: argparse.Namespace) -> int:
    from cqpkit.testing.scenarios import find_scenarios, load_scenario, run_scenario

    registry = load_registry()
    failures_out(registry)
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
            scenario = load_scenario(path, registry)
            if not args.json:
                for e in scenario.avertissements:  # an expected code nothing gives: the run fails on it, this says why
                    print(f"avertissement : {e}", file=sys.stderr, flush=True)
            outcome = run_scenario(scenario, registry)
        except CqpkitError as exc:
            failed += 1
            code = max(code, exc.exit_code)
            # every key always present (docs/json-output.md): no description for a file that could not be read
            results.append({"fichier": path, "reussi": False, "description": None, "differences": [], "erreur": str(exc)})
            if not args.json:
                sys.stdout.flush()  # keep the order of ok / ÉCHEC / ERREUR when both streams go to one log
                print(f"ERREUR {path}", file=sys.stderr)
                print_error(exc, prefix="")
                sys.stderr.flush()
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
        print_json({"scenarios": results, "reussis": passed, "echoues": failed})
    else:
        print(f"{pluriel(passed, 'scénario réussi', 'scénarios réussis')}, {failed} en échec")
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


def add_test(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="CHEMIN", help="fichiers ou répertoires de scénarios (défaut : ceux des extensions)")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_test)


def add_new_plugin(p: argparse.ArgumentParser) -> None:
    from cqpkit.scaffold import add_arguments  # the command lives in cqpkit.scaffold

    add_arguments(p)


# ---------------------------------------------------------------------------------- doc
#: topic → (file in the source tree, what it is). In the wheel: ``cqpkit/_docs/<topic>.md``.
DOC_TOPICS = {
    "plugin": ("docs/writing-a-plugin.md", "écrire une extension pour un nouveau CQP : le guide, de new-plugin à la publication"),
    "format": ("referentials/README.md", "le format des référentiels : chaque table, chaque clé, chaque message d'erreur"),
    "dossiers": ("referentials/dossiers.md", "le format des dossiers et des sessions de jury"),
    "scenarios": ("docs/scenarios.md", "le format des scénarios et la commande cqpkit test"),
    "interop": ("docs/interop.md", "l'interopérabilité : RNCP, Moodle, attestations Open Badges 3.0, tableurs CSV et XLSX"),
    "engine": ("docs/engine.md", "le moteur : constats, décisions, financement, et ce qu'une extension peut y changer"),
    "store": ("docs/store.md", "la base : import, sessions de jury, journal d'audit, données personnelles"),
    "json": ("docs/json-output.md", "la sortie --json de chaque commande"),
    "documents": ("docs/documents.md", "les documents imprimés : convocation, procès-verbal, notification, attestation, certificat, financement"),
}


def doc_path(topic: str) -> str:
    """The file of a documentation topic: in the installed package, else in the source tree."""
    from importlib.resources import files

    shipped = files("cqpkit") / "_docs" / f"{topic}.md"
    if shipped.is_file():
        return str(shipped)
    import cqpkit

    source = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(cqpkit.__file__)))), DOC_TOPICS[topic][0])
    if os.path.isfile(source):
        return source
    raise UnreadableFileError(
        f"documentation « {topic} » introuvable (ni cqpkit/_docs/{topic}.md dans le paquet installé, ni "
        f"{DOC_TOPICS[topic][0]} dans les sources) : réinstallez cqpkit"
    )


def cmd_doc(args: argparse.Namespace) -> int:
    if args.topic is None:
        print("Documentation livrée avec cqpkit : cqpkit doc SUJET affiche la page (cqpkit doc --path SUJET, son fichier).")
        width = max(map(len, DOC_TOPICS))
        for topic, (_, what) in DOC_TOPICS.items():
            print(f"  {topic.ljust(width)}  {what}")
        return 0
    path = doc_path(args.topic)
    if args.path:
        print(path)
        return 0
    from cqpkit.cli.output import print_lines
    from cqpkit.formats.tomlfile import read_text

    print_lines(read_text(path).rstrip("\n"))
    return 0


def add_doc(p: argparse.ArgumentParser) -> None:
    p.add_argument("topic", nargs="?", choices=list(DOC_TOPICS), metavar="SUJET", help=f"sujet : {', '.join(DOC_TOPICS)} (sans sujet : la liste)")
    p.add_argument("--path", action="store_true", help="afficher le chemin du fichier plutôt que son contenu")
    p.set_defaults(func=cmd_doc)
