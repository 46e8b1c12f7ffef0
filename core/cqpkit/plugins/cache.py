"""A cache of référentiel validations, so that ``cqpkit list`` need not re-validate unchanged files.

Validating a référentiel needs attrs, cattrs and the whole format layer, which cost more
to import than reading the files; listing them should cost about as much as reading
them (DESIGN.md, performance). So the registry remembers, for each file that validated,
a summary (id, version, title, number of domaines…) keyed by

- the size, modification time (ns) and CRC-32 of the file's bytes (any edit changes
  at least the modification time; ``hashlib`` is not imported because its OpenSSL
  start-up alone is a noticeable part of the budget), and the same for every fragment
  the file ``extends``, recursively (editing a fragment invalidates the files made of it), and
- a fingerprint of the validator: the cqpkit version plus the size and modification
  time of every source file of ``cqpkit.model`` and ``cqpkit.formats`` (a change to the
  rules invalidates everything, also in an editable install).

Invalid files are never cached: their errors are recomputed each time. The cache lives
in ``$CQPKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/cqpkit``, else ``~/.cache/cqpkit``;
``CQPKIT_NO_CACHE=1`` turns it off. Any failure to read or write it is ignored: the cache
can only save work, never change a result.

Beside the summaries, the cache keeps each valid référentiel as the model objects it loads to (one pickle per
file, in ``referentiels-v1-objets/``): a ``cqpkit decide``/``check`` on one dossier would otherwise spend most of its
start-up structuring, with cattrs' detailed validation, a référentiel that was already validated. A pickle is
used only under the same key as a summary (content of the file and its fragments, validator fingerprint,
written in the pickle's first line and compared in full), and it is read back by an unpickler that builds
nothing but the model's référentiel classes and dates (anything else, a truncated or corrupt file: ignored,
the file is loaded as before). A référentiel with ``[extensions]`` tables (plugin classes) is never pickled. A
pickle is served only if it is owned by the user who runs cqpkit and writable by nobody else
(:func:`_written_by_this_user`); it is written so (mode 644, whatever the umask).
"""

from __future__ import annotations

import json
import os
import re
import sys
import zlib
from typing import Any

__all__ = ["ValidationCache"]

_FILE = "referentiels-v1.json"
_STRUCTURED = "referentiels-v1-objets"  # the structured référentiels, one pickle per file
_MAGIC = "cqpkit-referentiel-v1"


def _cache_dir() -> str | None:
    if os.environ.get("CQPKIT_NO_CACHE"):
        return None
    explicit = os.environ.get("CQPKIT_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "cqpkit")


def _fingerprint() -> str:
    from cqpkit import __version__

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parts = [__version__]
    for sub in ("model", "formats"):
        try:
            entries = sorted(os.scandir(os.path.join(root, sub)), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith(".py"):
                st = entry.stat()
                parts.append(f"{sub}/{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    return f"{zlib.crc32(chr(10).join(parts).encode()):08x}:{len(parts)}"


def _fragment_keys(path: str, content: bytes, key: str, seen: tuple[str, ...], memo: dict[str, list]) -> list[str]:
    """The content keys of the fragments ``content`` (the file at ``path``, of content key ``key``) extends, recursively.

    A fragment that cannot be read, or a file that cannot be parsed, gives a key of its own
    (the file is then invalid and never cached anyway). What a file extends is kept in ``memo`` (its real path →
    its content key and its ``extends`` value), saved with the cache: a warm ``cqpkit list`` parses nothing.
    """
    from cqpkit.exceptions import CqpkitError
    from cqpkit.formats.fragments import EXTENDS, fragment_paths
    from cqpkit.formats.tomlfile import read_file

    known = memo.get(os.path.realpath(path))
    if isinstance(known, list) and len(known) == 2 and known[0] == key:
        extends = known[1]
    else:
        try:
            extends = _root_table(content.decode("utf-8-sig")).get(EXTENDS)
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: arrays nested too deep for the parser
            return ["|illisible"]
        if extends is None or (isinstance(extends, list) and all(isinstance(e, str) for e in extends)):
            memo[os.path.realpath(path)] = [key, extends]  # (JSON values only: anything else is the loader's to refuse)
    keys = []
    for fragment in fragment_paths(path, extends) or []:
        real = os.path.realpath(fragment)
        try:
            data, st = read_file(fragment)
        except (OSError, CqpkitError):  # missing, a FIFO, over the cap…: the file is reported invalid anyway
            keys.append(f"|{fragment}:absent")
            continue
        own = f"{st.st_size}:{st.st_mtime_ns}:{zlib.crc32(data):08x}"
        keys.append(f"|{fragment}:{own}")
        if real not in seen and b"extends" in data:
            keys.extend(_fragment_keys(fragment, data, own, (*seen, real), memo))
    return keys


_HEADER = re.compile(r"^[ \t]*\[", re.M)


def _root_table(text: str) -> dict:
    """The keys of a TOML text before its first table header (where ``extends`` is), parsed with the compiled parser.

    Only the text above the first line that starts with ``[`` is parsed, when it parses: at a real table header it is
    exactly the root table; where that line is inside a value (a nested array, a multi-line string) the cut leaves
    the value open, which never parses, and the whole text is parsed instead. A warm ``cqpkit list`` reads each
    référentiel that mentions ``extends`` this way: parsing a whole file in pure Python cost a third of its time.
    """
    from cqpkit.formats.tomlfile import toml_module

    parser = toml_module()
    header = _HEADER.search(text)
    if header is not None:
        try:
            return parser.loads(text[: header.start()])
        except parser.TOMLDecodeError:
            pass
    return parser.loads(text)


class ValidationCache:
    """Summaries of valid référentiel files, keyed by content hash and validator fingerprint."""

    def __init__(self) -> None:
        self.dir = _cache_dir()
        self._entries: dict[str, dict] = {}
        self._extends: dict[str, list] = {}  # what each file extends (see _fragment_keys)
        self._dirty = False
        self._fingerprint = ""
        if self.dir is None:
            return
        self._fingerprint = _fingerprint()
        from cqpkit.exceptions import CqpkitError
        from cqpkit.formats.tomlfile import read_file

        try:  # through the one reader: a FIFO or a device in its place must not block or fill the memory
            data = json.loads(read_file(os.path.join(self.dir, _FILE))[0])
            if data.get("fingerprint") == self._fingerprint:
                self._entries = data.get("entries", {})
                extends = data.get("extends", {})
                self._extends = extends if isinstance(extends, dict) else {}
        except (OSError, ValueError, AttributeError, RecursionError, CqpkitError):
            pass

    @property
    def enabled(self) -> bool:
        return self.dir is not None

    def digest(self, content: bytes, stat: os.stat_result, path: str | None = None) -> str:
        """The key of one file's content: size, modification time and CRC-32, and those of its fragments.

        ``path`` locates the fragments a file ``extends`` (relative to its directory).
        """
        key = f"{stat.st_size}:{stat.st_mtime_ns}:{zlib.crc32(content):08x}"
        if path is None or b"extends" not in content:
            return key
        before = dict(self._extends)
        fragments = _fragment_keys(path, content, key, (os.path.realpath(path),), self._extends)
        if self._extends != before and self.dir is not None:
            self._dirty = True  # saved with the next summary (or by save())
        return key + "".join(fragments)

    def get(self, path: str, digest: str) -> dict | None:
        """The cached summary of ``path`` if its content is unchanged, else ``None``."""
        entry = self._entries.get(path)
        if entry and entry.get("cle") == digest:
            return entry.get("summary")
        return None

    def put(self, path: str, digest: str, summary: dict) -> None:
        if self.dir is None:
            return
        self._entries[path] = {"cle": digest, "summary": summary}
        self._dirty = True

    def save(self) -> None:
        """Write the cache if it changed (atomically; errors ignored)."""
        if self.dir is None or not self._dirty:
            return
        try:
            os.makedirs(self.dir, exist_ok=True)
            tmp = os.path.join(self.dir, f"{_FILE}.{os.getpid()}.tmp")
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump({"fingerprint": self._fingerprint, "entries": self._entries, "extends": self._extends}, fh)
            os.replace(tmp, os.path.join(self.dir, _FILE))
            self._dirty = False
        except OSError:
            pass

    # -- structured référentiels -------------------------------------------------------------
    def _structured_file(self, path: str) -> str:
        assert self.dir is not None
        name = f"{zlib.crc32(path.encode('utf-8', 'surrogateescape')):08x}.pickle"
        return os.path.join(self.dir, _STRUCTURED, name)

    def _header(self, path: str, digest: str) -> bytes:
        # The whole key, compared in full (a CRC of the path only names the file): JSON escapes any newline.
        key = [_MAGIC, self._fingerprint, path, digest, list(sys.version_info[:2])]
        return json.dumps(key, ensure_ascii=True).encode("ascii") + b"\n"

    def get_structured(self, path: str, digest: str) -> Any:
        """The référentiel of ``path`` saved by :meth:`put_structured` under the same key, else ``None``."""
        if self.dir is None or not digest:
            return None
        from cqpkit.exceptions import CqpkitError
        from cqpkit.formats.tomlfile import read_file

        try:
            data, st = read_file(self._structured_file(path))
        except (OSError, CqpkitError):
            return None
        if not _written_by_this_user(st):
            return None  # another user could have written it: never served (the file is loaded instead)
        header = self._header(path, digest)
        if not data.startswith(header):
            return None  # another file, another content, another validator: stale, never used
        try:
            return _load_referentiel_pickle(data[len(header) :])
        except Exception:  # a corrupt or foreign pickle is a miss, whatever it raises
            return None

    def put_structured(self, path: str, digest: str, ref: Any) -> None:
        """Save a référentiel loaded from ``path`` (whose key is ``digest``), if it holds no plugin's objects."""
        if self.dir is None or not digest or ref.extensions:
            return
        import pickle

        try:
            data = self._header(path, digest) + pickle.dumps(ref, protocol=pickle.HIGHEST_PROTOCOL)
            target = self._structured_file(path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            tmp = f"{target}.{os.getpid()}.tmp"
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)  # writable by its owner only, whatever the umask (before it takes the file's name)
            os.replace(tmp, target)
        except Exception:  # an unpicklable object, a full disk…: nothing is cached
            pass


def _written_by_this_user(st: os.stat_result) -> bool:
    """Whether a cache file can only have been written by this user: owned by them, writable by nobody else.

    A référentiel served from the cache stands for its file (its amounts, its rules): a cache directory another
    user can write to (a shared ``CQPKIT_CACHE_DIR``) must not let them change a result, as a ``__pycache__`` they
    could write would let them change the code. Where there are no POSIX owners (Windows), the cache lives in the
    user's own profile and this check has nothing to read.
    """
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None:  # pragma: no cover (Windows)
        return True
    return st.st_uid == geteuid() and not st.st_mode & 0o022


def _load_referentiel_pickle(data: bytes) -> Any:
    """A :class:`~cqpkit.model.Referentiel` from a pickle that may build only the model's référentiel classes and dates."""
    import datetime as dt
    import io

    try:  # the C unpickler itself: ``pickle``, the module, costs more to import than the unpickling
        from _pickle import Unpickler as Base
    except ImportError:  # pragma: no cover (an interpreter without the accelerator)
        from pickle import Unpickler as Base

    import attrs

    from cqpkit.model import referentiel as model

    class Unpickler(Base):  # type: ignore[misc, valid-type]
        def find_class(self, module: str, name: str) -> Any:
            if module == "datetime" and name == "date":
                return dt.date
            if module == model.__name__:
                cls = vars(model).get(name)
                if isinstance(cls, type) and cls.__module__ == module and attrs.has(cls):
                    return cls
            raise ValueError(f"{module}.{name} : absent d'un référentiel")

    ref = Unpickler(io.BytesIO(data)).load()
    if type(ref) is not model.Referentiel:
        raise ValueError(type(ref).__name__)
    return ref
