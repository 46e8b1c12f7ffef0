"""The conformance suite's printed documents: every kind, for every référentiel of the plugin, with its templates.

:class:`DocumentTests` builds, for each référentiel the plugin supplies, a ladder dossier
(:mod:`cqpkit.testing.witness`), a closed jury session at its first passage, and prints every kind of
:data:`cqpkit.documents.KINDS` (the forms blank and filled, the session's papers, the attestation after the
first passage, the certificate after the last, the funding statement) plus the plugin's own kinds
(``document_kinds``), each through the registry, so with the plugin's templates (hook
``cqpkit_document_template``). Each PDF's text must be free of missing glyphs (a character the fonts lack
reads back as U+0000 or U+FFFD). Skipped, with its reason, without the ``documents`` extra.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from typing import Any

import attrs
import pytest

from cqpkit.testing.fixtures import PluginUnderTest

__all__ = ["DocumentTests", "missing_glyphs", "sample_documents"]

_EXTRA = "l'extra documents n'est pas installé (pip install 'cqpkit[documents]') : les documents ne sont pas imprimés"


def missing_glyphs(pdf: bytes) -> list[str]:
    """The characters of ``pdf``'s text that its fonts lack, one line of context each (pypdf reads them as U+0000/U+FFFD)."""
    import pypdf

    out = []
    for n, page in enumerate(pypdf.PdfReader(io.BytesIO(pdf)).pages, 1):
        for line in page.extract_text().splitlines():
            if "\x00" in line or "\ufffd" in line:
                out.append(f"page {n} : « {line.replace(chr(0), '□').replace(chr(0xFFFD), '□')} »")
    return out


def sample_documents(registry: Any, ref: Any, own_kinds: tuple[str, ...] = ()) -> list[Any]:
    """Every kind of document about ``ref``, built from a ladder dossier and a closed session at its first passage."""
    from cqpkit.documents import KINDS, builder
    from cqpkit.documents.awards import NotAwarded
    from cqpkit.model import Membre, PassageJury, SessionInfo, SessionJury
    from cqpkit.testing.witness import ladder_dossier, ladder_passages, ladder_start

    # one passage per domaine; a référentiel with no domaine yet (incomplete) gets one passage deciding nothing
    passages = ladder_passages(ref) or (
        PassageJury(session="CONFORMITE-1", date=ladder_start(ref) + dt.timedelta(days=365), decisions={}),
    )
    dossier = ladder_dossier(ref, passages)
    first = ladder_dossier(ref, passages[:1])
    colleges = [c.college for c in (ref.jury.composition if ref.jury is not None else ())] or ["employeur", "salarie"]
    membres = tuple(Membre(id=f"M{i + 1}", college=c, organisation="Organisation fictive") for i, c in enumerate(colleges))
    day, last = passages[0].date, passages[-1].date
    session = SessionJury(
        session=SessionInfo(id=passages[0].session, date=day, certifications=(ref.id,), president=membres[0].id,
                            lieu="Salle fictive", cloturee=True),
        membres=membres,
    )
    docs: list[Any] = []
    for name, kind in KINDS.items():
        build = builder(name)
        if kind.source == "referentiel":
            docs += [build(registry, ref, None, day), build(registry, ref, dossier, last)]
        elif kind.source == "session":
            made = build(registry, session, [first], day)
            docs += made if isinstance(made, list) else [made]
        elif kind.source == "decision":
            # the attestation after the first passage, the certificate after the last: when the engine awards them
            with contextlib.suppress(NotAwarded):
                docs.append(build(registry, first, day) if name == "attestation" else build(registry, dossier, last))
        else:
            docs.append(build(registry, [dossier], last))
    for own in own_kinds:
        base = own.partition(":")[0]
        docs += [attrs.evolve(d, kind=own) for d in docs if d.kind == base][:2]
    return docs


class DocumentTests:
    """The plugin's référentiels print, every kind of document, with its own templates."""

    #: The plugin's own kinds (``BASE:NAME``) its ``cqpkit_document_template`` answers for: printed too.
    document_kinds: tuple[str, ...] = ()

    def test_documents_print(self, plugin_under_test: PluginUnderTest) -> None:
        """Every kind prints for every référentiel of the plugin, as a PDF free of missing glyphs."""
        from cqpkit.testing.suite import _refs, fail

        try:
            from cqpkit.documents.typst import Renderer
        except ImportError:  # pragma: no cover - the layer is pure Python
            pytest.skip(_EXTRA)
        from cqpkit.documents.typst import DocumentsUnavailable

        put = plugin_under_test
        pytest.importorskip("pypdf", reason="pypdf n'est pas installé (pip install 'cqpkit[testing]') : le texte des documents ne peut être relu")
        try:
            renderer = Renderer(put.registry)
        except DocumentsUnavailable:
            pytest.skip(_EXTRA)
        problems: list[str] = []
        with renderer:
            for ref, fichier in _refs(put):
                where = fichier or f"<{ref.id} {ref.version}>"
                try:
                    docs = sample_documents(put.registry, ref, tuple(self.document_kinds))
                except Exception as exc:  # a builder or a hook refusing the sample dossier: said, with the others
                    problems.append(f"{where} : données des documents : {type(exc).__name__}: {exc}")
                    continue
                for doc in docs:
                    try:
                        pdf = renderer.render(doc)
                    except Exception as exc:  # a template that does not compile: Typst's message
                        problems.append(f"{where} : {doc.kind} ({doc.filename}) : {exc}")
                        continue
                    problems += [f"{where} : {doc.kind} ({doc.filename}) : glyphe absent des polices, {g}" for g in missing_glyphs(pdf)]
        if problems:
            fail(f"{len(problems)} document(s) ne s'impriment pas correctement :", problems)
