"""A session file imported closed (``cloturee = true``) gets the closing checks of ``jury close``.

The jury closed the session elsewhere: the import stores it closed whatever the checks find. When they
find blocking findings (errors), the closing is a forced one, as ``jury close --forcer`` records it
(``forcee: true`` and the codes in the ``session.cloture`` audit entry), and the import report says
each finding as a note « … [bloquant à la clôture] » (text and JSON), on SQLite and PostgreSQL.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests.conftest import run_cli
from tests.test_store_support import SP, db, registry, store  # noqa: F401 (fixtures)

FOUR = [("E1", "employeur"), ("E2", "employeur"), ("S1", "salarie"), ("S2", "salarie")]
THREE = FOUR[:3]  # the Mutualité jury is 2 employer + 2 employee members


def _ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


def _session_file(
    path: Path,
    sid: str,
    date: str,
    members: list[tuple[str, str]],
    president: str,
    *,
    closed: bool,
    precedente: str = "",
) -> Path:
    lines = ["[session]", f'id = "{sid}"', f"date = {date}", f'certifications = ["{SP}"]', f'president = "{president}"']
    lines += [f'precedente = "{precedente}"'] if precedente else []
    lines += ["cloturee = true"] if closed else []
    for m, c in members:
        lines += ["", "[[membres]]", f'id = "{m}"', f'college = "{c}"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _closing_entry(store: Any, sid: str) -> dict[str, Any]:
    """The details of the session's ``session.cloture`` audit entry (there is exactly one)."""
    from cqpkit.store import schema as t

    with store.read() as conn:
        q = sa.select(t.audit.c.details).where(t.audit.c.action == "session.cloture", t.audit.c.objet_id == sid)
        [details] = conn.execute(q).scalars().all()
    return json.loads(details) if isinstance(details, str) else details


def _closed(db: str, sid: str) -> bool:
    return json.loads(_ok(run_cli("jury", "show", sid, "--json", "--db", db)).stdout)["close"]


def test_blocking_findings_force_the_closing(store, db, tmp_path):
    """Three members, imported closed: stored closed, exit 0, a forced closing recorded as jury close --forcer records one."""
    closed = _session_file(tmp_path / "j1.toml", "J-IMP", "2020-07-06", THREE, "E1", closed=True)
    result = _ok(run_cli("import", str(closed), "--db", db))
    assert "session J-IMP nouvelle, close" in result.stdout
    notes = [line for line in result.stdout.splitlines() if line.startswith("note : ")]
    assert len(notes) == 2, result.stdout  # the short collège and the total, as jury close says them
    assert all(
        n.startswith(
            f"note : session « J-IMP » ({closed}) : close par le fichier (clôture forcée) : erreur jury_composition — "
        )
        and n.endswith(" [bloquant à la clôture]")
        for n in notes
    ), notes
    assert _closed(db, "J-IMP")

    # the next session of the same jury (the presidency alternating), opened, then closed with --forcer: the same
    # audit details (no dossier presented to either)
    _ok(
        run_cli(
            "import",
            str(_session_file(tmp_path / "j2.toml", "J-OPEN", "2020-12-07", THREE, "S1", closed=False)),
            "--db",
            db,
        )
    )
    _ok(run_cli("jury", "close", "J-OPEN", "--forcer", "--db", db))
    expected = {"dossiers": 0, "constats": ["jury_composition"], "forcee": True}
    assert _closing_entry(store, "J-IMP") == _closing_entry(store, "J-OPEN") == expected
    _ok(run_cli("db", "verify", "--db", db))  # the log and the closed session agree


def test_json_report(store, db, tmp_path):
    """``import --json``: the findings under ``constats`` (each blocking the closing), the notes the same as in text."""
    closed = _session_file(tmp_path / "j1.toml", "J-IMP", "2020-07-06", THREE, "E1", closed=True)
    out = json.loads(_ok(run_cli("import", str(closed), "--json", "--db", db)).stdout)
    assert [c["code"] for c in out["constats"]["J-IMP"]] == ["jury_composition", "jury_composition"]
    assert all(c["niveau"] == "erreur" and c["bloque_la_cloture"] is True for c in out["constats"]["J-IMP"])
    assert len(out["notes"]) == 2 and all(
        n.endswith("[bloquant à la clôture]") and "clôture forcée" in n for n in out["notes"]
    )
    assert out["fichiers"] == [{"fichier": str(closed), "type": "session", "id": "J-IMP", "statut": "nouvelle, close"}]


def test_alternation_checked_against_the_stored_sessions(store, db, tmp_path):
    """The presidency kept by the employer collège over the previous stored session: forced, jury_presidence_alternee."""
    _ok(
        run_cli(
            "import", str(_session_file(tmp_path / "j1.toml", "J-1", "2020-07-06", FOUR, "E1", closed=True)), "--db", db
        )
    )
    second = _session_file(tmp_path / "j2.toml", "J-2", "2020-12-07", FOUR, "E2", closed=True, precedente="J-1")
    out = json.loads(_ok(run_cli("import", str(second), "--json", "--db", db)).stdout)
    assert [c["code"] for c in out["constats"]["J-2"]] == ["jury_presidence_alternee"]
    assert _closing_entry(store, "J-2") == {"dossiers": 0, "constats": ["jury_presidence_alternee"], "forcee": True}


def test_a_good_session_closes_as_jury_close_does(store, db, tmp_path):
    """Four members, the presidency alternating: no note, the closing not forced, the same entry as jury close gives."""
    _ok(
        run_cli(
            "import", str(_session_file(tmp_path / "j1.toml", "J-1", "2020-07-06", FOUR, "E1", closed=True)), "--db", db
        )
    )
    second = _session_file(tmp_path / "j2.toml", "J-2", "2020-12-07", FOUR, "S1", closed=True, precedente="J-1")
    out = json.loads(_ok(run_cli("import", str(second), "--json", "--db", db)).stdout)
    assert (out["notes"], out["constats"]) == ([], {"J-2": []})
    _ok(
        run_cli(
            "import",
            str(_session_file(tmp_path / "j3.toml", "J-3", "2021-07-05", FOUR, "E1", closed=False, precedente="J-2")),
            "--db",
            db,
        )
    )
    _ok(run_cli("jury", "close", "J-3", "--db", db))
    assert (
        _closing_entry(store, "J-2") == _closing_entry(store, "J-3") == {"dossiers": 0, "constats": [], "forcee": False}
    )


def test_an_open_session_closed_by_a_later_file(store, db, tmp_path):
    """The session stored open (three members, a warning), then its file says closed: checked at that closing, forced."""
    path = tmp_path / "j1.toml"
    _ok(run_cli("import", str(_session_file(path, "J-1", "2020-07-06", THREE, "E1", closed=False)), "--db", db))
    assert not _closed(db, "J-1")
    result = _ok(run_cli("import", str(_session_file(path, "J-1", "2020-07-06", THREE, "E1", closed=True)), "--db", db))
    assert "session J-1 inchangée, close" in result.stdout  # cloturee is not part of the fingerprint
    assert sum("(clôture forcée) : erreur jury_composition" in line for line in result.stdout.splitlines()) == 2, (
        result.stdout
    )
    assert _closed(db, "J-1") and _closing_entry(store, "J-1")["forcee"] is True


def test_the_dossiers_presented_are_checked_with_it(store, db):
    """The example session, closed, imported with its dossier: checked with the dossier presented, nothing blocking."""
    from tests.conftest import ROOT

    examples = ROOT / "examples"
    out = json.loads(
        _ok(
            run_cli(
                "import",
                str(examples / "session-oemm-jury-2014-01.toml"),
                str(examples / "dossier-specialiste-prestations-formation.toml"),
                "--json",
                "--db",
                db,
            )
        ).stdout
    )
    assert out["constats"] == {"OEMM-JURY-2014-01": []}
    assert not any("clôture forcée" in n or "bloquant" in n for n in out["notes"]), out["notes"]
    assert _closing_entry(store, "OEMM-JURY-2014-01") == {"dossiers": 1, "constats": [], "forcee": False}
