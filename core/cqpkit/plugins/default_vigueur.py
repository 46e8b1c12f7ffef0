"""Builtin plugin: the checks of the référentiel version in force at the registration, :mod:`cqpkit.rules.vigueur`.

One rule family of the generic engine, blockable by name (``CQPKIT_DISABLE_PLUGINS=default_vigueur``, or a
plugin's ``CQPKIT_BLOCKS`` for its own référentiels).
"""

from cqpkit.plugins.family import check_family

cqpkit_check_dossier = check_family("cqpkit.rules.vigueur", "check_version")
