"""cqpkit plugin: the five CQPs of the Mutualité branch (CPNEFP de la Mutualité / OEMM).

Registered through the entry point ``mutualite`` of group ``cqpkit``, like any third-party
plugin. Its référentiels are the TOML files of ``referentiels/``, each a short file that
``extends`` the fragments of ``fragments/`` (merged by the core format: the branch rules are
written once, in ``fragments/branche.toml``). Everything else (checks, orientation, decision, funding) is the
generic engine, plus the domaine 1 checks of :mod:`cqpkit_mutualite.regles`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from cqpkit import hookimpl

# The référentiels ship inside the package (wheel package data). They are found next to
# this file with os.path rather than through importlib.resources or pathlib, whose
# imports (zipfile, tempfile, shutil, urllib) would cost `cqpkit list` a tenth of its
# start-up budget; all give the same paths for an installed or editable package.
#: The finding codes this plugin's hooks give (cqpkit_mutualite.regles): scenarios may expect them.
CQPKIT_CODES = ("d1_mention_choisie", "d1_decouverte_autre_mention", "d1_decouverte_manquante")

REFERENTIELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "referentiels")


@hookimpl
def cqpkit_referentiels(register: Callable[[object], None]) -> None:
    register(REFERENTIELS)  # every *.toml of the directory


_RULES: list[Callable[..., list]] = []


@hookimpl
def cqpkit_check_dossier(referentiel: Any, dossier: Any, date: Any) -> list:
    """The domaine 1 mention checks of the Spécialiste prestations (the only CQP with its two D1 grids; nothing for the others)."""
    if not _RULES:  # imported at the first call (an import statement per dossier costs about a microsecond)
        from cqpkit_mutualite.regles import check_d1

        _RULES.append(check_d1)
    return _RULES[0](referentiel, dossier, date)
