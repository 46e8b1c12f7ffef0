"""bench/web.py at a tiny size: it builds its bases, serves them, measures, prints every ratio line (nothing timed):
the times to first byte, and on Linux the server's CPU per request.

The script is run as a process (it runs ``cqpkit import`` and ``cqpkit serve`` in child processes itself); what it
leaves behind is checked too: its temporary directory empty (files and SQLite bases deleted).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

NUMBER = r"\d+(?:\.\d+)?"


def test_sqlite_prints_every_ratio_and_cleans_up(tmp_path: Path) -> None:
    cmd = [sys.executable, str(ROOT / "bench" / "web.py"), "--sizes", "20", "40", "--requests", "3", "--warmup", "1",
           "--session-size", "4", "--tmp", str(tmp_path)]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "charge au début : " in result.stdout and "charge à la fin : " in result.stdout
    lines = result.stdout.split("\nRatios (mesurés dans ce seul passage", 1)[1].splitlines()[1:]
    for size in (20, 40):
        for what in ("dossier", "session"):
            assert any(re.fullmatch(rf"ratio page/JSON {what}\s+sqlite\s+{size} : \s*{NUMBER}\s+\(objectif ≤ 1,5\)", line) for line in lines), lines
    assert any(re.fullmatch(rf"ratio tableau de bord\s+sqlite\s+40/20 : \s*{NUMBER}\s+\(objectif : stable, ≈ 1\)", line) for line in lines), lines
    # On Linux, the server's CPU per request too (/proc/PID/task/*/schedstat), with the same two ratios per size.
    cpu = Path("/proc/self/task").is_dir() and any(Path("/proc/self/task").glob("*/schedstat"))
    if cpu:
        for size in (20, 40):
            for what in ("dossier", "session"):
                assert any(re.fullmatch(rf"ratio CPU page/JSON {what} sqlite\s+{size} : \s*{NUMBER}\s+\(le travail du serveur\)", line) for line in lines), lines
        assert re.search(r"CPU du serveur par requête \(médianes\) : dossier page " + NUMBER + " ms", result.stdout)
    assert len(lines) == (9 if cpu else 5), lines
    assert list(tmp_path.iterdir()) == []  # files and bases deleted
