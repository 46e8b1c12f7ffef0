"""Builtin plugin: référentiel files named by ``CQPKIT_REFERENTIELS_PATH``.

A branch body drafting a référentiel can try it with every command before packaging a
plugin: ``CQPKIT_REFERENTIELS_PATH=brouillon/ cqpkit list``. The variable holds files or
directories separated by ``os.pathsep``; a directory contributes its ``*.toml`` files,
sorted by name.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from cqpkit.hookspecs import hookimpl


@hookimpl
def cqpkit_referentiels(register: Callable[[object], None]) -> None:
    value = os.environ.get("CQPKIT_REFERENTIELS_PATH", "")
    for entry in filter(None, value.split(os.pathsep)):
        path = Path(entry)
        if path.is_dir():
            for child in sorted(path.glob("*.toml")):
                register(child)
        else:
            register(path)
