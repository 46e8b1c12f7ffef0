"""Finding the installed plugins' entry points without importing ``importlib.metadata``.

``importlib.metadata`` costs more to import (it pulls in the ``email`` package) than all of
``cqpkit list``'s own work, and the start-up budget of DESIGN.md ("cold ``cqpkit list``
stays close to the cost of reading the référentiel files") cannot be met with it. The
entry points themselves are simple files, so this module reads them directly:

- every ``*.dist-info`` (wheels, PEP 660 editable installs) and ``*.egg-info``
  (``setup.py develop``) directory of every ``sys.path`` entry, in ``sys.path`` order;
- a distribution found twice (same normalised name) counts once, the first found wins,
  as with ``importlib.metadata``;
- ``entry_points.txt`` is the INI-like format of the packaging specification; only the
  asked group is read;
- the version comes from the ``.dist-info`` directory name, or from ``PKG-INFO`` /
  ``METADATA`` when the name carries none.

Not supported (as with ``pkg_resources``' modern successors): zipped eggs. A test checks
that this finds exactly what ``importlib.metadata`` finds in the test environment.
"""

from __future__ import annotations

import os
import re
import sys
from importlib import import_module
from typing import Any, NamedTuple

__all__ = ["EntryPoint", "entry_points"]

_NORMALISE = re.compile(r"[-_.]+")


class EntryPoint(NamedTuple):
    """One entry point of an installed distribution."""

    name: str
    value: str
    group: str
    dist_name: str
    dist_version: str

    def load(self) -> Any:
        """Import the object the entry point names (``module`` or ``module:attr.attr``)."""
        module, _, attrs = self.value.partition(":")
        obj = import_module(module.strip())
        for attr in filter(None, attrs.strip().split(".")):
            obj = getattr(obj, attr)
        return obj


def _section(text: str, group: str) -> list[tuple[str, str]]:
    out = []
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            inside = line[1:-1].strip() == group
            continue
        if inside and "=" in line:
            name, _, value = line.partition("=")
            out.append((name.strip(), value.strip()))
    return out


def _read(path: str) -> str | None:
    """The text of a metadata file, through cqpkit's one reader (regular files under the size cap); ``None`` if unreadable."""
    from cqpkit.exceptions import CqpkitError
    from cqpkit.formats.tomlfile import read_text

    try:
        return read_text(path)
    except CqpkitError:
        return None


def _metadata_field(folder: str, field: str) -> str:
    for fname in ("METADATA", "PKG-INFO"):
        text = _read(os.path.join(folder, fname))
        if text is None:
            continue
        for line in text.splitlines():
            if not line.strip():
                break  # end of the headers
            key, _, value = line.partition(":")
            if key.strip().lower() == field:
                return value.strip()
    return ""


def entry_points(group: str) -> list[EntryPoint]:
    """The entry points of ``group`` of every distribution on ``sys.path``, in ``sys.path`` order."""
    seen: set[str] = set()
    found: list[EntryPoint] = []
    for entry in sys.path:
        base = entry or "."
        try:
            names = sorted(os.listdir(base))
        except OSError:  # missing directory, zip file
            continue
        for name in names:
            if name.endswith(".dist-info"):
                stem = name[: -len(".dist-info")]
            elif name.endswith(".egg-info"):
                stem = name[: -len(".egg-info")]
            else:
                continue
            dist, _, version = stem.partition("-")
            key = _NORMALISE.sub("-", dist).lower()
            if key in seen:
                continue
            seen.add(key)
            folder = os.path.join(base, name)
            text = _read(os.path.join(folder, "entry_points.txt"))
            if text is None or f"[{group}]" not in text:
                continue
            dist_name = _metadata_field(folder, "name") or dist
            if not version or name.endswith(".egg-info"):
                version = _metadata_field(folder, "version") or version
            else:
                version = version.partition("-")[0]
            found.extend(EntryPoint(n, v, group, dist_name, version) for n, v in _section(text, group))
    return found
