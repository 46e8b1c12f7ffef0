"""cqpkit plugin: the CQP Manager Opérationnel of the Sécurité sociale (Ucanss / Institut 4.10).

Registered through the entry point ``cqp_mo`` of group ``cqpkit``, like any third-party
plugin. Its référentiels are the TOML files of ``referentiels/``: two versions of one
certification, ``secu.manager-operationnel`` version ``2016`` (five domaines, eight unités de
professionnalisation) and version ``blocs`` (module transverse and four blocs de compétences).
Its scenarios are the TOML files of ``scenarios/`` (``cqpkit test`` finds them).

The generic engine applies what the référentiels say; the hooks below add only what is
specific to the CQP MO (see :mod:`cqpkit_cqp_mo.regles` and ``plugins/cqp_mo/README.md``):

- ``cqpkit_check_dossier``: module transverse first, SPE before the deposit of the
  certification dossier, SPE before a collective module, parcours intégral in the first year;
- ``cqpkit_decide``: the bloc version certifies the four blocs, not the module transverse.

The registry calls these hooks only for this plugin's référentiels (the CQP MO's two versions).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from cqpkit import hookimpl

#: The class of this plugin's ``[extensions.cqp_mo]`` table (the core validates the table with it), as a
#: reference: imported only when a table is validated, since the class pulls the model and attrs in.
CQPKIT_EXTENSION = "cqpkit_cqp_mo.extension:ExtensionCqpMo"

#: The finding codes this plugin's hooks give (cqpkit_cqp_mo.regles): scenarios may expect them.
CQPKIT_CODES = ("module_conseille_en_premier", "spe_avant_depot", "spe_avant_module_collectif", "formation_premiere_annee")

# The référentiels ship inside the package (wheel package data). They are found next to
# this file with os.path rather than through importlib.resources or pathlib, whose
# imports (zipfile, tempfile, shutil, urllib) would cost `cqpkit list` a tenth of its
# start-up budget; all give the same paths for an installed or editable package.
REFERENTIELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "referentiels")


@hookimpl
def cqpkit_referentiels(register: Callable[[object], None]) -> None:
    register(REFERENTIELS)  # every *.toml of the directory


# The rules are imported inside the hooks: this module is loaded on every start, including
# `cqpkit list`, which needs none of them.
@hookimpl
def cqpkit_check_dossier(referentiel: Any, dossier: Any, date: Any) -> list:
    from cqpkit_cqp_mo.regles import check_dossier

    return check_dossier(referentiel, dossier, date)


@hookimpl
def cqpkit_decide(referentiel: Any, dossier: Any, date: Any) -> Any:
    from cqpkit_cqp_mo.regles import decide

    return decide(referentiel, dossier, date)
