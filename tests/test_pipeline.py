"""Dossier commands on directories (issue 16, point 3): a directory streams, in a sorted order, with the outputs
of the same files named one by one, and memory that does not grow with the number of files."""

from __future__ import annotations

import gc
import json
import random
import shutil
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN = ROOT / "examples" / "campaign" / "dossiers"
AS_OF = "2022-01-01"


def _generated(directory: Path, n: int, start: int = 0) -> list[Path]:
    """``n`` fictional dossiers of the bench's generator (CQP Spécialiste prestations), as files."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from decide_batch import dossier_text
    finally:
        sys.path.remove(str(ROOT / "bench"))
    rng = random.Random(20261207)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        path = directory / f"dossier-{i:05d}.toml"
        path.write_text(dossier_text(i, rng), encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture
def lot(tmp_path: Path) -> Path:
    """A directory: the campaign's dossiers, a few generated ones in a sub-directory, an invalid file, files to skip."""
    root = tmp_path / "lot"
    shutil.copytree(CAMPAIGN, root)
    _generated(root / "sub", 5)
    (root / "zz-invalide.toml").write_text('[dossier]\nid = "X"\ncertification = 3\n', encoding="utf-8")
    (root / "notes.txt").write_text("pas un dossier", encoding="utf-8")
    (root / ".cache").mkdir()
    (root / ".cache" / "cache.toml").write_text("x = 1\n", encoding="utf-8")
    (root / ".cache.toml").write_text("x = 1\n", encoding="utf-8")
    return root


def _files_in_order(root: Path) -> list[str]:
    """The order the walk is documented to take: entries sorted by name, sub-directories where they sort."""
    out: list[str] = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            out.extend(_files_in_order(entry))
        elif entry.name.endswith(".toml"):
            out.append(str(entry))
    return out


class TestWalk:
    def test_sorted_recursive_skips_hidden_and_other_files(self, lot):
        """A directory stands for its *.toml files, sorted, sub-directories included, hidden names and other files left out."""
        from cqpkit.cli.dossier_run import dossier_paths

        paths = list(dossier_paths([str(lot)]))
        assert paths == _files_in_order(lot)
        assert len(paths) == len(list(CAMPAIGN.glob("*.toml"))) + 5 + 1
        assert paths.index(str(lot / "sub" / "dossier-00000.toml")) > paths.index(str(lot / "oemm-2019-0602.toml"))
        assert not any(".cache" in p or p.endswith(".txt") for p in paths)

    def test_files_and_directories_mixed(self, lot, tmp_path):
        """Files keep their place on the command line; a directory expands where it stands."""
        from cqpkit.cli.dossier_run import dossier_paths

        single = str(lot / "i410-2018-0101.toml")
        assert list(dossier_paths([single, str(lot / "sub"), single])) == [single, *_files_in_order(lot / "sub"), single]


class TestSameAsFileByFile:
    """On a directory with --verbose, each command prints what it prints on the same files named one by one."""

    @pytest.mark.parametrize("command", ["decide", "check", "funding", "plan", "explain"])
    def test_text(self, lot, command):
        files = _files_in_order(lot)
        by_dir = run_cli(command, str(lot), "--verbose", "--as-of", AS_OF)
        by_file = run_cli(command, *files, "--as-of", AS_OF)
        assert by_dir.returncode == by_file.returncode == 1  # the invalid file
        assert by_dir.stdout == by_file.stdout
        assert by_dir.stderr == by_file.stderr
        assert "zz-invalide.toml" in by_dir.stderr

    @pytest.mark.parametrize("command", ["decide", "check", "funding", "plan", "explain"])
    def test_json(self, lot, command):
        files = _files_in_order(lot)
        by_dir = run_cli(command, str(lot), "--json", "--as-of", AS_OF)
        by_file = run_cli(command, *files, "--json", "--as-of", AS_OF)
        assert by_dir.returncode == by_file.returncode == 1
        assert by_dir.stdout == by_file.stdout
        data = json.loads(by_dir.stdout)
        assert data["date"] == AS_OF and data["erreurs"] and data["erreurs"][0]["fichier"].endswith("zz-invalide.toml")

    def test_streamed_json_is_print_json(self, capsys):
        """The item-by-item writer gives the bytes of one json.dumps, empty lists, nested values and escapes included."""
        from cqpkit.cli.common import print_json
        from cqpkit.cli.dossier_run import stream_json

        value = {
            "date": "2022-01-01",
            "vide": [],
            "liste": [{"a": [1, {"b": "é\x85\u202e"}], "c": {}}, "x", None, 2.5],
            "table": {"k": [], "l": {"m": [1, 2]}},
            "fin": {"n": 1},
        }
        print_json(value)
        expected = capsys.readouterr().out
        stream_json({**value, "vide": iter([]), "liste": iter(value["liste"]), "fin": lambda: value["fin"]})
        assert capsys.readouterr().out == expected


    def test_print_block_writes_what_print_writes_line_by_line(self):
        """`check` writes a dossier's lines in one write (cli.output.print_block): the same text, escapes included."""
        import io

        from cqpkit.cli.output import SafeStream, print_block

        lines = ["BENCH-1 (x 2014) — 2 constats", "  erreur        code — a\nb", "\x1b[31mrouge\u202e", "\n", "", "fin"]
        by_line, by_block = io.StringIO(), io.StringIO()
        for line in lines:
            print(line, file=SafeStream(by_line))
        print_block(lines, file=SafeStream(by_block))
        assert by_block.getvalue() == by_line.getvalue()
        assert "\\x1b" in by_block.getvalue() and "a\\nb" in by_block.getvalue()
        plain = io.StringIO()
        print_block(lines, file=plain)  # not a SafeStream: print itself
        assert plain.getvalue() == "".join(line + "\n" for line in lines)


class TestSummary:
    def test_decide_directory_prints_the_summary(self, lot):
        """On a directory, `decide` prints one summary line (plus the non-evaluated); the errors go to stderr."""
        result = run_cli("decide", str(lot), "--as-of", AS_OF)
        lines = result.stdout.splitlines()
        n = len(_files_in_order(lot)) - 1
        assert result.returncode == 1
        assert lines[0].startswith(f"{n} dossiers au 01/01/2022 (--as-of) : ")
        assert len(lines) == 1
        assert "zz-invalide.toml" in result.stderr

    def test_check_directory_prints_the_dossiers_with_errors(self, lot):
        by_dir = run_cli("check", str(lot), "--as-of", AS_OF).stdout.splitlines()
        verbose = run_cli("check", str(lot), "--as-of", AS_OF, "--verbose").stdout.splitlines()
        assert by_dir[-1] == verbose[-1] and "dossiers vérifiés au 01/01/2022 (--as-of)" in by_dir[-1]
        heads = [line for line in by_dir if not line.startswith(" ")][:-1]
        assert all("constat" in h for h in heads)
        assert len(by_dir) < len(verbose)

    def test_check_with_nothing_checkable_prints_only_the_errors(self, tmp_path):
        """Every file invalid: the errors on stderr and nothing on stdout (no « 0 dossier vérifié »), exit 1; the JSON
        keeps its keys (``resume`` counts the valid dossiers: none) with every error under ``erreurs``."""
        bad = tmp_path / "lot"
        bad.mkdir()
        (bad / "a.toml").write_text('[dossier]\nid = "X"\ncertification = 3\n', encoding="utf-8")
        (bad / "b.toml").write_text("[dossier\n", encoding="utf-8")
        for target in (str(bad), str(bad / "a.toml")):
            result = run_cli("check", target, "--as-of", AS_OF)
            assert (result.returncode, result.stdout) == (1, ""), result.stdout
            assert "a.toml:3: dossier.certification: type incorrect" in result.stderr
            assert ("b.toml" in result.stderr) == (target == str(bad))
        session = ROOT / "examples" / "session-oemm-jury-2014-01.toml"
        with_session = run_cli("check", str(bad), "--session", str(session), "--as-of", AS_OF)
        assert with_session.returncode == 1
        assert with_session.stdout.startswith(f"Session {session} — ") and "vérifié" not in with_session.stdout
        data = json.loads(run_cli("check", str(bad), "--json", "--as-of", AS_OF).stdout)
        assert data["dossiers"] == [] and data["resume"] == {"dossiers": 0, "avec_erreurs": 0, "avec_avertissements": 0}
        assert {Path(e["fichier"]).name for e in data["erreurs"]} == {"a.toml", "b.toml"}
        # one valid dossier beside them: it is checked, and the summary counts it
        shutil.copy(CAMPAIGN / "i410-2018-0101.toml", bad / "c.toml")
        mixed = run_cli("check", str(bad), "--as-of", AS_OF)
        assert mixed.returncode == 1 and mixed.stdout.splitlines()[-1].startswith("1 dossier vérifié au 01/01/2022 (--as-of) : ")

    def test_funding_directory_prints_the_totals(self, lot):
        by_dir = run_cli("funding", str(lot), "--as-of", AS_OF).stdout.splitlines()
        verbose = run_cli("funding", str(lot), "--as-of", AS_OF, "--verbose").stdout.splitlines()
        assert by_dir == verbose[-1:]
        assert by_dir[0].startswith("Totaux au 01/01/2022 (--as-of) : ")

    def test_no_progress_when_stderr_is_not_a_terminal(self, lot):
        """The counter is for a terminal only: captured stderr holds the file errors and nothing else."""
        result = run_cli("decide", str(lot), "--as-of", AS_OF)
        assert "\r" not in result.stderr and "fichiers lus" not in result.stderr

    def test_empty_directory(self, tmp_path):
        result = run_cli("decide", str(tmp_path), "--as-of", AS_OF)
        assert (result.returncode, result.stdout) == (0, "0 dossier au 01/01/2022 (--as-of)\n")


def _peak(run: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def _cli(*args: str) -> Callable[[], object]:
    def run() -> object:
        result = run_cli(*args, "--as-of", AS_OF, "--quiet")
        assert result.returncode in (0, 1), result.stderr
        assert len(result.stdout.splitlines()) == 1  # the summary only: the captured output does not grow either
        return result

    return run


def _engine(command: str, directory: Path) -> Callable[[], object]:
    """The runner of the CLI and the engine, each result dropped (``check`` prints every dossier with errors, which a
    captured output would keep: this is what it does before printing)."""

    def run() -> object:
        from cqpkit.cli import build_parser
        from cqpkit.cli.dossier_run import DossierRun

        dossier_run = DossierRun(build_parser().parse_args([command, str(directory), "--as-of", AS_OF, "--quiet"]))
        compute = getattr(dossier_run.registry, command)
        n = sum(1 for _ in dossier_run.each(lambda d: compute(d, dossier_run.day)))
        assert n > 0 and dossier_run.code == 0
        return n

    return run


#: The two directory sizes the memory is compared at, and the growth allowed per file added.
SMALL, BIG = 200, 2_000
PER_FILE = 1_000


def two_directories(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two directories of generated dossiers, the second ten times the first (its first files the same)."""
    small, big = tmp_path_factory.mktemp("small"), tmp_path_factory.mktemp("big")
    for p in _generated(big, BIG)[:SMALL]:
        (small / p.name).write_bytes(p.read_bytes())
    return small, big


@pytest.fixture(scope="module")
def two_sizes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """:func:`two_directories`, for the module."""
    return two_directories(tmp_path_factory)


class TestBoundedMemory:
    @pytest.mark.parametrize("how", ["decide", "check-engine"])
    def test_memory_does_not_grow_with_the_number_of_files(self, two_sizes, how):
        """Ten times the files, about the same peak (Python allocations, in process): the dossiers are not kept.

        From 200 to 2 000 files the peak may grow by 1 KB per file added (a file's path and name: the walk sorts
        each directory's entries; measured: about 400 B for decide, 130 B for check). A dossier kept with its
        findings takes about 5 KB (measured in one run, 200 vs 2 000 files: 9 MB more), five times the bound.
        """
        small, big = two_sizes
        runs = {d: (_engine("check", d) if how == "check-engine" else _cli(how, str(d))) for d in (small, big)}
        runs[small]()  # warm: référentiels read and cached, modules imported
        peak_small = _peak(runs[small])
        peak_big = _peak(runs[big])
        assert peak_big - peak_small < PER_FILE * (BIG - SMALL), (peak_small, peak_big)
