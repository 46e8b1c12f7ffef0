"""cqpkit plugin ``exemple``: a fictional branch CQP, the third-party plugin of cqpkit's tests.

Registered through the entry point ``exemple`` of group ``cqpkit``. It supplies one
référentiel (``referentiels/agent-test-2024.toml``: three blocs, an épreuve, a VAE route,
a jury and a funding barème), one rule the TOML cannot say, written in Python in
:mod:`cqpkit_exemple.regles`, and its own look for two printed documents (``modeles/``: the
attestation with its logo and wording, and a kind of its own, ``attestation:courte``). Its référentiels are found with :mod:`importlib.resources`, so
that the plugin works from a wheel, a ``--target`` directory or a source tree alike.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib.resources import files

from cqpkit import hookimpl

from cqpkit_exemple.regles import cqpkit_check_dossier

__all__ = ["CQPKIT_CODES", "cqpkit_check_dossier", "cqpkit_document_template", "cqpkit_referentiels"]

#: The finding codes this plugin's hooks give (its scenarios may expect them).
CQPKIT_CODES = ("exemple_bloc_d3_premature",)


@hookimpl
def cqpkit_referentiels(register: Callable[[object], None]) -> None:
    """Register the ``referentiels/`` directory of this package: each of its ``*.toml`` files, sorted by name."""
    register(files(__name__) / "referentiels")


#: The printed documents this plugin gives its own template: a cqpkit kind, and a kind of its own (``BASE:NAME``).
MODELES = {"attestation": "attestation.typ", "attestation:courte": "attestation-courte.typ"}


@hookimpl
def cqpkit_document_template(referentiel: object, kind: str) -> os.PathLike[str] | str | None:
    """The branch's attestation (logo, wording) and its « attestation:courte »; cqpkit's templates for the rest."""
    name = MODELES.get(kind)
    return None if name is None else str(files(__name__) / "modeles" / name)
