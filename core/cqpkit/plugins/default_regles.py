"""Builtin plugin: the checks of the ``[[regles]]`` of the référentiel, :mod:`cqpkit.rules.checks.regles`.

One rule family of the generic engine, blockable by name (``CQPKIT_DISABLE_PLUGINS=default_regles``, or a
plugin's ``CQPKIT_BLOCKS`` for its own référentiels).
"""

from cqpkit.plugins.family import check_family

cqpkit_check_dossier = check_family("cqpkit.rules.checks.regles", "check_regles")
