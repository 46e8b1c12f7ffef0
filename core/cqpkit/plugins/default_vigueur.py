"""Builtin plugin: the référentiel version in force at the registration, :mod:`cqpkit.rules.vigueur`.

One rule family of the generic engine; block it by name (``CQPKIT_DISABLE_PLUGINS``, or a plugin's
``CQPKIT_BLOCKS`` for its own référentiels) to do without it.
"""

from __future__ import annotations

from typing import Any

from cqpkit.hookspecs import hookimpl


@hookimpl
def cqpkit_check_dossier(referentiel: Any, dossier: Any, date: Any) -> list:
    from cqpkit.rules.vigueur import check_version

    return check_version(referentiel, dossier, date)
