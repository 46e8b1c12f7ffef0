"""Jury decisions recorded through the store: per-decision cost, time in the write lock, decisions per second (issue 16).

A base (SQLite file, or a fresh PostgreSQL schema on ``--pg-url``) gets ``clients × --decisions`` dossiers — clones of
``examples/campaign/dossiers/i410-2019-0105.toml`` (the CQP MO, as in ``bench/serve.py`` part 3) with fictional ids —
and one open session with all of them presented. Then each client, **a process of its own** (a jury member's
``cqpkit jury decide``, a server worker: each with its own ``Store`` and connection), records the same decisions
(D1 … D5 acquis) on its own dossiers with ``Store.decide``, all clients started together. Printed per engine and
number of clients (``--clients``, default 1 and 8): decisions per second (wall), the CPU time per decision of the
clients (user + system, their own process), and the time a decision holds the store's write lock (from the moment
its writing transaction has it — ``BEGIN IMMEDIATE`` on SQLite, the advisory lock on PostgreSQL — to its ``COMMIT``,
median and maximum): the other writers wait for that long. The PostgreSQL advisory lock is per database: another
program's writers on the same database (other schemas included) make ours wait — give ``--pg-url`` a database of its
own (the script creates its schema there).

The machine is shared: the script prints the load average at its start and end; compare a run of the code before
and after a change in one sitting (``PYTHONPATH=<other tree>/core`` runs this script on another tree's cqpkit).

    .venv/bin/python bench/jury_decide.py                           # SQLite and PostgreSQL, 1 and 8 clients
    .venv/bin/python bench/jury_decide.py --engines sqlite --clients 8 --decisions 4
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "examples" / "campaign" / "dossiers" / "i410-2019-0105.toml"
SESSION = "BENCH-JURY-01"
DECISIONS = {f"D{i}": "acquis" for i in range(1, 6)}
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def fill(url: str, ids: list[str]) -> None:
    """The base: the clone dossiers imported, one open session, all of them presented."""
    import cqpkit
    from cqpkit.model import Membre, SessionInfo, SessionJury
    from cqpkit.store.store import Store

    text = SOURCE.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        for i, did in enumerate(ids):
            clone = (
                text.replace("I410-2019-0105", did)
                .replace("C-0105", f"CB-{i:05d}")
                .replace("etienne.yuzu@", f"candidat.{i}@")
            )
            Path(folder, f"{did}.toml").write_text(clone, encoding="utf-8")
        with Store.open(url, create=True, check=False, registry=cqpkit.load_registry()) as store:
            store.init()
            store.import_files([folder], operateur="bench")
            session = SessionJury(
                session=SessionInfo(
                    id=SESSION,
                    date=dt.date(2020, 10, 15),
                    certifications=("secu.manager-operationnel",),
                    president="J-01",
                ),
                membres=(Membre(id="J-01", college="employeur"), Membre(id="J-02", college="institut")),
            )
            store.open_session(session, "bench")
            store.add_to_session(SESSION, ids, "bench", present=True)


def client(url: str, mine: list[str], start: Any, out: Any) -> None:
    """One client: its own store; waits for ``start``, records the decisions on ``mine``; puts (cpu, lock holds, errors)."""
    import cqpkit
    from cqpkit.store.store import Store
    from sqlalchemy import event

    store = Store.open(url, registry=cqpkit.load_registry())
    holds: list[float] = []
    began: dict[int, float] = {}

    def on_locked(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("BEGIN IMMEDIATE") or "pg_advisory_xact_lock" in statement:
            began[id(conn)] = time.perf_counter()  # the lock is held from here (the wait for it is not counted)

    def on_commit(conn: Any) -> None:
        t0 = began.pop(id(conn), None)
        if t0 is not None:
            holds.append(time.perf_counter() - t0)

    event.listen(store.engine, "after_cursor_execute", on_locked)
    event.listen(store.engine, "commit", on_commit)
    store.registry.referentiel("secu.manager-operationnel")  # loaded before the clock starts
    start.wait()
    cpu0 = time.process_time()
    errors = 0
    for did in mine:
        if store.decide(SESSION, did, dict(DECISIONS), f"bench-{os.getpid()}")["statut"] != "enregistré":
            errors += 1
    out.put((time.process_time() - cpu0, holds, errors))
    store.close()


def run(url: str, clients: int, decisions: int) -> str:
    """Fill a base at ``url``, run ``clients`` client processes; the line to print."""
    ids = [f"BENCH-{i:05d}" for i in range(clients * decisions)]
    fill(url, ids)
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=client, args=(url, ids[k::clients], start, out)) for k in range(clients)]
    for p in procs:
        p.start()
    time.sleep(2.0)  # every client opened its store
    t0 = time.perf_counter()
    start.set()
    got = [out.get() for _ in procs]
    wall = time.perf_counter() - t0
    for p in procs:
        p.join()
    n = len(ids)
    cpu = sum(g[0] for g in got)
    holds = [h for g in got for h in g[1]]
    errors = sum(g[2] for g in got)
    return (
        f"{clients} client(s) × {decisions} décisions : {n / wall:6.2f} décisions/s ; CPU des clients {cpu / n * 1000:6.1f} ms par décision ; "
        f"verrou d'écriture tenu : médiane {statistics.median(holds) * 1000:6.1f} ms, max {max(holds) * 1000:6.1f} ms "
        f"({len(holds)} transactions) ; {errors} en erreur"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default=os.environ.get("CQPKIT_TEST_POSTGRES_URL") or DEFAULT_PG)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--decisions", type=int, default=6, help="decisions per client")
    args = parser.parse_args(argv)
    import cqpkit

    print(
        f"cqpkit de {Path(cqpkit.__file__).parent} ; charge au début : {_load()} (1, 5, 15 min ; {os.cpu_count()} cœurs)",
        flush=True,
    )
    for engine in args.engines:
        for clients in args.clients:
            if engine == "sqlite":
                with tempfile.TemporaryDirectory() as tmp:
                    line = run(os.path.join(tmp, "cqpkit.db"), clients, args.decisions)
            else:
                line = _on_postgres(args.pg_url, clients, args.decisions)
            print(f"{engine:<10} {line} — charge {_load()}", flush=True)
    print(f"charge à la fin : {_load()}")
    return 0


def _on_postgres(pg: str, clients: int, decisions: int) -> str:
    """:func:`run` in a fresh schema of ``pg``, dropped after."""
    import sqlalchemy as sa

    name = f"cqpkit_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(pg.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    try:
        return run(f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{name}", clients, decisions)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
