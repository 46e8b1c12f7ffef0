"""Builtin plugin: the checks of the tutor (experience, load, training, lead time), :mod:`cqpkit.rules.checks.tutorat`.

One rule family of the generic engine, blockable by name (``CQPKIT_DISABLE_PLUGINS=default_tutorat``, or a
plugin's ``CQPKIT_BLOCKS`` for its own référentiels).
"""

from cqpkit.plugins.family import check_family

cqpkit_check_dossier = check_family("cqpkit.rules.checks.tutorat", "check_tutorat")
