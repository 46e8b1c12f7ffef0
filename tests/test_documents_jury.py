"""The jury's papers (convocation, procès-verbal, notification) printed from the campaign's files, read back from the PDF.

The expected values come from the dossier and session files (the jury's decisions) and from the seeds'
rules: partial awards of the Mutualité are valid five years (guide, Partie 1, 2.5: valid through the day
before the fifth anniversary, ``cqpkit.rules.dates.valid_until``); the jury of Conseiller mutualiste,
Chargé d'accueil and Spécialiste prestations hears a 10-minute slide presentation and a 10-minute
interview, that of Assistant commercial and Téléconseiller a 20-minute interview (2.5); the CQP MO's
sources give no jury format (lancement, VI.4: « conduite par le jury local »).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

pypdf = pytest.importorskip("pypdf", reason="pypdf (extra [test]) lit le texte des PDF produits")
pytest.importorskip("typst", reason="le compilateur Typst (extra [documents]) n'est pas installé")

from cqpkit.documents import jury  # noqa: E402  (after the extras are known to be there)
from cqpkit.documents.typst import render_pdf  # noqa: E402
from cqpkit.formats.dossiers import load_dossier, load_session  # noqa: E402

CAMPAIGN = ROOT / "examples" / "campaign"
SESSIONS = sorted((CAMPAIGN / "sessions").glob("*.toml"))


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, typographic apostrophes as typed ones, lines joined (a long label wraps)."""
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    return text.replace("\u2019", "'")


def flat(text: str) -> str:
    """Whitespace collapsed to one space (no-break spaces kept), to find a label that wrapped."""
    return re.sub(r"[ \n]+", " ", text)


def body(text: str) -> str:
    """The text without the page footers: page numbers and source footnotes (a table row may continue past them)."""
    return "\n".join(line for line in text.split("\n") if not re.fullmatch(r"\d+ / \d+|\d+Source : .*", line))


def render(doc) -> str:  # type: ignore[no-untyped-def]
    return pdf_text(render_pdf(doc.template, doc.data))


@pytest.fixture(scope="module")
def registry():  # type: ignore[no-untyped-def]
    import cqpkit

    return cqpkit.load_registry(cache=False)


@pytest.fixture(scope="module")
def dossiers(registry):  # type: ignore[no-untyped-def]
    return [load_dossier(p, registry) for p in sorted((CAMPAIGN / "dossiers").glob("*.toml"))]


def _five_years(day: dt.date) -> dt.date:
    """The last valid day of an award of ``day`` valid five years (guide 2.5; the engine's stated semantics)."""
    return day.replace(year=day.year + 5) - dt.timedelta(days=1)


def _passages(session_id: str) -> list[tuple[dict, dict]]:
    """(dossier file, its passage) of every campaign dossier presented to the session, read with tomllib."""
    out = []
    for path in sorted((CAMPAIGN / "dossiers").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for p in data.get("passages", ()):
            if p["session"] == session_id:
                out.append((data, p))
    return out


class TestProcesVerbal:
    @pytest.mark.parametrize("path", SESSIONS, ids=[p.stem for p in SESSIONS])
    def test_each_session_prints_every_decision_and_validity_end(self, registry, dossiers, path):  # type: ignore[no-untyped-def]
        """Each of the five sessions: every candidate, every decision per domaine, each partial award's end, the president."""
        session = load_session(path, registry)
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        text = render(jury.proces_verbal(registry, session, dossiers))
        flat_text = flat(text)
        text = body(text)
        assert f"Procès-verbal de la session de jury {raw['session']['id']}" in text
        assert "PROJET" not in text  # the campaign's sessions are closed
        assert "sans base : aucun journal d'audit" in flat_text
        president = next(m for m in raw["membres"] if m["id"] == raw["session"]["president"])
        assert re.search(rf"{president['id']}, {re.escape(president['organisation'])}.*président\(e\)", flat_text)
        passages = _passages(raw["session"]["id"])
        assert passages, "every session of the campaign has candidates"
        mutualite = raw["session"]["id"].startswith("OEMM")
        for data, passage in passages:
            assert f"dossier {data['dossier']['id']}" in text
            assert f"{data['candidat']['prenom']} {data['candidat']['nom']}" in text
            # the candidate's part of the paper: from their heading to the next candidate's, or the summary
            part = re.split(r"\n[^\n]* — dossier |\nCertifications délivrées", text.split(f"— dossier {data['dossier']['id']}\n")[1])[0]
            for dom, decision in passage["decisions"].items():
                # « D3 — intitulé … non acquis »: the domaine's row holds its decision
                row = re.split(r"\n(?:[A-Z]\d+ — |Résultat)", part.split(f"{dom} — ", 1)[1])[0].strip()
                said = re.search(r"(non acquis|acquis)(?:[ \n]\d\d/\d\d/\d{4})?$", row)
                assert said is not None and said.group(1) == decision.replace("_", " "), (data["dossier"]["id"], dom, row)
            acquired = {d for d, v in passage["decisions"].items() if v == "acquis"}
            before = {d for p in data["passages"] if p["date"] < passage["date"] for d, v in p["decisions"].items() if v == "acquis"}
            if mutualite and acquired and len(acquired | before) < 5:  # a partial award: its end is printed
                assert _five_years(passage["date"]).strftime("%d/%m/%Y") in text, data["dossier"]["id"]
            if not mutualite:  # the CQP MO's référentiel gives no validity period: no end is printed
                assert not re.search(r"jusqu'au \d\d/\d\d/\d{4}", flat_text)

    def test_certifications_delivered_and_partial_awards_are_summed_up(self, registry, dossiers):  # type: ignore[no-untyped-def]
        """OEMM-JURY-2019-03: 0201 certified that day (five domaines acquis), 0202 and 0203 partial, each award until 17/03/2024."""
        session = load_session(CAMPAIGN / "sessions" / "oemm-jury-2019-03.toml", registry)
        text = flat(render(jury.proces_verbal(registry, session, dossiers)))
        delivered = text.split("Certifications délivrées (1)")[1].split("Validations partielles")[0]
        assert "OEMM-2017-0201" in delivered and "OEMM-2017-0202" not in delivered
        partial = text.split("Validations partielles (2)")[1].split("Décisions contraires")[0]
        end = _five_years(dt.date(2019, 3, 18)).strftime("%d/%m/%Y")
        assert f"D1 jusqu'au {end}" in partial and "OEMM-2017-0202" in partial and "OEMM-2018-0203" in partial

    def test_contrary_decision_is_flagged_with_the_jury_motive(self, registry, tmp_path):  # type: ignore[no-untyped-def]
        """D1 awarded although both evaluators judged it « pas totalement maîtrisé »: flagged, with the jury's notes as motive."""
        session_file, dossier_file = _contrary_case(tmp_path)
        session = load_session(session_file, registry)
        dossier = load_dossier(dossier_file, registry)
        doc = jury.proces_verbal(registry, session, [dossier])
        text = flat(render(doc))
        assert "Décisions contraires aux évaluations (1)" in text
        assert "Décision contraire" in text and "D1 acquis sans évaluation finale en entreprise favorable" in text
        assert "Motif du jury : Motif fictif : le jury retient la qualité de la présentation." in text
        assert "PROJET — session non close" in text  # the session file of this case is not closed

    def test_same_input_same_bytes(self, registry, dossiers):  # type: ignore[no-untyped-def]
        """The procès-verbal is reproducible: no timestamp but the data's."""
        session = load_session(CAMPAIGN / "sessions" / "i410-jury-2019-03.toml", registry)
        doc = jury.proces_verbal(registry, session, dossiers)
        assert render_pdf(doc.template, doc.data) == render_pdf(doc.template, doc.data)

    def test_no_dossier_presented_is_refused(self, registry, dossiers):  # type: ignore[no-untyped-def]
        """A session none of the dossiers names: a clear French refusal, no empty PV."""
        from cqpkit.exceptions import InvalidArgumentError

        session = load_session(CAMPAIGN / "sessions" / "i410-jury-2019-03.toml", registry)
        with pytest.raises(InvalidArgumentError, match="aucun des dossiers donnés n'est présenté"):
            jury.proces_verbal(registry, session, [d for d in dossiers if d.id.startswith("OEMM")])


def _contrary_case(tmp_path: Path) -> tuple[Path, Path]:
    """A session of June 2020 (not closed) and 0207 awarded D1 there although its final evaluation of D1 is unfavourable."""
    text = (CAMPAIGN / "dossiers" / "oemm-2017-0207.toml").read_text(encoding="utf-8")
    text = text.replace('verdict = "maitrise"', 'verdict = "pas_totalement_maitrise"', 1)
    text += (
        '\n[[passages]]\nsession = "OEMM-JURY-2020-06"\ndate = 2020-06-15\n'
        'decisions = { D1 = "acquis", D2 = "acquis", D3 = "acquis", D4 = "acquis", D5 = "acquis" }\n'
        'notes = "Motif fictif : le jury retient la qualité de la présentation."\n'
    )
    dossier = tmp_path / "oemm-2017-0207.toml"
    dossier.write_text(text, encoding="utf-8")
    s = (CAMPAIGN / "sessions" / "oemm-jury-2019-10.toml").read_text(encoding="utf-8")
    s = re.sub(r'id = "OEMM-JURY-2019-10"', 'id = "OEMM-JURY-2020-06"', s)
    s = re.sub(r"date = 2019-10-14", "date = 2020-06-15", s)
    s = s.replace("cloturee = true", "cloturee = false")
    s = re.sub(r'precedente = "[^"]*"\n', "", s)
    session = tmp_path / "session.toml"
    session.write_text(s, encoding="utf-8")
    return session, dossier


class TestConvocation:
    def test_specialiste_prestations_slides_and_interview(self, registry, dossiers):  # type: ignore[no-untyped-def]
        """Spécialiste prestations (guide 2.5): a 10-minute slide presentation, a 10-minute interview, the session's place."""
        session = load_session(CAMPAIGN / "sessions" / "oemm-jury-2019-03.toml", registry)
        docs = jury.convocation(registry, session, dossiers)
        assert [d.filename for d in docs] == [f"convocation-{i}.pdf" for i in ("OEMM-2017-0201", "OEMM-2017-0202", "OEMM-2018-0203")]
        text = render(docs[0])
        assert "Camille" in text or "OEMM-2017-0201" in text
        assert text.count("10\u00a0minutes") == 2 and "Diaporama" in text
        assert "18\u00a0mars 2019" in text and "Paris (salle fictive de l'OEMM)" in text
        assert "Source : mutualite_cqp_guide-et-outils-specialiste-prestations.txt, Partie 1, 2.5" in text

    def test_teleconseiller_twenty_minute_interview(self, registry, tmp_path):  # type: ignore[no-untyped-def]
        """Téléconseiller (guide 2.5): an interview of about 20 minutes, no slides."""
        text = (CAMPAIGN / "dossiers" / "oemm-2018-0501.toml").read_text(encoding="utf-8")
        text += '\n[[passages]]\nsession = "OEMM-JURY-2019-10"\ndate = 2019-10-14\n'
        path = tmp_path / "d.toml"
        path.write_text(text, encoding="utf-8")
        session = load_session(CAMPAIGN / "sessions" / "oemm-jury-2019-10.toml", registry)
        (doc,) = jury.convocation(registry, session, [load_dossier(path, registry)])
        out = render(doc)
        assert "20\u00a0minutes" in out and "10\u00a0minutes" not in out and "Diaporama" not in out

    def test_cqp_mo_format_not_given_by_the_sources(self, registry, dossiers):  # type: ignore[no-untyped-def]
        """CQP MO: no format in the sources; the certifying évaluation's supports are printed instead (lancement VI.4)."""
        session = load_session(CAMPAIGN / "sessions" / "i410-jury-2019-11.toml", registry)
        text = flat(render(jury.convocation(registry, session, dossiers)[0]))
        assert "non précisé par les sources" in text
        assert "Livret de synthèse des évaluations formatives" in text and "Entretien avec le candidat" in text


class TestNotification:
    def test_partial_award_what_remains_and_until_when(self, registry, dossiers):  # type: ignore[no-untyped-def]
        """0203 (VAE) at OEMM-JURY-2019-03: D4 remains; D1, D2, D3, D5 valid five years; the jury's notes; sovereignty."""
        session = load_session(CAMPAIGN / "sessions" / "oemm-jury-2019-03.toml", registry)
        docs = {d.filename: d for d in jury.notification(registry, session, dossiers)}
        text = flat(render(docs["notification-OEMM-2018-0203.pdf"]))
        assert "validation partielle" in text
        remains = text.split("Ce qui reste à acquérir")[1].split("Comment vous représenter")[0]
        assert "D4 — Analyser la conformité" in remains and "D1" not in remains
        end = _five_years(dt.date(2019, 3, 18)).strftime("%d/%m/%Y")
        assert text.count(end) >= 4 + 1  # each of the four awards, and the « avant la fin de validité » sentence
        assert "Le jury précise l'expérience à approfondir pour le domaine D4." in text
        assert "aucun recours" in text

