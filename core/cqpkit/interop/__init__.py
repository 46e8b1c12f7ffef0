"""Interoperability: RNCP/RS identity and import, Open Badges 3.0 credentials, Moodle CSV, spreadsheets.

Each format has its own module, built on the registry and the store; the libraries they need (openpyxl,
PyJWT) come with the ``interop`` extra and are imported only by the commands that use them, through
:func:`require`, which says in French how to install them. ``docs/interop.md`` says, per format, the
standard it follows (with its version) and what is mapped.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from cqpkit.exceptions import CqpkitError

__all__ = ["EXTRA", "InteropUnavailable", "require"]

#: How to install what the interoperability formats need.
EXTRA = "pip install 'cqpkit[interop]'"
#: The distribution that provides each module imported through :func:`require`.
_DISTRIBUTIONS = {"openpyxl": "openpyxl", "jwt": "PyJWT"}


class InteropUnavailable(CqpkitError):
    """A library of the ``interop`` extra is not installed (exit 2, as an environment that cannot run the command)."""

    exit_code = 2


def require(module: str, what: str) -> ModuleType:
    """Import ``module`` (``"openpyxl"``, ``"jwt"``) for ``what`` (« l'export XLSX »), or raise :class:`InteropUnavailable`
    naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        name = _DISTRIBUTIONS.get(module, module)
        raise InteropUnavailable(f"{what} demande l'extension « interop » de cqpkit ({EXTRA}) : {name} n'est pas installé") from None
