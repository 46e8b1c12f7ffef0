"""bench/scale.py at a tiny size: it runs to the end on each engine and prints every ratio line (nothing timed).

The script is run as a process (it is a script, and it runs cqpkit in child processes itself); what it
leaves behind is checked too: its temporary directory gone, its PostgreSQL schema dropped.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.test_store_support import postgres_url_or_skip

SIZE = 200
NUMBER = r"\d+(?:\.\d+)?"


def _run(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], int]:
    cmd = [sys.executable, str(ROOT / "bench" / "scale.py"), "--sizes", str(SIZE), "--tmp", str(tmp_path), *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    out, err = proc.communicate(timeout=600)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), proc.pid


def _ratio_lines(out: str) -> list[str]:
    return out.split("\nRatios (mesurés dans ce seul passage", 1)[1].splitlines()[1:]


def _assert_base_lines(lines: list[str], engine: str) -> None:
    label = rf"{engine}\s+{SIZE} : "
    expected = [
        rf"ratio campaign/deadlines\s+{label}\s*{NUMBER}\s+\(objectif ≤ 3\)",
        rf"RSS crête import\s+{label}\s*{NUMBER} Mo\s+\(objectif : stable, < 250 Mo\)",
        rf"PSS crête import\s+{label}\s*{NUMBER} Mo\s+\(pages partagées comptées une fois\)",
        rf"import par cœur\s+{label}\s*{NUMBER} dossiers/s par cœur \({NUMBER} cœur\(s\) utilisés\)",
    ]
    for pattern in expected:
        assert any(re.fullmatch(pattern, line) for line in lines), (pattern, lines)


def test_sqlite_prints_every_ratio(tmp_path: Path) -> None:
    result, _ = _run(
        tmp_path, "--engines", "sqlite", "--files", str(SIZE), "--store-sizes", str(SIZE), "--file-repeat", "1", "--store-repeat", "1",
        "--results-size", str(SIZE), "--synthetic-sizes", str(SIZE),
    )
    assert result.returncode == 0, result.stderr
    assert "charge au début : " in result.stdout and "charge à la fin : " in result.stdout
    lines = _ratio_lines(result.stdout)
    _assert_base_lines(lines, "sqlite")
    for name, goal in (("decide/tomli", "1,5"), ("check/tomli", "1,5")):
        assert any(re.fullmatch(rf"ratio {name}\s+fichiers\s+{SIZE} : \s*{NUMBER}\s+\(objectif ≤ {goal}\)", line) for line in lines), lines
    assert any(re.fullmatch(rf"ratio transaction/brut\s+sqlite\s+{SIZE} : \s*{NUMBER}\s+\(objectif ≤ 2\)", line) for line in lines), lines
    assert any(
        re.fullmatch(rf"ratio import résultats\s+sqlite\s+{SIZE} : \s*{NUMBER}\s+\(objectif ≤ 1,5 ; avec / sans les résultats stockés\)", line)
        for line in lines
    ), lines
    assert any(
        re.fullmatch(rf"ratio campaign/deadlines\s+sqlite\*\s+{SIZE} : \s*{NUMBER}\s+\(objectif ≤ 3 ; base écrite directement\)", line)
        for line in lines
    ), lines
    assert any(re.fullmatch(rf"\s*en CPU \(client\)\s+sqlite\*\s+{SIZE} : \s*{NUMBER}", line) for line in lines), lines
    assert len(lines) == 10, lines
    assert list(tmp_path.iterdir()) == []  # files and bases deleted


def test_postgresql_prints_every_ratio_and_drops_its_schema(tmp_path: Path) -> None:
    url = postgres_url_or_skip()
    result, pid = _run(tmp_path, "--engines", "postgresql", "--pg-url", url, "--files", "0", "--store-sizes", "--results-size", "0")
    assert result.returncode == 0, result.stderr
    lines = _ratio_lines(result.stdout)
    _assert_base_lines(lines, "postgresql")
    assert len(lines) == 4, lines
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            left = conn.exec_driver_sql(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE %(p)s", {"p": f"cqpkit_scale_{pid}_%"}
            ).fetchall()
    finally:
        engine.dispose()
    assert left == []


def test_usage_error_exits_2(tmp_path: Path) -> None:
    result, _ = _run(tmp_path, "--repeat", "0")
    assert result.returncode == 2
    assert "répétitions au moins 1" in result.stderr
    assert list(tmp_path.iterdir()) == []
