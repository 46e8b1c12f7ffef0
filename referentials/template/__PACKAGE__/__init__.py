"""Extension cqpkit « __NAME__ » : __INTITULE__.

Ses référentiels sont les fichiers TOML de ``referentiels/`` ; ses hooks sont dans
:mod:`__PACKAGE__.hooks`, le module que nomme le point d'entrée ``__ENTRY_POINT__`` du groupe
``cqpkit`` (voir ``pyproject.toml``).
"""

__version__ = "0.1.0"
