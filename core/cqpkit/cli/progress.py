"""Feedback on long work: a progress bar on the terminal, nothing elsewhere.

:func:`progress` gives a callback ``(phase, done, total)`` and a context manager around the work. A bar
(``rich``, imported here only, lazily) is drawn on stderr only when stderr is a terminal, the command
is not ``--quiet`` and the work is long (at least :data:`LONG` files): in a pipe, a log file or a test's
captured output nothing is written, and ``cqpkit list`` never imports ``rich``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO

__all__ = ["LONG", "progress"]

#: From this many files on, a terminal gets a bar (a short import is over before one would be read).
LONG = 200

#: French labels of the phases the store reports.
_LABELS = {"lecture": "Lecture et validation", "écriture": "Écriture dans la base"}


def _quiet(phase: str, done: int, total: int) -> None:
    """No bar: nothing to show."""


@contextlib.contextmanager
def progress(
    total: int, *, quiet: bool = False, stream: TextIO | None = None, long: int = LONG, unit: str = "fichiers"
) -> Iterator[Callable[[str, int, int], None]]:
    """A callback ``(phase, done, total)`` drawing a bar per phase on ``stream`` (stderr), or doing nothing.

    ``long``: from how many items on the work is long enough for a bar; ``unit``: what is counted (« fichiers »).
    """
    stream = stream if stream is not None else sys.stderr
    # The bar is the CLI's own drawing: it goes to the terminal past the escaping writer (cqpkit.cli.output),
    # which would otherwise show rich's cursor movements as « \x1b[… ».
    stream = getattr(stream, "raw", stream)
    tty = getattr(stream, "isatty", None)
    if quiet or total < long or tty is None or not tty():
        yield _quiet
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bars = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn(unit),
        TimeElapsedColumn(), TimeRemainingColumn(), console=Console(file=stream), transient=False,
    )
    tasks: dict[str, Any] = {}

    def update(phase: str, done: int, n: int) -> None:
        if phase not in tasks:
            tasks[phase] = bars.add_task(_LABELS.get(phase, phase), total=n)
        bars.update(tasks[phase], completed=done, total=n)

    with bars:
        yield update
