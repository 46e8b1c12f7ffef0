"""What ``cqpkit import`` says about the jury sessions a lot names (the two lot-wide notes), whole or streamed.

- A dossier's passage naming a jury session that is neither in the base nor in the lot is imported (the session
  may predate the base, or come in a later lot), with one note per session naming the files: its composition
  and closing go unchecked until it is imported. Not said again once the session is there, nor for a passage
  already stored.
- The engine's findings on a session the import creates and leaves open are said as notes (« avertissement
  jury_composition … [bloquant à la clôture] ») by a streaming import too: the lot's sessions are written before
  the batches of dossiers, and the notes were once read from the last batch (which holds no session).
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cqpkit.store import streaming

from tests.conftest import run_cli
from tests.test_store_support import CAMPAIGN, SP, db, write_generated  # noqa: F401

#: the campaign's passages, per session (counted in examples/campaign/dossiers by hand: `grep 'session = '`)
PASSAGES = {"I410-JURY-2019-03": 2, "I410-JURY-2019-11": 3, "OEMM-JURY-2015-09": 1, "OEMM-JURY-2019-03": 3, "OEMM-JURY-2019-10": 4}


def _import(db: str, *paths: str | Path) -> dict:
    result = run_cli("import", "--json", "--db", db, *map(str, paths))
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def _unknown(notes: list[str]) -> dict[str, str]:
    return {n.split("»")[0].removeprefix("session « ").strip(): n for n in notes if "ni dans la base ni dans cet import" in n and "citée par" in n}


@pytest.fixture
def streamed(monkeypatch):  # type: ignore[no-untyped-def]
    """Tiny batches (as test_store_importindex): the lot is streamed, its sessions written before the dossiers."""
    monkeypatch.setattr(streaming, "SMALL", 10)
    monkeypatch.setattr(streaming, "BATCH", 16)
    monkeypatch.setattr(streaming, "CHUNK", 5)


class TestUnknownSession:
    def test_dossiers_without_their_sessions(self, db):
        """The campaign's dossiers alone: stored, one note per session they name, with the number of passages."""
        out = _import(db, CAMPAIGN / "dossiers")
        notes = _unknown(out["notes"])
        assert set(notes) == set(PASSAGES)
        for sid, n in PASSAGES.items():
            s = "s" if n > 1 else ""
            assert f"citée par {n} passage{s} (" in notes[sid], notes[sid]
            assert notes[sid].endswith("ne pourront pas être vérifiées tant qu'elle n'y est pas")
        # at most three files named, then how many more
        assert "et 1 autre)" in notes["OEMM-JURY-2019-10"], notes["OEMM-JURY-2019-10"]
        assert str(CAMPAIGN / "dossiers") in notes["OEMM-JURY-2015-09"]
        # the sessions imported next, then the dossiers again (unchanged): nothing more to say
        _import(db, CAMPAIGN / "sessions")
        assert _unknown(_import(db, CAMPAIGN / "dossiers")["notes"]) == {}

    def test_sessions_in_the_same_lot_or_in_the_base(self, db, tmp_path):
        """With their sessions in the lot: no note; a session stored by an earlier import: no note for new dossiers naming it."""
        assert _unknown(_import(db, CAMPAIGN)["notes"]) == {}
        session = tmp_path / "session.toml"
        session.write_text(SESSION.format(cert=SP).replace("J-2020-01", "GEN-JURY-01"), "utf-8")  # the generated dossiers' session
        _import(db, session)
        out = _import(db, write_generated(tmp_path / "lot", 3))
        assert [f["statut"] for f in out["fichiers"]] == ["nouveau"] * 3, out
        assert _unknown(out["notes"]) == {}

    def test_streamed_lot(self, db, tmp_path, streamed):
        """A streamed lot (more than SMALL files, batches of 16): the same notes as the whole lot."""
        lot = tmp_path / "lot"
        shutil.copytree(CAMPAIGN / "dossiers", lot / "campagne")
        write_generated(lot / "gen", 20)  # each with a passage in GEN-JURY-01
        notes = _unknown(_import(db, lot)["notes"])
        assert set(notes) == {*PASSAGES, "GEN-JURY-01"}
        assert "citée par 20 passages (" in notes["GEN-JURY-01"] and "et 17 autres)" in notes["GEN-JURY-01"]
        assert "citée par 4 passages (" in notes["OEMM-JURY-2019-10"]


SESSION = """\
[session]
id = "J-2020-01"
date = 2020-07-06
certifications = ["{cert}"]
president = "E1"

[[membres]]
id = "E1"
college = "employeur"

[[membres]]
id = "E2"
college = "employeur"

[[membres]]
id = "S1"
college = "salarie"
"""


def test_streamed_lot_says_the_sessions_findings(db, tmp_path, streamed):
    """A three-member jury (the Mutualité jury has 2 + 2) in a streamed lot: its findings said as notes and in
    ``constats``, as for a lot read whole (tests/test_jury_findings_early.py)."""
    lot = write_generated(tmp_path / "lot", 30)
    (lot / "session.toml").write_text(SESSION.format(cert=SP), "utf-8")
    out = _import(db, lot)
    assert [c["code"] for c in out["constats"]["J-2020-01"]] == ["jury_composition", "jury_composition"], out["constats"]
    warned = [n for n in out["notes"] if n.startswith("session « J-2020-01 »") and "avertissement jury_composition" in n]
    assert len(warned) == 2 and all(n.endswith("[bloquant à la clôture]") for n in warned), out["notes"]
