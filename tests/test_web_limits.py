"""The service's limits (body size, dossiers per request, time), its 500 without a trace, and its access log."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest

pytest.importorskip("litestar", reason="l'extra [serve] (Litestar) n'est pas installé")

from cqpkit.web import Limits, create_app
from litestar.testing import TestClient

from tests.conftest import ROOT

DOSSIER = ROOT / "examples" / "dossier-specialiste-prestations-formation.toml"
TOML = {"content-type": "application/toml"}


def test_body_too_large_is_413() -> None:
    """A body over the limit: 413 in French, naming the limit and the option."""
    with TestClient(create_app(public_engine=True, access_log=False, limits=Limits(max_body=1000))) as c:
        response = c.post("/api/v1/dossiers/decide", content=b"#" * 1001, headers=TOML)
        small = c.post("/api/v1/dossiers/decide", content=b"#" * 999, headers=TOML)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"] == "corps de requête trop grand : au plus 1000 octets (--max-body de cqpkit serve)"
    assert small.status_code == 422  # read, then found invalid (no [dossier] table)


def test_too_many_dossiers_is_422() -> None:
    """More dossiers than allowed in one array: 422 before any is read."""
    with TestClient(create_app(public_engine=True, access_log=False, limits=Limits(max_dossiers=2))) as c:
        response = c.post("/api/v1/dossiers/decide", json=[{}, {}, {}])
        empty = c.post("/api/v1/dossiers/decide", json=[])
    assert response.status_code == 422
    assert response.json()["detail"].startswith("trop de dossiers : 3 dans la requête, au plus 2")
    assert empty.status_code == 422 and empty.json()["detail"] == "aucun dossier : le tableau est vide"


def test_too_long_is_503_in_french(monkeypatch: pytest.MonkeyPatch) -> None:
    """A computation past the time limit: 503 « délai dépassé », not a 500."""
    import cqpkit.plugins.answers as answers

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(1.5)
        raise AssertionError("never answered")

    monkeypatch.setattr(answers, "answer", slow)
    with TestClient(create_app(public_engine=True, access_log=False, limits=Limits(timeout=0.2, inline_body=0))) as c:
        start = time.monotonic()
        response = c.post("/api/v1/dossiers/decide", content=DOSSIER.read_bytes(), headers=TOML)
        assert time.monotonic() - start < 1.4
    assert response.status_code == 503
    assert response.json()["detail"].startswith("délai dépassé : le calcul a pris plus de 0.2 s")
    assert response.headers["retry-after"] == "1"


def test_unexpected_exception_is_a_500_without_trace(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A bug: 500 in French, nothing of the exception in the answer; the trace in the server's log only."""
    import cqpkit.plugins.answers as answers

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("détail-secret-du-code")

    monkeypatch.setattr(answers, "answer", broken)
    with caplog.at_level(logging.ERROR, logger="cqpkit.web"), TestClient(create_app(public_engine=True, access_log=False)) as c:
        response = c.post("/api/v1/dossiers/decide", content=DOSSIER.read_bytes(), headers=TOML)
    assert response.status_code == 500
    assert response.json()["title"] == "Erreur interne"
    assert "détail-secret" not in response.text and "Traceback" not in response.text and "RuntimeError" not in response.text
    assert "détail-secret-du-code" in caplog.text


def test_access_log_one_json_line_per_request(caplog: pytest.LogCaptureFixture) -> None:
    """One JSON line per request (method, path, status, ms); never the body, the query, nor the token."""
    with caplog.at_level(logging.INFO, logger="cqpkit.web.access"), TestClient(create_app(public_engine=True)) as c:
        c.post("/api/v1/dossiers/decide?as_of=2014-07-01", content=DOSSIER.read_bytes(), headers={**TOML, "authorization": "Bearer jeton-secret"})
        c.get("/api/v1/referentiels/secu.inconnu")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "cqpkit.web.access"]
    assert [(x["method"], x["path"], x["status"]) for x in lines] == [
        ("POST", "/api/v1/dossiers/decide", 200),
        ("GET", "/api/v1/referentiels/secu.inconnu", 404),
    ]
    assert all(set(x) == {"method", "path", "status", "ms"} and x["ms"] >= 0 for x in lines)
    assert "jeton-secret" not in caplog.text and "OEMM" not in caplog.text and "2014-07-01" not in caplog.text


def test_small_bodies_are_computed_without_the_worker_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """A body up to ``inline_body`` is computed in the event loop (no thread hand-off); a larger one in the thread."""
    import cqpkit.web.engine as engine

    handed: list[int] = []
    real = engine.run_limited

    async def counting(fn: Any, timeout: float) -> Any:
        handed.append(1)
        return await real(fn, timeout)

    monkeypatch.setattr(engine, "run_limited", counting)
    body = DOSSIER.read_bytes()
    for inline_body, expected in ((len(body), 0), (len(body) - 1, 1)):
        handed.clear()
        with TestClient(create_app(public_engine=True, access_log=False, limits=Limits(inline_body=inline_body))) as c:
            response = c.post("/api/v1/dossiers/decide?as_of=2014-07-01", content=body, headers=TOML)
        assert response.status_code == 200, response.text
        assert len(handed) == expected, inline_body
