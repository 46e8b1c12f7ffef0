"""Properties of the decision and funding engines, checked on generated dossiers (Hypothesis).

- Adding an "acquis" decision never worsens a result: the status does not go down the order
  en_cours < non_acquis < expire < partiel < certifie, and the set of acquired domaines only grows.
- :func:`~cqpkit.rules.decision.decide` is deterministic, and does not depend on the order in which the
  dossier lists passages of different days.
- Funding amounts and quantities are never negative and stay within every cap of the barème.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cqpkit.model import (
    Acteur,
    Bareme,
    Candidat,
    Certification,
    Domaine,
    Dossier,
    DossierInfo,
    Duree,
    Financement,
    PassageJury,
    Referentiel,
    RegleJury,
    Source,
    Tutorat,
)
from cqpkit.rules.decision import STATUTS, decide
from cqpkit.rules.funding import funding_report


def funding(ref: Referentiel, d: Dossier, as_of: date) -> list:
    """The funding engine as the registry calls it, with the decision of the same day."""
    return list(funding_report(ref, d, as_of, decide(ref, d, as_of)).lignes)

SRC = Source(document="mutualite_cqp_guide-et-outils-specialiste-prestations.txt", section="Partie 1, 2.5")
DOMAINES = ("D1", "D2", "D3", "D4")
days = st.dates(min_value=date(2010, 1, 1), max_value=date(2022, 12, 31))
PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def referentiels(draw: st.DrawFn) -> Referentiel:
    n = draw(st.integers(1, len(DOMAINES)))
    validite = draw(st.sampled_from([None, "P1Y", "P2Y6M", "P5Y"]))
    return Referentiel(
        certification=Certification(
            id="essai.cqp", intitule="CQP d'essai", branche="essai", certificateur="CPNEFP", version="1"
        ),
        domaines=tuple(Domaine(id=d, intitule=d) for d in DOMAINES[:n]),
        jury=RegleJury(validite_acquis_partiels=Duree.parse(validite) if validite else None, sources=(SRC,)),
    )


decisions = st.dictionaries(st.sampled_from((*DOMAINES, "D9")), st.sampled_from(["acquis", "non_acquis"]), max_size=5)


@st.composite
def passages(draw: st.DrawFn, unique_days: bool = False) -> tuple[PassageJury, ...]:
    when = draw(st.lists(days, max_size=5, unique=unique_days))
    return tuple(
        PassageJury(
            session=f"S{i}",
            date=d,
            decisions=draw(decisions),
            absent=draw(st.booleans()) and draw(st.booleans()),
        )
        for i, d in enumerate(when)
    )


def dossier(passages: tuple[PassageJury, ...] = (), acteurs: tuple[Acteur, ...] = ()) -> Dossier:
    from cqpkit.model import FormationSuivie

    return Dossier(
        dossier=DossierInfo(
            id="D-1", certification="essai.cqp", version="1", voie="formation", inscription=date(2009, 1, 1)
        ),
        candidat=Candidat(id="C-1"),
        passages=passages,
        acteurs=acteurs,
        formations=(FormationSuivie(module="M1", debut=date(2017, 3, 1)),),
    )


def rank(statut: str) -> int:
    return STATUTS.index(statut)


def acquired(res) -> set[str]:
    return {a.domaine for a in res.acquis}


def summary(res):
    return (res.statut, res.acquis, tuple(a.domaine for a in res.expires), res.restants, res.date_certification)


class TestDecideMonotonic:
    @PROFILE
    @given(referentiels(), passages(), days, st.data())
    def test_acquis_in_an_existing_passage_never_worsens(self, ref, ps, as_of, data):
        """Turning one decision of one passage into "acquis" never lowers the status nor shrinks the acquired set."""
        before = decide(ref, dossier(ps), as_of)
        if ps:
            i = data.draw(st.integers(0, len(ps) - 1))
            dom = data.draw(st.sampled_from([d.id for d in ref.domaines]))
            changed = PassageJury(
                session=ps[i].session,
                date=ps[i].date,
                decisions={**ps[i].decisions, dom: "acquis"},
                absent=ps[i].absent,
            )
            ps = (*ps[:i], changed, *ps[i + 1 :])
        after = decide(ref, dossier(ps), as_of)
        assert rank(after.statut) >= rank(before.statut)
        assert acquired(after) >= acquired(before)

    @PROFILE
    @given(referentiels(), passages(), days, days, st.data())
    def test_a_new_passage_with_an_acquisition_never_worsens(self, ref, ps, as_of, when, data):
        """Adding an attended passage that acquires one domaine never lowers the status nor shrinks the acquired set."""
        dom = data.draw(st.sampled_from([d.id for d in ref.domaines]))
        before = decide(ref, dossier(ps), as_of)
        after = decide(ref, dossier((*ps, PassageJury(session="NEW", date=when, decisions={dom: "acquis"}))), as_of)
        assert rank(after.statut) >= rank(before.statut)
        assert acquired(after) >= acquired(before)


class TestDecideDeterministic:
    @PROFILE
    @given(referentiels(), passages(), days)
    def test_same_inputs_same_result(self, ref, ps, as_of):
        """Two calls give equal results."""
        assert decide(ref, dossier(ps), as_of) == decide(ref, dossier(ps), as_of)

    @PROFILE
    @given(referentiels(), passages(unique_days=True), days, st.randoms(use_true_random=False))
    def test_order_of_passages_in_the_file_does_not_matter(self, ref, ps, as_of, rnd):
        """Passages of different days in any order: same status, acquisitions, expiries, remaining, award date."""
        shuffled = list(ps)
        rnd.shuffle(shuffled)
        assert summary(decide(ref, dossier(ps), as_of)) == summary(decide(ref, dossier(tuple(shuffled)), as_of))

    @PROFILE
    @given(referentiels(), passages(), days)
    def test_lists_are_in_referentiel_order(self, ref, ps, as_of):
        """acquis, expires and restants follow the référentiel's domaine order; acquired and remaining partition it."""
        res = decide(ref, dossier(ps), as_of)
        order = [d.id for d in ref.domaines]
        for listed in ([a.domaine for a in res.acquis], [a.domaine for a in res.expires], list(res.restants)):
            assert listed == sorted(listed, key=order.index)
        assert sorted(acquired(res) | set(res.restants), key=order.index) == order
        assert not acquired(res) & set(res.restants)


# ---------------------------------------------------------------------------- funding
amounts = st.floats(min_value=-50, max_value=5000, allow_nan=False, allow_infinity=False)
caps = st.none() | st.floats(min_value=0, max_value=3000, allow_nan=False, allow_infinity=False)


@st.composite
def financements(draw: st.DrawFn) -> Financement:
    unite = draw(st.sampled_from(["heure", "jour", "mois", "mois_commence", "point", "forfait"]))
    if unite in ("mois", "mois_commence"):
        quantity = {"quantite_de": draw(st.sampled_from(["mission_tuteur", "periode_tutorat"]))}
    elif unite == "heure" and draw(st.booleans()):
        quantity = {"quantite_de": "tutorat.formation_heures"}
    else:
        quantity = {"quantite": draw(amounts)}
    bareme = Bareme(
        depuis=date(2017, 1, 1),
        valeur=draw(amounts),
        source=SRC,
        plafond_quantite=draw(caps),
        plafond_montant=draw(caps),
        plafond_annuel=draw(caps),
    )
    return Financement(
        intitule="Essai",
        unite=unite,
        en=draw(st.sampled_from(["euro", "point"])),
        heures_par_jour=draw(st.none() | st.sampled_from([7.0, 7.5])),
        valeurs=(bareme,),
        **quantity,
    )


@st.composite
def tuteurs(draw: st.DrawFn) -> tuple[Acteur, ...]:
    result = []
    for i in range(draw(st.integers(0, 2))):
        start = draw(st.dates(min_value=date(2015, 1, 1), max_value=date(2020, 12, 31)))
        end = draw(st.dates(min_value=start, max_value=date(2024, 12, 31)))
        result.append(
            Acteur(
                id=f"T{i}",
                role="tuteur",
                mission_debut=start,
                mission_fin=end,
                forme_le=draw(st.none() | st.dates(min_value=date(2016, 1, 1), max_value=date(2020, 12, 31))),
                formation_heures=draw(st.none() | st.floats(0, 100, allow_nan=False)),
            )
        )
    return tuple(result)


def referentiel(fin: Financement) -> Referentiel:
    return Referentiel(
        certification=Certification(id="essai.cqp", intitule="CQP", branche="essai", certificateur="C", version="1"),
        domaines=(Domaine(id="D1", intitule="D1"),),
        tutorat=Tutorat(formation_heures=21),
        financement={"essai": fin},
    )


EPS = 1e-9


class TestFundingBounds:
    @PROFILE
    @given(financements(), tuteurs())
    def test_amounts_never_negative_and_within_every_cap(self, fin, tutors):
        """Per tutor (or one line): quantity ≤ plafond_quantite, each year ≤ plafond_annuel, total ≤ plafond_montant."""
        bareme = fin.valeurs[0]
        lines = funding(referentiel(fin), dossier(acteurs=tutors), date(2018, 1, 1))
        groups: dict[str, list] = {}
        for line in lines:
            assert line.montant >= 0
            assert line.quantite >= 0
            assert line.montant == round(line.montant, 2)
            if bareme.plafond_annuel is not None:
                assert line.montant <= bareme.plafond_annuel + EPS
            groups.setdefault(line.notes, []).append(line)
        for group in groups.values():
            if bareme.plafond_quantite is not None:
                assert sum(line.quantite for line in group) <= bareme.plafond_quantite + EPS
            if bareme.plafond_montant is not None:
                assert sum(line.montant for line in group) <= bareme.plafond_montant + EPS

    @PROFILE
    @given(financements(), tuteurs())
    def test_uncapped_amount_is_quantity_times_rate(self, fin, tutors):
        """A line no cap limited: amount = quantity × rate rounded half up to the cent (0 when negative)."""
        for line in funding(referentiel(fin), dossier(acteurs=tutors), date(2018, 1, 1)):
            if line.plafond is None:
                exact = Decimal(repr(line.quantite)) * Decimal(repr(line.taux))
                assert line.montant == max(float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)), 0.0)

    @PROFILE
    @given(financements(), tuteurs(), st.dates(min_value=date(2025, 1, 1), max_value=date(2040, 12, 31)))
    def test_past_events_same_lines_whatever_as_of(self, fin, tutors, later):
        """Every event before 2025 (missions end by 2024): read on 2025-01-01 or on any later day, the same lines."""
        ref, d = referentiel(fin), dossier(acteurs=tutors)
        assert funding(ref, d, date(2025, 1, 1)) == funding(ref, d, later)

    @PROFILE
    @given(financements(), tuteurs())
    def test_funding_is_deterministic(self, fin, tutors):
        """Two calls give equal lines."""
        ref, d = referentiel(fin), dossier(acteurs=tutors)
        assert funding(ref, d, date(2018, 1, 1)) == funding(ref, d, date(2018, 1, 1))
