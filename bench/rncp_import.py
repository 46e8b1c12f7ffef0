"""Memory of ``cqpkit rncp import`` on the XML flux: flat in the size of the flux (it is streamed).

The real flux of France Compétences' RNCP is hundreds of megabytes. This script writes two fictional
fluxes of the same shape (``<FICHES>`` of ``<FICHE>`` with blocs, compétences and evaluation
modalities as HTML text), one ``--scale`` times larger than the other, and runs
``cqpkit rncp import FLUX --fiche <the last fiche> -o …`` on each in a new process (the whole file is
read: the fiche wanted is the last one). It prints the size of each flux, the peak resident memory of
each run (``ru_maxrss`` of the child) and their ratio, measured in the same run. Goal: a ratio close
to 1 (memory independent of the size of the flux). Nothing is asserted.

Usage: ``python bench/rncp_import.py [--fiches 2000] [--scale 10]`` (defaults: 2 000 and 20 000
fiches, about 9 and 92 Mo).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from xml.sax.saxutils import escape

BLOC = (
    "<BLOC_COMPETENCES><CODE>RNCP{n}BC0{b}</CODE><LIBELLE>Bloc fictif {b} de la fiche {n}</LIBELLE>"
    "<LISTE_COMPETENCES>{comp}</LISTE_COMPETENCES><MODALITES_EVALUATION>{mod}</MODALITES_EVALUATION></BLOC_COMPETENCES>"
)


def write_flux(path: str, fiches: int) -> int:
    """A fictional flux of ``fiches`` fiches (four blocs each); returns its size in bytes."""
    comp = escape("<p>" + "</p><p>".join(f"C{i} Compétence fictive numéro {i} du bloc" for i in range(8)) + "</p>")
    mod = escape("<p>Mise en situation professionnelle fictive<br>Durée : 2 heures<br>Jury de deux évaluateurs</p>" * 3)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<FICHES>\n')
        for i in range(fiches):
            n = 90000 + i % 9999
            fh.write(
                f"<FICHE><NUMERO_FICHE>RNCP{n}</NUMERO_FICHE><INTITULE>Certification fictive {i}</INTITULE><ACTIF>Oui</ACTIF>"
                "<NOMENCLATURE_EUROPE><NIVEAU>NIV4</NIVEAU></NOMENCLATURE_EUROPE><DATE_EFFET>01/01/2024</DATE_EFFET>"
                "<CODES_NSF><NSF><CODE>334</CODE></NSF></CODES_NSF><CODES_ROME><ROME><CODE>M1601</CODE></ROME></CODES_ROME>"
                "<CERTIFICATEURS><CERTIFICATEUR><NOM_CERTIFICATEUR>Organisme fictif</NOM_CERTIFICATEUR></CERTIFICATEUR></CERTIFICATEURS>"
                "<BLOCS_COMPETENCES>" + "".join(BLOC.format(n=n, b=b, comp=comp, mod=mod) for b in range(1, 5)) + "</BLOCS_COMPETENCES></FICHE>\n"
            )
        fh.write("</FICHES>\n")
    return os.path.getsize(path)


def peak_kib(flux: str, fiche: str, out: str) -> int:
    """Peak resident memory (KiB) of one ``cqpkit rncp import`` in a new process."""
    code = (
        "import resource, sys\nfrom cqpkit.cli import main\n"
        f"rc = main(['rncp', 'import', {flux!r}, '--fiche', {fiche!r}, '-o', {out!r}])\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\nsys.exit(rc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return int(proc.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fiches", type=int, default=2000, help="fiches in the small flux")
    parser.add_argument("--scale", type=int, default=10, help="how many times larger the big flux is")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for n in (args.fiches, args.fiches * args.scale):
            flux = os.path.join(tmp, f"flux-{n}.xml")
            size = write_flux(flux, n)
            last = f"RNCP{90000 + (n - 1) % 9999}"
            rows.append((n, size, peak_kib(flux, last, os.path.join(tmp, "s.toml"))))
            os.unlink(flux)
    for n, size, kib in rows:
        print(f"{n:>7} fiches  {size / 1e6:8.1f} Mo  mémoire maximale {kib / 1024:7.1f} Mio")
    print(f"taille x{rows[1][1] / rows[0][1]:.1f}  mémoire x{rows[1][2] / rows[0][2]:.2f}  (objectif : proche de 1)")


if __name__ == "__main__":
    main()
