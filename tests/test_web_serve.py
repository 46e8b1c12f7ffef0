"""`cqpkit serve`: a real process on loopback, its French messages, and `cqpkit list` without the web layer."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import ROOT, run_cli

DOSSIER = ROOT / "examples" / "dossier-specialiste-prestations-formation.toml"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(*options: str) -> tuple[subprocess.Popen[str], int]:
    """`cqpkit serve OPTIONS` on a free loopback port, once it answers."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cqpkit", "serve", *options, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(proc.communicate()[1]) from None
            time.sleep(0.1)
    return proc, port


def test_serve_answers_over_loopback() -> None:
    """`cqpkit serve --public-engine` in its own process answers decide over HTTP as `cqpkit decide --json` does."""
    pytest.importorskip("uvicorn", reason="l'extra [serve] (uvicorn) n'est pas installé")
    proc, port = _start("--public-engine")
    base = f"http://127.0.0.1:{port}"
    try:
        request = urllib.request.Request(
            f"{base}/api/v1/dossiers/decide?as_of=2014-07-01",
            data=DOSSIER.read_bytes(),
            headers={"content-type": "application/toml"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as r:
            got = json.loads(r.read())
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/api/v1/referentiels/secu.inconnu", timeout=30)
        assert refused.value.code == 404
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    expected = json.loads(run_cli("decide", str(DOSSIER), "--as-of", "2014-07-01", "--json").stdout)
    (resultat,) = got["resultats"]
    resultat["fichier"] = str(DOSSIER)
    assert got == expected
    assert f"cqpkit serve : http://127.0.0.1:{port}/api/v1" in err
    access = [json.loads(line) for line in err.splitlines() if line.startswith("{\"method")]
    assert access, err
    assert {"method": "POST", "path": "/api/v1/dossiers/decide", "status": 200} in [
        {k: x[k] for k in ("method", "path", "status")} for x in access
    ]


def test_the_curl_examples_of_the_docs_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The curl block of docs/api.md, run as written (port and paths aside) against a served process."""
    pytest.importorskip("uvicorn", reason="l'extra [serve] (uvicorn) n'est pas installé")
    import re
    import shutil

    if shutil.which("curl") is None:
        pytest.skip("curl absent de cette machine")
    doc = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```sh\n(.*?)```", doc, re.S) if b.startswith("curl"))
    proc, port = _start("--public-engine", "--quiet")
    try:
        script = block.replace("127.0.0.1:8000", f"127.0.0.1:{port}").replace("/tmp/dossier.json", str(tmp_path / "d.json"))
        script = script.replace("python -c", f"{sys.executable} -c")
        result = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    assert result.returncode == 0, result.stderr
    decoder = json.JSONDecoder()
    first, end = decoder.raw_decode(result.stdout)
    second, _ = decoder.raw_decode(result.stdout[end:].lstrip())
    assert first["resultats"][0]["statut"] == "certifie"
    expected = json.loads(
        run_cli("funding", str(ROOT / "examples" / "dossier-manager-operationnel.toml"), "--as-of", "2018-06-01", "--json").stdout
    )
    second["dossiers"][0]["fichier"] = expected["dossiers"][0]["fichier"]
    assert second == expected


def test_the_store_curl_examples_of_the_docs_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The store's curl block of docs/api.md, against `cqpkit serve --db` on the campaign, with a token made by
    `cqpkit user token`: the campaign report as the CLI's, a motivated correction, an import."""
    pytest.importorskip("uvicorn", reason="l'extra [serve] (uvicorn) n'est pas installé")
    import os
    import re
    import shutil

    if shutil.which("curl") is None:
        pytest.skip("curl absent de cette machine")
    db = str(tmp_path / "campagne.db")
    assert run_cli("import", str(ROOT / "examples" / "campaign"), "--db", db, "-q").returncode == 0
    assert run_cli("user", "add", "admin", "--role", "admin", "--db", db).returncode == 0
    token = run_cli("user", "token", "admin", "--db", db).stdout.strip()
    expected = json.loads(run_cli("report", "campaign", "--db", db, "--as-of", "2020-01-01", "--json").stdout)
    doc = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```sh\n(.*?)```", doc, re.S) if b.startswith("curl") and "/api/v1/base/" in b)
    proc, port = _start("--db", db)
    try:
        script = block.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        result = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120,
                                env={**os.environ, "TOKEN": token})
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert result.returncode == 0, result.stderr
    decoder = json.JSONDecoder()
    answers, rest = [], result.stdout
    while rest.strip():
        obj, end = decoder.raw_decode(rest.lstrip())
        answers.append(obj)
        rest = rest.lstrip()[end:]
    report, found, correction, imported = answers
    assert report == expected
    assert [c["id"] for c in found["candidats"]] == ["C-0205"]  # « Inès Églantine »
    assert correction["statut"] == "corrigé"
    assert [f["statut"] for f in imported["fichiers"]] == ["nouveau"]
    assert token not in err and token not in result.stdout  # the access log and the answers never hold it


def test_missing_extra_is_said_in_french(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Litestar or uvicorn: the extra is named, exit 2, no traceback."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("litestar", "uvicorn") else real(name, *a))
    result = run_cli("serve")
    assert result.returncode == 2
    assert "pip install 'cqpkit[serve]'" in result.stderr and "Traceback" not in result.stderr


def test_port_taken_is_said_in_french() -> None:
    """A port already listened on: a French message, exit 2, before uvicorn starts."""
    pytest.importorskip("uvicorn", reason="l'extra [serve] (uvicorn) n'est pas installé")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        result = run_cli("serve", "--port", str(s.getsockname()[1]))
    assert result.returncode == 2
    assert "cqpkit serve : impossible d'écouter sur 127.0.0.1:" in result.stderr


def test_openapi_option_prints_the_checked_in_document() -> None:
    pytest.importorskip("litestar", reason="l'extra [serve] (Litestar) n'est pas installé")
    result = run_cli("serve", "--openapi")
    assert result.returncode == 0
    assert result.stdout == (ROOT / "referentials" / "openapi.json").read_text(encoding="utf-8")


def test_list_does_not_import_the_web_layer() -> None:
    """`cqpkit list` loads neither cqpkit.web, Litestar nor uvicorn."""
    code = (
        "import sys; from cqpkit.cli import main; main(['list']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('litestar', 'uvicorn', 'schemathesis') or m.startswith('cqpkit.web')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
