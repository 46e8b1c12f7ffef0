"""`cqpkit serve` answering several people at once: pages and API requests in parallel, on both engines.

The requests run in worker threads. On SQLite the store had a single connection (``StaticPool``) that the pages'
threads shared without a lock: two pages at once ran inside each other's transaction (« cannot start a transaction
within a transaction », 503, and a ``SystemError`` from the driver). The app's store now has a pool on both engines
(``make_engine(pool_size=…)``), shared by the pages and the API. Here: uvicorn on loopback, eight clients at once —
readers of the dashboard, of dossier pages and of a session page, and writers creating users through the API — every
answer 200, every user written once, the audit chain intact.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)
from __future__ import annotations

import re
import socket
import threading
import time
from collections import Counter

import pytest

pytest.importorskip("litestar", reason="the web pages need the [serve] extra (litestar)")
pytest.importorskip("uvicorn", reason="the service needs the [serve] extra (uvicorn)")
pytest.importorskip("httpx", reason="the test client needs httpx (the [test] extra)")

import httpx
from cqpkit.store import users
from cqpkit.store.engine import make_engine, single_connection
from cqpkit.store.store import Store
from cqpkit.web import create_app

from tests.test_store_support import campaign_store, db, registry, store  # noqa: F401 (fixtures)

PASSWORD = "mot-de-passe-de-test-1"
CHEAP = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
SESSION = "I410-JURY-2019-03"  # examples/campaign: a session with candidates
READERS, WRITERS, ROUNDS = 6, 2, 12


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(users, "PARAMETERS", CHEAP)
    monkeypatch.setattr(users, "_DUMMY", [])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _address(s) -> str:  # type: ignore[no-untyped-def]
    return s.target.url if s.target.kind == "postgresql" else s.target.path


def _serve(app):  # type: ignore[no-untyped-def]
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(400):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "uvicorn n'a pas démarré"
    return server, thread, f"http://127.0.0.1:{port}"


def _login(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    form = client.get("/connexion").text
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token, form[:500]
    r = client.post(
        "/connexion", data={"csrf": token.group(1), "identifiant": "admin", "mot_de_passe": PASSWORD, "suite": "/"}
    )
    assert r.status_code in (200, 303), r.text[:500]
    return client


def test_pages_and_api_at_once(campaign_store, registry):  # type: ignore[no-untyped-def]
    users.add_user(campaign_store, "admin", "Alice Exemple", "admin", PASSWORD, operateur="test")
    token = users.create_token(campaign_store, "admin", operateur="test")
    dossiers = campaign_store.dossier_ids()[:6]
    assert dossiers
    app = create_app(db=_address(campaign_store), registry=registry, access_log=False, secret=b"s" * 32)
    assert not single_connection(app.state.store.engine)  # a pool on both engines
    server, thread, base = _serve(app)
    statuses: Counter[int] = Counter()
    problems: list[str] = []
    start = threading.Barrier(READERS + WRITERS)

    def reader(k: int) -> None:
        client = _login(base)
        start.wait()
        for i in range(ROUNDS):
            url = ("/", f"/dossiers/{dossiers[(k + i) % len(dossiers)]}", f"/sessions/{SESSION}")[i % 3]
            r = client.get(url)
            statuses[r.status_code] += 1
            if r.status_code != 200:
                problems.append(f"GET {url} : {r.status_code} {r.text[:300]}")

    def writer(k: int) -> None:
        client = httpx.Client(base_url=base, timeout=120, headers={"authorization": f"Bearer {token}"})
        start.wait()
        for i in range(ROUNDS):
            r = client.post(
                "/api/v1/base/utilisateurs", json={"login": f"u{k}-{i}", "role": "lecture", "nom": "Exemple"}
            )
            statuses[r.status_code] += 1
            if r.status_code != 200:
                problems.append(f"POST utilisateur u{k}-{i} : {r.status_code} {r.text[:300]}")

    try:
        threads = [threading.Thread(target=reader, args=(k,)) for k in range(READERS)]
        threads += [threading.Thread(target=writer, args=(k,)) for k in range(WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
    finally:
        server.should_exit = True
        thread.join(30)
        opened = app.state.get("page_store")
        if opened is not None and opened is not app.state.get("store"):
            opened.close()
    assert problems == []
    assert statuses == {200: (READERS + WRITERS) * ROUNDS}
    logins = {u.id for u in users.list_users(campaign_store)}
    assert {f"u{k}-{i}" for k in range(WRITERS) for i in range(ROUNDS)} <= logins
    verification = campaign_store.verify()
    assert verification.problemes == []
    assert verification.entrees > WRITERS * ROUNDS


def test_a_single_connection_store_is_not_shared_by_the_pages(tmp_path, registry):  # type: ignore[no-untyped-def]
    """A SQLite store given open (``Store.open``: one connection, the CLI's) is taken in turns by the API (a lock); the
    pages open a pooled store on the same file rather than share that connection between their threads."""
    path = str(tmp_path / "cqpkit.db")
    with Store.open(path, create=True, check=False, registry=registry) as opened:
        opened.init()
        users.add_user(opened, "admin", "Alice Exemple", "admin", PASSWORD, operateur="test")
        assert single_connection(opened.engine)
        app = create_app(db=opened, registry=registry, access_log=False, secret=b"s" * 32)
        assert isinstance(app.state.store_lock, type(threading.Lock()))  # the API's requests take turns on it
        server, thread, base = _serve(app)
        try:
            client = _login(base)
            assert client.get("/").status_code == 200
            pages = app.state.page_store
            assert pages is not opened and not single_connection(pages.engine)
            assert pages.target.path == opened.target.path
            assert pages.engine.pool.checkedin() >= 1  # the page's connection, kept in the pool
        finally:
            server.should_exit = True
            thread.join(30)
        assert pages.engine.pool.checkedin() == 0  # closed at the app's shutdown (its pool disposed), not left open
    pooled = make_engine(opened.target, pool_size=2)
    try:
        assert not single_connection(pooled)
    finally:
        pooled.dispose()
