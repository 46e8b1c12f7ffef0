"""cqpkit: French branch professional certifications (CQP) as rules-as-code.

Public API (kept light to import: heavy modules load on first use)::

    import cqpkit
    registry = cqpkit.load_registry()
    registry.fiches()                        # what `cqpkit list` shows
    ref = registry.referentiel("mutualite.specialiste-prestations")
    dossier = cqpkit.load_dossier("dossier.toml", registry)      # or loads_dossier_json(text, registry)
    resultat = registry.decide(dossier, datetime.date(2014, 7, 1))
    cqpkit.to_json(resultat)                 # JSON-ready data (the `--json` contract); dump_json: text

The package is typed (``py.typed``): mypy checks an application and a plugin's hooks against the model.

Plugin authors write ``from cqpkit import hookimpl``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cqpkit.hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "dump_dossier",
    "dump_json",
    "dump_referentiel",
    "dump_session",
    "hookimpl",
    "load_dossier",
    "load_referentiel",
    "load_registry",
    "load_session",
    "loads_dossier",
    "loads_dossier_json",
    "loads_referentiel",
    "loads_session",
    "loads_session_json",
    "to_json",
    "validate_dossier",
    "validate_session",
]

if TYPE_CHECKING:  # pragma: no cover
    from cqpkit.formats.dossiers import (
        dump_dossier,
        dump_session,
        load_dossier,
        load_session,
        loads_dossier,
        loads_session,
        validate_dossier,
        validate_session,
    )
    from cqpkit.formats.jsonfile import dump_json, loads_dossier_json, loads_session_json, to_json
    from cqpkit.formats.referentiels import dump_referentiel, load_referentiel, loads_referentiel
    from cqpkit.plugins.registry import load_registry

_LAZY = {
    "load_registry": "cqpkit.plugins.registry",
    "load_referentiel": "cqpkit.formats.referentiels",
    "loads_referentiel": "cqpkit.formats.referentiels",
    "dump_referentiel": "cqpkit.formats.referentiels",
    **dict.fromkeys(
        ("load_dossier", "loads_dossier", "dump_dossier", "validate_dossier", "load_session", "loads_session", "dump_session", "validate_session"),
        "cqpkit.formats.dossiers",
    ),
    **dict.fromkeys(("loads_dossier_json", "loads_session_json", "dump_json", "to_json"), "cqpkit.formats.jsonfile"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cqpkit' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
