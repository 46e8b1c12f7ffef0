"""Which référentiels the loaded plugins supply: what the store says when a dossier's plugin is missing.

The engines need the référentiel a dossier follows. A certification no loaded plugin supplies (or a
version of it) is not an unknown certification when the base holds it: the reports leave it out and
name it, the jury workflow refuses to touch its dossiers, each saying which plugin to install.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["count_dossiers", "left_out", "no_rules", "plugin_hint", "rules_of"]


def plugin_hint(registry: Any) -> str:
    """Why a plugin may not be loaded in this process: the environment switches, the plugins that failed."""
    parts = []
    only = os.environ.get("CQPKIT_LOAD_PLUGINS")
    if only is not None:
        only = ",".join(x.strip() for x in only.split(",") if x.strip())
        parts.append(
            f"CQPKIT_LOAD_PLUGINS={only} : seules ces extensions installées sont chargées" if only
            else "CQPKIT_LOAD_PLUGINS est vide : aucune extension installée n'est chargée"
        )
    off = ",".join(x.strip() for x in os.environ.get("CQPKIT_DISABLE_PLUGINS", "").split(",") if x.strip())
    if off:
        parts.append(f"CQPKIT_DISABLE_PLUGINS={off} en écarte")
    failed = sorted({f.plugin for f in getattr(registry, "failures", ())})
    if failed:
        parts.append(f"extension{'s' if len(failed) > 1 else ''} qui n'{'ont' if len(failed) > 1 else 'a'} pas pu être chargée{'s' if len(failed) > 1 else ''} : {', '.join(failed)}")
    parts.append("« cqpkit plugins » liste les extensions chargées")
    return " (" + " ; ".join(parts) + ")"


def rules_of(registry: Any) -> dict[str, set[str]]:
    """The certifications the loaded plugins supply, each with its référentiel versions."""
    out: dict[str, set[str]] = defaultdict(set)
    for r in registry.fiches():
        out[r.id].add(r.version)
    return out


def no_rules(registry: Any, rules: Mapping[str, set[str]], certification: str, versions: Iterable[str] = ()) -> str | None:
    """Why the dossiers of ``certification`` (in these référentiel ``versions``) cannot be evaluated here, or ``None``.

    The engines need the référentiel a dossier follows: a certification that no loaded plugin
    supplies (its plugin is not installed, not loaded, or failed to load), or a version of it that
    the installed plugin no longer (or not yet) supplies.
    """
    supplied = rules.get(certification)
    if not supplied:
        return "aucune extension chargée ne fournit cette certification — installez l'extension (le plugin) qui la fournit" + plugin_hint(registry)
    missing = sorted(set(versions) - supplied)
    if not missing:
        return None
    s = "s" if len(missing) > 1 else ""
    return (
        f"version{s} {', '.join(f'« {v} »' for v in missing)} du référentiel absente{s} des extensions chargées "
        f"(versions fournies : {', '.join(sorted(supplied))}) — installez la version de l'extension qui la fournit" + plugin_hint(registry)
    )


def count_dossiers(n: int) -> str:
    return f"{n} dossier{'s' if n > 1 else ''}"


def left_out(entries: Mapping[str, tuple[int, str]]) -> list[dict[str, Any]]:
    """``certifications_ignorees`` of the reports: ``{certification, dossiers, raison}``, by certification."""
    return [{"certification": c, "dossiers": n, "raison": raison} for c, (n, raison) in sorted(entries.items())]
