"""Shared test set-up.

Installed plugins other than the bundled ones are not autoloaded while cqpkit's own tests
run (``CQPKIT_LOAD_PLUGINS``), and each test session gets its own validation cache
directory, so a developer's cache never changes a result.
"""

from __future__ import annotations

import os
import subprocess
import sys
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


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m cqpkit ARGS`` in a subprocess with the current environment (plus ``env``)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "cqpkit", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=120,
    )
