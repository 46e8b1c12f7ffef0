"""Printed documents against their floor: the PV and the attestations of a session, per document (issue 17).

The session is made with the project's generator of fictional dossiers (``decide_batch.dossier_text``: the
bundled CQP Spécialiste prestations, ids only, no personal data): N dossiers, each one's last jury passage moved
to one closed session « BENCH-JURY » on 16/03/2026. Then, in this process:

- **cqpkit**: what ``cqpkit document proces-verbal|attestation --session`` does once its files are read: the
  builders (``registry.decide`` per dossier, the data of each paper) and the rendering
  (:class:`cqpkit.documents.typst.Renderer`: one compiler for the batch);
- **floor**: a Typst compile of the same document with its data inlined (no cqpkit code): the template's
  source with ``#let data = …`` written as a Typst literal instead of read from ``sys.inputs``, compiled by one
  ``typst.Compiler`` started once for the batch (what printing that very page costs Typst itself);
- for information, **plain text**: a document of the same size, the text each PDF reads back set on the same
  A4 pages, no table, no footnote (what Typst costs for that much text alone).

Per size, it prints the time per document of each and the ratio cqpkit / floor (best of ``--repeat`` runs of
each). Goal: ratio ≤ 1.5 per document, flat from 100 to 1 000 documents. Figures are measured in one run on a
shared machine: compare ratios, not absolute times. It asserts nothing and exits 0.

    .venv/bin/python bench/documents.py                        # PV and attestations of 100; 1 000 attestations
    .venv/bin/python bench/documents.py --sizes 100 --repeat 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import os
import random
import sys
import time
from collections.abc import Callable
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from decide_batch import dossier_text  # noqa: E402  (the project's generator of fictional dossiers)

SESSION = "BENCH-JURY"
DAY = dt.date(2026, 3, 16)


def session_dossiers(registry: Any, n: int, seed: int = 17) -> tuple[Any, list[Any]]:
    """A closed session of ``n`` generated candidates (their last passage moved to it)."""
    import attrs
    from cqpkit.formats.dossiers import loads_dossier
    from cqpkit.model import Membre, SessionInfo, SessionJury

    rng = random.Random(seed)
    dossiers = []
    for i in range(n):
        d = loads_dossier(dossier_text(i, rng), f"bench-{i}.toml", registry)
        last = attrs.evolve(d.passages[-1], session=SESSION, date=DAY)
        dossiers.append(attrs.evolve(d, passages=(*d.passages[:-1], last)))
    session = SessionJury(
        session=SessionInfo(id=SESSION, date=DAY, certifications=("mutualite.specialiste-prestations",), president="J1",
                            lieu="Salle fictive", cloturee=True),
        membres=(Membre(id="J1", college="employeur", organisation="Employeur fictif"),
                 Membre(id="J2", college="employeur", organisation="Employeur fictif"),
                 Membre(id="J3", college="salarie", organisation="Syndicat fictif"),
                 Membre(id="J4", college="salarie", organisation="Syndicat fictif")),
    )
    return session, dossiers


def escape(text: str) -> str:
    """Text as Typst markup that prints it as it is."""
    out = text
    for ch in "\\#$*_`@<>[]~/=+-\"'":
        out = out.replace(ch, "\\" + ch)
    return out.replace("\n", " \\\n")


def literal(value: Any) -> str:
    """``value`` (JSON data) as a Typst literal."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'
    if isinstance(value, dict):
        return "(" + ", ".join(f"{literal(str(k))}: {literal(v)}" for k, v in value.items()) + ")" if value else "(:)"
    return "(" + "".join(f"{literal(v)}, " for v in value) + ")"


def inlined_source(template: str, data: Any) -> str:
    """The template's source with its data written in it (no ``sys.inputs``, no JSON)."""
    import json

    marker = "json(bytes(sys.inputs.data))"
    assert marker in template
    return template.replace(marker, literal(json.loads(json.dumps(data, ensure_ascii=False, default=str))))


def floor_source(pdf: bytes) -> str:
    """A Typst document of the same size as ``pdf``: its text, inlined, on the same pages."""
    import pypdf

    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    head = '#set page(paper: "a4", margin: (x: 2cm, y: 2cm))\n#set text(lang: "fr", size: 10pt)\n'
    return head + "\n#pagebreak()\n".join(escape(p) for p in pages)


def best(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    """The best wall time of ``fn`` over ``repeat`` runs, and what it returned (the number of documents)."""
    times, n = [], 0
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        n = fn()
        times.append(time.perf_counter() - start)
    return min(times), n


def bench(registry: Any, kind: str, n: int, repeat: int, tmp: str) -> str:
    import typst
    from cqpkit.documents import builder
    from cqpkit.documents.awards import NotAwarded
    from cqpkit.documents.typst import Renderer

    session, dossiers = session_dossiers(registry, n)

    def build() -> list[Any]:
        if kind == "proces-verbal":
            return [builder(kind)(registry, session, dossiers, DAY)]
        docs = []
        for d in dossiers:
            try:
                docs.append(builder(kind)(registry, d, DAY))
            except NotAwarded:
                continue
        return docs

    def cqpkit_run() -> int:
        docs = build()
        with Renderer(registry) as r:
            for doc in docs:
                r.render(doc)
        return len(docs)

    # the floors' sources, made beforehand (not timed): the template with its data inlined; the PDF's plain text
    import shutil

    from cqpkit.documents.typst import templates_dir

    folder = os.path.join(tmp, f"{kind}-{n}")
    shutil.copytree(templates_dir(), folder)
    template = (templates_dir() / f"{kind}.typ").read_text(encoding="utf-8")
    with Renderer(registry) as r:
        docs_made = build()
        pdfs = [r.render(doc) for doc in docs_made]
    inlined, plain = [], []
    for doc, pdf in zip(docs_made, pdfs, strict=True):
        for where, text in ((inlined, inlined_source(template, doc.data)), (plain, floor_source(pdf))):
            path = os.path.join(folder, f"floor-{len(where)}-{'i' if where is inlined else 'p'}.typ")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            where.append(path)
    pages = sum(len(__import__("pypdf").PdfReader(io.BytesIO(p)).pages) for p in pdfs)
    same = typst.Compiler(root=folder, ignore_system_fonts=True).compile(input=inlined[0], timestamp=0) == pdfs[0]

    def compile_all(sources: list[str]) -> Callable[[], int]:
        def run() -> int:
            compiler = typst.Compiler(root=folder, ignore_system_fonts=True)
            for path in sources:
                compiler.compile(input=path, timestamp=0)
            return len(sources)

        return run

    t_cqpkit, docs = best(cqpkit_run, repeat)
    t_floor, _ = best(compile_all(inlined), repeat)
    t_fresh, _ = best(compile_all(plain), repeat)
    per = 1000 / docs
    return (
        f"{kind:<14} {n:>6} {docs:>6} {pages:>6}  {t_cqpkit * per:>9.2f} {t_floor * per:>9.2f} {t_fresh * per:>9.2f}"
        f"  {t_cqpkit / t_floor:>6.2f}" + ("" if same else "  (plancher : PDF différent de celui de cqpkit !)")
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[100, 1000], help="candidates of the session (default 100 1000)")
    p.add_argument("--repeat", type=int, default=3, help="runs of each, the best kept (default 3)")
    args = p.parse_args(argv)
    import tempfile

    import cqpkit

    registry = cqpkit.load_registry()
    print(f"charge : {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min ; {os.cpu_count()} cœurs)")
    print(f"{'document':<14} {'cand.':>6} {'docs':>6} {'pages':>6}  {'cqpkit ms':>9} {'plancher':>9} {'texte':>9}  {'ratio':>6}")
    print("                                     (par document)")
    with tempfile.TemporaryDirectory(prefix="cqpkit-bench-documents-") as tmp:
        for n in args.sizes:
            if n <= 100:
                print(bench(registry, "proces-verbal", n, args.repeat, tmp))
            print(bench(registry, "attestation", n, args.repeat, tmp))
    print(f"charge : {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("plancher : le même modèle, ses données écrites dans la source, un compilateur Typst pour le lot (sans cqpkit)")
    print("texte : le texte du document seul, mêmes pages, sans tableau ni note (pour information)")
    print("ratio = cqpkit / plancher ; objectif ≤ 1,5 par document, stable de 100 à 1 000")
    return 0


if __name__ == "__main__":
    sys.exit(main())
