"""The operator's commands at scale: reports, import memory and throughput, per-dossier pipeline (issue 16).

(Over 500 lines: one script prints every figure issue 16 asks for, measured in one run on the same machine
load; its phases share the child-process runner, the generator and the temporary directory.)

Every command is run as a user runs it — ``python -m cqpkit …`` in a child process — so the script
measures the CURRENT code whatever its internals: today's figures (the « before ») and those after
the work of issue 16 (stored results, streaming import, streaming ``decide``/``check``).

For each size (``--sizes``, default 10 000 and 100 000) it writes that many fictional dossiers
(the generator of ``decide_batch.py``, used by ``store.py``) as TOML files in a temporary directory,
then on each engine (``--engines``: SQLite, a new file; PostgreSQL, a schema of its own on
``--pg-url``, dropped after):

1. ``cqpkit import DIR`` into an empty base: wall time, the peak resident memory (*RSS*) of the
   process tree — sampled from ``/proc`` every 20 ms, every process of the tree summed, so that
   parsing workers count — and the peak of the main process alone (``wait4``'s ``ru_maxrss``), the
   peak of the tree's PSS (the same pages, a page shared by forked processes counted once, split among
   them: the memory the import really holds), the CPU time of the tree (user + system, its waited-for
   workers included; the PostgreSQL server's own time is not counted), the cores used (CPU / wall) and the throughput per core used
   (dossiers per CPU second). Goal: peak RSS flat in the number of files, under 250 MB.
2. ``cqpkit db refresh`` when ``cqpkit db --help`` lists it (stored results): timed, for
   information; skipped otherwise.
3. ``cqpkit report deadlines --within 30`` and ``cqpkit report campaign``, alternately
   ``--repeat`` times (default 1), both ``--as-of`` the same date: the ratio of their best wall
   times. Goal: campaign / deadlines ≤ 3 at every size.

Then, on ``--files`` generated files (default 10 000), ``cqpkit decide`` and ``cqpkit check`` as
whole processes, each against a process that reads and parses the same files with tomli (the
parser cqpkit uses): alternately, ``--file-repeat`` times (default 3), best of each; goal ≤ 1.5.
The commands are given the directory when they take one (probed on a one-file directory), else
every file by name (relative, from the directory: 10 000 names fit the command line).

Then the cost of the stored results (``--results-size`` files, default 2 000; 0: skipped): the CPU of
``Store.import_files`` in this process with the results computed and with their interval search answering
nothing, alternately, best of each (goal ≤ 1.5), and the engine calls per dossier the search makes.

Last, the store's write transaction against raw inserts of the same rows (SQLite), at each of
``--store-sizes``: :func:`store.bench_import`, in this process (goal ≤ 2).

The machine is shared: no absolute time is judged; the script prints ratios measured in one run,
and the load average at its start and end. It asserts nothing: it exits 0, 1 with the message of a cqpkit command that
failed, 2 on a usage error.

    .venv/bin/python bench/scale.py                                   # 10 000 and 100 000, both engines
    .venv/bin/python bench/scale.py --sizes 10000 --engines sqlite --store-sizes 10000
    .venv/bin/python bench/scale.py --sizes 300000 1000000 --files 0 --store-sizes   # the big bases only
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from decide_batch import dossier_text  # noqa: E402  (the generator of fictional dossiers)

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
TOMLI_BASELINE = (
    "import os, sys, tomli\n"
    "d = sys.argv[1]\n"
    "for name in sorted(os.listdir(d)):\n"
    "    with open(os.path.join(d, name), 'rb') as fh:\n"
    "        tomli.loads(fh.read().decode('utf-8'))\n"
)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min ; {os.cpu_count()} cœurs)"


def cqpkit_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "cqpkit", *args]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("CQPKIT_OPERATEUR", "bench")
    return env


def write_dossiers(directory: str, n: int, seed: int) -> None:
    """``n`` fictional dossiers as TOML files, written one by one (never all in memory)."""
    os.makedirs(directory)
    rng = random.Random(seed)
    for i in range(n):
        with open(os.path.join(directory, f"bench-{i:07d}.toml"), "w", encoding="utf-8") as fh:
            fh.write(dossier_text(i, rng))


# --- child processes ---------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    returncode: int
    cpu: float = 0.0  # user + system of the process and its waited-for children
    maxrss_kb: int = 0  # the largest single process (wait4)
    tree_peak_kb: int = 0  # the largest sum of the tree's resident memory, sampled
    tree_pss_kb: int = 0  # the largest sum of the tree's proportional set size (shared pages split among sharers), sampled
    stderr: str = ""


def _pss_kb(pid: int) -> int:
    """The proportional set size of a process (kB; 0 when unreadable): its private pages, and its share of the shared ones."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree_rss_kb(root: int) -> tuple[int, int]:
    """The resident memory of ``root`` and all its descendants (kB), read from ``/proc``, and their PSS (kB)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
        rss[int(entry)] = int(fields[21]) * PAGE_KB
    total, pss, stack = 0, 0, [root]
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        pss += _pss_kb(pid)
        stack.extend(children.get(pid, []))
    return total, pss


def run_child(cmd: list[str], cwd: str | None = None, sample: bool = False) -> Run:
    """Run ``cmd`` (stdout discarded, stderr kept); its wall time, CPU, peak RSS (tree sampled when ``sample``)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=child_env(), stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
        peak = [0, 0]
        done = threading.Event()

        def poll() -> None:
            while not done.is_set():
                with contextlib.suppress(Exception):
                    rss_kb, pss_kb = _tree_rss_kb(proc.pid)
                    peak[0], peak[1] = max(peak[0], rss_kb), max(peak[1], pss_kb)
                done.wait(0.02)

        sampler = threading.Thread(target=poll, daemon=True) if sample else None
        if sampler:
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        if sampler:
            sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", errors="replace")
    return Run(seconds, proc.returncode, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, peak[0], peak[1], text)


def checked(run: Run, what: str, ok: tuple[int, ...] = (0,)) -> Run:
    if run.returncode not in ok:
        tail = "\n".join(run.stderr.strip().splitlines()[-5:])
        raise SystemExit(f"erreur : {what} a échoué (code {run.returncode}) :\n{tail}")
    return run


# --- the bases -----------------------------------------------------------------------------------


@contextlib.contextmanager
def database(engine: str, directory: str, size: int, pg_url: str) -> Iterator[str]:
    """An empty base: a new SQLite file, or a new PostgreSQL schema (dropped after)."""
    if engine == "sqlite":
        path = os.path.join(directory, f"scale-{size}.db")
        try:
            yield path
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path + suffix)
        return
    import sqlalchemy as sa

    name = f"cqpkit_scale_{os.getpid()}_{secrets.token_hex(4)}"
    sa_engine = sa.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.pool.NullPool)
    with sa_engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    sep = "&" if "?" in pg_url else "?"
    try:
        yield f"{pg_url}{sep}options=-csearch_path%3D{name}"
    finally:
        with sa_engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')
        sa_engine.dispose()


def has_refresh() -> bool:
    """Whether this cqpkit has ``db refresh`` (stored results to recompute after an import)."""
    run = subprocess.run(cqpkit_cmd("db", "--help"), capture_output=True, text=True, env=child_env())
    return run.returncode == 0 and "refresh" in run.stdout


def bench_base(engine: str, files: str, size: int, db: str, args: argparse.Namespace, refresh: bool) -> list[str]:
    """Import, refresh (when there is one) and the two reports on one base; returns the ratio lines."""
    label = f"{engine:<10} {size:>9}"
    imp = checked(run_child(cqpkit_cmd("import", "--db", db, files), sample=True), f"cqpkit import ({engine}, {size})")
    cores = imp.cpu / imp.seconds if imp.seconds else 0.0
    per_core = size / imp.cpu if imp.cpu else 0.0
    print(
        f"  import      {label}  {imp.seconds:8.1f} s   RSS crête {imp.tree_peak_kb / 1024:7.0f} Mo (arbre ; processus principal "
        f"{imp.maxrss_kb / 1024:.0f} Mo ; PSS de l'arbre {imp.tree_pss_kb / 1024:.0f} Mo)   CPU {imp.cpu:.1f} s, {cores:.2f} cœur(s)   {size / imp.seconds:.0f} dossiers/s, "
        f"{per_core:.0f} dossiers/s par cœur",
        flush=True,
    )
    if refresh:
        ref = checked(run_child(cqpkit_cmd("db", "refresh", "--db", db)), f"cqpkit db refresh ({engine}, {size})")
        print(f"  db refresh  {label}  {ref.seconds:8.1f} s   ({ref.seconds / size * 1e6:.0f} µs par dossier)", flush=True)
    as_of = ("--as-of", args.as_of)
    deadlines, campaign = float("inf"), float("inf")
    for _ in range(args.repeat):
        run = checked(run_child(cqpkit_cmd("report", "deadlines", "--within", str(args.within), "--db", db, *as_of)), "report deadlines")
        deadlines = min(deadlines, run.seconds)
        run = checked(run_child(cqpkit_cmd("report", "campaign", "--db", db, *as_of)), "report campaign")
        campaign = min(campaign, run.seconds)
    print(f"  reports     {label}  deadlines {deadlines:.2f} s   campaign {campaign:.2f} s", flush=True)
    return [
        f"ratio campaign/deadlines  {label} : {campaign / deadlines:7.2f}   (objectif ≤ 3)",
        f"RSS crête import          {label} : {imp.tree_peak_kb / 1024:7.0f} Mo  (objectif : stable, < 250 Mo)",
        f"PSS crête import          {label} : {imp.tree_pss_kb / 1024:7.0f} Mo  (pages partagées comptées une fois)",
        f"import par cœur           {label} : {per_core:7.0f} dossiers/s par cœur ({cores:.2f} cœur(s) utilisés)",
    ]


# --- decide / check against tomli ----------------------------------------------------------------


def takes_directory(command: str, directory: str) -> bool:
    """Whether ``cqpkit COMMAND DIR`` reads the directory's dossiers (probed on a one-file directory)."""
    probe = os.path.join(directory, f"probe-{command}")
    write_dossiers(probe, 1, seed=1)
    try:
        run = subprocess.run(cqpkit_cmd(command, "--as-of", "2026-01-01", probe), capture_output=True, text=True, env=child_env())
        # 0 or 1 (a dossier with errors) once directories are read; 2 (usage: « c'est un répertoire ») before.
        # Not the output: a one-line summary may replace the per-dossier lines.
        return run.returncode in (0, 1)
    finally:
        shutil.rmtree(probe)


def bench_files(directory: str, n: int, args: argparse.Namespace) -> list[str]:
    files = os.path.join(directory, f"fichiers-{n}")
    write_dossiers(files, n, seed=20261207)
    names = sorted(os.listdir(files))
    lines: list[str] = []
    timings: dict[str, float] = {}
    commands: dict[str, list[str]] = {"tomli": [sys.executable, "-c", TOMLI_BASELINE, "."]}
    for command in ("decide", "check"):
        by_dir = takes_directory(command, directory)
        commands[command] = cqpkit_cmd(command, "--as-of", args.as_of, *(["."] if by_dir else names))
        print(f"  cqpkit {command} : {'le répertoire' if by_dir else f'{n} fichiers nommés'}", flush=True)
    for _ in range(args.file_repeat):
        for name in ("tomli", "decide", "tomli", "check"):
            # check and decide exit 1 when a dossier has errors: a result, not a failure
            run = checked(run_child(commands[name], cwd=files), f"{name} ({n} fichiers)", ok=(0, 1))
            timings[name] = min(timings.get(name, float("inf")), run.seconds)
    shutil.rmtree(files)
    us = {k: v / n * 1e6 for k, v in timings.items()}
    print(f"  par dossier : tomli {us['tomli']:.0f} µs   decide {us['decide']:.0f} µs   check {us['check']:.0f} µs", flush=True)
    for name in ("decide", "check"):
        lines.append(f"{'ratio ' + name + '/tomli':<25} {'fichiers':<10} {n:>9} : {timings[name] / timings['tomli']:7.2f}   (objectif ≤ 1,5)")
    return lines


# --- the store's write transaction against raw inserts ---------------------------------------------


def bench_transaction(directory: str, sizes: list[int], repeat: int) -> list[str]:
    lines: list[str] = []
    try:
        import cqpkit
        import store as store_bench  # bench/store.py

        registry = cqpkit.load_registry()
        rng = random.Random(20261201)
        texts = [dossier_text(i, rng) for i in range(max(sizes))]
    except Exception as exc:  # the store's internals moved: say so, measure the rest
        return [f"ratio transaction/brut    {'sqlite':<10} {'-':>9} : non mesuré (bench/store.py : {exc!r})"]
    for size in sizes:
        try:
            b = store_bench.bench_import(registry, texts[:size], directory, repeat)
        except Exception as exc:
            lines.append(f"ratio transaction/brut    {'sqlite':<10} {size:>9} : non mesuré (bench/store.py : {exc!r})")
            continue
        transaction = b["preparation"] + b["ecriture"]
        print(
            f"  transaction {'sqlite':<10} {size:>9}  avant {b['avant'] / size * 1e6:.0f} µs (dont préparé hors transaction "
            f"{b['prepare'] / size * 1e6:.0f} µs)   préparation {b['preparation'] / size * 1e6:.0f} µs   écriture "
            f"{b['ecriture'] / size * 1e6:.0f} µs   brut {b['brut'] / size * 1e6:.0f} µs (avec les déclencheurs des compteurs "
            f"{b['brut_compteurs'] / size * 1e6:.0f} µs) par dossier",
            flush=True,
        )
        lines.append(f"ratio transaction/brut    {'sqlite':<10} {size:>9} : {transaction / b['brut']:7.2f}   (objectif ≤ 2)")
    return lines


# --- the reports on bases written directly (sizes an import would take hours to reach) -------------


def synthetic_base(directory: str, n: int) -> str:
    """A SQLite base of ``n`` dossiers whose rows are written directly: ``store.py``'s deadline base (dossiers, candidates,
    deadlines), plus for each dossier its stored results as the import computes them — a row of ``resultats`` with the
    fingerprint of the loaded référentiel, and 3 or 4 intervals (à venir, en cours, then certifié, or partiel until an
    expiry five years on, or still en cours), some late, some with sums of money; then the counters of ``report campaign``
    filled by migration 9's own :func:`~cqpkit.store.migration9.fill` (what an upgrade runs) and its triggers created."""
    import sqlite3

    import cqpkit
    import sqlalchemy as sa
    import store as store_bench  # bench/store.py
    from cqpkit.store import migration9
    from cqpkit.store.results import fingerprint

    registry = cqpkit.load_registry()
    store_bench.build_deadline_db(directory, n, registry).close()
    path = os.path.join(directory, f"deadlines-{n}.db")
    cert, version = "mutualite.specialiste-prestations", "2014"
    print_ = fingerprint(registry, cert, version) or ""
    rng = random.Random(n + 1)
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as sa_conn:  # rows written directly: the counters' triggers off, the migration's fill after
        migration9.drop_triggers(sa_conn)
    engine.dispose()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    heads: list[tuple] = []
    rows: list[tuple] = []

    def period(did: str, debut: str, fin: str | None, statut: str, late: bool, money: float) -> tuple:
        return (did, debut, fin, cert, version, statut, int(late), 0, money, 0.0, 0.0, 0.0, 0.0, money / 10, None)

    for did, inscription in conn.execute("SELECT id, inscription FROM dossiers ORDER BY id").fetchall():
        start = dt.date.fromisoformat(inscription)
        jury = start + dt.timedelta(days=rng.randrange(200, 900))
        late = rng.random() < 0.1
        money = float(rng.choice([0, 0, 1200, 1800]))
        heads.append((did, cert, version, 1, print_, "2026-01-01T00:00:00+00:00"))
        rows.append(period(did, "0001-01-01", inscription, "a_venir", False, 0.0))
        rows.append(period(did, inscription, jury.isoformat(), "en_cours", late, 0.0))
        kind = rng.random()
        if kind < 0.6:
            rows.append(period(did, jury.isoformat(), None, "certifie", late, money))
        elif kind < 0.85:
            expiry = dt.date(jury.year + 5, jury.month, min(jury.day, 28))
            rows.append(period(did, jury.isoformat(), expiry.isoformat(), "partiel", late, money))
            rows.append(period(did, expiry.isoformat(), None, "expire", late, money))
        else:
            rows[-1] = rows[-1][:2] + (None,) + rows[-1][3:]  # still en cours
        if len(heads) >= 20_000:
            conn.executemany("INSERT INTO resultats VALUES (?, ?, ?, ?, ?, ?)", heads)
            conn.executemany(f"INSERT INTO resultat_periodes VALUES ({', '.join('?' * 15)})", rows)
            heads.clear()
            rows.clear()
    conn.executemany("INSERT INTO resultats VALUES (?, ?, ?, ?, ?, ?)", heads)
    conn.executemany(f"INSERT INTO resultat_periodes VALUES ({', '.join('?' * 15)})", rows)
    conn.execute("COMMIT")
    conn.close()
    with engine.begin() as sa_conn:  # the counters of migration 9 as an upgrade fills them, then its triggers back
        migration9.fill(sa_conn)
        migration9.create_triggers(sa_conn)
        sa_conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return path


def copy_to_postgresql(path: str, url: str) -> None:
    """The rows of the synthetic SQLite base at ``path`` copied into an initialised PostgreSQL base (``COPY``), its counters
    filled by migration 9's :func:`~cqpkit.store.migration9.fill` (triggers off during the copy, back after)."""
    import sqlite3

    import sqlalchemy as sa
    from cqpkit.store import migration9

    checked(run_child(cqpkit_cmd("db", "init", "--db", url)), "db init")
    source = sqlite3.connect(path)
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        migration9.drop_triggers(conn)
        cursor = conn.connection.driver_connection.cursor()
        for table in ("candidats", "dossiers", "echeances", "resultats", "resultat_periodes"):
            columns = [r[1] for r in source.execute(f"PRAGMA table_info({table})")]
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in source.execute(f"SELECT {', '.join(columns)} FROM {table}"):
                    copy.write_row(row)
        migration9.fill(conn)
        migration9.create_triggers(conn)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    engine.dispose()
    source.close()


def time_reports(db: str, label: str, args: argparse.Namespace) -> list[str]:
    """``report deadlines`` and ``report campaign`` alternately on ``db``: the ratio of their best wall times, and of their CPU."""
    as_of = ("--as-of", args.as_of)
    deadlines, campaign = float("inf"), float("inf")
    cpu_d, cpu_c = float("inf"), float("inf")
    for _ in range(max(args.repeat, 3)):
        run = checked(run_child(cqpkit_cmd("report", "deadlines", "--within", str(args.within), "--db", db, *as_of)), "report deadlines")
        deadlines, cpu_d = min(deadlines, run.seconds), min(cpu_d, run.cpu)
        run = checked(run_child(cqpkit_cmd("report", "campaign", "--db", db, *as_of)), "report campaign")
        campaign, cpu_c = min(campaign, run.seconds), min(cpu_c, run.cpu)
    print(f"  reports     {label}  deadlines {deadlines:.2f} s (CPU {cpu_d:.2f} s)   campaign {campaign:.2f} s (CPU {cpu_c:.2f} s)"
          f" — charge {load()}", flush=True)
    return [
        f"ratio campaign/deadlines  {label} : {campaign / deadlines:7.2f}   (objectif ≤ 3 ; base écrite directement)",
        f"  en CPU (client)         {label} : {cpu_c / cpu_d:7.2f}",
    ]


def bench_synthetic(directory: str, sizes: list[int], args: argparse.Namespace) -> list[str]:
    """``report deadlines`` and ``report campaign`` as processes on bases written directly (:func:`synthetic_base`);
    on PostgreSQL, the same rows copied into a schema of its own (:func:`copy_to_postgresql`)."""
    lines: list[str] = []
    for n in sizes:
        start = time.perf_counter()
        try:
            path = synthetic_base(directory, n)
        except Exception as exc:  # the store's internals moved: say so, measure the rest
            lines.append(f"ratio campaign/deadlines  {'sqlite*':<10} {n:>9} : non mesuré (base écrite directement : {exc!r})")
            continue
        print(f"  base de {n} dossiers écrite directement en {time.perf_counter() - start:.0f} s — charge {load()}", flush=True)
        try:
            if "sqlite" in args.engines:
                lines += time_reports(path, f"{'sqlite*':<10} {n:>9}", args)
            if "postgresql" in args.engines:
                with database("postgresql", directory, n, args.pg_url) as url:
                    start = time.perf_counter()
                    copy_to_postgresql(path, url)
                    print(f"  copiée dans PostgreSQL en {time.perf_counter() - start:.0f} s — charge {load()}", flush=True)
                    lines += time_reports(url, f"{'postgres*':<10} {n:>9}", args)
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path + suffix)
    return lines


# --- the cost of the stored results in an import -------------------------------------------------


def bench_results_cost(directory: str, n: int, repeat: int) -> list[str]:
    """CPU of ``Store.import_files`` on ``n`` generated files (read whole, in this process: no worker), with the stored
    results computed and with :func:`cqpkit.store.results.periods` answering nothing (the same import, rows of
    ``resultats`` written, no interval searched); alternately, ``repeat`` times, best of each. Also the engine calls per
    dossier the results make (``decide``, ``check_codes``, ``funding`` through the registry)."""
    label = f"{'sqlite':<10} {n:>9}"
    try:
        import cqpkit
        from cqpkit.store import results as results_module
        from cqpkit.store.store import Store
        from cqpkit.store.streaming import SMALL
    except Exception as exc:  # the store's internals moved: say so, measure the rest
        return [f"ratio import résultats    {label} : non mesuré ({exc!r})"]
    if n > SMALL:
        return [f"ratio import résultats    {label} : non mesuré (plus de {SMALL} fichiers : import en flux, lu par d'autres processus)"]
    files = os.path.join(directory, f"resultats-{n}")
    write_dossiers(files, n, seed=20261208)
    paths = [os.path.join(files, name) for name in sorted(os.listdir(files))]
    registry = cqpkit.load_registry()
    searched = results_module.periods
    calls = {"decide": 0, "check_codes": 0, "funding": 0, "assess": 0}  # assess: the three in one pass (Registry.assess)
    calls = {name: 0 for name in calls if hasattr(registry, name)}
    counting = {name: getattr(registry, name) for name in calls}

    def counted(name: str) -> Any:
        def call(*a: Any, **k: Any) -> Any:
            calls[name] += 1
            return counting[name](*a, **k)

        return call

    def periods_counted(*a: Any, **k: Any) -> Any:
        registry_ = a[0]
        for name in calls:
            setattr(registry_, name, counted(name))
        try:
            return searched(*a, **k)
        finally:
            for name in calls:
                delattr(registry_, name)

    best = {"avec": float("inf"), "sans": float("inf")}
    try:
        for i in range(repeat):
            for mode in ("sans", "avec"):
                results_module.periods = searched if mode == "avec" else (lambda *a, **k: [])
                db = os.path.join(directory, f"resultats-{mode}-{i}.db")
                with Store.open(db, create=True, registry=registry, check=False) as store:
                    store.init()
                    start = time.process_time()
                    store.import_files(paths, operateur="bench")
                    best[mode] = min(best[mode], time.process_time() - start)
                os.remove(db)
        results_module.periods = periods_counted
        from cqpkit.formats.dossiers import load_dossier

        for path in paths:
            results_module.result_rows(registry, load_dossier(path, registry), strict=True)
    finally:
        results_module.periods = searched
        shutil.rmtree(files)
    per = {k: v / n for k, v in calls.items()}
    print(
        f"  import {n} fichiers (CPU, ce processus) : sans résultats {best['sans'] / n * 1e6:.0f} µs, avec {best['avec'] / n * 1e6:.0f} µs "
        f"par dossier ; appels du moteur par dossier : {', '.join(f'{k} {v:.2f}' for k, v in per.items())}",
        flush=True,
    )
    return [f"ratio import résultats    {label} : {best['avec'] / best['sans']:7.2f}   (objectif ≤ 1,5 ; avec / sans les résultats stockés)"]


# --- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000], help="stored dossiers (import and reports)")
    parser.add_argument("--engines", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default=os.environ.get("CQPKIT_TEST_POSTGRES_URL") or DEFAULT_PG)
    parser.add_argument("--files", type=int, default=10_000, help="files for decide/check against tomli (0: skipped)")
    parser.add_argument("--store-sizes", type=int, nargs="*", default=[10_000, 100_000], help="transaction against raw inserts (none: skipped)")
    parser.add_argument(
        "--synthetic-sizes", type=int, nargs="*", default=[], help="bases written directly for the two reports (SQLite; PostgreSQL: the same rows copied; none: skipped)"
    )
    parser.add_argument("--results-size", type=int, default=2000, help="files of the import with and without stored results (0: skipped)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each report per base (the best kept)")
    parser.add_argument("--file-repeat", type=int, default=3, help="runs of decide, check and tomli (the best kept)")
    parser.add_argument("--store-repeat", type=int, default=2, help="imports and raw inserts per store size (the best kept)")
    parser.add_argument("--as-of", default="2026-01-01")
    parser.add_argument("--within", type=int, default=30)
    parser.add_argument("--tmp", default=None, help="where the files and SQLite bases go (default: the system's temporary directory)")
    args = parser.parse_args(argv)
    if min([*args.sizes, *args.store_sizes, args.files, args.results_size, *args.synthetic_sizes, args.repeat, args.file_repeat, args.store_repeat, 0]) < 0 or min(
        args.repeat, args.file_repeat, args.store_repeat
    ) < 1:
        parser.error("les tailles sont positives ou nulles, les répétitions au moins 1")
    ratios: list[str] = []
    print(f"charge au début : {load()}", flush=True)
    refresh = has_refresh()
    subprocess.run(cqpkit_cmd("list"), capture_output=True, env=child_env())  # the validation cache filled: no run pays it
    print(f"cqpkit db refresh : {'présent, lancé après chaque import' if refresh else 'absent (pas de résultats stockés)'}", flush=True)
    with tempfile.TemporaryDirectory(prefix="cqpkit-scale-", dir=args.tmp) as directory:
        for size in args.sizes:
            files = os.path.join(directory, f"dossiers-{size}")
            start = time.perf_counter()
            write_dossiers(files, size, seed=size)
            print(f"\n{size} dossiers générés en {time.perf_counter() - start:.0f} s — charge {load()}", flush=True)
            for engine in args.engines:
                with database(engine, directory, size, args.pg_url) as db:
                    ratios += bench_base(engine, files, size, db, args, refresh)
            shutil.rmtree(files)
        if args.files:
            print(f"\ndecide et check sur {args.files} fichiers, contre tomli seul — charge {load()}", flush=True)
            ratios += bench_files(directory, args.files, args)
        if args.synthetic_sizes:
            print(f"\nrapports sur des bases écrites directement ({', '.join(args.engines)}) — charge {load()}", flush=True)
            ratios += bench_synthetic(directory, args.synthetic_sizes, args)
        if args.results_size:
            print(f"\nimport avec et sans les résultats stockés (SQLite, ce processus) — charge {load()}", flush=True)
            ratios += bench_results_cost(directory, args.results_size, args.store_repeat)
        if args.store_sizes:
            print(f"\ntransaction d'écriture contre insertions brutes (SQLite) — charge {load()}", flush=True)
            ratios += bench_transaction(directory, args.store_sizes, args.store_repeat)
    print(f"\ncharge à la fin : {load()}")
    print("\n".join(["", "Ratios (mesurés dans ce seul passage ; machine partagée : comparer les ratios, pas les temps)", *ratios]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
