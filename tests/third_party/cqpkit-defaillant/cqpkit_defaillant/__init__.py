"""cqpkit plugin ``defaillant``: a fictional certification whose hooks fail on request (a fixture of cqpkit's tests).

Registered through the entry point ``defaillant`` of group ``cqpkit``. It supplies
``referentiels/agent-fictif-2024.toml`` and implements every dossier and session hook of
:mod:`cqpkit.hookspecs`; each one does nothing (the builtin engine answers) unless
``CQPKIT_DEFAILLANT_ECHEC`` names it (README.md). tests/test_plugin_failures.py checks that this
module implements every hook that takes a dossier, so that a new hook is exercised too.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from importlib.resources import files
from typing import Any

from cqpkit import hookimpl

__all__ = [
    "cqpkit_check_dossier",
    "cqpkit_check_session",
    "cqpkit_decide",
    "cqpkit_funding",
    "cqpkit_plan_parcours",
    "cqpkit_referentiels",
]

#: The kinds of failure ``CQPKIT_DEFAILLANT_ECHEC`` may ask for.
KINDS = ("ValueError", "SystemExit", "KeyboardInterrupt", "ctrl-c")


def _maybe_fail(hook: str) -> None:
    """Note the call (``CQPKIT_DEFAILLANT_JOURNAL``), then fail as ``CQPKIT_DEFAILLANT_ECHEC`` asks for ``hook``."""
    journal = os.environ.get("CQPKIT_DEFAILLANT_JOURNAL")
    if journal:
        with open(journal, "a", encoding="utf-8") as fh:
            fh.write(hook + "\n")
    wanted, _, kind = os.environ.get("CQPKIT_DEFAILLANT_ECHEC", "").partition(":")
    if wanted not in (hook, "*"):
        return
    if kind == "ValueError":
        raise ValueError(f"barème illisible\nligne 2 : « {hook} »")  # a message with a line break, escaped in reports
    if kind == "SystemExit":
        sys.exit(3)
    if kind == "KeyboardInterrupt":
        raise KeyboardInterrupt
    if kind == "ctrl-c":
        signal.raise_signal(signal.SIGINT)  # what a user's Ctrl-C delivers: the command must stop
    raise AssertionError(f"CQPKIT_DEFAILLANT_ECHEC : type d'échec inconnu « {kind} » (connus : {', '.join(KINDS)})")


_maybe_fail("import")  # CQPKIT_DEFAILLANT_ECHEC=import:KIND: the plugin fails while cqpkit imports it


@hookimpl
def cqpkit_referentiels(register: Callable[[object], None]) -> None:
    """Register the ``referentiels/`` directory of this package."""
    _maybe_fail("cqpkit_referentiels")
    register(files(__name__) / "referentiels")


@hookimpl
def cqpkit_check_dossier(referentiel: Any, dossier: Any, date: Any, resultat: Any) -> list[Any]:
    _maybe_fail("cqpkit_check_dossier")
    return []


@hookimpl
def cqpkit_check_session(referentiel: Any, session: Any, dossiers: Any, historique: Any) -> list[Any]:
    _maybe_fail("cqpkit_check_session")
    return []


@hookimpl
def cqpkit_plan_parcours(referentiel: Any, dossier: Any, date: Any) -> None:
    _maybe_fail("cqpkit_plan_parcours")


@hookimpl
def cqpkit_decide(referentiel: Any, dossier: Any, date: Any) -> None:
    _maybe_fail("cqpkit_decide")


@hookimpl
def cqpkit_funding(referentiel: Any, dossier: Any, date: Any, resultat: Any) -> list[Any]:
    _maybe_fail("cqpkit_funding")
    return []
