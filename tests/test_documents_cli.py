"""``cqpkit document KIND …``: from files and from the store (both engines), outputs, and bad input.

The store's papers are checked against what the store itself says (``db verify``'s head) and what the
campaign's files hold (the jury's decisions); bad input ends in French with exit 2 and no traceback.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from tests.test_store_support import CAMPAIGN, campaign_store, db, registry, store  # noqa: F401 (fixtures)

pypdf = pytest.importorskip("pypdf", reason="pypdf (extra [test]) lit le texte des PDF produits")
pytest.importorskip("typst", reason="le compilateur Typst (extra [documents]) n'est pas installé")

SESSIONS = ROOT / "examples" / "campaign" / "sessions"
DOSSIERS = ROOT / "examples" / "campaign" / "dossiers"


def pdf_text(path: Path) -> str:
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(path.read_bytes())).pages)
    return re.sub(r"[ \n]+", " ", text).replace("\u2019", "'")  # no-break spaces kept


def ok(result) -> str:  # type: ignore[no-untyped-def]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return str(result.stdout)


def fails(result, code: int) -> str:  # type: ignore[no-untyped-def]
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stderr.startswith(("erreur", "usage")), result.stderr
    return str(result.stderr)


class TestFromTheStore:
    def test_proces_verbal_prints_the_head_db_verify_gives(self, db, campaign_store, tmp_path):  # type: ignore[no-untyped-def]
        """The PV of a stored session carries the audit head `db verify` prints, and the candidates' names kept apart in the base."""
        out = tmp_path / "pv.pdf"
        ok(run_cli("document", "proces-verbal", "--db", db, "--session", "OEMM-JURY-2019-10", "-o", str(out)))
        verify = json.loads(ok(run_cli("db", "verify", "--db", db, "--json")))
        text = pdf_text(out)
        assert verify["tete"] in text and len(verify["tete"]) == 64
        assert f"entrée n°\u00a0{verify['entrees']}" in text
        assert "Hugo Bourrache — dossier OEMM-2017-0202" in text  # the name comes from the store's encrypted record
        assert "PROJET" not in text
        assert ok(run_cli("db", "verify", "--db", db, "--expect", verify["tete"]))  # the head printed is one to check later

    def test_attestations_of_a_whole_session(self, db, campaign_store, tmp_path):  # type: ignore[no-untyped-def]
        """`attestation --session`: one per candidate left with a partial award; the certified one is said, not printed."""
        folder = tmp_path / "att"
        result = run_cli("document", "attestation", "--db", db, "--session", "OEMM-JURY-2019-03", "-o", str(folder))
        ok(result)
        assert sorted(p.name for p in folder.iterdir()) == ["attestation-OEMM-2017-0202.pdf", "attestation-OEMM-2018-0203.pdf"]
        assert "non imprimé : dossier « OEMM-2017-0201 »" in result.stderr
        # as of the session's date, 0202 holds D1, D2, D4, D5 (D3 refused that day: its file's first passage)
        text = pdf_text(folder / "attestation-OEMM-2017-0202.pdf")
        assert "D3 — Identifier" in text.split("Restent à acquérir")[1]

    def test_campaign_funding_statement_of_one_certification(self, db, campaign_store, tmp_path):  # type: ignore[no-untyped-def]
        """`etat-financement --db --certification`: every stored dossier of the CQP MO, the 9 650 € course (lancement, VII)."""
        out = tmp_path / "etat.pdf"
        ok(run_cli("document", "etat-financement", "--db", db, "--certification", "secu.manager-operationnel",
                   "--as-of", "2020-06-30", "-o", str(out)))
        text = pdf_text(out)
        ids = sorted(p.stem.upper() for p in DOSSIERS.glob("i410-*.toml"))
        assert f"{len(ids)} dossiers" in text and all(i in text for i in ids)
        assert "OEMM-" not in text
        assert "9\u202f650,00\u00a0€" in text

    def test_correction_after_closing_printed_with_its_motive(self, db, campaign_store, tmp_path):  # type: ignore[no-untyped-def]
        """A closed session's decision corrected (a new record, with its motif): the PV prints the change and the motif."""
        campaign_store.decide("OEMM-JURY-2019-03", "OEMM-2018-0203", {"D4": "acquis"}, "test", motif="Erreur de saisie (fictive)")
        out = tmp_path / "pv.pdf"
        ok(run_cli("document", "proces-verbal", "--db", db, "--session", "OEMM-JURY-2019-03", "-o", str(out)))
        text = pdf_text(out)
        assert "D4 : non acquis → acquis — motif : Erreur de saisie (fictive)" in text
        assert "Certifications délivrées (2)" in text  # 0203 now holds every domaine as of the session's date

    def test_open_session_gives_a_draft(self, db, campaign_store, tmp_path):  # type: ignore[no-untyped-def]
        """A session not closed: the PV says « PROJET — session non close », never a final-looking paper."""
        import datetime as dt

        from cqpkit.model import Membre, SessionInfo, SessionJury

        campaign_store.open_session(
            SessionJury(
                session=SessionInfo(id="OEMM-JURY-2020-09", date=dt.date(2020, 9, 14), certifications=("mutualite.specialiste-prestations",),
                                    president="J-02", precedente="OEMM-JURY-2019-10"),
                membres=(Membre(id="J-01", college="employeur"), Membre(id="J-02", college="employeur"),
                         Membre(id="J-03", college="salarie"), Membre(id="J-04", college="salarie")),
            ),
            "test",
        )
        campaign_store.add_to_session("OEMM-JURY-2020-09", ["OEMM-2018-0203"], "test")
        campaign_store.decide("OEMM-JURY-2020-09", "OEMM-2018-0203", {"D4": "acquis"}, "test")
        out = tmp_path / "pv.pdf"
        ok(run_cli("document", "proces-verbal", "--db", db, "--session", "OEMM-JURY-2020-09", "-o", str(out)))
        text = pdf_text(out)
        assert "PROJET — session non close" in text
        assert "CQP délivré le 14\u00a0septembre 2020" in text


class TestFromFiles:
    def test_convocations_to_a_folder_one_per_candidate(self, tmp_path):  # type: ignore[no-untyped-def]
        """A session file and the campaign's folder: one convocation per candidate presented, into the folder given."""
        folder = tmp_path / "convocations"
        out = ok(run_cli("document", "convocation", "--session", str(SESSIONS / "i410-jury-2019-11.toml"), str(DOSSIERS), "-o", str(folder)))
        names = sorted(p.name for p in folder.iterdir())
        assert names == ["convocation-I410-2018-0102.pdf", "convocation-I410-2018-0103.pdf", "convocation-I410-2018-0104.pdf"]
        assert out.count("écrit : ") == 3

    def test_several_documents_into_a_pdf_name_is_a_usage_error(self, tmp_path):  # type: ignore[no-untyped-def]
        """Three convocations and `-o x.pdf`: exit 2, nothing written."""
        err = fails(run_cli("document", "convocation", "--session", str(SESSIONS / "i410-jury-2019-11.toml"), str(DOSSIERS),
                            "-o", str(tmp_path / "x.pdf")), 2)
        assert "-o doit nommer un dossier" in err
        assert not list(tmp_path.iterdir())

    def test_unwritable_output(self, tmp_path):  # type: ignore[no-untyped-def]
        """An output in a folder that does not exist under a file: French reason, exit 2."""
        blocker = tmp_path / "fichier"
        blocker.write_text("x", encoding="utf-8")
        err = fails(run_cli("document", "certificat", str(DOSSIERS / "oemm-2017-0201.toml"), "--as-of", "2020-06-30",
                            "-o", str(blocker / "c.pdf")), 2)
        assert str(blocker) in err

    def test_unknown_kind(self) -> None:
        """A misspelt kind: usage error naming the close one and every kind."""
        err = fails(run_cli("document", "proces-verbl", "--session", "x"), 2)
        assert "type de document inconnu « proces-verbl »" in err and "proces-verbal" in err

    def test_dossier_that_does_not_call_for_the_paper(self) -> None:
        """A certificate for a partial award: exit 1, the reason in French."""
        err = fails(run_cli("document", "certificat", str(DOSSIERS / "oemm-2018-0203.toml"), "--as-of", "2020-06-30"), 1)
        assert "CQP non délivré (validation partielle)" in err

    def test_an_id_without_a_base(self) -> None:
        """A dossier id without --db: the id is not a file, and ids are looked up in a base."""
        err = fails(run_cli("document", "certificat", "OEMM-2017-0201"), 2)
        assert "un identifiant de dossier demande --db" in err

    def test_session_papers_need_the_session(self) -> None:
        err = fails(run_cli("document", "proces-verbal", str(DOSSIERS)), 2)
        assert "--session est obligatoire" in err

    def test_missing_extra_is_said_in_french(self, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
        """Without the Typst compiler: which extra to install, exit 2, before anything is read."""
        monkeypatch.setitem(sys.modules, "typst", None)  # `import typst` raises ImportError
        err = fails(run_cli("document", "certificat", str(DOSSIERS / "oemm-2017-0201.toml"), "-o", str(tmp_path / "c.pdf")), 2)
        assert "pip install 'cqpkit[documents]'" in err
        assert not list(tmp_path.iterdir())

    def test_forms_wait_for_their_module(self) -> None:
        """The référentiel's forms are built by cqpkit.documents.forms; without it, the command says so (exit 2)."""
        import importlib.util

        if importlib.util.find_spec("cqpkit.documents.forms") is not None:
            pytest.skip("cqpkit.documents.forms est installé : ses formulaires sont testés par tests/test_documents_forms.py")
        err = fails(run_cli("document", "positionnement", "mutualite.specialiste-prestations"), 2)
        assert "pas encore disponible" in err


def test_document_is_listed_in_the_help() -> None:
    """`cqpkit --help` lists the command."""
    assert "document" in ok(run_cli("--help"))
