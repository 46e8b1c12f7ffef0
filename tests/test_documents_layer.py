"""The document layer renders a template with its data through the Typst compiler (extra ``documents``)."""

from __future__ import annotations

import pytest

from cqpkit.documents import KINDS, Document
from cqpkit.documents.typst import RenderError, render_pdf

pypdf = pytest.importorskip("pypdf", reason="pypdf (extra [test]) lit le texte des PDF produits")
pytest.importorskip("typst", reason="le compilateur Typst (extra [documents]) n'est pas installé")


def _text(pdf: bytes) -> str:
    import io

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_accents_guillemets_and_euros_survive_the_round_trip() -> None:
    pdf = render_pdf("essai", {"titre": "Procès-verbal d'essai", "texte": "« Élève » à l'œuvre", "montant": "1\u202f234,50\u00a0€"})
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    assert "Procès-verbal d'essai" in text or "Procès-verbal d’essai" in text
    assert "« Élève » à l" in text
    assert "234,50" in text and "€" in text


def test_same_data_same_bytes() -> None:
    data = {"titre": "T", "texte": "x", "montant": "1 €"}
    assert render_pdf("essai", data) == render_pdf("essai", data)


def test_unknown_template_is_a_render_error() -> None:
    with pytest.raises(RenderError, match="introuvable"):
        render_pdf("pas-un-modele", {})


def test_every_kind_names_a_builder_reference() -> None:
    assert set(KINDS) >= {"positionnement", "proces-verbal", "convocation", "notification", "attestation", "certificat"}
    for kind in KINDS.values():
        module, sep, name = kind.builder.partition(":")
        assert sep and module.startswith("cqpkit.documents.") and name.isidentifier()
    assert Document("essai", "essai", {}, "essai.pdf").filename == "essai.pdf"
