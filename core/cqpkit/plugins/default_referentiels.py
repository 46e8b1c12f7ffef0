"""Builtin plugin: référentiel files named by ``CQPKIT_REFERENTIELS_PATH``.

A branch body drafting a référentiel can try it with every command before packaging a
plugin: ``CQPKIT_REFERENTIELS_PATH=brouillon/ cqpkit list``. The variable holds files or
directories separated by ``os.pathsep``; a directory contributes its ``*.toml`` files,
sorted by name. (``os.path`` rather than ``pathlib``: this module is on the start-up path.)
"""

from __future__ import annotations

import os
from collections.abc import Callable

from cqpkit.hookspecs import hookimpl


@hookimpl
def cqpkit_referentiels(register: Callable[[object], None]) -> None:
    value = os.environ.get("CQPKIT_REFERENTIELS_PATH", "")
    for entry in filter(None, value.split(os.pathsep)):
        register(entry)  # a directory: its *.toml files, sorted by name
