"""Attestation, certificate and funding statement printed from the campaign's dossiers, read back from the PDF.

Expected values from the files and the seeds: partial awards of the Mutualité valid five years (guide,
Partie 1, 2.5); the CQP MO's cost 9 650 € in inter (lancement, VII); the prime de mission tutorale,
5 points per month of mission started (tutorat, X); the Mutualité's gratification has a barème for 2014
only (120 points, 1 point = 7,99 € in 2014: guide 1.4), so a CQP delivered in 2019 gets no amount but a
finding saying so.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tomllib

import pytest

from tests.conftest import ROOT

pypdf = pytest.importorskip("pypdf", reason="pypdf (extra [test]) lit le texte des PDF produits")
pytest.importorskip("typst", reason="le compilateur Typst (extra [documents]) n'est pas installé")

from cqpkit.documents import awards, funding  # noqa: E402
from cqpkit.documents.typst import render_pdf  # noqa: E402
from cqpkit.formats.dossiers import load_dossier  # noqa: E402

CAMPAIGN = ROOT / "examples" / "campaign"
AS_OF = dt.date(2020, 6, 30)
NNBSP, NBSP = "\u202f", "\u00a0"


def text_of(doc) -> str:  # type: ignore[no-untyped-def]
    pdf = render_pdf(doc.template, doc.data)
    return re.sub(r"[ \n]+", " ", "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)).replace("\u2019", "'")


@pytest.fixture(scope="module")
def registry():  # type: ignore[no-untyped-def]
    import cqpkit

    return cqpkit.load_registry(cache=False)


def dossier(registry, name: str):  # type: ignore[no-untyped-def]
    return load_dossier(CAMPAIGN / "dossiers" / f"{name}.toml", registry)


class TestAttestation:
    def test_partial_award_per_domaine_with_its_end(self, registry):  # type: ignore[no-untyped-def]
        """0203 (VAE): D1, D2, D3, D5 acquired on 18 March 2019, each valid five years; D4 remains."""
        raw = tomllib.loads((CAMPAIGN / "dossiers" / "oemm-2018-0203.toml").read_text(encoding="utf-8"))
        (passage,) = raw["passages"]
        text = text_of(awards.attestation(registry, dossier(registry, "oemm-2018-0203"), AS_OF))
        assert "Attestation de validation partielle" in text and "Nadia Capucine" in text
        acquired = [d for d, v in passage["decisions"].items() if v == "acquis"]
        end = passage["date"].replace(year=passage["date"].year + 5) - dt.timedelta(days=1)
        assert text.count(f"{end.day}{NBSP}mars {end.year}") == len(acquired) == 4
        assert f"18{NBSP}mars 2019 (session {passage['session']})" in text
        assert "Restent à acquérir pour l'obtention du CQP : D4 — Analyser la conformité" in text
        # the rule's source: one footnote, called from each of the four ends
        assert text.count("Source : mutualite_cqp_guide-et-outils-specialiste-prestations.txt, Partie 1, 2.5") == 1
        assert "PROJET" not in text

    def test_certified_candidate_gets_no_attestation(self, registry):  # type: ignore[no-untyped-def]
        """0201 was certified on 18/03/2019: the attestation is refused, pointing to the certificate."""
        with pytest.raises(awards.NotAwarded, match="certifié le 18/03/2019 : imprimer son certificat"):
            awards.attestation(registry, dossier(registry, "oemm-2017-0201"), AS_OF)

    def test_expired_awards_get_no_attestation(self, registry):  # type: ignore[no-untyped-def]
        """0206's awards of 21/09/2015 end on 20/09/2020 (five years): on 21/09/2020 nothing is left to attest."""
        assert awards.attestation(registry, dossier(registry, "oemm-2014-0206"), dt.date(2020, 9, 20)).data["acquis"]
        with pytest.raises(awards.NotAwarded, match="acquis expirés"):
            awards.attestation(registry, dossier(registry, "oemm-2014-0206"), dt.date(2020, 9, 21))


class TestCertificat:
    def test_cqp_delivered_its_date_and_version(self, registry):  # type: ignore[no-untyped-def]
        """0202: D3 awarded at the second session (14 October 2019), the last domaine: the CQP, référentiel 2014."""
        raw = tomllib.loads((CAMPAIGN / "dossiers" / "oemm-2017-0202.toml").read_text(encoding="utf-8"))
        last = raw["passages"][-1]
        text = text_of(awards.certificat(registry, dossier(registry, "oemm-2017-0202"), AS_OF))
        assert "Hugo Bourrache" in text and "CQP Spécialiste prestations santé-prévoyance" in text
        assert f"le {last['date'].day}{NBSP}octobre {last['date'].year}" in text
        assert f"version {raw['dossier']['version']}, mention prévoyance" in text
        assert f"session {last['session']}" in text

    def test_partial_award_gets_no_certificate(self, registry):  # type: ignore[no-untyped-def]
        """0203 holds four domaines out of five: no certificate."""
        with pytest.raises(awards.NotAwarded, match="CQP non délivré"):
            awards.certificat(registry, dossier(registry, "oemm-2018-0203"), AS_OF)


class TestEtatFinancement:
    def test_one_dossier_lines_barème_and_sources(self, registry):  # type: ignore[no-untyped-def]
        """I410-2018-0101: the 9 650 € course; the tutor's prime, 5 points per month started, per calendar year."""
        raw = tomllib.loads((CAMPAIGN / "dossiers" / "i410-2018-0101.toml").read_text(encoding="utf-8"))
        tutor = next(a for a in raw["acteurs"] if a["role"] == "tuteur")
        months, start = 0, tutor["mission_debut"]
        while start <= tutor["mission_fin"]:  # months started within the mission
            months += 1
            start = start.replace(year=start.year + (start.month == 12), month=start.month % 12 + 1)
        text = text_of(funding.etat_financement(registry, [dossier(registry, "i410-2018-0101")], AS_OF))
        assert f"9{NNBSP}650,00{NBSP}€" in text
        assert f"Total du dossier : 9{NNBSP}650,00{NBSP}€ et {5 * months}{NBSP}points" in text
        assert "Source : cqp-mo_lancement_lettre-2017-01.md, VII - Coût de la formation" in text
        assert "Source : cqp-mo_tutorat_lettre-2017-05.md, X - Prime à la mission tutorale" in text
        assert "5 points/mois commencé" in text

    def test_campaign_every_dossier_and_totals_per_beneficiary(self, registry):  # type: ignore[no-untyped-def]
        """The campaign statement: every dossier, the Mutualité gratification's missing barème said, totals per beneficiary."""
        ds = [load_dossier(p, registry) for p in sorted((CAMPAIGN / "dossiers").glob("*.toml"))]
        doc = funding.etat_financement(registry, ds, AS_OF)
        text = text_of(doc)
        assert "État de financement de la campagne" in text and f"{len(ds)} dossiers" in text
        for d in ds:
            assert d.id in text
        # 0201 certified on 18/03/2019, the gratification's barème holds for 2014 only (guide 1.4): no amount, a finding
        assert "aucun barème en vigueur le 18/03/2019" in text
        totals = text.split("Totaux par bénéficiaire")[1]
        assert "Gratification tuteur" in totals and "Coût de la formation" in totals
