"""A cache of référentiel validations, so that ``cqpkit list`` need not re-validate unchanged files.

Validating a référentiel needs attrs, cattrs and the whole format layer, which cost more
to import than reading the files; listing them should cost about as much as reading
them (DESIGN.md, performance). So the registry remembers, for each file that validated,
a summary (id, version, title, number of domaines…) keyed by

- the SHA-256 of the file's bytes (any edit invalidates it), and
- a fingerprint of the validator: the cqpkit version plus the size and modification
  time of every source file of ``cqpkit.model`` and ``cqpkit.formats`` (a change to the
  rules invalidates everything, also in an editable install).

Invalid files are never cached: their errors are recomputed each time. The cache lives
in ``$CQPKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/cqpkit``, else ``~/.cache/cqpkit``;
``CQPKIT_NO_CACHE=1`` turns it off. Any failure to read or write it is ignored: the cache
can only save work, never change a result.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

__all__ = ["ValidationCache"]

_FILE = "referentiels-v1.json"


def _cache_dir() -> Path | None:
    if os.environ.get("CQPKIT_NO_CACHE"):
        return None
    explicit = os.environ.get("CQPKIT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cqpkit"


def _fingerprint() -> str:
    from cqpkit import __version__

    root = Path(__file__).resolve().parent.parent
    parts = [__version__]
    for sub in ("model", "formats"):
        try:
            entries = sorted(os.scandir(root / sub), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith(".py"):
                st = entry.stat()
                parts.append(f"{sub}/{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class ValidationCache:
    """Summaries of valid référentiel files, keyed by content hash and validator fingerprint."""

    def __init__(self) -> None:
        self.dir = _cache_dir()
        self._entries: dict[str, dict] = {}
        self._dirty = False
        self._fingerprint = ""
        if self.dir is None:
            return
        self._fingerprint = _fingerprint()
        try:
            data = json.loads((self.dir / _FILE).read_text(encoding="utf-8"))
            if data.get("fingerprint") == self._fingerprint:
                self._entries = data.get("entries", {})
        except (OSError, ValueError, AttributeError):
            pass

    @property
    def enabled(self) -> bool:
        return self.dir is not None

    @staticmethod
    def digest(content: bytes) -> str:
        return hashlib.sha256(content).hexdigest()

    def get(self, path: str, digest: str) -> dict | None:
        """The cached summary of ``path`` if its content is unchanged, else ``None``."""
        entry = self._entries.get(path)
        if entry and entry.get("sha256") == digest:
            return entry.get("summary")
        return None

    def put(self, path: str, digest: str, summary: dict) -> None:
        if self.dir is None:
            return
        self._entries[path] = {"sha256": digest, "summary": summary}
        self._dirty = True

    def save(self) -> None:
        """Write the cache if it changed (atomically; errors ignored)."""
        if self.dir is None or not self._dirty:
            return
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            tmp = self.dir / f"{_FILE}.{os.getpid()}.tmp"
            tmp.write_text(json.dumps({"fingerprint": self._fingerprint, "entries": self._entries}), encoding="utf-8")
            os.replace(tmp, self.dir / _FILE)
            self._dirty = False
        except OSError:
            pass
