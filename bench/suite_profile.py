"""Where the test suite's time goes: per test, then per file, wall and CPU (a pytest plugin and its report).

As a plugin (``-p suite_profile``, with ``bench/`` on ``PYTHONPATH``), each pytest process — each pytest-xdist
worker — appends one JSON line per test to ``$SUITE_PROFILE_DIR/<worker>.jsonl``: its node id, start and end
(epoch seconds), the CPU of the worker itself (user + system) and of the children it reaped during the test
(subprocesses: pip, venvs, ``python -m cqpkit``, pytest runs), and the setup / call / teardown durations pytest
reports. A module- or session-scoped fixture is counted in the first test that asks for it. The CPU of
PostgreSQL's server and of a browser still running are not children reaped: a PostgreSQL test's wall exceeds
its CPU by that too.

As a script, it reads such a directory and prints the totals, the files by CPU (the measure that a shared,
loaded machine distorts least), each worker's span, and the files to put first in ``tests/conftest.py``'s
``SLOW_FILES``, ranked by their CPU or, when more, their wall scaled by the run's CPU / wall ratio::

    rm -rf /tmp/prof && SUITE_PROFILE_DIR=/tmp/prof PYTHONPATH=bench /usr/bin/time -v \\
        .venv/bin/python -m pytest -q -n auto --dist loadfile -p suite_profile
    .venv/bin/python bench/suite_profile.py /tmp/prof [--top 30]

Nothing here is timed by a test; bench/README.md « The test suite » has the figures it gave.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

_durations: dict[str, dict[str, float]] = {}
_out: list[Any] = []


def _cpu() -> tuple[float, float]:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def _write(line: dict[str, Any]) -> None:
    if not _out:
        folder = Path(os.environ.get("SUITE_PROFILE_DIR", "suite-profile"))
        folder.mkdir(parents=True, exist_ok=True)
        _out.append(open(folder / f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.jsonl", "a", encoding="utf-8"))  # noqa: SIM115
    _out[0].write(json.dumps(line) + "\n")
    _out[0].flush()


def pytest_runtest_logreport(report: Any) -> None:
    """The setup, call and teardown durations, in the process that ran the test (not pytest-xdist's controller)."""
    if os.environ.get("PYTEST_XDIST_WORKER") or not hasattr(report, "node"):
        _durations.setdefault(report.nodeid, {})[report.when] = report.duration


try:
    import pytest

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(item: Any, nextitem: Any) -> Generator[None, None, None]:
        """Wall and CPU around the whole protocol of one test (its fixtures' setup and teardown included)."""
        start, (me, children) = time.time(), _cpu()
        yield
        stop, (me2, children2) = time.time(), _cpu()
        _write({"id": item.nodeid, "start": start, "stop": stop, "self": me2 - me, "child": children2 - children,
                **_durations.pop(item.nodeid, {})})
except ImportError:  # pragma: no cover - the report below needs no pytest
    pass


def report(folder: Path, top: int) -> None:
    """Print the totals, the files by CPU, each worker's span and the SLOW_FILES proposal."""
    rows = [json.loads(line) for path in sorted(folder.glob("*.jsonl")) for line in path.read_text(encoding="utf-8").splitlines()]
    files: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for r in rows:
        f = files[r["id"].split("::")[0]]
        f["n"] += 1
        f["wall"] += r["stop"] - r["start"]
        f["cpu"] += r["self"] + r["child"]
        f["child"] += r["child"]
        for when in ("setup", "call", "teardown"):
            f[when] += r.get(when, 0.0)
    total: collections.Counter[str] = collections.Counter()
    for f in files.values():
        total.update(f)
    print(f"{total['n']} tests, {len(files)} files: wall summed {total['wall']:.0f} s, CPU {total['cpu']:.0f} s "
          f"(children {total['child']:.0f} s); setup {total['setup']:.0f} s, call {total['call']:.0f} s, teardown {total['teardown']:.0f} s")
    print(f"{'file':48} {'tests':>5} {'CPU s':>7} {'share':>6} {'child':>7} {'wall s':>7} {'setup':>7} {'call':>7}")
    ranked = sorted(files.items(), key=lambda kv: -kv[1]["cpu"])
    for name, f in ranked[:top]:
        print(f"{name:48} {f['n']:5} {f['cpu']:7.1f} {100 * f['cpu'] / total['cpu']:5.1f}% {f['child']:7.1f} {f['wall']:7.1f} "
              f"{f['setup']:7.1f} {f['call']:7.1f}")
    for path in sorted(folder.glob("*.jsonl")):
        mine = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        t0, t1 = min(r["start"] for r in mine), max(r["stop"] for r in mine)
        print(f"{path.stem}: span {t1 - t0:.0f} s, CPU {sum(r['self'] + r['child'] for r in mine):.0f} s, {len(mine)} tests")
    # A file's cost on a quiet machine: its CPU, or its wall scaled to CPU by the run's ratio when that is more (the
    # PostgreSQL server's work, a browser's, waits: not in the CPU of the worker and its children).
    scale = total["cpu"] / total["wall"]
    cost = {name: max(f["cpu"], f["wall"] * scale) for name, f in files.items()}
    print(f"SLOW_FILES (by max(CPU, wall × {scale:.2f})):")
    for name in sorted(cost, key=lambda n: -cost[n])[:20]:
        print(f'    "{name}",  # {cost[name]:.0f}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    report(args.folder, args.top)


if __name__ == "__main__":
    main()
