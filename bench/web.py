"""The web pages at scale (issue 19): time to first byte of the pages against the JSON endpoints serving the same data.

For each size (``--sizes``, default 10 000 and 100 000) the script builds a base once: that many fictional
dossiers (the generator of ``decide_batch.py``, through ``scale.py``'s ``write_dossiers``) imported with
``cqpkit import`` (a child process, as a user runs it), then, in this process, one jury session
(``BENCH-JURY``, the Spécialiste prestations) with ``--session-size`` dossiers presented and decided, and one
``admin`` user with a password (the pages) and a token (the JSON endpoints). Then one ``cqpkit serve --db``
per base (uvicorn, one worker, no access log) on loopback, **all at once**, and one keep-alive connection
(httpx) per server and per kind of client. The requests alternate, round after round, over every server:

- the dossier page ``/dossiers/{id}?date=`` and ``GET /api/v1/base/dossiers/{id}?as_of=`` (the same dossier,
  drawn at random from the base, the same for both);
- the session page ``/sessions/BENCH-JURY`` and ``GET /api/v1/base/sessions/BENCH-JURY``;
- the dashboard ``/?date=&jours=`` (deadlines, next sessions, dossiers with blocking findings).

The time to first byte is measured from the request sent to the status line and headers read (httpx's
``stream``; the body is then read, off the clock). Printed: the median of each, and the ratios measured
in this one run — page / JSON for the dossier and the session (**goal ≤ 1.5**, flat from 10 000 to
100 000 dossiers), and the dashboard at each size against the smallest (**goal: flat**). Every answer is
checked (status 200, the dossier's id or the session's in the body). The load average is printed at the
start and the end: the machine is shared, only the ratios compare. On Linux, the CPU time the server spent on
each request (all its threads, ``/proc/PID/task/*/schedstat``, read before the request and after its body)
is printed too, with the same ratios: a loaded machine delays the answers (the time to first byte) far more
than it changes the work done (the CPU).

On ``--engines postgresql`` each base is a schema of its own on ``--pg-url`` (dropped at the end).
The files and SQLite bases go into ``--tmp`` (default: a new temporary directory, deleted at the end);
``--keep`` leaves the bases there and ``--reuse`` takes a base already built there (development only).

    .venv/bin/python bench/web.py                                      # 10 000 and 100 000, SQLite, 200 rounds
    .venv/bin/python bench/web.py --sizes 10000 100000 --engines sqlite postgresql --requests 300
    .venv/bin/python bench/web.py --sizes 50 --requests 5              # a smoke run (tests/test_bench_web.py)

It asserts nothing: it exits 0, 1 with the message of a command that failed, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from scale import DEFAULT_PG, checked, cqpkit_cmd, database, load, run_child, write_dossiers  # noqa: E402

SESSION = "BENCH-JURY"
CERTIFICATION = "mutualite.specialiste-prestations"
LOGIN = "bench"
#: A long fictional password (the pages' login form); hashed with cheap parameters (nothing to protect here).
PASSWORD = "banc-d-essai-des-pages-web"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Base:
    """One built base: its address, size, the session's dossiers and the token of the JSON endpoints."""

    engine: str
    size: int
    url: str
    token: str = ""
    label: str = ""
    server: Any = None
    base: str = ""
    times: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)


def prepare(url: str, size: int, session_size: int, as_of: dt.date) -> str:
    """The session (its dossiers presented and decided) and the user; returns the user's token."""
    import sqlalchemy as sa
    from cqpkit import load_registry
    from cqpkit.model import Membre, SessionInfo, SessionJury
    from cqpkit.store import schema as t
    from cqpkit.store import users
    from cqpkit.store.store import Store

    users.PARAMETERS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}  # type: ignore[misc]
    with Store.open(url, registry=load_registry()) as store:
        if users.get_user(store, LOGIN) is None:
            users.add_user(store, LOGIN, "Banc d'essai", "admin", password=PASSWORD, operateur="bench")
        token = users.create_token(store, LOGIN, "bench", operateur="bench")
        with store.read() as conn:
            known = conn.execute(sa.select(t.sessions.c.id).where(t.sessions.c.id == SESSION)).first()
            d = t.dossiers.c
            ids = [
                r.id
                for r in conn.execute(
                    sa.select(d.id)
                    .where(d.inscription <= as_of - dt.timedelta(days=365))
                    .order_by(d.id)
                    .limit(session_size)
                )
            ]
        if known is None:
            session = SessionJury(
                session=SessionInfo(
                    id=SESSION, date=as_of, certifications=(CERTIFICATION,), president="J-01", lieu="Salle fictive"
                ),
                membres=(
                    Membre(id="J-01", college="employeur"),
                    Membre(id="J-02", college="employeur"),
                    Membre(id="J-03", college="salarie"),
                    Membre(id="J-04", college="salarie"),
                ),
            )
            store.open_session(session, "bench")
            store.add_to_session(SESSION, ids, "bench", present=True)
        with store.read() as conn:  # a base taken again (--reuse) whose preparation stopped half-way: decided now
            p = t.passages.c
            decided = {
                r.dossier_id
                for r in conn.execute(sa.select(p.dossier_id).where(p.session_id == SESSION, p.decisions != "{}"))
            }
        for did in [i for i in ids[: len(ids) // 2] if i not in decided]:
            # Contrary to the final evaluation for most generated dossiers: the store then asks for a motive.
            store.decide(SESSION, did, {"D1": "acquis"}, "bench", motif="Décision fictive du banc d'essai")
    return str(token)


def build(
    engine: str, size: int, work: str, pg_url: str, args: argparse.Namespace, stack: contextlib.ExitStack
) -> Base:
    """The base of ``size`` dossiers on ``engine`` (built, or taken from ``work`` with ``--reuse``)."""
    files = os.path.join(work, f"files-{size}")
    if engine == "sqlite" and args.reuse and os.path.exists(os.path.join(work, f"web-{size}.db")):
        url = os.path.join(work, f"web-{size}.db")
        print(f"  base {engine} {size} : reprise de {url}", flush=True)
    else:
        if engine == "sqlite":
            url = os.path.join(work, f"web-{size}.db")
            if not args.keep:
                stack.enter_context(_removed(url))
        else:
            url = stack.enter_context(database(engine, work, size, pg_url))
        if not os.path.isdir(files):
            write_dossiers(files, size, seed=size)
        start = time.perf_counter()
        checked(run_child(cqpkit_cmd("import", "--quiet", "--db", url, files)), f"cqpkit import ({engine}, {size})")
        print(f"  base {engine} {size} : import {time.perf_counter() - start:.0f} s", flush=True)
        if not args.keep:
            shutil.rmtree(files, ignore_errors=True)
    token = prepare(url, size, args.session_size, dt.date.fromisoformat(args.as_of))
    return Base(engine, size, url, token, label=f"{engine:<10} {size:>7}")


@contextlib.contextmanager
def _removed(path: str) -> Iterator[None]:
    try:
        yield
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path + suffix)


def serve(base: Base) -> None:
    import httpx

    port = _free_port()
    env = {**os.environ, "CQPKIT_WEB_SECRET": secrets.token_urlsafe(32)}
    base.server = subprocess.Popen(
        cqpkit_cmd("serve", "--db", base.url, "--quiet", "--port", str(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    base.base = f"http://127.0.0.1:{port}"
    for _ in range(1200):
        if base.server.poll() is not None:
            raise SystemExit(
                f"erreur : cqpkit serve ({base.label}) s'est arrêté :\n{base.server.stderr.read()[-2000:]}"
            )
        try:
            if httpx.get(f"{base.base}/api/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"erreur : cqpkit serve ({base.label}) ne répond pas")


def login(client: Any) -> None:
    form = client.get("/connexion").text
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    if token is None:
        raise SystemExit("erreur : pas de jeton CSRF sur la page de connexion")
    r = client.post(
        "/connexion",
        data={"csrf": token.group(1), "identifiant": LOGIN, "mot_de_passe": PASSWORD, "suite": "/"},
        follow_redirects=False,
    )
    if r.status_code != 303:
        raise SystemExit(f"erreur : connexion refusée ({r.status_code})")


def server_cpu(pid: int) -> float | None:
    """Seconds of CPU the process ``pid`` has run, all its threads (Linux's schedstat, in nanoseconds); ``None``
    where there is no such file."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):  # a thread gone meanwhile
            continue
    return total / 1e9


def ttfb(client: Any, url: str, expect: str, pid: int | None = None) -> tuple[float, float | None]:
    """Seconds from the request sent to its headers read, and the CPU seconds the server ``pid`` spent on it (read
    before the request and after its body; the server does nothing else meanwhile); the body is checked."""
    before = server_cpu(pid) if pid else None
    start = time.perf_counter()
    with client.stream("GET", url) as r:
        first = time.perf_counter() - start
        body = r.read().decode("utf-8")
    after = server_cpu(pid) if before is not None and pid else None
    if r.status_code != 200 or expect not in body:
        raise SystemExit(f"erreur : {url} a répondu {r.status_code} sans « {expect} » :\n{body[:500]}")
    return first, (after - before if after is not None and before is not None else None)


def rounds(bases: list[Base], requests: int, as_of: str, within: int, warmup: int) -> None:
    import httpx

    rng = random.Random(19)
    for b in bases:
        b.times = {k: [] for k in ("dossier_page", "dossier_json", "session_page", "session_json", "tableau")}
        b.cpu = {k: [] for k in b.times}
        b.pages = httpx.Client(base_url=b.base, timeout=300)  # type: ignore[attr-defined]
        b.api = httpx.Client(base_url=b.base, timeout=300, headers={"Authorization": f"Bearer {b.token}"})  # type: ignore[attr-defined]
        login(b.pages)  # type: ignore[attr-defined]
    try:
        for n in range(warmup + requests):
            for b in bases:
                did = f"BENCH-{rng.randrange(b.size):07d}"
                pairs = [
                    ("dossier_page", b.pages, f"/dossiers/{did}?date={as_of}", did),  # type: ignore[attr-defined]
                    ("dossier_json", b.api, f"/api/v1/base/dossiers/{did}?as_of={as_of}", did),  # type: ignore[attr-defined]
                    ("session_page", b.pages, f"/sessions/{SESSION}", SESSION),  # type: ignore[attr-defined]
                    ("session_json", b.api, f"/api/v1/base/sessions/{SESSION}", SESSION),  # type: ignore[attr-defined]
                    ("tableau", b.pages, f"/?date={as_of}&jours={within}", "Tableau de bord"),  # type: ignore[attr-defined]
                ]
                if n % 2:  # page first, then JSON first: neither always follows the other
                    pairs = [pairs[1], pairs[0], pairs[3], pairs[2], pairs[4]]
                for key, client, url, expect in pairs:
                    took, cpu = ttfb(client, url, expect, b.server.pid)
                    if n >= warmup:
                        b.times[key].append(took)
                        if cpu is not None:
                            b.cpu[key].append(cpu)
    finally:
        for b in bases:
            b.pages.close()  # type: ignore[attr-defined]
            b.api.close()  # type: ignore[attr-defined]


def report(bases: list[Base]) -> list[str]:
    ms = 1000
    lines = []
    for b in bases:
        med = {k: statistics.median(v) * ms for k, v in b.times.items()}
        print(
            f"  {b.label} : dossier page {med['dossier_page']:.1f} ms, JSON {med['dossier_json']:.1f} ms ; "
            f"session page {med['session_page']:.1f} ms, JSON {med['session_json']:.1f} ms ; tableau de bord {med['tableau']:.1f} ms "
            f"(médianes du premier octet, {len(b.times['tableau'])} requêtes chacune)",
            flush=True,
        )
        lines.append(
            f"ratio page/JSON dossier    {b.label} : {med['dossier_page'] / med['dossier_json']:7.2f}   (objectif ≤ 1,5)"
        )
        lines.append(
            f"ratio page/JSON session    {b.label} : {med['session_page'] / med['session_json']:7.2f}   (objectif ≤ 1,5)"
        )
        if all(b.cpu.values()):
            cpu = {k: statistics.median(v) * ms for k, v in b.cpu.items()}
            print(
                f"  {b.label} : CPU du serveur par requête (médianes) : dossier page {cpu['dossier_page']:.2f} ms, "
                f"JSON {cpu['dossier_json']:.2f} ms ; session page {cpu['session_page']:.2f} ms, "
                f"JSON {cpu['session_json']:.2f} ms ; tableau de bord {cpu['tableau']:.2f} ms",
                flush=True,
            )
            lines.append(
                f"ratio CPU page/JSON dossier {b.label} : {cpu['dossier_page'] / cpu['dossier_json']:6.2f}   (le travail du serveur)"
            )
            lines.append(
                f"ratio CPU page/JSON session {b.label} : {cpu['session_page'] / cpu['session_json']:6.2f}   (le travail du serveur)"
            )
    by_engine: dict[str, list[Base]] = {}
    for b in bases:
        by_engine.setdefault(b.engine, []).append(b)
    for engine, group in by_engine.items():
        small = min(group, key=lambda b: b.size)
        ref = statistics.median(small.times["tableau"])
        for b in sorted(group, key=lambda b: b.size):
            if b is not small:
                lines.append(
                    f"ratio tableau de bord      {engine:<10} {b.size:>7}/{small.size} : "
                    f"{statistics.median(b.times['tableau']) / ref:7.2f}   (objectif : stable, ≈ 1)"
                )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="stored dossiers per base")
    parser.add_argument("--engines", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite"])
    parser.add_argument("--pg-url", default=os.environ.get("CQPKIT_TEST_POSTGRES_URL") or DEFAULT_PG)
    parser.add_argument(
        "--requests",
        type=int,
        default=200,
        help="rounds of requests measured (each: every page and endpoint, every base)",
    )
    parser.add_argument("--warmup", type=int, default=5, help="rounds not counted, first")
    parser.add_argument("--session-size", type=int, default=20, help="dossiers presented to the session")
    parser.add_argument("--as-of", default="2016-06-30", help="the date of the pages and of the session (AAAA-MM-JJ)")
    parser.add_argument("--within", type=int, default=90, help="the dashboard's horizon (days)")
    parser.add_argument(
        "--tmp", default=None, help="where the files and SQLite bases go (default: a new temporary directory)"
    )
    parser.add_argument("--keep", action="store_true", help="leave the files and SQLite bases in --tmp")
    parser.add_argument("--reuse", action="store_true", help="take the SQLite bases already in --tmp (web-N.db)")
    args = parser.parse_args(argv)
    if any(s < 1 for s in args.sizes) or args.requests < 1 or args.session_size < 1:
        parser.error("--sizes, --requests et --session-size : des entiers positifs")
    if (args.keep or args.reuse) and not args.tmp:
        parser.error("--keep et --reuse demandent --tmp")
    print(f"charge au début : {load()}", flush=True)
    work = args.tmp or tempfile.mkdtemp(prefix="cqpkit-web-")
    os.makedirs(work, exist_ok=True)
    bases: list[Base] = []
    try:
        with contextlib.ExitStack() as stack:
            for engine in args.engines:
                for size in args.sizes:
                    bases.append(build(engine, size, work, args.pg_url, args, stack))
            try:
                for b in bases:
                    serve(b)
                rounds(bases, args.requests, args.as_of, args.within, args.warmup)
            finally:
                for b in bases:
                    if b.server is not None:
                        b.server.terminate()
                        b.server.communicate(timeout=60)
            lines = report(bases)
    finally:
        if not args.tmp:
            shutil.rmtree(work, ignore_errors=True)
    print(f"charge à la fin : {load()}")
    print("\nRatios (mesurés dans ce seul passage, requêtes alternées) :")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
