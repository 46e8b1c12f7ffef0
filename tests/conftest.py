"""Shared test set-up.

Installed plugins other than the bundled ones are not autoloaded while cqpkit's own tests
run (``CQPKIT_LOAD_PLUGINS``), and each test session gets its own validation cache
directory, so a developer's cache never changes a result.

``run_cli`` runs the command in this process by default (``cqpkit.cli.main``), as a fresh
``python -m cqpkit`` would see it: the environment, working directory, standard streams
and terminal width of the call are set for it and restored after, and modules imported
from a ``PYTHONPATH`` given in ``env`` are forgotten after the call. ``subprocess=True``
runs a real ``python -m cqpkit`` where the process itself is what a test checks.
"""

from __future__ import annotations

import importlib
import io
import os
import subprocess as _subprocess
import sys
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
BUNDLED = "cqp_mo,mutualite"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.setenv("CQPKIT_LOAD_PLUGINS", BUNDLED)
    monkeypatch.setenv("CQPKIT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cqpkit-cache"))
    for var in ("CQPKIT_DISABLE_PLUGINS", "CQPKIT_TRACE_PLUGINS", "CQPKIT_REFERENTIELS_PATH", "CQPKIT_NO_CACHE", "CQPKIT_DEBUG"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def store_templates(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The stores that ``db`` copies for ``store`` and ``campaign_store`` (tests/test_store_support.py), once per session."""
    from tests.test_store_support import Templates

    return Templates(tmp_path_factory.mktemp("store-templates"))


@pytest.fixture(scope="session")
def wheel_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """cqpkit's wheel, built once for the whole run: under pytest-xdist the first worker to ask builds it in the
    run's shared temporary directory while the others wait on a lock, then all use that file."""
    import fcntl

    pytest.importorskip("hatchling", reason="building the wheel offline needs hatchling in the test environment")
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's directory, above each worker's own
    target = shared / "cqpkit-wheel"
    with open(shared / "cqpkit-wheel.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.is_dir():
            building = shared / "cqpkit-wheel.building"
            _subprocess.run(
                [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(building), str(ROOT)],
                check=True,
                capture_output=True,
                timeout=300,
            )
            building.rename(target)  # whole, or not there: a failed build is tried again by the next worker
    (path,) = target.glob("cqpkit-*.whl")
    return path


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, subprocess: bool = False, stdin: str = ""
) -> _subprocess.CompletedProcess[str]:
    """Run ``cqpkit ARGS`` with the current environment (plus ``env``) and return its exit code and output.

    In this process by default; ``subprocess=True`` starts ``python -m cqpkit`` instead.
    """
    if subprocess:
        return _subprocess.run(
            [sys.executable, "-m", "cqpkit", *args],
            capture_output=True,
            text=True,
            input=stdin or None,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            timeout=120,
        )
    return _run_in_process(list(args), env or {}, cwd, stdin)


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """``os.environ`` plus ``env`` for the block; a pipe's terminal width (80 columns) unless ``COLUMNS`` is given."""
    saved = dict(os.environ)
    os.environ.update(env)
    # A child process writing to a pipe has no terminal: argparse's help is 80 columns wide.
    os.environ.setdefault("COLUMNS", "80")
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def _python_path(env: dict[str, str]) -> Iterator[None]:
    """The ``PYTHONPATH`` of ``env`` in front of ``sys.path``; the modules imported from it forgotten after."""
    entries = [os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if not entries:
        yield
        return
    # A module of the same name imported earlier (from elsewhere) would hide the one on the path.
    tops = {Path(child).stem for entry in entries if os.path.isdir(entry) for child in os.listdir(entry)}
    hidden = {n: m for n, m in sys.modules.items() if n.partition(".")[0] in tops}
    for name in hidden:
        del sys.modules[name]
    saved_path = list(sys.path)
    before = set(sys.modules)
    sys.path[:0] = entries
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - before:
            where = getattr(sys.modules[name], "__file__", None) or ""
            if name.partition(".")[0] in tops or any(os.path.abspath(where).startswith(e + os.sep) for e in entries):
                del sys.modules[name]
        sys.modules.update(hidden)
        for entry in entries:
            sys.path_importer_cache.pop(entry, None)


def _stream(errors: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors=errors, newline="\n", write_through=True)


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    return stream.buffer.getvalue().decode("utf-8", errors="replace")  # type: ignore[attr-defined]


def _exit_code(exc: SystemExit, stderr: io.TextIOWrapper) -> int:
    """The status ``sys.exit(code)`` gives a process: 0 for ``None``, the number, else 1 with the text on stderr."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=stderr)
    return 1


def _run_in_process(args: list[str], env: dict[str, str], cwd: Path | None, stdin: str = "") -> _subprocess.CompletedProcess[str]:
    from cqpkit.cli import main

    stdout, stderr = _stream("strict"), _stream("backslashreplace")
    saved = sys.stdin, sys.stdout, sys.stderr, sys.argv
    old_cwd = os.getcwd()
    with _environment(env), _python_path(env), warnings.catch_warnings():
        sys.stdin, sys.stdout, sys.stderr = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8"), stdout, stderr
        sys.argv = ["cqpkit", *args]
        try:
            if cwd is not None:
                os.chdir(cwd)
            try:
                code = main(args)
            except SystemExit as exc:
                code = _exit_code(exc, stderr)
            except KeyboardInterrupt:
                raise
            except BaseException:
                # What Python prints for an exception that leaves ``main`` (e.g. under --debug).
                stderr.write(traceback.format_exc())
                code = 1
        finally:
            os.chdir(old_cwd)
            sys.stdin, sys.stdout, sys.stderr, sys.argv = saved
    return _subprocess.CompletedProcess(["cqpkit", *args], code, _text(stdout), _text(stderr))


#: The test files that take longest, slowest first. They are collected first, so that pytest-xdist (--dist loadfile:
#: a whole file to a worker, handed out in collection order) starts them first and the run does not end with one
#: worker on a long file while the other is idle. The other files keep their order, after these. Measured with
#: bench/suite_profile.py (a whole run of the README's command, 7 December 2026, 2 workers, load 8 to 16): each
#: file's CPU (worker and children), or its wall scaled to CPU by the run's ratio when that is more (the PostgreSQL
#: server's work); the figure in CPU seconds. Re-measure when a file grows (bench/README.md « The test suite »).
SLOW_FILES = (
    "tests/test_conformance_example.py",  # 81: the broken plugin's suite, five pytest processes; a venv
    "tests/test_first_hour_wheel.py",  # 78: two venvs installed from the wheel
    "tests/test_web_openapi.py",  # 68
    "tests/test_first_hour.py",  # 56: a venv from the checkout
    "tests/test_pipeline.py",  # 52
    "tests/test_conformance.py",  # 45
    "tests/test_pipeline_jobs.py",  # 41
    "tests/test_plugin_failures.py",  # 40
    "tests/test_web_pages.py",  # 38
    "tests/test_bench_scale.py",  # 38
    "tests/test_output_safety.py",  # 35
    "tests/test_web_store_schemathesis.py",  # 34
    "tests/test_store_tamper.py",  # 32
    "tests/test_fuzz.py",  # 31
    "tests/test_store_users.py",  # 30
    "tests/test_rule_complexity.py",  # 28
    "tests/test_dossier_formats.py",  # 26
    "tests/test_web_store.py",  # 25
    "tests/test_web_browser.py",  # 25
    "tests/test_store_faults.py",  # 25
    "tests/test_store_operator_review.py",  # 22 (55 before its campaign came from the template)
    # 18; it once failed after tests/test_store.py in the same process (a generated dossier citing one session twice,
    # drawn only after other tests had moved hypothesis' draws): cqpkit.testing.strategies now draws distinct sessions.
    "tests/test_stored_results.py",
)


def pytest_configure(config: pytest.Config) -> None:
    """pytest-xdist hands the files out in collection order (SLOW_FILES first), not by their number of tests."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files of SLOW_FILES first, slowest first (each file's tests in their order); then every test its own node id: Schemathesis gives all the operations of one test the same id, and pytest-xdist
    (the README's command: -n auto) schedules by id, so it would run one operation of each and drop the others.
    Named by the operation (``test_schemathesis[POST /api/v1/check]``), else numbered in collection order (the same
    in every worker). pytest keeps the id in ``_id`` (a NodeId, pytest 9) or ``_nodeid`` (before)."""
    from collections import Counter

    rank = {name: i for i, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.partition("::")[0], len(SLOW_FILES)))  # stable: the rest keep their order
    counts = Counter(item.nodeid for item in items)
    seen: Counter[str] = Counter()
    for item in items:
        nodeid = item.nodeid
        if counts[nodeid] > 1:
            seen[nodeid] += 1
            label = getattr(item, "operation_label", None) or f"op{seen[nodeid]}"
            new = f"{nodeid}[{label}]"
            if hasattr(item, "_id"):
                from _pytest.nodeid import coerce_node_id

                item._id = coerce_node_id(new)
            else:
                item._nodeid = new


def pytest_report_header(config: pytest.Config) -> str:
    """Which PostgreSQL server the store tests use, or why they skip (tests/test_store_support.py)."""
    from tests.test_store_support import PG_ENV, postgres_url

    url, origin = postgres_url()
    if url:
        return f"PostgreSQL : {url} ({origin})"
    return f"PostgreSQL : aucun ({PG_ENV} non défini, pas de serveur local) : les tests PostgreSQL sont ignorés"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The skipped tests, one line per reason with their count (instead of one line per test)."""
    from collections import Counter

    reasons: Counter[str] = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    from tests.test_store_support import postgres_url

    url, origin = postgres_url()
    terminalreporter.write_line(f"PostgreSQL : {url} ({origin})" if url else "PostgreSQL : aucun serveur (tests PostgreSQL ignorés)")
    if reasons:
        terminalreporter.write_sep("=", "tests ignorés, par raison")
        for reason, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])):
            terminalreporter.write_line(f"{n} × {reason}")
