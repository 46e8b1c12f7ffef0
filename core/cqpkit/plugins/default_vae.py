"""Builtin plugin: the checks of the VAE route (experience, documents), :mod:`cqpkit.rules.checks.vae`.

One rule family of the generic engine, blockable by name (``CQPKIT_DISABLE_PLUGINS=default_vae``, or a
plugin's ``CQPKIT_BLOCKS`` for its own référentiels).
"""

from cqpkit.plugins.family import check_family

cqpkit_check_dossier = check_family("cqpkit.rules.checks.vae", "check_vae")
