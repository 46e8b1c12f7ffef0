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

3. **8 clients recording decisions in one jury session on PostgreSQL** (``--postgres URL``, default
   ``$CQPKIT_TEST_POSTGRES_URL``; skipped without one): a fresh schema gets ``--clients × --decisions``
   dossiers (clones of ``examples/campaign/dossiers/i410-2019-0105.toml`` with fictional ids), one open
   session with all of them presented, and one ``operateur`` user and token per client; a ``cqpkit serve
   --db`` process (one worker, its pooled engine); each client posts ``POST /api/v1/base/sessions/…/decisions``
   for its own dossiers. Then the base is read: one passage per dossier carrying the decisions sent (nothing
   lost, nothing doubled), one audit entry per decision under its client's login, the log intact
   (``verify``). Printed: throughput, p50, p99. The writers are serialised by the store's advisory lock, so
   throughput is that of one writer.

    .venv/bin/python bench/serve.py --decisions 25   # 8 clients × 25 decisions

   Then the same in this process without the network (``asgi_overhead``): the app called as uvicorn calls it (an
   ASGI scope, the body, the answer collected), alternating with the in-process work: the overhead that is the
   app's own (Litestar and ``cqpkit.web``), computed in the event loop (a small body, the default) and handed to
   a worker thread (``inline_body=0``, as every body was before): on a loaded machine the hand-off costs two
   thread wake-ups.
4. **Candidate search at scale** (``--candidats N``, this part only): a SQLite base holding N fictional candidates
   (« Prénom{i} Nom{i} », each with a key and an encrypted record written as the import writes them), searched with
   :func:`cqpkit.store.candidats.search_candidats`: a page without a name (SQL only, the floor), a name that every
   candidate has (the scan stops when the page is full), a name only the last candidate has (the whole base
   decrypted: the worst case), against reading every row and key without decrypting (the floor of a scan).

    .venv/bin/python bench/serve.py --candidats 10000

Absolute times depend on the machine and its load; compare the overhead and the ratios.
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOSSIER = ROOT / "examples" / "dossier-specialiste-prestations-formation.toml"
AS_OF = "2014-07-01"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


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


def asgi_overhead(calls: int, block: int = 25) -> dict[str, list[float]]:
    """Latencies of the in-process work and of the app called in-process (ASGI), with and without the worker thread."""
    import asyncio
    import datetime as dt
    import gc

    from cqpkit import load_registry
    from cqpkit.formats.dossiers import loads_dossier
    from cqpkit.plugins.answers import answer
    from cqpkit.web import create_app
    from cqpkit.web.limits import Limits

    registry = load_registry()
    body = DOSSIER.read_bytes()
    day = dt.date.fromisoformat(AS_OF)
    apps = {"boucle": create_app(public_engine=True, access_log=False, registry=registry),
            "thread": create_app(public_engine=True, access_log=False, registry=registry, limits=Limits(inline_body=0))}
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/api/v1/dossiers/decide", "raw_path": b"/api/v1/dossiers/decide", "query_string": f"as_of={AS_OF}".encode(),
        "root_path": "", "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {},
        "headers": [(b"host", b"bench"), (b"content-type", b"application/toml"), (b"content-length", str(len(body)).encode())],
    }

    async def call(app: Any) -> None:
        sent = []

        async def receive() -> dict[str, Any]:
            if not sent:
                sent.append(1)
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        out: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            out.append(message)

        await app(dict(scope), receive, send)
        assert out[0]["status"] == 200, out

    def one_local() -> None:
        dossier = loads_dossier(body, "<requête>", registry)
        json.dumps(answer("decide", registry, [("<requête>", dossier)], day, "as_of")[0], ensure_ascii=False)

    async def run() -> dict[str, list[float]]:
        times: dict[str, list[float]] = {"local": [], "boucle": [], "thread": []}
        for _ in range(20):
            one_local()
            for app in apps.values():
                await call(app)
        gc.collect()
        gc.freeze()
        for _ in range(max(1, calls // block)):
            for name in times:
                for _ in range(block):
                    start = time.perf_counter()
                    if name == "local":
                        one_local()
                    else:
                        await call(apps[name])
                    times[name].append(time.perf_counter() - start)
        return times

    return asyncio.run(run())


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


SOURCE = ROOT / "examples" / "campaign" / "dossiers" / "i410-2019-0105.toml"
SESSION = "BENCH-JURY-01"
DECISIONS = {f"D{i}": "acquis" for i in range(1, 6)}


def _wait(base: str) -> None:
    import httpx

    for _ in range(600):
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)


def jury_on_postgres(pg: str, clients: int, decisions: int) -> list[str]:
    """Part 3: ``clients`` clients recording ``decisions`` decisions each in one session; the lines to print."""
    import datetime as dt
    import secrets
    import tempfile

    import httpx
    import sqlalchemy as sa
    from cqpkit import load_registry
    from cqpkit.model import Membre, SessionInfo, SessionJury
    from cqpkit.store import schema as t
    from cqpkit.store import users
    from cqpkit.store.store import Store

    name = f"cqpkit_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(pg.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    url = f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{name}"
    n = clients * decisions
    ids = [f"BENCH-{i:05d}" for i in range(n)]
    text = SOURCE.read_text(encoding="utf-8")
    server = None
    try:
        with tempfile.TemporaryDirectory() as folder:
            for i, did in enumerate(ids):
                clone = (text.replace("I410-2019-0105", did).replace("C-0105", f"CB-{i:05d}")
                         .replace("etienne.yuzu@", f"candidat.{i}@"))
                Path(folder, f"{did}.toml").write_text(clone, encoding="utf-8")
            with Store.open(url, create=True, check=False, registry=load_registry()) as store:
                store.init()
                store.import_files([folder], operateur="bench")
                session = SessionJury(
                    session=SessionInfo(id=SESSION, date=dt.date(2020, 10, 15), certifications=("secu.manager-operationnel",), president="J-01"),
                    membres=(Membre(id="J-01", college="employeur"), Membre(id="J-02", college="institut")),
                )
                store.open_session(session, "bench")
                store.add_to_session(SESSION, ids, "bench", present=True)
                users.PARAMETERS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}  # type: ignore[misc]  # no password is hashed here
                tokens = []
                for k in range(clients):
                    users.add_user(store, f"bench{k}", f"Opérateur fictif {k}", "operateur", operateur="bench")
                    tokens.append(users.create_token(store, f"bench{k}", "bench", operateur="bench"))
                with store.read() as conn:
                    audit_before = conn.execute(sa.select(sa.func.count()).select_from(t.audit)).scalar_one()
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "cqpkit", "serve", "--db", url, "--quiet", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        base = f"http://127.0.0.1:{port}"
        _wait(base)
        latencies: list[list[float]] = [[] for _ in range(clients)]
        bad = [0]

        def client(k: int) -> None:
            mine = ids[k::clients]
            headers = {"Authorization": f"Bearer {tokens[k]}"}
            with httpx.Client(timeout=120) as c:
                c.get(f"{base}/api/v1/base/sessions/{SESSION}", headers=headers)  # the connection, warmed
                barrier.wait()
                for did in mine:
                    start = time.perf_counter()
                    r = c.post(f"{base}/api/v1/base/sessions/{SESSION}/decisions", json={"dossier": did, "decisions": DECISIONS}, headers=headers)
                    latencies[k].append(time.perf_counter() - start)
                    if r.status_code != 200 or r.json().get("statut") == "inchangé":
                        bad[0] += 1

        barrier = threading.Barrier(clients + 1)
        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        for th in threads:
            th.start()
        barrier.wait()
        start = time.perf_counter()
        for th in threads:
            th.join()
        wall = time.perf_counter() - start
        with Store.open(url) as store, store.read() as conn:
            rows = conn.execute(sa.select(t.passages.c.dossier_id, t.passages.c.decisions).where(t.passages.c.session_id == SESSION)
                                .where(t.passages.c.decisions != "{}")).all()
            entries = conn.execute(sa.select(t.audit.c.operateur, t.audit.c.objet_id).where(t.audit.c.numero > audit_before)).all()
            intact = store.verify().ok
        decided = [r.dossier_id for r in rows if json.loads(r.decisions) == DECISIONS]
        lost = len(set(ids) - set(decided))
        doubled = len(decided) - len(set(decided))
        by_client = sum(1 for e in entries if e.operateur.startswith("bench"))
    finally:
        if server is not None:
            server.terminate()
            server.communicate(timeout=30)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')
        admin.dispose()
    flat = [x for lat in latencies for x in lat]
    ms = 1000
    p50, p99 = _pct(flat, 50) * ms, _pct(flat, 99) * ms
    return [
        f"{clients} clients enregistrant des décisions dans une session (PostgreSQL, cqpkit serve --db, 1 processus) : "
        f"{len(flat)} décisions, {bad[0]} en erreur",
        f"  perdues {lost}, en double {doubled} ; entrées au journal sous le compte du client : {by_client} ; journal intègre : {intact}",
        f"  débit {len(flat) / wall:.0f} décisions/s ; p50 {p50:.2f} ms, p99 {p99:.2f} ms ; p99/p50 {p99 / p50:.2f}",
    ]


def candidates_scan(n: int, repeat: int = 5) -> list[str]:
    """Part 4: the decrypting name search over ``n`` candidates (best of ``repeat`` runs of each query)."""
    import tempfile

    import sqlalchemy as sa
    from cqpkit.store import crypto
    from cqpkit.store import schema as t
    from cqpkit.store.audit import canonical
    from cqpkit.store.candidats import search_candidats
    from cqpkit.store.sql import now
    from cqpkit.store.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(os.path.join(tmp, "cqpkit.db"), create=True, check=False)
        store.init()
        stamp = now()
        ids = [f"C-{i:06d}" for i in range(n)]
        with store.write() as conn:
            keys = crypto.create_keys(conn, [crypto.subject(c) for c in ids], stamp)
            rows = []
            for i, cid in enumerate(ids):
                record = {"nom": f"Nom{i:06d}", "prenom": f"Prénom{i:06d}", "naissance": "1990-01-01", "email": f"{cid}@example.invalid",
                          "telephone": "", "emploi": "", "employeur": "", "notes": ""}
                rows.append({"id": cid, "donnees": crypto.encrypt(keys[crypto.subject(cid)], canonical(record), crypto.aad(cid, "candidat")),
                             "pseudonyme": None, "efface_le": None, "cree_le": stamp, "modifie_le": stamp})
            conn.execute(t.candidats.insert(), rows)

        def best(work: Any) -> float:
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                work()
                times.append(time.perf_counter() - t0)
            return min(times) * 1000

        def floor() -> None:
            with store.read() as conn:
                rows = conn.execute(sa.select(t.candidats.c.id, t.candidats.c.donnees).order_by(t.candidats.c.id)).all()
                crypto.load_keys(conn, [crypto.subject(r.id) for r in rows])

        last = f"Nom{n - 1:06d}"
        assert [c["id"] for c in search_candidats(store, nom=last)["candidats"]] == [ids[-1]]
        page = best(lambda: search_candidats(store, limite=50))
        common = best(lambda: search_candidats(store, nom="prenom", limite=50))
        worst = best(lambda: search_candidats(store, nom=last, limite=50))
        read = best(floor)
        store.close()
    return [
        f"recherche de candidats par nom, {n} candidats chiffrés (SQLite ; meilleur de {repeat}) :",
        f"  une page sans nom (SQL seul) : {page:.1f} ms ; un nom que tous portent (la page se remplit) : {common:.1f} ms",
        f"  un nom que seul le dernier porte (toute la base déchiffrée) : {worst:.1f} ms ; "
        f"lire lignes et clés sans déchiffrer : {read:.1f} ms ; rapport {worst / read:.1f}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="decides for the single client (and per client / 3 for the concurrent run)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--decisions", type=int, default=25, help="decisions per client recorded in the jury session (part 3)")
    parser.add_argument("--postgres", default=os.environ.get("CQPKIT_TEST_POSTGRES_URL"), help="PostgreSQL server for part 3")
    parser.add_argument("--only-jury", action="store_true", help="part 3 only")
    parser.add_argument("--candidats", type=int, metavar="N", help="part 4 only: the candidate search over N candidates")
    args = parser.parse_args()
    if args.candidats:
        print("\n".join(candidates_scan(args.candidats)))
        return 0
    if args.only_jury:
        if not args.postgres:
            print("partie 3 : pas de serveur PostgreSQL (--postgres ou $CQPKIT_TEST_POSTGRES_URL)")
            return 0
        print("\n".join(jury_on_postgres(args.postgres, args.clients, args.decisions)))
        return 0

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
    asgi = asgi_overhead(args.calls)
    p50_local, p50_http = _pct(local, 50) * ms, _pct(remote, 50) * ms
    print(f"decide d'un dossier ({DOSSIER.name}, au {AS_OF}), {args.calls} appels, une connexion keep-alive, {args.workers} processus")
    print(f"  en processus (lecture + answer + JSON) : p50 {p50_local:.2f} ms, p99 {_pct(local, 99) * ms:.2f} ms")
    print(f"  par HTTP (uvicorn, boucle locale)      : p50 {p50_http:.2f} ms, p99 {_pct(remote, 99) * ms:.2f} ms")
    print(f"  surcoût HTTP au p50 : {p50_http - p50_local:.2f} ms (objectif ≤ 2 ms) ; rapport {p50_http / p50_local:.2f}")
    print(
        f"  surcoût par bloc de 25 appels alternés : médiane {statistics.median(overheads) * ms:.2f} ms, "
        f"le moins chargé {min(overheads) * ms:.2f} ms ({len(overheads)} blocs)"
    )
    base_local = _pct(asgi["local"], 50) * ms
    print(f"  sans réseau (l'app appelée en ASGI dans ce processus ; travail seul p50 {base_local:.2f} ms) : surcoût de l'app au p50 "
          f"{_pct(asgi['boucle'], 50) * ms - base_local:.2f} ms calculé dans la boucle (corps ≤ inline_body), "
          f"{_pct(asgi['thread'], 50) * ms - base_local:.2f} ms passé à un thread (inline_body=0)")
    p50, p99 = _pct(many, 50) * ms, _pct(many, 99) * ms
    print(f"{args.clients} clients simultanés × {per_client} appels : {len(many)} réponses, {bad + bad_many} en erreur")
    print(f"  débit {len(many) / wall:.0f} décisions/s ; p50 {p50:.2f} ms, p99 {p99:.2f} ms ; p99/p50 {p99 / p50:.2f} (objectif ≤ 5)")
    if args.postgres:
        print("\n".join(jury_on_postgres(args.postgres, args.clients, args.decisions)))
    else:
        print("partie 3 (décisions de jury sur PostgreSQL) : pas de serveur (--postgres ou $CQPKIT_TEST_POSTGRES_URL)")
    return 0  # a benchmark measures; the answers in error are counted above


if __name__ == "__main__":
    sys.exit(main())
