"""``--jobs N`` of ``decide``, ``check`` and ``funding``: the dossiers read and computed in worker processes.

The files of the command line (:func:`~cqpkit.cli.dossier_run.dossier_paths`) are handed out in chunks of
:data:`CHUNK` to ``N`` processes forked from the command once its registry is loaded (and warmed on the first
file: the référentiel it names, the generated structuring, the engine's modules, so that each worker does not
do that work again). A worker reads each file of its chunk, runs the command's task on the dossier
(:data:`TASKS`), and sends back, per file, what the command prints of it: the result, the dossier's id,
certification and version (:class:`Tete`), the error of a file that cannot be read or is invalid, the failure
of a plugin, and what it wrote on stderr (a scenario's note). The command takes the chunks back in the order
they were handed out and treats each file exactly as it does without workers (same lines, same JSON, same exit
code): only the computing moves. At most ``4 × N`` chunks are in flight, so memory does not grow with the
number of files.

Workers are forked processes (they share the loaded registry): where ``fork`` is not available, or for a
single file, the command runs in its own process as without ``--jobs``.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from cqpkit.exceptions import Erreur, InvalidFileError, UnreadableFileError

__all__ = ["CHUNK", "TASKS", "Tete", "invalid_error", "jobs_count", "parallel_outcomes", "write_stderr"]

#: Files per chunk handed to a worker (one message each way per chunk).
CHUNK = 32


class TeteInfo(NamedTuple):
    certification: str
    version: str


class Tete(NamedTuple):
    """What the output of a dossier command says of a dossier computed in a worker: ``id``, ``dossier.certification``,
    ``dossier.version`` (the attributes of :class:`~cqpkit.model.Dossier` it reads)."""

    id: str
    dossier: TeteInfo


def _decide(registry: Any, dossier: Any, day: dt.date) -> Any:
    return registry.decide(dossier, day)


def _check(registry: Any, dossier: Any, day: dt.date) -> Any:
    return registry.check(dossier, day)


def _funding(registry: Any, dossier: Any, day: dt.date) -> Any:
    from cqpkit.plugins.answers import funding_of

    return funding_of(registry, dossier, day)


#: The task of each command: ``(registry, dossier, day) → what the command prints`` (module-level: a worker runs it).
TASKS: dict[str, Callable[[Any, Any, dt.date], Any]] = {"decide": _decide, "check": _check, "funding": _funding}


def jobs_count(args: Any) -> int:
    """The number of worker processes asked (``--jobs``; 0: one per core), 1 when workers cannot be forked here."""
    jobs = getattr(args, "jobs", 1) or os.cpu_count() or 1
    if jobs > 1:
        import multiprocessing

        if "fork" not in multiprocessing.get_all_start_methods():
            return 1
    return jobs


# ------------------------------------------------------------------------------- worker side
_STATE: dict[str, Any] = {}  # set by the command before the workers are forked: registry, day, task


def _run_one(path: str, registry: Any, day: dt.date, task: Callable[[Any, Any, dt.date], Any]) -> tuple:
    from cqpkit.cli.dossier_run import load_dossier_or_scenario
    from cqpkit.plugins.hookcalls import HookFailure, failure_constat

    try:
        dossier = load_dossier_or_scenario(path, registry)
    except UnreadableFileError as exc:
        return ("illisible", str(exc))
    except InvalidFileError as exc:
        return ("invalide", (exc.fichier, tuple(tuple(e) for e in exc.erreurs)))
    tete = Tete(dossier.id, TeteInfo(dossier.dossier.certification, dossier.dossier.version))
    try:
        return ("ok", tete, task(registry, dossier, day))
    except HookFailure as exc:
        return ("echec", tete, (str(exc), failure_constat(exc)))


def _work(chunk: list[str]) -> list[tuple]:
    """In a worker: each file of ``chunk`` read and computed, with what it wrote on stderr."""
    from cqpkit.cli.output import SafeStream

    registry, day, task = _STATE["registry"], _STATE["day"], _STATE["task"]
    out = []
    real = sys.stderr
    err = io.StringIO()  # one for the chunk, each file's part cut out by position
    sys.stderr = SafeStream(err) if isinstance(real, SafeStream) else err  # escaped here, as it would have been
    try:
        for path in chunk:
            start = err.tell()
            outcome = _run_one(path, registry, day, task)
            out.append((path, err.getvalue()[start:] if err.tell() != start else "", outcome))
    finally:
        sys.stderr = real
    return out


def write_stderr(text: str) -> None:
    """What a worker wrote on stderr for a file (already escaped: past the parent's escaping writer)."""
    from cqpkit.cli.output import SafeStream

    out = sys.stderr
    (out.raw if isinstance(out, SafeStream) else out).write(text)


def _warm(paths: Iterator[str], registry: Any, day: dt.date, task: Callable[[Any, Any, dt.date], Any]) -> Iterator[str]:
    """Read and compute the first file once before forking (what it loads is then every worker's); its output
    is dropped (the file is read again in its turn). Returns the paths, the first one put back."""
    first = next(paths, None)
    if first is None:
        return paths
    real = sys.stderr
    sys.stderr = io.StringIO()
    try:
        _run_one(first, registry, day, task)
    except Exception:  # anything it raises, it raises again in its turn, where it is reported
        pass
    finally:
        sys.stderr = real
    return itertools.chain([first], paths)


# ------------------------------------------------------------------------------- command side
def parallel_outcomes(
    paths: Iterator[str], registry: Any, day: dt.date, command: str, jobs: int
) -> Iterator[tuple[str, str, tuple]]:
    """``(path, stderr text, outcome)`` of every file, in the order of ``paths``, computed by ``jobs`` workers.

    ``outcome`` is ``("ok", tete, result)``, ``("echec", tete, (message, finding))``, ``("illisible", message)``
    or ``("invalide", (fichier, erreurs))``.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    task = TASKS[command]
    paths = _warm(iter(paths), registry, day, task)
    _STATE.update(registry=registry, day=day, task=task)
    sys.stdout.flush()
    sys.stderr.flush()
    pending: deque[Any] = deque()
    # A pool of forked workers; one that dies (a plugin calling os._exit) breaks the pool: an error, not a wait.
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
    try:

        def submit() -> bool:
            chunk = list(itertools.islice(paths, CHUNK))
            if chunk:
                pending.append(pool.submit(_work, chunk))
            return bool(chunk)

        more = True
        while more and len(pending) < 4 * jobs:
            more = submit()
        while pending:
            done = pending.popleft().result()
            if more:
                more = submit()
            yield from done
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def invalid_error(fichier: str, erreurs: tuple) -> InvalidFileError:
    """The :class:`InvalidFileError` a worker found, rebuilt from its parts."""
    return InvalidFileError(fichier, [Erreur(*e) for e in erreurs])
