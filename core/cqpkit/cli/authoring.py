"""The commands of a plugin author: ``test`` (scenario files) and ``new-plugin`` (the scaffold)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from cqpkit.cli.common import failures_out, load_registry, print_json
from cqpkit.exceptions import CqpkitError, UnreadableFileError
from cqpkit.render.text import pluriel

__all__ = ["add_new_plugin", "add_test", "cmd_test"]


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
