"""Tests of cqpkit.rules.events: every event of docs/engine.md resolved to sorted dates."""

from __future__ import annotations

import pytest

from cqpkit.model import EVENEMENTS
from cqpkit.rules.events import Occurrence, event_dates, event_occurrences, is_event
from tests.factories import day, dossier, evaluation, formation, passage


class TestDossierFields:
    def test_inscription_is_the_registration_date(self) -> None:
        """``inscription`` is the single date of ``[dossier] inscription``."""
        assert event_dates(dossier(inscription=day("2013-03-04")), "inscription") == [day("2013-03-04")]

    def test_nomination_and_depot_absent_when_not_filled_in(self) -> None:
        """``nomination`` and ``depot_dossier`` have no occurrence when the dossier leaves them out."""
        dos = dossier()
        assert event_dates(dos, "nomination") == []
        assert event_dates(dos, "depot_dossier") == []

    def test_nomination_and_depot_when_filled_in(self) -> None:
        """``nomination`` and ``depot_dossier`` are the dossier's fields when given."""
        dos = dossier(nomination=day("2019-09-01"), depot_dossier=day("2021-02-01"))
        assert event_dates(dos, "nomination") == [day("2019-09-01")]
        assert event_dates(dos, "depot_dossier") == [day("2021-02-01")]


class TestFormationEvents:
    FORMATIONS = (
        formation("M2", day("2020-03-02"), fin=day("2020-03-06")),
        formation("M1", day("2020-02-03"), fin=day("2020-02-07")),
        formation("M3", day("2020-05-11")),
    )

    def test_debut_formation_is_the_first_start_whatever_the_order(self) -> None:
        """``debut_formation`` is the earliest ``debut``, not the first module listed."""
        assert event_dates(dossier(formations=self.FORMATIONS), "debut_formation") == [day("2020-02-03")]

    def test_fin_formation_is_the_last_end_a_module_without_end_ending_on_its_start(self) -> None:
        """``fin_formation`` is the latest end; M3 has no ``fin`` and ends on its ``debut`` (11/05/2020)."""
        assert event_dates(dossier(formations=self.FORMATIONS), "fin_formation") == [day("2020-05-11")]

    def test_no_formation_no_training_events(self) -> None:
        """Without modules followed, the training has neither start nor end."""
        assert event_dates(dossier(), "debut_formation") == []
        assert event_dates(dossier(), "fin_formation") == []

    def test_fin_formation_has_not_happened_while_a_module_ends_after_as_of(self) -> None:
        """As of 01/04/2020 the training (last end 11/05/2020) is not over: no end, not M1's end."""
        dos = dossier(formations=self.FORMATIONS)
        assert event_dates(dos, "fin_formation", as_of=day("2020-04-01")) == []
        assert event_dates(dos, "fin_formation", as_of=day("2020-05-11")) == [day("2020-05-11")]

    def test_module_event_is_every_start_of_that_module(self) -> None:
        """A repeatable module followed twice gives its two ``debut``, sorted."""
        dos = dossier(
            formations=(
                formation("prep", day("2021-06-01")),
                formation("M1", day("2020-02-03")),
                formation("prep", day("2020-10-05")),
            )
        )
        assert event_dates(dos, "module:prep") == [day("2020-10-05"), day("2021-06-01")]
        assert event_dates(dos, "module:absent") == []


class TestPassages:
    PASSAGES = (
        passage(day("2021-06-15"), "S2"),
        passage(day("2020-11-20"), "S0", absent=True),
        passage(day("2021-01-20"), "S1"),
        passage(day("2020-12-10"), "Sx", excuse=True),
    )

    def test_passage_is_every_attended_passage_sorted(self) -> None:
        """``passage`` lists attended passages by date; absent and excused ones are not passages."""
        assert event_dates(dossier(passages=self.PASSAGES), "passage") == [day("2021-01-20"), day("2021-06-15")]

    def test_premier_passage_is_the_first_attended_one(self) -> None:
        """``premier_passage`` skips the absence of 20/11/2020 and is 20/01/2021."""
        assert event_dates(dossier(passages=self.PASSAGES), "premier_passage") == [day("2021-01-20")]

    def test_premier_passage_as_of_before_any_passage(self) -> None:
        """As of the day before the first passage there is no first passage yet."""
        dos = dossier(passages=self.PASSAGES)
        assert event_dates(dos, "premier_passage", as_of=day("2021-01-19")) == []
        assert event_dates(dos, "premier_passage", as_of=day("2021-01-20")) == [day("2021-01-20")]


class TestEpreuveEvents:
    def test_epreuve_event_is_every_evaluation_of_it(self) -> None:
        """``epreuve:<id>`` gives the dates of every evaluation of that épreuve only."""
        dos = dossier(
            evaluations=(
                evaluation("finale-D1", day("2020-11-15")),
                evaluation("finale-D2", day("2020-10-01")),
                evaluation("finale-D1", day("2020-09-30")),
            )
        )
        assert event_dates(dos, "epreuve:finale-D1") == [day("2020-09-30"), day("2020-11-15")]


class TestAsOf:
    def test_occurrences_after_as_of_are_dropped_the_day_itself_kept(self) -> None:
        """An occurrence on ``as_of`` has happened; one the day after has not."""
        dos = dossier(passages=(passage(day("2021-01-20")), passage(day("2021-06-15"))))
        assert event_dates(dos, "passage", as_of=day("2021-06-14")) == [day("2021-01-20")]
        assert event_dates(dos, "passage", as_of=day("2021-06-15")) == [day("2021-01-20"), day("2021-06-15")]

    def test_inscription_after_as_of_has_not_happened(self) -> None:
        """Even registration is filtered: as of the day before, it has not happened."""
        assert event_dates(dossier(inscription=day("2020-01-06")), "inscription", as_of=day("2020-01-05")) == []


class TestOccurrences:
    def test_each_occurrence_says_where_it_is_written(self) -> None:
        """Occurrences carry the ``chemin`` of their field, so a finding can point at it."""
        dos = dossier(
            depot_dossier=day("2021-02-01"),
            formations=(formation("M1", day("2020-02-03"), fin=day("2020-02-07")), formation("M2", day("2020-03-02"))),
            evaluations=(evaluation("E1", day("2020-05-05")),),
            passages=(passage(day("2020-01-10"), absent=True), passage(day("2021-03-01"))),
        )
        assert event_occurrences(dos, "depot_dossier") == [
            Occurrence(date=day("2021-02-01"), chemin="dossier.depot_dossier")
        ]
        assert event_occurrences(dos, "fin_formation") == [
            Occurrence(date=day("2020-03-02"), chemin="formations[1].debut")
        ]
        assert event_occurrences(dos, "debut_formation")[0].chemin == "formations[0].debut"
        assert event_occurrences(dos, "module:M2")[0].chemin == "formations[1].debut"
        assert event_occurrences(dos, "epreuve:E1")[0].chemin == "evaluations[0].date"
        assert event_occurrences(dos, "premier_passage")[0].chemin == "passages[1].date"

    def test_same_day_occurrences_keep_the_dossier_order(self) -> None:
        """Two passages the same day are ordered by their position in the dossier, not by input accident."""
        dos = dossier(passages=(passage(day("2021-03-01"), "A"), passage(day("2021-03-01"), "B")))
        assert [o.chemin for o in event_occurrences(dos, "passage")] == ["passages[0].date", "passages[1].date"]


class TestUnknownEvents:
    @pytest.mark.parametrize("name", ["jury", "voie:vae", "module:", "activite:spe1", ""])
    def test_unknown_event_raises_a_french_error(self, name: str) -> None:
        """An event docs/engine.md does not define is refused with the list of known events."""
        with pytest.raises(ValueError, match=r"événement .* inconnu"):
            event_dates(dossier(), name)
        assert not is_event(name)

    @pytest.mark.parametrize("name", [*EVENEMENTS, "module:prep", "epreuve:finale-D1"])
    def test_every_documented_event_resolves(self, name: str) -> None:
        """Every event of the model's list, and both prefixes, resolve without error."""
        assert is_event(name)
        assert isinstance(event_dates(dossier(), name), list)
