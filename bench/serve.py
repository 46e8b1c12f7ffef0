"""The HTTP layer's cost: decide one dossier over HTTP (uvicorn on loopback, keep-alive, one worker) vs in-process.

1. **One client**: the same dossier (``examples/dossier-specialiste-prestations-formation.toml``, as TOML)
   decided ``--calls`` times through ``POST /api/v1/dossiers/decide`` of a ``cqpkit serve --public-engine``
   process (one worker, access log off), one keep-alive connection (httpx), against the same work in this
   process: read the body with the registry (``loads_dossier``) and build the answer
   (:func:`cqpkit.plugins.answers.answer`), which is what the handler runs, and ``json.dumps`` of it. The two
   alternate by blocks of 25 calls, so that the load of a shared machine weighs on both alike; the overhead of
   each block is printed too (its median, and the least loaded block's).
   Printed: p50 and p99 of each, the overhead (HTTP p50 − in-process p50, goal ≤ 2 ms) and the ratio.
2. **8 concurrent clients** (``--clients``), each on its own keep-alive connection, ``--calls`` decides each:
   throughput, p50, p99 and p99/p50 (goal ≤ 5). Every answer is checked (status 200, the dossier's status), so
   nothing is lost or doubled. The server has one worker (``--workers`` to change): the engine is CPU work under
   one interpreter lock, so throughput is bounded by one core whatever the number of clients.

    .venv/bin/python bench/serve.py                  # 300 calls, 8 clients × 100 calls
    .venv/bin/python bench/serve.py --calls 100 --clients 8

Recording decisions in a jury session from 8 clients on PostgreSQL needs the store endpoints (with users and
tokens): the next wave (docs/http.md « À venir »). Absolute times depend on the machine and its load; compare the
overhead and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOSSIER = ROOT / "examples" / "dossier-specialiste-prestations-formation.toml"
AS_OF = "2014-07-01"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def single(base: str, calls: int, block: int = 25) -> tuple[list[float], list[float], list[float], int]:
    """Latencies of the in-process work and of the HTTP call, in alternating blocks of ``block`` calls (the
    load of a shared machine weighs on both alike); and the overhead (HTTP p50 − in-process p50) of each block."""
    import datetime as dt
    import gc

    import httpx

    from cqpkit import load_registry
    from cqpkit.formats.dossiers import loads_dossier
    from cqpkit.plugins.answers import answer

    registry = load_registry()
    body = DOSSIER.read_bytes()
    day = dt.date.fromisoformat(AS_OF)
    url = f"{base}/api/v1/dossiers/decide?as_of={AS_OF}"
    headers = {"content-type": "application/toml"}
    local: list[float] = []
    remote: list[float] = []
    overheads: list[float] = []
    bad = 0
    gc.collect()
    gc.freeze()  # the registry's objects out of the collector's way, as in the server after start-up

    def one_local() -> None:
        dossier = loads_dossier(body, "<requête>", registry)
        json.dumps(answer("decide", registry, [("<requête>", dossier)], day, "as_of")[0], ensure_ascii=False)

    with httpx.Client(timeout=60) as c:  # one keep-alive connection
        for _ in range(20):  # warm-up
            one_local()
            c.post(url, content=body, headers=headers)
        for _ in range(max(1, calls // block)):
            here, there = [], []
            for _ in range(block):
                start = time.perf_counter()
                one_local()
                here.append(time.perf_counter() - start)
            for _ in range(block):
                start = time.perf_counter()
                r = c.post(url, content=body, headers=headers)
                there.append(time.perf_counter() - start)
                bad += r.status_code != 200 or r.json()["resultats"][0]["statut"] != "certifie"
            local += here
            remote += there
            overheads.append(statistics.median(there) - statistics.median(here))
    return local, remote, overheads, bad


def over_http(base: str, calls: int, clients: int) -> tuple[list[float], float, int]:
    import httpx

    body = DOSSIER.read_bytes()
    url = f"{base}/api/v1/dossiers/decide?as_of={AS_OF}"
    headers = {"content-type": "application/toml"}
    latencies: list[list[float]] = [[] for _ in range(clients)]
    bad = [0]

    def client(k: int) -> None:
        with httpx.Client(timeout=60) as c:  # one keep-alive connection per client
            for _ in range(5):
                c.post(url, content=body, headers=headers)
            barrier.wait()
            for _ in range(calls):
                start = time.perf_counter()
                r = c.post(url, content=body, headers=headers)
                latencies[k].append(time.perf_counter() - start)
                if r.status_code != 200 or r.json()["resultats"][0]["statut"] != "certifie":
                    bad[0] += 1

    barrier = threading.Barrier(clients + 1)
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return [x for lat in latencies for x in lat], wall, bad[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="decides for the single client (and per client / 3 for the concurrent run)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "cqpkit", "serve", "--public-engine", "--quiet", "--port", str(port), "--workers", str(args.workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(600):
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        local, remote, overheads, bad = single(base, args.calls)
        per_client = max(1, args.calls // 3)
        many, wall, bad_many = over_http(base, per_client, args.clients)
    finally:
        server.terminate()
        server.communicate(timeout=30)

    ms = 1000
    p50_local, p50_http = _pct(local, 50) * ms, _pct(remote, 50) * ms
    print(f"decide d'un dossier ({DOSSIER.name}, au {AS_OF}), {args.calls} appels, une connexion keep-alive, {args.workers} processus")
    print(f"  en processus (lecture + answer + JSON) : p50 {p50_local:.2f} ms, p99 {_pct(local, 99) * ms:.2f} ms")
    print(f"  par HTTP (uvicorn, boucle locale)      : p50 {p50_http:.2f} ms, p99 {_pct(remote, 99) * ms:.2f} ms")
    print(f"  surcoût HTTP au p50 : {p50_http - p50_local:.2f} ms (objectif ≤ 2 ms) ; rapport {p50_http / p50_local:.2f}")
    print(
        f"  surcoût par bloc de 25 appels alternés : médiane {statistics.median(overheads) * ms:.2f} ms, "
        f"le moins chargé {min(overheads) * ms:.2f} ms ({len(overheads)} blocs)"
    )
    p50, p99 = _pct(many, 50) * ms, _pct(many, 99) * ms
    print(f"{args.clients} clients simultanés × {per_client} appels : {len(many)} réponses, {bad + bad_many} en erreur")
    print(f"  débit {len(many) / wall:.0f} décisions/s ; p50 {p50:.2f} ms, p99 {p99:.2f} ms ; p99/p50 {p99 / p50:.2f} (objectif ≤ 5)")
    return 0  # a benchmark measures; the answers in error are counted above


if __name__ == "__main__":
    sys.exit(main())
