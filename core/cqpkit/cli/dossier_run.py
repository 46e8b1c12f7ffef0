"""The runner of the dossier commands (:mod:`cqpkit.cli.dossiers`): read the files lazily, stream the output.

:func:`run_dossiers` is the sequence every dossier command runs. The files named on the command line are
read one at a time (:meth:`DossierRun.dossiers`), a directory standing for its ``*.toml`` files walked lazily
in a sorted order (:func:`dossier_paths`); each command hands each dossier to the engine as it is read and
prints it (text) or writes it (:func:`stream_json`, the same bytes as one ``json.dumps``) before reading the
next, so that memory does not grow with the number of files.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from cqpkit.cli.common import as_of, as_of_source, failures_out, load_registry
from cqpkit.cli.output import print_error
from cqpkit.exceptions import InvalidFileError, UnreadableFileError

__all__ = ["DossierRun", "dossier_paths", "load_dossier_or_scenario", "run_dossiers", "stream_json"]


# ------------------------------------------------------------------------------- runner
class DossierRun:
    """One run of a dossier command: the registry, the date, the dossiers read, their errors, the exit code so far.

    The dossiers are read lazily (:meth:`dossiers`): each file is read, checked and handed to the engine before
    the next one is opened, so that a directory of 100 000 files runs in bounded memory.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.registry = load_registry()
        failures_out(self.registry)
        self.day = as_of(args)
        #: The errors of the input files, for ``--json`` (docs/json-output.md, « Erreur »).
        self.erreurs: list[dict[str, Any]] = []
        #: (path, dossier, finding) of each dossier a plugin failed on, left out of the results.
        self.non_evalues: list[tuple[str, Any, Any]] = []
        self.code = 0
        self.directories = any(os.path.isdir(p) for p in args.dossiers)
        #: One line per dossier (the default on files; ``--verbose`` on directories); else the summary only.
        self.verbose = bool(getattr(args, "verbose", False)) or not self.directories
        self.progress = not getattr(args, "quiet", False) and _is_terminal(sys.stderr)
        #: Worker processes (``--jobs``; :meth:`each` with a command), 1: none.
        self.jobs = 1
        if getattr(args, "jobs", 1) != 1:
            from cqpkit.cli.dossier_jobs import jobs_count

            self.jobs = jobs_count(args)

    def dossiers(self) -> Iterator[tuple[str, Any]]:
        """``(path, dossier)`` of every file that can be read and is valid, read one at a time (errors printed)."""
        registry = self.registry
        n = 0
        for path in dossier_paths(self.args.dossiers):
            loaded = self._load(lambda p: load_dossier_or_scenario(p, registry), path)
            n += 1
            self._count(n)
            if loaded is not None:
                yield path, loaded
        self._count_done(n)

    def _count(self, n: int) -> None:
        if self.progress and n % 200 == 0:
            raw = getattr(sys.stderr, "raw", sys.stderr)  # the counter's own \r, past the escaping writer
            raw.write(f"\r{n} fichiers lus…")
            raw.flush()

    def _count_done(self, n: int) -> None:
        if self.progress and n >= 200:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()

    def _load(self, load: Callable[[str], Any], path: str) -> Any:
        try:
            return load(path)
        except (UnreadableFileError, InvalidFileError) as exc:
            self._report(path, exc)
        return None

    def _report(self, path: str, exc: UnreadableFileError | InvalidFileError) -> None:
        """Print the error of a file that cannot be read or is invalid, keep it for ``--json``, set the exit code."""
        if isinstance(exc, UnreadableFileError):
            self.code = max(self.code, 2)
            print(f"erreur : {exc}", file=sys.stderr)
            self.erreurs.append(_erreur_json(path, None, "", str(exc)))
        else:
            self.code = max(self.code, 1)
            print_error(exc, prefix="")
            self.erreurs.extend(_erreur_json(e.fichier, e.ligne, e.chemin, e.message) for e in exc.erreurs)

    def load_files(self, load: Callable[[str], Any], paths: Sequence[str]) -> list[tuple[str, Any]]:
        """Load every file with ``load(path)``; print the errors of those that fail; return the good ones.

        The errors also go to :attr:`erreurs`: each error of an invalid file with its line and key; a file
        that cannot be read as one error with no line (``ligne`` null) and no key. :attr:`code` takes the worst.
        """
        out = []
        for path in paths:
            loaded = self._load(load, path)
            if loaded is not None:
                out.append((path, loaded))
        return out

    def each(
        self, compute: Callable[[Any], Any], command: str | None = None, *, keep_failed: bool = False
    ) -> Iterator[tuple[str, Any, Any]]:
        """``(path, dossier, compute(dossier))`` for every dossier read, lazily; one a plugin fails on is left out
        (:meth:`failed`), or, with ``keep_failed``, given with ``[finding extension_en_echec]`` as its result.

        ``command`` (``decide``, ``check``, ``funding``): the same computed by ``--jobs`` worker processes when asked
        (:mod:`cqpkit.cli.dossier_jobs`); the dossier is then its :class:`~cqpkit.cli.dossier_jobs.Tete`.
        """
        if command is not None and self.jobs > 1:
            yield from self._each_in_workers(command, keep_failed)
            return
        from cqpkit.plugins.hookcalls import HookFailure

        for path, dossier in self.dossiers():
            try:
                result = compute(dossier)
            except HookFailure as exc:
                found = self.failed(path, dossier, exc)
                if keep_failed:
                    yield path, dossier, [found]
                else:
                    self.non_evalues.append((path, dossier, found))
                continue
            yield path, dossier, result

    def _each_in_workers(self, command: str, keep_failed: bool) -> Iterator[tuple[str, Any, Any]]:
        from cqpkit.cli.dossier_jobs import invalid_error, parallel_outcomes, write_stderr

        n = 0
        outcomes = parallel_outcomes(dossier_paths(self.args.dossiers), self.registry, self.day, command, self.jobs)
        for path, err, (kind, *rest) in outcomes:
            n += 1
            if err:
                write_stderr(err)
            if kind == "ok":
                self._count(n)
                yield path, rest[0], rest[1]
                continue
            if kind == "illisible":
                self._report(path, UnreadableFileError(rest[0]))
            elif kind == "invalide":
                self._report(path, invalid_error(*rest[0]))
            else:  # "echec": a plugin failed on this dossier
                tete, (message, found) = rest
                self._say_failed(path, tete, message)
                if keep_failed:
                    self._count(n)
                    yield path, tete, [found]
                    continue
                self.non_evalues.append((path, tete, found))
            self._count(n)
        self._count_done(n)

    def failed(self, path: str, dossier: Any, exc: Any) -> Any:
        """Say on stderr that a plugin failed on this dossier (exit 1); return the finding ``extension_en_echec``."""
        from cqpkit.plugins.hookcalls import failure_constat

        self._say_failed(path, dossier, exc)
        return failure_constat(exc)

    def _say_failed(self, path: str, dossier: Any, exc: Any) -> None:
        print(f"erreur : {exc} — dossier « {dossier.id} » ({path})", file=sys.stderr)
        self.code = max(self.code, 1)

    def fail_if(self, condition: bool) -> None:
        """A blocking finding makes the exit code at least 1."""
        if condition:
            self.code = max(self.code, 1)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def dossier_paths(arguments: Iterable[str]) -> Iterator[str]:
    """The files named on the command line, a directory standing for its ``*.toml`` files (lazily, recursively).

    A directory is walked in a deterministic order: its entries sorted by name (code point order, whatever the
    locale), each sub-directory walked where it sorts; names starting with a dot are skipped. Only the names of
    one directory are held at a time, not the files.
    """
    for arg in arguments:
        if os.path.isdir(arg):
            yield from _walk(arg)
        else:
            yield arg


def _walk(directory: str) -> Iterator[str]:
    with os.scandir(directory) as it:
        entries = sorted((e.name, e.is_dir()) for e in it if not e.name.startswith("."))
    for name, is_dir in entries:
        path = os.path.join(directory, name)
        if is_dir:
            yield from _walk(path)
        elif name.endswith(".toml"):
            yield path


def _erreur_json(fichier: str, ligne: int | None, cle: str, message: str) -> dict[str, Any]:
    """One error of an input file for ``--json`` (:func:`cqpkit.plugins.answers.erreur_item`)."""
    from cqpkit.plugins.answers import erreur_item

    return erreur_item(fichier, ligne, cle, message)


def run_dossiers(
    args: argparse.Namespace,
    compute: Callable[[DossierRun], Any],
    as_json: Callable[[DossierRun, Any], dict[str, Any]],
    as_text: Callable[[DossierRun, Any], None],
) -> int:
    """The sequence every dossier command runs (module docstring); returns the exit code.

    ``compute(run)`` sets up the engine on ``run.dossiers()`` (lazily: it may return generators, consumed once
    by the output; it may read more files with ``run.load_files``); ``as_json(run, results)`` gives the keys after
    ``date`` (``erreurs`` is added last unless given), each value either a JSON value, an iterator (written as a
    list, item by item, as it runs) or a function called once everything before it is written (totals);
    ``as_text(run, results)`` prints the French text as the dossiers come.
    """
    run = DossierRun(args)
    results = compute(run)
    if args.json:
        out = {"date": run.day.isoformat(), "date_source": as_of_source(args), **as_json(run, results)}
        out.setdefault("erreurs", lambda: run.erreurs)
        from cqpkit.plugins.answers import non_evalue_item

        out["non_evalues"] = lambda: [non_evalue_item(path, d, c) for path, d, c in run.non_evalues]
        stream_json(out)
    else:
        as_text(run, results)
        for _, d, c in run.non_evalues:
            print(f"{d.id} ({d.dossier.certification} {d.dossier.version}) : non évalué — {c.niveau} {c.code} — {c.message}")
    return run.code


def stream_json(fields: dict[str, Any]) -> None:
    """Write ``fields`` as :func:`~cqpkit.cli.common.print_json` would, item by item: an iterator value is written as
    a list as it yields, a callable value is called when its turn comes. The text is the same, byte for byte."""
    import json

    from cqpkit.cli.output import json_stream, json_text

    out = json_stream()

    def text(value: Any, indent: str) -> str:
        return json_text(json.dumps(value, ensure_ascii=False, indent=2, default=str)).replace("\n", "\n" + indent)

    out.write("{")
    for n, (key, value) in enumerate(fields.items()):
        out.write(("," if n else "") + "\n  " + text(key, "") + ": ")
        if callable(value):
            value = value()
        if isinstance(value, Iterator):
            first = True
            for item in value:
                out.write(("[" if first else ",") + "\n    " + text(item, "    "))
                first = False
            out.write("[]" if first else "\n  ]")
        else:
            out.write(text(value, "  "))
    out.write("\n}\n" if fields else "}\n")


_LOADER: list[Any] = []


def load_dossier_or_scenario(path: str, registry: Any) -> Any:
    """A dossier file, or the dossier of a scenario file (inline, or the file its ``dossier`` key names).

    A scenario is recognised only once the file has failed as a dossier (the dossier files' path is
    unchanged); stderr then says where the dossier was read from and the scenario's date, so that
    a plugin author debugs a failing scenario with ``check``, ``decide``, ``funding``, ``plan``, ``explain``.
    """
    if not _LOADER:  # imported at the first file (an import statement per file costs about a microsecond)
        from cqpkit.formats.dossiers import load_dossier

        _LOADER.append(load_dossier)
    try:
        return _LOADER[0](path, registry)
    except InvalidFileError:
        from cqpkit.testing.scenarios import is_scenario_file

        if not is_scenario_file(path):
            raise
    import os

    from cqpkit.render.text import date_txt
    from cqpkit.testing.scenarios import load_scenario

    scenario = load_scenario(path, registry)
    ref = scenario.info.dossier
    where = os.path.join(os.path.dirname(path), ref) if ref else "ses propres tables [dossier]"
    print(
        f"scénario {path} : dossier lu depuis {where} (date du scénario : {date_txt(scenario.info.date)} ; "
        f"--as-of {scenario.info.date.isoformat()} pour la reprendre)",
        file=sys.stderr,
    )
    return scenario.dossier
