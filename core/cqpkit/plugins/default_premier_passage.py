"""Builtin plugin: the checks of the first passage before the jury within its deadline, :mod:`cqpkit.rules.checks.premier_passage`.

One rule family of the generic engine, blockable by name (``CQPKIT_DISABLE_PLUGINS=default_premier_passage``, or a
plugin's ``CQPKIT_BLOCKS`` for its own référentiels).
"""

from cqpkit.plugins.family import check_family

cqpkit_check_dossier = check_family("cqpkit.rules.checks.premier_passage", "check_premier_passage")
