"""Builtin plugin: the checks of the readiness at each passage, :mod:`cqpkit.rules.checks.conditions_passage`.

One rule family of the generic engine, blockable by name (``CQPKIT_DISABLE_PLUGINS=default_conditions_passage``, or a
plugin's ``CQPKIT_BLOCKS`` for its own référentiels).
"""

from cqpkit.plugins.family import check_family

cqpkit_check_dossier = check_family("cqpkit.rules.checks.conditions_passage", "check_conditions_passage")
