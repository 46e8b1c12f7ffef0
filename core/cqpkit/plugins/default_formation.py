"""Builtin plugin: the checks of the training (hours, agreed training bodies), :mod:`cqpkit.rules.checks.formation`.

One rule family of the generic engine, blockable by name (``CQPKIT_DISABLE_PLUGINS=default_formation``, or a
plugin's ``CQPKIT_BLOCKS`` for its own référentiels).
"""

from cqpkit.plugins.family import check_family

cqpkit_check_dossier = check_family("cqpkit.rules.checks.formation", "check_heures_formation", "check_organismes")
