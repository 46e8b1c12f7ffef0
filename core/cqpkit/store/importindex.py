"""The cross-file index of an import, on disk: ``cqpkit import`` in memory flat in the number of files (issue 16).

What the checks across the files of a lot need — the files themselves (their paths, in the order they
are read), each dossier's id, each candidate's personal-data digest, the first copy of each fact of each
person — is kept in a temporary SQLite file, not in Python objects: per file a few rows there, looked up
and added a chunk of files at a time (:class:`ImportIndex`). So are the ids of the dossiers whose results
are computed after the import's transaction (:meth:`ImportIndex.add_pending`). SQLite holds at most :data:`CACHE_KIB` of it
in memory; the rest is in the file.

The file is unlinked as soon as it is opened (the open connection keeps it alive): nothing is left behind
whatever the ending — success, an invalid lot, Ctrl-C, or even a process killed with SIGKILL. It lives in
the system's temporary directory (``TMPDIR``).

The order of the paths is that of :func:`cqpkit.store.reading.collect_paths`: each path given in turn,
every importable file under a directory in the order of its full path, a file reached twice kept where it is
first reached. They are stored as the bytes of their name (``os.fsencode``), compared byte by byte: the
order of the code points for every name in UTF-8.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, overload

__all__ = ["CACHE_KIB", "ImportIndex", "IndexedPaths"]

#: The most of the index SQLite keeps in this process's memory (its page cache), in KiB.
CACHE_KIB = 8192
#: Rows added to the index per statement while the directories are walked.
_PAGE = 5000
#: Imported file suffixes (as :func:`cqpkit.store.reading.collect_paths` takes them)
_IMPORTED = (".toml", ".csv", ".xlsx")
#: Dossier tables: a lot holding one is read whole (many dossiers in one file).
_TABLES = (".csv", ".xlsx")

_SCHEMA = """
CREATE TABLE trouves (chemin BLOB NOT NULL, reel BLOB NOT NULL);
CREATE TABLE chemins (n INTEGER PRIMARY KEY, chemin BLOB NOT NULL, reel BLOB NOT NULL UNIQUE);
CREATE TABLE dossiers (id TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE candidats (id TEXT PRIMARY KEY, empreinte BLOB NOT NULL, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE faits (
    personne TEXT NOT NULL, fait TEXT NOT NULL, n INTEGER NOT NULL, dossier TEXT NOT NULL, acteur INTEGER NOT NULL,
    valeur BLOB NOT NULL, PRIMARY KEY (personne, fait)
) WITHOUT ROWID;
CREATE TABLE a_recalculer (id TEXT PRIMARY KEY) WITHOUT ROWID;
"""


def _open() -> sqlite3.Connection:
    """A new index, in a temporary file unlinked at once (gone with the connection, or with the process however it ends)."""
    fd, name = tempfile.mkstemp(prefix="cqpkit-import-index-", suffix=".sqlite")
    os.close(fd)
    try:
        conn = sqlite3.connect(name, isolation_level=None, check_same_thread=False)
    finally:
        os.unlink(name)
    # No journal (nothing to roll back: the index is thrown away), no fsync, a bounded page cache.
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    conn.execute("PRAGMA temp_store = FILE")  # the sort of a large directory's paths: on disk too
    conn.executescript(_SCHEMA)
    return conn


def _in(n: int) -> str:
    return ",".join("?" * n)


class IndexedPaths(Sequence[str]):
    """The files of an import, in their order, read from the index a page at a time (a sequence of paths)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._len: int = int(conn.execute("SELECT count(*) FROM chemins").fetchone()[0])

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._len))]
        n = i + self._len if i < 0 else i
        if not 0 <= n < self._len:
            raise IndexError(i)
        return os.fsdecode(self._conn.execute("SELECT chemin FROM chemins WHERE n = ?", (n + 1,)).fetchone()[0])

    def chunks(self, size: int) -> Iterator[list[str]]:
        """The paths in order, ``size`` at a time (each chunk one query: no cursor left open between them)."""
        q = "SELECT chemin FROM chemins WHERE n > ? ORDER BY n LIMIT ?"
        for start in range(0, self._len, size):
            yield [os.fsdecode(r[0]) for r in self._conn.execute(q, (start, size))]

    def __iter__(self) -> Iterator[str]:
        for chunk in self.chunks(_PAGE):
            yield from chunk

    def tables(self) -> bool:
        """Whether a dossier table (CSV, XLSX) is among the files."""
        return any(p.lower().endswith(_TABLES) for p in self)


class ImportIndex:
    """An import's cross-file index (see the module docstring); :meth:`close` it (or use it as a context manager)."""

    def __init__(self) -> None:
        self.conn = _open()

    def __enter__(self) -> ImportIndex:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    # ------------------------------------------------------------------------- paths
    def collect(self, given: Iterable[str]) -> IndexedPaths:
        """Record the files to import (as :func:`~cqpkit.store.reading.collect_paths` lists them), in their order."""
        conn = self.conn
        for path in given:
            conn.execute("BEGIN")
            if os.path.isdir(path):
                found: list[tuple[bytes, bytes]] = []
                for full, real in _walk(path):
                    found.append((os.fsencode(full), os.fsencode(real)))
                    if len(found) >= _PAGE:
                        conn.executemany("INSERT INTO trouves VALUES (?, ?)", found)
                        found.clear()
                conn.executemany("INSERT INTO trouves VALUES (?, ?)", found)
                # rowids given in the order of the SELECT: a directory's files in the order of their paths
                conn.execute(
                    "INSERT OR IGNORE INTO chemins (chemin, reel) SELECT chemin, reel FROM trouves ORDER BY chemin"
                )
                conn.execute("DELETE FROM trouves")
            else:
                conn.execute(
                    "INSERT OR IGNORE INTO chemins (chemin, reel) VALUES (?, ?)",
                    (os.fsencode(path), os.fsencode(os.path.realpath(path))),
                )
            conn.execute("COMMIT")
        return IndexedPaths(conn)

    # ---------------------------------------------------------------- cross-file checks
    def first_dossiers(self, items: Sequence[tuple[str, int]]) -> dict[str, int]:
        """Record ``(dossier id, file number)`` in order; each id's first file number (this one, or an earlier file's)."""
        self.conn.executemany("INSERT OR IGNORE INTO dossiers (id, n) VALUES (?, ?)", items)
        return self._firsts("SELECT id, n FROM dossiers WHERE id IN ({})", {i for i, _ in items})

    def candidate_conflicts(self, items: Sequence[tuple[str, bytes, int]]) -> list[tuple[int, str, int]]:
        """Record ``(candidat id, personal digest, file number)`` in order; ``(file number, candidat id, first file number)``
        of each file describing its candidate otherwise than the first file naming them."""
        self.conn.executemany("INSERT OR IGNORE INTO candidats (id, empreinte, n) VALUES (?, ?, ?)", items)
        first = self._firsts("SELECT id, empreinte, n FROM candidats WHERE id IN ({})", {c for c, _, _ in items})
        return [(n, cid, first[cid][1]) for cid, digest, n in items if first[cid][0] != digest]

    def fact_conflicts(
        self, items: Sequence[tuple[int, Any]]
    ) -> list[tuple[int, Any, str, Any, tuple[int, int, str, Any]]]:
        """Record each ``(file number, copy of a person)`` in order; for each fact a copy gives otherwise than the first
        copy giving it: ``(file number, copy, fact, value, (first's file number, its acteur's index, its dossier, its value))``."""
        rows = [
            (c.personne, k, n, c.dossier, c.index, pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL))
            for n, c in items
            for k, v in c.profil.items()
        ]
        if not rows:
            return []
        self.conn.executemany("INSERT OR IGNORE INTO faits VALUES (?, ?, ?, ?, ?, ?)", rows)
        first: dict[tuple[str, str], tuple[Any, ...]] = {}
        people = sorted({r[0] for r in rows})
        for chunk in _slices(people, 500):
            q = f"SELECT personne, fait, n, acteur, dossier, valeur FROM faits WHERE personne IN ({_in(len(chunk))})"
            first.update({(r[0], r[1]): r[2:] for r in self.conn.execute(q, chunk)})
        out = []
        for n, c in items:
            for k, v in c.profil.items():
                fn, index, dossier, blob = first[(c.personne, k)]
                if (fn, index) == (n, c.index):
                    continue  # this copy is the first to give the fact
                other = pickle.loads(blob)  # this process's own data, written above
                if other != v:
                    out.append((n, c, k, v, (fn, index, dossier, other)))
        return out

    # ------------------------------------------------------------ after the transaction
    def add_pending(self, ids: Iterable[str]) -> None:
        """Record dossiers whose stored results are to be computed once the import is committed (each once)."""
        self.conn.executemany("INSERT OR IGNORE INTO a_recalculer (id) VALUES (?)", ((i,) for i in ids))

    def pending_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM a_recalculer").fetchone()[0])

    def pending(self, size: int) -> Iterator[list[str]]:
        """The recorded ids in id order, ``size`` at a time."""
        last = ""
        while True:
            ids = [
                r[0]
                for r in self.conn.execute("SELECT id FROM a_recalculer WHERE id > ? ORDER BY id LIMIT ?", (last, size))
            ]
            if not ids:
                return
            yield ids
            last = ids[-1]

    def _firsts(self, query: str, keys: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for chunk in _slices(sorted(keys), 500):
            for r in self.conn.execute(query.format(_in(len(chunk))), chunk):
                out[r[0]] = r[1] if len(r) == 2 else r[1:]
        return out


def _slices(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _walk(top: str) -> Iterator[tuple[str, str]]:
    """``(path, real path)`` of each importable file under ``top``, as ``os.walk(top)`` reaches them (hidden files and
    directories, Excel's lock files left out; symbolic links to directories not followed; unreadable directories
    skipped), one directory entry at a time (never a whole directory's listing in memory)."""
    stack = [top]
    while stack:
        root = stack.pop()
        real_root = os.path.realpath(root)
        subdirs = []
        with contextlib.suppress(OSError), os.scandir(root) as entries:
            for entry in entries:
                name = entry.name
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if is_dir:
                    if not name.startswith(".") and not entry.is_symlink():
                        subdirs.append(name)
                    continue
                if name.lower().endswith(_IMPORTED) and not name.startswith((".", "~$")):
                    full = os.path.join(root, name)
                    # the real path of a file that is no link: its directory's, and its name
                    yield full, os.path.realpath(full) if entry.is_symlink() else os.path.join(real_root, name)
        stack.extend(os.path.join(root, d) for d in sorted(subdirs, reverse=True))
