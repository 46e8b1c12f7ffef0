"""cqpkit: French branch professional certifications (CQP) as rules-as-code.

Public API (kept light to import: heavy modules load on first use)::

    import cqpkit
    registry = cqpkit.load_registry()
    registry.resumes()                       # what `cqpkit list` shows
    ref = registry.referentiel("mutualite.specialiste-prestations")

Plugin authors write ``from cqpkit import hookimpl``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cqpkit.hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "dump_referentiel",
    "hookimpl",
    "load_referentiel",
    "load_registry",
    "loads_referentiel",
]

if TYPE_CHECKING:  # pragma: no cover
    from cqpkit.formats.referentiels import dump_referentiel, load_referentiel, loads_referentiel
    from cqpkit.plugins.registry import load_registry

_LAZY = {
    "load_registry": "cqpkit.plugins.registry",
    "load_referentiel": "cqpkit.formats.referentiels",
    "loads_referentiel": "cqpkit.formats.referentiels",
    "dump_referentiel": "cqpkit.formats.referentiels",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cqpkit' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
