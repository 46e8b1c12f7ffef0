"""The streaming import: ``cqpkit import`` of any number of files in bounded memory, all or nothing.

A lot of at most :data:`SMALL` files is read whole (:func:`~cqpkit.store.reading.read_files`) and
stored in one transaction (:func:`~cqpkit.store.importing.import_lot`), as it always was. A larger lot
is streamed, in two passes:

1. **Validation**, before the database is opened: every file is read, parsed and validated (the
   format layer, against the registry), in chunks of :data:`CHUNK` files spread over worker processes
   (one per core; results consumed in file order, so the errors come in the same order whatever the
   workers' timing). What the cross-file checks need is kept in an index on disk, never in this
   process's memory nor the dossiers (:mod:`cqpkit.store.importindex`: a temporary SQLite file, unlinked
   as soon as opened): the paths in their order, per dossier its id and its candidate's (with a 16-byte
   digest of the candidate's personal data, for « a candidate described two ways »), the first copy of
   each fact of each person the dossiers name; only the sessions (a few) stay in memory. The workers
   also compute what the store needs from each file alone (content, fingerprints, deadlines) and send
   the chunk's dossiers back pickled and compressed: they are put aside in an anonymous temporary file
   (:class:`_Spill`). Every problem of every file is collected; if there is one, nothing else happens.
   The workers end with the pass.
2. **Writing**, in ONE write transaction: the sessions first, then the dossiers read back from the
   temporary file in batches of :data:`BATCH`, each batch compared with the base and written
   (:meth:`ImportTransaction.run_batch`) before the next is read. A conflict with the base stops the
   writing but not the checking (every conflict is reported), and the transaction is rolled back:
   nothing stays written. A process killed at any point leaves the base as before (the database rolls
   the open transaction back; the temporary file, unlinked from the start, goes with the process).

Memory is that of one batch, the chunks in flight and SQLite's page cache of the index (bounded), flat in
the number of files; each file is parsed once, and what is written is what was validated. The dossiers
whose results are computed after the commit (those naming a person) are kept in the index too.
docs/store.md, « Import in bounded memory ».
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import attrs

from cqpkit.exceptions import CqpkitError, Erreur, InvalidFileError, UnreadableFileError
from cqpkit.store.reading import PERSONAL, DossierLu, ImportErrors, Lot, SessionLue, read_files

__all__ = ["BATCH", "CHUNK", "SMALL", "Progress", "StreamingImport", "batch_written", "chunk_read", "import_files"]

#: Files a batch of the writing pass holds (its dossiers in memory, then written).
BATCH = 2000
#: Files one task of a worker process reads.
CHUNK = 100
#: A lot of at most this many files is read whole and stored as before (one pass).
SMALL = 2000
#: Worker processes are started from this many files on (fewer: read in this process).
PARALLEL_FROM = 400

#: Worker processes (``None``: one per core this process may use).
WORKERS: int | None = None

#: ``progress(phase, done, total)``: ``phase`` is ``"lecture"`` (validation) or ``"écriture"``.
Progress = Callable[[str, int, int], None]

_REGISTRY: Any = None  # the registry the worker processes inherit (fork)


def chunk_read(done: int) -> None:
    """Hook point: a chunk of the reading pass is checked (``done`` files so far). Does nothing.

    tests/test_store_importindex.py replaces it to interrupt the import (Ctrl-C) in the middle of that pass.
    """


def batch_written(done: int) -> None:
    """Hook point: a batch of a streaming import is written, not committed (``done`` files so far). Does nothing.

    tests/test_store_streaming.py replaces it to kill the process in the middle of the writing pass.
    """


# ------------------------------------------------------------------------------ workers
def _error(exc: CqpkitError) -> tuple:
    """A file's error as plain data (the exceptions do not all survive pickling)."""
    if isinstance(exc, InvalidFileError):
        return ("invalide", exc.fichier, exc.erreurs)
    return ("illisible", str(exc), ())


def _exception(data: tuple) -> CqpkitError:
    kind, what, erreurs = data
    return InvalidFileError(what, erreurs) if kind == "invalide" else UnreadableFileError(what)


def _parse(path: str, registry: Any) -> tuple[str, Any]:
    """``("dossier", Dossier)`` or ``("session", SessionJury)``; raise the file's error."""
    from cqpkit.formats.dossiers import dossier_from_document, file_kind, session_from_document
    from cqpkit.formats.tomlfile import parse_toml, read_text

    doc = parse_toml(read_text(path), path)
    kind = file_kind(doc.data)
    if kind == "dossier":
        return kind, dossier_from_document(doc, registry)
    if kind == "session":
        return kind, session_from_document(doc, registry)
    what = f"un {kind}" if kind else "un fichier non reconnu"
    raise InvalidFileError(
        path, [Erreur(path, 1, "", f"{what} ne s'importe pas : la base reçoit des dossiers (table [dossier]) et des sessions de jury (table [session])")]
    )


def personal_digest(candidat: Any) -> bytes:
    """16 bytes that differ when two descriptions of a candidate differ (the index keeps this, not the data)."""
    return hashlib.blake2b(repr(tuple(getattr(candidat, k) for k in PERSONAL)).encode("utf-8"), digest_size=16).digest()


def read_chunk(registry: Any, paths: Sequence[str]) -> tuple[list[tuple], bytes]:
    """Read and validate a chunk of files: what the index keeps of each, and the dossiers as the store takes them.

    The first list has, per file in order, ``("dossier", path, id, candidat id, personal digest, copies)``,
    ``("session", path, SessionLue)`` or ``("erreur", path, error data)``. The bytes are the chunk's
    :class:`DossierLu` (content, fingerprints, deadlines computed with the registry as for a dossier new to the
    base), pickled and compressed: the importer puts them aside (:class:`_Spill`) without looking inside.
    """
    from cqpkit.store.personnes import copies
    from cqpkit.store.reading import deadlines, dossier_content, session_content
    from cqpkit.store.results import result_rows

    out: list[tuple] = []
    read: list[DossierLu] = []
    for path in paths:
        try:
            kind, obj = _parse(path, registry)
        except (InvalidFileError, UnreadableFileError) as exc:
            out.append(("erreur", path, _error(exc)))
            continue
        if kind == "session":
            out.append(("session", path, SessionLue(path, obj, *session_content(obj))))
            continue
        out.append(("dossier", path, obj.id, obj.candidat.id, personal_digest(obj.candidat), tuple(copies(obj)) if obj.acteurs else ()))
        lu = DossierLu(path, obj, *dossier_content(obj))
        # A plugin failing: left to the store, which computes them again and names the plugin (deadlines.unevaluable).
        with contextlib.suppress(Exception):
            lu = attrs.evolve(lu, echeances=deadlines(registry, obj))
            if not any(a.personne for a in obj.acteurs):  # the results of a dossier naming a person depend on the base
                lu = attrs.evolve(lu, resultats=result_rows(registry, obj, strict=True, echeances=lu.echeances))
        read.append(lu)
    return out, zlib.compress(pickle.dumps(read, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _task(paths: Sequence[str]) -> tuple[list[tuple], bytes]:
    """What a worker process runs (the registry inherited through fork)."""
    return read_chunk(_REGISTRY, paths)


class _Spill:
    """The validated dossiers put aside in an anonymous temporary file (gone with the process, even killed), chunk by
    chunk, read back in order by the writing pass: each file is parsed once, and what is written is what was validated."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile(prefix="cqpkit-import-")  # noqa: SIM115 (closed by close(), the import being done)
        self.sizes: list[int] = []

    def add(self, blob: bytes) -> None:
        self.file.write(blob)
        self.sizes.append(len(blob))

    def __iter__(self) -> Iterator[DossierLu]:
        self.file.seek(0)
        for size in self.sizes:
            yield from pickle.loads(zlib.decompress(self.file.read(size)))

    def close(self) -> None:
        self.file.close()


def _worker_init() -> None:
    """A worker process ends when the importer does, even killed (SIGKILL): no orphan left holding its files or its
    database connection (Linux ``prctl(PR_SET_PDEATHSIG)``; elsewhere, the workers end at their next task).

    It ignores SIGINT: a Ctrl-C at the terminal reaches every process of the group, and is the importer's to handle
    (it stops the workers at once, :meth:`StreamingImport.__exit__`); a worker dying of it mid-task would print its
    traceback and could die holding the pool's queue lock, which then made the importer wait for it."""
    import ctypes
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG


# ------------------------------------------------------------------------------- import
@attrs.define
class _Index:
    """What pass 1 keeps: bounded per file (ids, digests), never the dossiers."""

    dossiers: int = 0  # valid dossier files (themselves put aside in the spill file)
    sessions: list[SessionLue] = attrs.Factory(list)  # the sessions, read (a few per campaign)


class StreamingImport:
    """One ``cqpkit import`` of files: :meth:`validate` (pass 1), then :meth:`store` (pass 2); a context manager (its workers)."""

    def __init__(self, paths: Iterable[str], registry: Any, progress: Progress | None = None, workers: int | None = None) -> None:
        from cqpkit.store.importindex import ImportIndex

        # The files, and then what the cross-file checks keep of each, in a temporary SQLite file (importindex).
        self._index_db = ImportIndex()
        try:
            self.paths: Sequence[str] = self._index_db.collect(paths)
        except BaseException:
            self._index_db.close()
            raise
        self.registry = registry
        self.progress = progress or (lambda phase, done, total: None)
        self.lot: Lot | None = None  # a small lot, read whole
        self.index = _Index()
        n = workers if workers is not None else WORKERS if WORKERS is not None else len(os.sched_getaffinity(0))
        self.workers = n if n > 1 and len(self.paths) >= PARALLEL_FROM and hasattr(os, "fork") else 0
        self._pool: Any = None
        self._current = Lot()  # the batch being written (named in a plugin's failure)
        self.spill: _Spill | None = None
        self._streamed: bool | None = None

    def __enter__(self) -> StreamingImport:
        if self.workers and self.streamed:
            self._start()  # forked now, before the caller starts threads of its own (a progress bar's)
        return self

    def _start(self) -> None:
        import multiprocessing

        global _REGISTRY
        _REGISTRY = self.registry
        self._pool = multiprocessing.get_context("fork").Pool(self.workers, initializer=_worker_init)

    def __exit__(self, *exc: Any) -> None:
        self._stop_workers(now=exc[0] is not None)
        if self.spill is not None:
            self.spill.close()
            self.spill = None
        self._index_db.close()

    def _stop_workers(self, now: bool = False) -> None:
        """End the worker processes: at once (``now``: an error, a Ctrl-C), or once idle."""
        if self._pool is not None:
            (self._pool.terminate if now else self._pool.close)()
            self._pool.join()
            self._pool = None

    @property
    def streamed(self) -> bool:
        # a dossier table (CSV, XLSX: many dossiers in one file) is read whole, with the files named beside it
        if self._streamed is None:
            self._streamed = len(self.paths) > SMALL and not self.paths.tables()  # type: ignore[attr-defined]
        return self._streamed

    @property
    def empty(self) -> bool:
        if self.lot is not None:
            return not self.lot.dossiers and not self.lot.sessions
        return not self.index.dossiers and not self.index.sessions

    def _map(self, tasks: Iterable[Sequence[str]]) -> Iterator[tuple[Sequence[str], list[tuple], bytes]]:
        """Each chunk of paths with its :func:`read_chunk`, in their order; at most a few chunks in flight (bounded memory)."""
        if not self.workers:
            for paths in tasks:
                yield (paths, *read_chunk(self.registry, paths))
            return
        if self._pool is None:
            self._start()
        pending: deque = deque()
        for paths in tasks:
            pending.append((paths, self._pool.apply_async(_task, (paths,))))
            if len(pending) >= 2 * self.workers + 1:
                paths, result = pending.popleft()
                yield (paths, *result.get())
        while pending:
            paths, result = pending.popleft()
            yield (paths, *result.get())

    # pass 1 --------------------------------------------------------------------------
    def validate(self) -> None:
        """Read and validate every file; raise :class:`ImportErrors` with every problem (nothing opened, nothing written)."""
        if not self.streamed:
            self.progress("lecture", 0, len(self.paths))
            self.lot = read_files(list(self.paths), self.registry)
            self.progress("lecture", len(self.paths), len(self.paths))
            return
        problems: list[CqpkitError] = []
        conflicts: list[CqpkitError] = []
        # the facts of people contradicting an earlier file: path -> (copy, fact, value, the other copy); errors alone
        by_file: dict[str, list[Any]] = {}
        seen_s: dict[str, str] = {}
        done = 0
        self.spill = _Spill()
        for chunk, results, blob in self._map(self.paths.chunks(CHUNK)):  # type: ignore[attr-defined]
            if not problems:
                self.spill.add(blob)  # useless once a file is wrong: nothing will be written
            self._check_chunk(chunk, results, done, problems, conflicts, by_file, seen_s)
            done += len(results)
            chunk_read(done)
            self.progress("lecture", done, len(self.paths))
        self._stop_workers()  # not needed by the writing pass: their memory goes back now
        if problems:
            raise ImportErrors(problems)
        from cqpkit.store.personnes import conflict_message

        for path, found in by_file.items():
            doc = _document(path)
            erreurs = []
            for c, k, v, (other_path, other_index, other_dossier, other_value) in found:
                line = _document(other_path).line(("acteurs", other_index, k))
                where = f"dans {other_path}:{line} (dossier {other_dossier}, acteurs[{other_index}].{k})"
                erreurs.append(doc.erreur(("acteurs", c.index, k), conflict_message(c, k, v, other_value, where)))
            conflicts.append(InvalidFileError(path, erreurs))
        if conflicts:
            raise ImportErrors(conflicts)

    def _check_chunk(
        self, chunk: Sequence[str], results: list[tuple], done: int, problems: list[CqpkitError], conflicts: list[CqpkitError],
        by_file: dict[str, list[Any]], seen_s: dict[str, str],
    ) -> None:
        """The cross-file checks of one chunk of files (numbered from ``done``), against the earlier files through the
        index: each problem, conflict, contradicted fact appended, in the order of the files."""
        db, index, paths = self._index_db, self.index, self.paths
        items = list(enumerate(results, done))  # one item per file, in the order of the paths
        firsts = db.first_dossiers([(item[2], n) for n, item in items if item[0] == "dossier"])
        valid = []
        for n, item in items:
            kind, path = item[0], chunk[n - done]  # this process's copy of the path, not the worker's
            if kind == "erreur":
                problems.append(_exception(item[2]))
            elif kind == "session":
                sid = item[2].session.id
                first = seen_s.setdefault(sid, path)
                if first != path:
                    problems.append(_again(path, ("session", "id"), f"session « {sid} » déjà lue dans {first} (un fichier par session)"))
                else:
                    index.sessions.append(item[2])
            else:
                did = item[2]
                first_n = firsts[did]
                if first_n != n:
                    problems.append(_again(path, ("dossier", "id"), f"dossier « {did} » déjà lu dans {paths[first_n]} (un fichier par dossier)"))
                    continue
                index.dossiers += 1
                valid.append((n, item))
        for n, cid, first_n in db.candidate_conflicts([(item[3], item[4], n) for n, item in valid]):
            conflicts.append(self._candidate_conflict(chunk[n - done], paths[first_n], cid))
        facts = db.fact_conflicts([(n, c) for n, item in valid for c in item[5]])
        for n, c, k, v, (other_n, other_index, other_dossier, other_value) in facts:
            other_path = chunk[other_n - done] if other_n >= done else paths[other_n]
            by_file.setdefault(chunk[n - done], []).append((c, k, v, (other_path, other_index, other_dossier, other_value)))

    def _candidate_conflict(self, path: str, first_path: str, cid: str) -> CqpkitError:
        """« candidat décrit autrement » (an error path: both files read again for the fields and the line)."""
        _, d = _parse(path, self.registry)
        _, first = _parse(first_path, self.registry)
        diff = [k for k in PERSONAL if getattr(first.candidat, k) != getattr(d.candidat, k)]
        return _again(path, ("candidat", diff[0]), f"candidat « {cid} » décrit autrement dans {first_path} ({', '.join(diff)})")

    # pass 2 --------------------------------------------------------------------------
    def store(self, store: Any, operateur: str | None = None, detail: bool = True) -> Any:
        """Write what :meth:`validate` accepted, all or nothing; the :class:`~cqpkit.store.importing.ImportReport`
        (``detail=False``: its counts, not a line per file)."""
        from cqpkit.store.importing import import_lot

        if self.lot is not None:
            self.progress("écriture", 0, len(self.paths))
            report = import_lot(store, self.lot, operateur)
            self.progress("écriture", len(self.paths), len(self.paths))
            return report
        from cqpkit.plugins.hookcalls import HookFailure

        self._current = Lot()
        try:
            return self._write(store, operateur, detail)
        except HookFailure as exc:  # raised in the transaction (rolled back): nothing written; the batch's files named
            from cqpkit.store.deadlines import unevaluable

            raise unevaluable(store.registry, self._current, exc) from exc

    def _write(self, store: Any, operateur: str | None, detail: bool) -> Any:
        from cqpkit.store.base import operateur_par_defaut
        from cqpkit.store.importing import Existing, ImportTransaction

        total = len(self.paths)
        # The deadlines were computed with this import's registry: the store uses them if it is its own.
        sessions = Lot((), tuple(self.index.sessions), registry=self.registry)
        with store.write() as conn:
            tx = ImportTransaction(store, conn, sessions, operateur or operateur_par_defaut())
            tx.report.detail = detail
            to_close = tx._sessions(Existing(conn, tx.lot))
            tx.report.fold()
            done = len(sessions.sessions)
            self.progress("écriture", done, total)
            batch: list[DossierLu] = []
            for lu in self.spill:
                batch.append(lu)
                if len(batch) == BATCH:
                    done = self._batch(tx, batch, done, total)
            if batch:
                done = self._batch(tx, batch, done, total)
            report = tx.finish(to_close)
            report.fold()
        self._after_commit(store, report)
        return report

    def _after_commit(self, store: Any, report: Any) -> None:
        """:func:`cqpkit.store.importing.after_commit` for the dossiers the index holds (a page of ids at a time)."""
        total = self._index_db.pending_count()
        if not total:
            return
        from cqpkit.store.refresh import refresh

        try:
            for ids in self._index_db.pending(BATCH):
                refresh(store, ids=ids)
        except CqpkitError as exc:
            report.notes.append(f"résultats de {total} dossier(s) non recalculés ({exc}) : lancez cqpkit db refresh")

    def _batch(self, tx: Any, batch: list[DossierLu], done: int, total: int) -> int:
        """Compare a batch with the base and write it (in the import's transaction); empty ``batch``; the files done."""
        from cqpkit.store.importing import Existing

        tx.lot = self._current = Lot(tuple(batch), (), registry=self.registry)
        batch.clear()
        tx.run_batch(Existing(tx.conn, tx.lot))
        tx.report.fold()
        self._index_db.add_pending(tx.report.a_recalculer)  # computed after the commit (_after_commit): not kept in memory
        tx.report.a_recalculer.clear()
        done += len(tx.lot.dossiers)
        batch_written(done)
        self.progress("écriture", done, total)
        return done


def import_files(store: Any, paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str], operateur: str | None = None) -> Any:
    """Validate every file, then store them all in one transaction, or nothing (:meth:`StreamingImport.store`; a lot of
    more than :data:`SMALL` files streamed). ``paths`` lists files and directories (every ``*.toml`` under them); one
    path alone may be given as it is (a text is one path, not a sequence of one-letter paths)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    with StreamingImport([os.fspath(p) for p in paths], store.registry) as imp:
        imp.validate()
        return imp.store(store, operateur)


def _document(path: str) -> Any:
    from cqpkit.formats.tomlfile import parse_toml, read_text

    return parse_toml(read_text(path), path)


def _again(path: str, where: tuple, message: str) -> InvalidFileError:
    """An error at ``where`` in ``path``, read again for the line of the key (an error path only)."""
    return InvalidFileError(path, [_document(path).erreur(where, message)])
