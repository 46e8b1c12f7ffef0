"""``cqpkit import``'s peak memory and throughput at N files (issue 16, point 2: flat in N, under 250 MB at 100 000).

For each size N, N fictional dossiers (``decide_batch.py``'s generator) are written as TOML files in a
temporary directory, then imported into a new base by ``cqpkit import --quiet DIR`` run in a new process
(the real command: its two passes, its worker processes), once per mode:

- *flux*: the streaming import (``cqpkit.store.streaming``; a lot of more than ``SMALL`` files);
- *entier*: the whole lot in memory, as before issue 16 (``streaming.SMALL`` raised above N), for comparison.

Each run reports the peak RSS of the importing process (*principal*), the largest peak of its worker
processes (*travailleur*, each one forked from the main process: the pages they share with it are
counted in both), the peak of the whole tree sampled every 20 ms (*arbre*: the sum of the RSS of the
process and its workers, as ``bench/scale.py`` measures it; and its PSS, shared pages counted once),
the wall time, and the CPU seconds of all of them: files per second of wall time and files per CPU
second (the throughput per core used). Then the ratios of the peak RSS between sizes (goal: flat,
i.e. about 1). The files are deleted at the end (``--keep DIR``: written there once, kept and reused).

    .venv/bin/python bench/import_memory.py                          # 10 000 and 100 000, SQLite, both modes
    .venv/bin/python bench/import_memory.py --sizes 10000 --modes flux
    .venv/bin/python bench/import_memory.py --db postgresql://postgres@127.0.0.1:5432/test   # a fresh schema each run
    nice .venv/bin/python bench/import_memory.py --sizes 100000 --modes flux --keep /tmp/lots  # files kept for the next run
    .venv/bin/python bench/import_memory.py --index 100000 1000000   # the cross-file index alone, fed fictional files
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from decide_batch import dossier_text
from scale import _tree_rss_kb

#: The child process: one ``cqpkit import`` measured from inside (getrusage of itself and of its workers).
_CHILD = """
import json, os, resource, sys, time
from cqpkit.store import streaming
mode, db, files = sys.argv[1:4]
if mode == "entier":
    streaming.SMALL = 10**12
from cqpkit.cli import main
start = time.perf_counter()
code = main(["import", "--quiet", "--db", db, "--operateur", "bench", files])
wall = time.perf_counter() - start
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "wall": wall, "rss": me.ru_maxrss / 1024, "workers_rss": kids.ru_maxrss / 1024,
                  "cpu": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime}))
"""


#: ``--index N``: the import's cross-file index alone (cqpkit.store.importindex) fed N files as the reading pass feeds
#: it (paths, then per chunk of 100 files: dossier ids, candidates' digests, a person's facts every 50 files), without
#: reading files: the memory of that part at sizes an import would take hours to reach on this machine.
_INDEX_CHILD = """
import json, os, resource, sys, time
from types import SimpleNamespace
from cqpkit.store.importindex import ImportIndex
n = int(sys.argv[1])
start, cpu = time.perf_counter(), time.process_time()
with ImportIndex() as index:
    paths = index.collect(f"/nonexistent/lot/sous-{i // 10000:04d}/dossier-{i:08d}.toml" for i in range(n))
    done = 0
    for chunk in paths.chunks(100):
        numbers = range(done, done + len(chunk))
        firsts = index.first_dossiers([(f"D-{i:08d}", i) for i in numbers])
        assert all(firsts[f"D-{i:08d}"] == i for i in numbers)
        assert not index.candidate_conflicts([(f"C-{i:08d}", i.to_bytes(16, "little"), i) for i in numbers])
        copies = [(i, SimpleNamespace(personne=f"T-{i % 997}", dossier=f"D-{i:08d}", index=0, profil={"fonction": "Manager"}))
                  for i in numbers if i % 50 == 0]
        assert not index.fact_conflicts(copies)
        done += len(chunk)
    assert done == n
print(json.dumps({"rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "wall": time.perf_counter() - start,
                  "cpu": time.process_time() - cpu}))
"""


def index_only(sizes: list[int]) -> None:
    """The index alone at each size, each in a new process: its peak RSS (goal: flat)."""
    print(f"index seul (cqpkit.store.importindex), charge : {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    first = None
    for n in sizes:
        out = subprocess.run([sys.executable, "-c", _INDEX_CHILD, str(n)], capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise SystemExit(f"échec : {out.stderr[-2000:]}")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        first = first or r["rss"]
        print(
            f"{n:>9} fichiers : RSS {r['rss']:.0f} Mo ({r['rss'] / first:.2f} × le premier), {r['cpu'] / n * 1e6:.0f} µs CPU par fichier, "
            f"charge {os.getloadavg()[0]:.2f}",
            flush=True,
        )


def _pg_schema(url: str) -> tuple[str, object]:
    import sqlalchemy as sa

    name = f"bench_import_{os.getpid()}_{secrets.token_hex(3)}"
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    sep = "&" if "?" in url else "?"

    def drop() -> None:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')
        engine.dispose()

    return f"{url}{sep}options=-csearch_path%3D{name}", drop


def run(mode: str, files: str, directory: str, pg: str | None) -> dict:
    drop = None
    if pg:
        db, drop = _pg_schema(pg)
    else:
        db = os.path.join(directory, f"base-{mode}-{secrets.token_hex(3)}.db")
    try:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen([sys.executable, "-c", _CHILD, mode, db, files], stdout=out, stderr=err)
            peak, done = [0, 0], threading.Event()

            def poll() -> None:  # the tree's RSS (and PSS), every 20 ms
                while not done.is_set():
                    try:
                        rss, pss = _tree_rss_kb(proc.pid)
                    except Exception:  # the process ending between two reads of /proc
                        rss = pss = 0
                    peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
                    done.wait(0.02)

            sampler = threading.Thread(target=poll, daemon=True)
            sampler.start()
            code = proc.wait()
            done.set()
            sampler.join()
            out.seek(0)
            err.seek(0)
            if code != 0:
                raise SystemExit(f"échec de l'import ({mode}) : {err.read().decode('utf-8', 'replace')[-2000:]}")
            result = json.loads(out.read().decode("utf-8").strip().splitlines()[-1])
        return {**result, "tree": peak[0] / 1024, "tree_pss": peak[1] / 1024}
    finally:
        if drop is not None:
            drop()
        elif os.path.exists(db):
            os.remove(db)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--modes", nargs="+", choices=["flux", "entier"], default=["flux", "entier"])
    ap.add_argument(
        "--db", metavar="URL", help="une base PostgreSQL (un schéma neuf par import) ; défaut : un fichier SQLite neuf"
    )
    ap.add_argument("--dir", default=None, help="où écrire les fichiers (défaut : un répertoire temporaire)")
    ap.add_argument(
        "--keep", metavar="DIR", help="écrire les fichiers dans DIR/dossiers-N une fois, les garder et les réutiliser"
    )
    ap.add_argument(
        "--index", type=int, nargs="+", metavar="N", help="l'index seul, nourri de N fichiers fictifs (pas d'import)"
    )
    args = ap.parse_args()
    if args.index:
        index_only(args.index)
        return
    directory = tempfile.mkdtemp(prefix="cqpkit-import-memory-", dir=args.dir)
    print(
        f"cœurs : {len(os.sched_getaffinity(0))}, charge : {' '.join(f'{x:.2f}' for x in os.getloadavg())}, base : {'PostgreSQL' if args.db else 'SQLite'}"
    )
    print(
        f"{'mode':>6} {'fichiers':>9} {'RSS principal':>14} {'RSS travailleur':>16} {'RSS arbre':>10} {'PSS arbre':>10} "
        f"{'durée':>8} {'fichiers/s':>10} {'fichiers/s CPU':>15} {'charge':>7}"
    )
    peaks: dict[str, dict[int, tuple[float, float]]] = {m: {} for m in args.modes}
    try:
        for n in args.sizes:
            files = os.path.join(args.keep or directory, f"dossiers-{n}")
            if not (args.keep and os.path.isdir(files)):
                os.makedirs(files)
                rng = random.Random(n)
                for i in range(n):
                    with open(os.path.join(files, f"bench-{i:07d}.toml"), "w", encoding="utf-8") as fh:
                        fh.write(dossier_text(i, rng))
            for mode in args.modes:
                r = run(mode, files, directory, args.db)
                peaks[mode][n] = (r["rss"], r["tree"])
                print(
                    f"{mode:>6} {n:>9} {r['rss']:>11.0f} Mo {r['workers_rss']:>13.0f} Mo {r['tree']:>7.0f} Mo {r['tree_pss']:>7.0f} Mo "
                    f"{r['wall']:>7.1f}s {n / r['wall']:>10.0f} {n / r['cpu']:>15.0f} {os.getloadavg()[0]:>7.2f}",
                    flush=True,
                )
            if not args.keep:
                shutil.rmtree(files)
        for mode, by_size in peaks.items():
            sizes = sorted(by_size)
            for a, b in itertools.pairwise(sizes):
                main_ratio, tree_ratio = by_size[b][0] / by_size[a][0], by_size[b][1] / by_size[a][1]
                print(
                    f"{mode} : RSS à {b} / à {a} : principal {main_ratio:.2f}, arbre {tree_ratio:.2f} (objectif flux : ≈ 1)"
                )
        print(f"charge à la fin : {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
