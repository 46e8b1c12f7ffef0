"""Printing: no missing glyph on any paper of the campaign, the same bytes for the same input, plugins' templates,
the progress bar of long batches.

The glyph check is :func:`cqpkit.testing.documents.missing_glyphs`: a character the compiler's fonts lack is drawn as
a « tofu » box and reads back from the PDF's text as U+0000 (Typst maps it to the .notdef glyph); its own test shows
that it catches « ✕ », the glyph commun.typ's ticked box used to print.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_cli
from tests.test_third_party import cli, expose, site  # noqa: F401 (fixture)

pypdf = pytest.importorskip("pypdf", reason="pypdf (extra [test]) lit le texte des PDF produits")
pytest.importorskip("typst", reason="le compilateur Typst (extra [documents]) n'est pas installé")

from cqpkit.documents import Document  # noqa: E402
from cqpkit.documents.typst import Renderer, render_pdf, templates_dir  # noqa: E402
from cqpkit.testing.documents import missing_glyphs  # noqa: E402

CAMPAIGN = ROOT / "examples" / "campaign"
SESSIONS = sorted((CAMPAIGN / "sessions").glob("*.toml"))
DOSSIERS = CAMPAIGN / "dossiers"
SESSION_KINDS = ("convocation", "proces-verbal", "notification", "attestation", "certificat")


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages))


def ok(result: Any) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return str(result.stdout)


# ------------------------------------------------------------------------------ glyphs
class TestGlyphs:
    def test_the_check_catches_a_glyph_the_fonts_lack(self, tmp_path: Path) -> None:
        """« ✕ » (not in the bundled fonts) is found; « × », « € », « » », accents and no-break spaces are not."""
        (tmp_path / "t.typ").write_text('#set text(lang: "fr")\nCoché ✕ ici\n\nCoché × ici : 9\u202f650,00\u00a0€ « oui »\n', encoding="utf-8")
        found = missing_glyphs(render_pdf("t", {}, root=tmp_path))
        assert len(found) == 1 and "Coché □ ici" in found[0], found

    def test_a_ticked_box_prints_a_cross_the_fonts_have(self) -> None:
        """commun.typ's `case(coche: true)` (the smoke template essai.typ ticks one) prints « × », read back from the PDF."""
        pdf = Renderer().render(Document("essai", "essai", {"titre": "Essai", "texte": "", "montant": "1\u00a0€"}, "e.pdf"))
        assert missing_glyphs(pdf) == []
        assert "× oui" in text_of(pdf)
        code = [line for line in (templates_dir() / "commun.typ").read_text(encoding="utf-8").splitlines() if not line.startswith("//")]
        assert not any("✕" in line for line in code)

    @pytest.mark.parametrize("session", SESSIONS, ids=lambda p: p.stem)
    def test_no_paper_of_the_campaign_lacks_a_glyph(self, session: Path, tmp_path: Path) -> None:
        """Every convocation, PV, notification, attestation and certificate of each campaign session: no missing glyph."""
        printed = 0
        for kind in SESSION_KINDS:
            result = run_cli("document", kind, "--session", str(session), str(DOSSIERS), "-o", f"{tmp_path / kind}/", "-q")
            assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr  # 1: nothing calls for it
            for pdf in sorted((tmp_path / kind).glob("*.pdf")) if (tmp_path / kind).is_dir() else ():
                assert missing_glyphs(pdf.read_bytes()) == [], pdf.name
                printed += 1
        assert printed >= 3  # at least a convocation, the PV and a notification

    def test_filled_forms_lack_no_glyph(self, tmp_path: Path) -> None:
        """The four forms filled from a campaign dossier (ticked boxes included): no missing glyph."""
        dossier = next(p for p in sorted(DOSSIERS.glob("*.toml")) if "specialiste-prestations" in p.read_text(encoding="utf-8"))
        for kind in ("positionnement", "livret-suivi", "grille-tuteur", "livret-evaluation-finale"):
            out = tmp_path / f"{kind}.pdf"
            ok(run_cli("document", kind, str(dossier), "-o", str(out), "-q"))
            assert missing_glyphs(out.read_bytes()) == [], kind


# ------------------------------------------------------------------------ reproducible
class TestReproducible:
    def test_a_sessions_papers_are_the_same_bytes_twice(self, tmp_path: Path) -> None:
        """The same session and dossiers printed twice (PV, attestations): byte for byte the same files."""
        session = str(CAMPAIGN / "sessions" / "oemm-jury-2019-03.toml")
        runs = []
        for n in (1, 2):
            folder = tmp_path / str(n)
            folder.mkdir()
            ok(run_cli("document", "proces-verbal", "--session", session, str(DOSSIERS), "-o", str(folder / "pv.pdf"), "-q"))
            ok(run_cli("document", "attestation", "--session", session, str(DOSSIERS), "-o", str(folder / "att"), "-q"))
            runs.append({p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.pdf"))})
        assert len(runs[0]) >= 2 and runs[0] == runs[1]

    def test_no_timestamp_but_the_datas(self, tmp_path: Path) -> None:
        """The PDF's creation date is fixed (the epoch), not the day it was printed; the paper's date is the data's."""
        out = tmp_path / "pv.pdf"
        ok(run_cli("document", "proces-verbal", "--session", str(CAMPAIGN / "sessions" / "oemm-jury-2019-03.toml"),
                   str(DOSSIERS), "-o", str(out), "-q"))
        info = pypdf.PdfReader(out).metadata
        assert info is not None and str(info.get("/CreationDate", "")).startswith("D:1970")
        import datetime as dt

        assert dt.date.today().strftime("%Y%m%d") not in out.read_bytes().decode("latin-1")


# ------------------------------------------------------------------- plugins' templates
class TestPluginTemplates:
    """tests/third_party/cqpkit-exemple supplies its attestation (logo, wording) and a kind of its own."""

    DOSSIER = """[dossier]
id = "EX-2024-009"
certification = "exemple.agent-test"
version = "2024"
voie = "formation"
inscription = 2024-02-05

[candidat]
id = "C-EX-009"
nom = "Fictif"
prenom = "Camille"

[[passages]]
session = "EX-JURY-2025-03"
date = 2025-03-10
decisions = { D1 = "acquis", D2 = "non_acquis" }
"""

    def _dossier(self, tmp_path: Path) -> str:
        path = tmp_path / "ex-2024-009.toml"
        path.write_text(self.DOSSIER, encoding="utf-8")
        return str(path)

    def test_hook_cqpkit_document_template_overrides_the_attestation(self, site: Path, tmp_path: Path) -> None:  # noqa: F811
        """Installed, the plugin's attestation is printed (its wording, its logo) for its certification."""
        expose(site)
        out = tmp_path / "a.pdf"
        ok(cli("document", "attestation", self._dossier(tmp_path), "--as-of", "2025-04-01", "-o", str(out), site=site))
        text = text_of(out.read_bytes())
        assert "Attestation de blocs acquis — branche Exemple" in text
        assert "Camille Fictif" in text and "EX-2024-009" in text
        assert text.startswith("EXEMPLE")  # the logo (modeles/logo.svg, its text kept as text), above the heading
        assert missing_glyphs(out.read_bytes()) == []

    def test_a_kind_of_the_plugins_own(self, site: Path, tmp_path: Path) -> None:  # noqa: F811
        """`attestation:courte`: printed from the attestation's data with the plugin's template, under its own name."""
        expose(site)
        ok(cli("document", "attestation:courte", self._dossier(tmp_path), "--as-of", "2025-04-01", "-o", str(tmp_path / "out") + "/",
               site=site))
        (pdf,) = (tmp_path / "out").iterdir()
        assert pdf.name == "attestation-courte-EX-2024-009.pdf"
        assert "Relevé court des blocs acquis — branche Exemple" in text_of(pdf.read_bytes())
        assert "EX-2024-009) : D1." in text_of(pdf.read_bytes())

    def test_a_kind_no_plugin_gives(self, tmp_path: Path) -> None:
        """`attestation:inconnue` for a bundled certification: refused in French, nothing written."""
        dossier = str(DOSSIERS / "oemm-2018-0203.toml")
        result = run_cli("document", "attestation:inconnue", dossier, "--as-of", "2020-06-30", "-o", str(tmp_path / "x.pdf"))
        assert result.returncode != 0 and "Traceback" not in result.stderr
        assert "document « attestation:inconnue » : aucune extension ne le fournit" in result.stderr
        assert not (tmp_path / "x.pdf").exists()

    def test_the_bundled_templates_for_the_others(self, site: Path, tmp_path: Path) -> None:  # noqa: F811
        """With the plugin installed, a bundled certification's attestation keeps cqpkit's wording."""
        expose(site)
        out = tmp_path / "a.pdf"
        ok(cli("document", "attestation", str(DOSSIERS / "oemm-2018-0203.toml"), "--as-of", "2020-06-30", "-o", str(out), site=site))
        assert "Attestation de validation partielle" in text_of(out.read_bytes())


# ------------------------------------------------------------------------------ progress
class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_only() -> None:
    """A long batch draws a bar counting documents on a terminal; a pipe gets nothing (the CLI's threshold)."""
    from cqpkit.cli.documents import PROGRESS_FROM
    from cqpkit.cli.progress import progress

    term, pipe = _Terminal(), io.StringIO()
    for stream in (term, pipe):
        with progress(PROGRESS_FROM, stream=stream, long=PROGRESS_FROM, unit="documents") as tick:
            for n in range(1, PROGRESS_FROM + 1):
                tick("Impression des documents", n, PROGRESS_FROM)
    assert "Impression des documents" in term.getvalue() and f"{PROGRESS_FROM}/{PROGRESS_FROM}" in term.getvalue()
    assert "documents" in term.getvalue().split("Impression des documents", 1)[1]
    assert pipe.getvalue() == ""


def test_a_template_answer_that_is_no_typ_file_names_the_plugin() -> None:
    """A plugin answering a path that does not exist: HookReturnError under its name, in French."""
    import types

    from cqpkit import hookimpl
    from cqpkit.plugins.registry import HookReturnError, load_registry

    plugin = types.ModuleType("mauvais")

    @hookimpl
    def cqpkit_referentiels(register: Any) -> None:
        register(str(ROOT / "tests/third_party/cqpkit-exemple/cqpkit_exemple/referentiels/agent-test-2024.toml"))

    @hookimpl
    def cqpkit_document_template(referentiel: Any, kind: str) -> str:
        return "/inexistant/attestation.typ"

    plugin.cqpkit_referentiels = cqpkit_referentiels  # type: ignore[attr-defined]
    plugin.cqpkit_document_template = cqpkit_document_template  # type: ignore[attr-defined]
    registry = load_registry(plugins=[("mauvais", plugin)], cache=False)
    with pytest.raises(HookReturnError) as caught:
        registry.document_template("attestation", [("exemple.agent-test", "2024")])
    assert caught.value.plugin == "mauvais"
    assert "cqpkit_document_template renvoie '/inexistant/attestation.typ' au lieu du chemin d'un fichier .typ existant" in str(caught.value)
    assert registry.document_template("attestation", [("mutualite.specialiste-prestations", "2014")]) is None  # not its own
