"""Builtin plugin: the checks of the evaluators of each evaluation, :mod:`cqpkit.rules.checks.evaluateurs`.

One rule family of the generic engine, blockable by name (``CQPKIT_DISABLE_PLUGINS=default_evaluateurs``, or a
plugin's ``CQPKIT_BLOCKS`` for its own référentiels).
"""

from cqpkit.plugins.family import check_family

cqpkit_check_dossier = check_family("cqpkit.rules.checks.evaluateurs", "check_evaluateurs")
