"""Concurrency and faults: two importers lose nothing; a killed import leaves the database as it was."""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cqpkit.store.store import Store

from tests.conftest import BUNDLED
from tests.test_store_support import CAMPAIGN, counts, cqpkit_cmd, db, registry, snapshot, write_generated  # noqa: F401 (fixtures)


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "CQPKIT_LOAD_PLUGINS": BUNDLED}
    env.update(extra)
    return env


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"le processus s'est terminé avant la pause : {proc.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError("pause jamais atteinte")
        time.sleep(0.05)


#: The program of a paused importer: it replaces the import's hook point (``cqpkit.store.importing.rows_written``,
#: called once the rows are written and not committed) with a pause that creates the signal file and waits, then
#: runs ``cqpkit ARGS`` as ``python -m cqpkit`` does. Nothing in cqpkit knows about the pause.
_PAUSED_IMPORTER = """
import os, runpy, sys, time
from cqpkit.store import importing

signal_file, seconds = sys.argv[1], float(sys.argv[2])

def pause():
    with open(signal_file, "w", encoding="utf-8") as fh:
        fh.write(str(os.getpid()))
    time.sleep(seconds)

importing.rows_written = pause
sys.argv = ["cqpkit", *sys.argv[3:]]
runpy.run_module("cqpkit", run_name="__main__", alter_sys=True)
"""


@pytest.fixture
def paused_import(tmp_path: Path) -> Callable[..., tuple[list[str], Path]]:
    """``command(seconds, *args)``: the command of a process running ``cqpkit ARGS`` whose import pauses ``seconds``
    with its rows written and not committed, and the file it creates when the pause begins."""

    def command(seconds: float, *args: str) -> tuple[list[str], Path]:
        signal_file = tmp_path / f"paused-{len(list(tmp_path.glob('paused-*')))}"
        return [sys.executable, "-c", _PAUSED_IMPORTER, str(signal_file), str(seconds), *args], signal_file

    return command


@pytest.fixture
def initialised(db, registry):  # type: ignore[no-untyped-def]
    """A database holding the campaign; the address and an open store on it."""
    s = Store.open(db, create=True, check=False, registry=registry)
    s.init()
    s.import_files([str(CAMPAIGN)], operateur="test")
    yield db, s
    s.close()


class TestConcurrency:
    """Two processes importing into one database at the same time."""

    def test_two_importers_lose_nothing(self, initialised, paused_import, tmp_path):
        """A writes and holds its transaction; B starts and waits; both commit; every dossier is there once."""
        url, store = initialised
        a = write_generated(tmp_path / "a", 120, "A")
        b = write_generated(tmp_path / "b", 120, "B")
        shared = write_generated(tmp_path / "shared", 30, "S")
        cmd_a, signal_file = paused_import(2, "import", "--db", url, str(a), str(shared), "--operateur", "a")
        proc_a = subprocess.Popen(
            cmd_a, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        _wait_for(signal_file, proc_a)
        proc_b = subprocess.Popen(
            [*cqpkit_cmd(), "import", "--db", url, str(b), str(shared), "--operateur", "b"],
            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        out_a, err_a = proc_a.communicate(timeout=300)
        out_b, err_b = proc_b.communicate(timeout=300)
        assert proc_a.returncode == 0, err_a
        assert proc_b.returncode == 0, err_b
        # B waited for A: the shared dossiers are new for A and unchanged for B.
        assert "150 dossiers (150 nouveaux" in out_a
        assert "150 dossiers (120 nouveaux, 0 nouvelle version, 30 inchangés)" in out_b
        n = counts(store)
        assert n["dossiers"] == 23 + 270 and n["dossier_versions"] == 23 + 270
        verification = store.verify()
        assert verification.ok, verification.problemes
        assert verification.entrees == 55 + 2 * 150 + 2 * 120

    def test_simultaneous_starts(self, initialised, tmp_path):
        """Started together without any pause, two imports both succeed and the chain stays whole."""
        url, store = initialised
        dirs = [write_generated(tmp_path / p, 80, p) for p in ("X", "Y")]
        procs = [
            subprocess.Popen([*cqpkit_cmd(), "import", "--db", url, str(d)], env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for d in dirs
        ]
        for p in procs:
            _, err = p.communicate(timeout=300)
            assert p.returncode == 0, err
        assert counts(store)["dossiers"] == 23 + 160
        assert store.verify().ok


class TestKill:
    """A process killed (SIGKILL) in the middle of an import."""

    def test_sigkill_leaves_the_database_as_it_was(self, initialised, paused_import, tmp_path):
        """Killed with its rows written and not committed: the content is exactly as before; the next import works."""
        url, store = initialised
        before = snapshot(store)
        many = write_generated(tmp_path / "many", 300, "K")
        cmd, signal_file = paused_import(120, "import", "--db", url, str(many), str(CAMPAIGN))
        proc = subprocess.Popen(
            cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        _wait_for(signal_file, proc)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL
        if store.target.kind == "postgresql":  # the server notices the lost connection and rolls back
            time.sleep(0.5)
        assert snapshot(store) == before
        assert store.verify().ok
        report = store.import_files([str(many)], operateur="après")
        assert len(report.fichiers) == 300 and counts(store)["dossiers"] == 323
        assert store.verify().ok
