"""The per-dossier pipeline: time per stage in one process, and whole processes on a directory.

Generates N fictional dossiers (the generator of ``bench/decide_batch.py``) as files in a temporary
directory, then:

1. **Stages, in one process** (on the first ``--stages`` files, CPU time): reading the bytes (plainly, then
   through cqpkit's hardened reader), ``tomli.loads`` (the floor: the parser cqpkit uses, compiled with mypyc
   as installed from the package registry), ``tomllib.loads`` (the same parser in pure Python, for scale), structuring alone
   (the generated fast path, and cattrs' detailed path it stands in for), ``loads_dossier`` with the registry
   (read text + parse + structuring + cross-checks against the référentiel), ``registry.check``,
   ``registry.decide`` — µs per dossier.
2. **Whole processes** on the directory: ``cqpkit decide DIR`` and ``cqpkit check DIR`` (one summary
   line, output to /dev/null), each as a ratio to a process that reads and parses the same files with
   tomli (``python -c "import tomli …"``). Goal (issue 16): ≤ 1.5 on 10 000 files. Times are CPU times (user + system), steadier than wall
   times on a shared machine (the processes are single-threaded). Each command runs
   ``--runs`` times, alternating with the baseline; the medians are compared. Peak RSS of each process too.

    .venv/bin/python bench/pipeline.py                       # 10 000 files, 5 000 for the stages
    .venv/bin/python bench/pipeline.py --files 2000 --runs 1
    .venv/bin/python bench/pipeline.py --instructions 300    # instructions (valgrind), whatever the load
    .venv/bin/python bench/pipeline.py --jobs 2              # also decide and check with 2 worker processes

3. **Instructions** (``--instructions N``, needs valgrind): each of the three processes under cachegrind, on one file
   and on N files; the difference gives the instructions per dossier, the one-file run the start-up. Counts do not
   depend on the machine's load (CPU times on a shared machine do, by ± 15 % and more); the ratios are given per
   dossier and for a whole process on ``--files`` files (start-up + files × per dossier).

4. **Worker processes** (``--jobs N``): ``decide`` and ``check`` with ``-j N`` too. Their CPU time and instructions
   count every process (the per-core cost: the goal is per dossier); the wall time, beside, is what ``-j`` buys on
   an idle machine (on a loaded one, what the other processes leave).

Absolute times depend on the machine and its load (printed); compare the ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
AS_OF = "2022-01-01"
BASELINE = (
    "import os, sys, tomli\n"
    "d = sys.argv[1]\n"
    "for name in sorted(os.listdir(d)):\n"
    "    if name.endswith('.toml'):\n"
    "        with open(os.path.join(d, name), 'rb') as f:\n"
    "            tomli.loads(f.read().decode())\n"
)


def write_files(directory: Path, n: int) -> list[Path]:
    sys.path.insert(0, HERE)
    from decide_batch import dossier_text

    rng = random.Random(20261201)
    paths = []
    for i in range(n):
        path = directory / f"dossier-{i:07d}.toml"
        path.write_text(dossier_text(i, rng), encoding="utf-8")
        paths.append(path)
    return paths


def stages(paths: list[Path]) -> list[tuple[str, float]]:
    import cqpkit
    import tomli
    from cqpkit.formats.converter import converter
    from cqpkit.formats.dossiers import loads_dossier
    from cqpkit.formats.fastpath import fast_structurer
    from cqpkit.formats.tomlfile import read_file
    from cqpkit.model import Dossier

    registry = cqpkit.load_registry()
    day = dt.date.fromisoformat(AS_OF)
    warm = loads_dossier(paths[0].read_bytes(), str(paths[0]), registry)
    registry.check(warm, day)
    registry.decide(warm, day)
    n = len(paths)
    out = []

    def timed(label: str, run: object) -> object:
        gc.collect()
        start = time.process_time()  # CPU time: steadier than wall time on a loaded machine
        result = run()  # type: ignore[operator]
        out.append((label, (time.process_time() - start) / n * 1e6))
        return result

    data = timed("lecture des octets", lambda: [p.read_bytes() for p in paths])
    timed("lecture durcie (read_file)", lambda: [read_file(p) for p in paths])
    tables = timed("tomli.loads", lambda: [tomli.loads(b.decode()) for b in data])  # type: ignore[union-attr]
    # The same parser in pure Python (the standard library's copy of tomli): tomli as installed is compiled (mypyc),
    # cqpkit is not; this line says how far the floor is from what the same code costs interpreted.
    import tomllib

    timed("tomllib.loads (Python pur)", lambda: [tomllib.loads(b.decode()) for b in data])  # type: ignore[union-attr]
    # Structuring alone: the generated fast path (formats/fastpath.py), and cattrs' detailed path it stands in for.
    fast = fast_structurer(converter(), Dossier)
    timed("structuration rapide", lambda: [fast(t) for t in tables])  # type: ignore[misc, union-attr]
    timed("structuration cattrs", lambda: [converter().structure(t, Dossier) for t in tables])  # type: ignore[union-attr]
    dossiers = timed("loads_dossier (registre)", lambda: [loads_dossier(b, "x.toml", registry) for b in data])  # type: ignore[union-attr]
    timed("check (registre)", lambda: [registry.check(d, day) for d in dossiers])  # type: ignore[union-attr]
    timed("decide (registre)", lambda: [registry.decide(d, day) for d in dossiers])  # type: ignore[union-attr]
    return out


def run_rss(cmd: list[str], env: dict[str, str]) -> tuple[float, int, int, float]:
    """CPU time (user + system, its worker processes included), exit code, peak RSS (kB, of the largest process) and
    wall time of one process (via wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} : code {proc.returncode}")
    return cpu, proc.returncode, usage.ru_maxrss, wall


def instructions(cmd: list[str], env: dict[str, str]) -> tuple[int, int, int]:
    """Instructions executed by one process, and by it with the processes it forks (``-j``): valgrind's cachegrind,
    no cache simulation. A forked child's count starts from its parent's at the fork (the same in a run on one
    file and on N: the workers are forked after the first file), so the difference of two runs is right for
    the whole, and the start-up is the parent's own."""
    out = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", *cmd],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True, check=False,
    ).stderr
    counts = {}
    for line in out.splitlines():
        if "I" in line and "refs:" in line:  # ==PID== I   refs:      1,234
            counts[line.split("==")[1]] = int(line.rsplit(":", 1)[1].replace(",", "").strip())
    first = next((line.split("==")[1] for line in out.splitlines() if line.startswith("==")), None)
    if counts and first in counts:
        return counts[first], sum(counts.values()), len(counts) - 1  # the parent's, all, the number of workers
    sys.exit(f"valgrind : pas de compte d'instructions pour {' '.join(cmd)}\n{out[-2000:]}")


def count_instructions(directory: Path, tmp: str, n: int, total: int, commands: dict[str, list[str]], env: dict[str, str]) -> None:
    """Start-up and per-dossier instructions of each command (one file, then ``n`` files), and the ratios."""
    one = Path(tmp) / "un"
    one.mkdir()
    first = sorted(directory.glob("*.toml"))[0]
    (one / first.name).write_bytes(first.read_bytes())
    some = Path(tmp) / "quelques"
    some.mkdir()
    for path in sorted(directory.glob("*.toml"))[:n]:
        (some / path.name).write_bytes(path.read_bytes())
    counts = {}
    critical = {}
    for label, cmd in commands.items():
        start, start_all, workers = instructions(_on(cmd, directory, one), env)
        parent, many, _ = instructions(_on(cmd, directory, some), env)
        each = (many - start_all) / (n - 1)
        counts[label] = (start - each, each)  # the start-up alone (the parent's), without its one file
        if workers:  # on free cores the run lasts as its busiest process: the parent, or the workers' share of the rest
            parent_each = (parent - start) / (n - 1)
            critical[label] = (start, max(parent_each, (each - parent_each) / workers))
    base_start, base_each = counts["tomli (référence)"]
    print(f"\nInstructions (valgrind), un fichier puis {n} fichiers :")
    for label, (start, each) in counts.items():
        whole = (start + total * each) / (base_start + total * base_each)
        print(
            f"  {label:<25} démarrage {start / 1e6:7.0f} M  par dossier {each / 1e3:6.0f} k  ratio par dossier "
            f"{each / base_each:5.2f}  ratio sur {total} fichiers {whole:5.2f}"
        )
    for label, (start, each) in critical.items():
        whole = (start + total * each) / (base_start + total * base_each)
        print(
            f"  {label:<25} chemin critique (cœurs libres) : par dossier {each / 1e3:6.0f} k, ratio sur {total} "
            f"fichiers {whole:5.2f} (ce que donnerait le temps réel sur une machine libre)"
        )


def _on(cmd: list[str], directory: Path, other: Path) -> list[str]:
    return [str(other) if part == str(directory) else part for part in cmd]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--stages", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--instructions", type=int, metavar="N", help="compter les instructions (valgrind) sur 1 et N fichiers")
    parser.add_argument("--jobs", type=int, metavar="N", help="mesurer aussi decide et check avec -j N (processus de travail)")
    parser.add_argument("--generate", metavar="DIR", help=argparse.SUPPRESS)  # (the child processes of main)
    parser.add_argument("--stages-of", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        write_files(Path(args.generate), args.files)
        return
    if args.stages_of:
        paths = sorted(Path(args.stages_of).glob("*.toml"))[: args.stages]
        print(f"\nÉtapes, en un processus, sur {len(paths)} dossiers (µs par dossier) :")
        for label, us in stages(paths):
            print(f"  {label:<28} {us:8.0f}")
        return
    # This process imports neither cqpkit nor the dossiers (a child's peak RSS counts its parent's pages
    # before exec): the generation and the stages run in children.
    print(f"charge de la machine (1, 5, 15 min) : {', '.join(f'{x:.2f}' for x in os.getloadavg())} ; {os.cpu_count()} cœurs")
    py, me = sys.executable, os.path.abspath(__file__)
    with tempfile.TemporaryDirectory(prefix="cqpkit-pipeline-") as tmp:
        directory = Path(tmp) / "dossiers"
        directory.mkdir()
        subprocess.run([py, me, "--generate", str(directory), "--files", str(args.files)], check=True)
        commands = {
            "tomli (référence)": [py, "-c", BASELINE, str(directory)],
            "cqpkit decide DIR": [py, "-m", "cqpkit", "decide", str(directory), "--as-of", AS_OF, "--quiet"],
            "cqpkit check DIR": [py, "-m", "cqpkit", "check", str(directory), "--as-of", AS_OF, "--quiet"],
        }
        if args.jobs:
            for name in ("decide", "check"):
                commands[f"cqpkit {name} DIR -j {args.jobs}"] = [*commands[f"cqpkit {name} DIR"], "-j", str(args.jobs)]
        # As installed: byte code written (to a temporary prefix) and read back, the référentiels' validation cache warm.
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "CQPKIT_NO_CACHE")}
        env |= {"PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache"), "CQPKIT_CACHE_DIR": str(Path(tmp) / "cache")}
        for cmd in commands.values():  # warm: byte code, the référentiel cache, the page cache
            run_rss(cmd, env)
        if args.instructions:
            count_instructions(directory, tmp, args.instructions, args.files, commands, env)
            return
        times: dict[str, list[float]] = {k: [] for k in commands}
        walls: dict[str, list[float]] = {k: [] for k in commands}
        rss: dict[str, int] = {}
        for _ in range(args.runs):
            for label, cmd in commands.items():
                cpu, _, peak, wall = run_rss(cmd, env)
                times[label].append(cpu)
                walls[label].append(wall)
                rss[label] = max(rss.get(label, 0), peak)
        base = statistics.median(times["tomli (référence)"])
        base_wall = statistics.median(walls["tomli (référence)"])
        print(f"\nProcessus entiers sur {args.files} fichiers (temps CPU, workers compris ; médiane de {args.runs}) :")
        for label in commands:
            t, w = statistics.median(times[label]), statistics.median(walls[label])
            print(
                f"  {label:<25} {t:7.2f} s  {t / args.files * 1e6:6.0f} µs/dossier  ratio {t / base:5.2f}"
                f"  (temps réel {w:6.2f} s, ratio {w / base_wall:5.2f})  RSS max {rss[label] / 1024:6.0f} Mo"
            )
        print(f"objectif : ratio ≤ 1,5 pour decide et check (charge à la fin : {os.getloadavg()[0]:.2f})")
        sys.stdout.flush()
        subprocess.run([py, me, "--stages-of", str(directory), "--stages", str(args.stages)], check=True)


if __name__ == "__main__":
    main()
