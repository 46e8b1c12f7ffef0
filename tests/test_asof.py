"""The "as of" resolution of dated values (``cqpkit.rules.asof``): both sides of every change date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqpkit.model import Bareme, Certification, Source
from cqpkit.rules.asof import certification_in_force, holding_periods, in_force, value_as_of

D = date
SOURCE = Source(document="accord-2016.pdf", section="article 3")


def bareme(depuis: date, valeur: float, jusqua: date | None = None) -> Bareme:
    return Bareme(depuis=depuis, valeur=valeur, source=SOURCE, jusqua=jusqua)


# v1 from 2016-01-01, v2 from 2018-07-01, v3 from 2020-01-01 through 2020-12-31, then a gap
# (2021-01-01 .. 2021-02-28) and v4 from 2021-03-01, open-ended.
V1 = bareme(D(2016, 1, 1), 10)
V2 = bareme(D(2018, 7, 1), 12)
V3 = bareme(D(2020, 1, 1), 15, jusqua=D(2020, 12, 31))
V4 = bareme(D(2021, 3, 1), 16)
VALUES = (V1, V2, V3, V4)


class TestValueAsOf:
    def test_day_before_first(self) -> None:
        """No value holds the day before the first one starts."""
        assert value_as_of(VALUES, D(2015, 12, 31)) is None

    def test_first_day(self) -> None:
        """The first value holds from its first day."""
        assert value_as_of(VALUES, D(2016, 1, 1)) is V1

    def test_day_after_first(self) -> None:
        """The first value still holds the day after it starts."""
        assert value_as_of(VALUES, D(2016, 1, 2)) is V1

    def test_day_before_change(self) -> None:
        """A value holds through the day before the next one starts."""
        assert value_as_of(VALUES, D(2018, 6, 30)) is V1

    def test_change_day(self) -> None:
        """The next value holds from its depuis."""
        assert value_as_of(VALUES, D(2018, 7, 1)) is V2

    def test_day_after_change(self) -> None:
        """The next value still holds the day after its depuis."""
        assert value_as_of(VALUES, D(2018, 7, 2)) is V2

    def test_day_before_second_change(self) -> None:
        """The second value holds through 31 Dec 2019."""
        assert value_as_of(VALUES, D(2019, 12, 31)) is V2

    def test_second_change_day(self) -> None:
        """The third value holds from 1 Jan 2020."""
        assert value_as_of(VALUES, D(2020, 1, 1)) is V3

    def test_jusqua_inclusive(self) -> None:
        """A value holds on its jusqua."""
        assert value_as_of(VALUES, D(2020, 12, 31)) is V3

    def test_day_after_jusqua(self) -> None:
        """No value holds the day after a jusqua when the next value starts later."""
        assert value_as_of(VALUES, D(2021, 1, 1)) is None

    def test_last_day_of_gap(self) -> None:
        """No value holds on the last day of a gap."""
        assert value_as_of(VALUES, D(2021, 2, 28)) is None

    def test_end_of_gap(self) -> None:
        """The value after a gap holds from its depuis."""
        assert value_as_of(VALUES, D(2021, 3, 1)) is V4

    def test_open_ended(self) -> None:
        """The last value without jusqua holds for ever."""
        assert value_as_of(VALUES, D(2099, 12, 31)) is V4

    def test_last_value_jusqua(self) -> None:
        """After the jusqua of the last value, no value holds."""
        values = (V1, bareme(D(2018, 7, 1), 12, jusqua=D(2019, 6, 30)))
        assert value_as_of(values, D(2019, 6, 30)) is values[1]
        assert value_as_of(values, D(2019, 7, 1)) is None

    def test_jusqua_day_before_next(self) -> None:
        """A jusqua on the day before the next depuis leaves no gap."""
        first = bareme(D(2016, 1, 1), 10, jusqua=D(2018, 6, 30))
        values = (first, V2)
        assert value_as_of(values, D(2018, 6, 30)) is first
        assert value_as_of(values, D(2018, 7, 1)) is V2

    def test_overlap_later_wins(self) -> None:
        """A jusqua running past the next depuis is cut: the later value holds from its depuis."""
        first = bareme(D(2016, 1, 1), 10, jusqua=D(2019, 12, 31))
        values = (first, V2)
        assert value_as_of(values, D(2018, 6, 30)) is first
        assert value_as_of(values, D(2018, 7, 1)) is V2
        assert value_as_of(values, D(2020, 1, 1)) is V2

    def test_leap_day_change(self) -> None:
        """A value starting on 29 Feb holds from that day, the previous one through 28 Feb."""
        new = bareme(D(2020, 2, 29), 11)
        values = (V1, new)
        assert value_as_of(values, D(2020, 2, 28)) is V1
        assert value_as_of(values, D(2020, 2, 29)) is new

    def test_any_order(self) -> None:
        """Values given out of date order resolve the same."""
        shuffled = (V3, V1, V4, V2)
        days = [D(2015, 12, 31), D(2016, 1, 1), D(2018, 7, 1), D(2020, 12, 31), D(2021, 1, 1), D(2021, 3, 1)]
        assert [value_as_of(shuffled, d) for d in days] == [value_as_of(VALUES, d) for d in days]

    def test_single_value(self) -> None:
        """One value without jusqua holds from its depuis on."""
        assert value_as_of((V1,), D(2015, 12, 31)) is None
        assert value_as_of((V1,), D(2016, 1, 1)) is V1

    def test_no_values(self) -> None:
        """Without values nothing holds."""
        assert value_as_of((), D(2020, 1, 1)) is None

    def test_same_depuis(self) -> None:
        """Two values starting on the same day are ambiguous."""
        with pytest.raises(ValueError, match=r"deux valeurs datées commencent le même jour \(2018-07-01\)"):
            value_as_of((V1, V2, bareme(D(2018, 7, 1), 13)), D(2020, 1, 1))


class TestHoldingPeriods:
    def test_periods(self) -> None:
        """Each value holds through the day before the next depuis, or its jusqua, or for ever."""
        assert holding_periods(VALUES) == [
            (V1, D(2016, 1, 1), D(2018, 6, 30)),
            (V2, D(2018, 7, 1), D(2019, 12, 31)),
            (V3, D(2020, 1, 1), D(2020, 12, 31)),
            (V4, D(2021, 3, 1), None),
        ]

    def test_overlap_cut(self) -> None:
        """A jusqua past the next depuis is cut to the day before it."""
        first = bareme(D(2016, 1, 1), 10, jusqua=D(2019, 12, 31))
        assert holding_periods((V2, first)) == [(first, D(2016, 1, 1), D(2018, 6, 30)), (V2, D(2018, 7, 1), None)]

    def test_same_depuis(self) -> None:
        """Two values starting on the same day are refused."""
        with pytest.raises(ValueError, match="même jour"):
            holding_periods((V1, bareme(D(2016, 1, 1), 11)))


@st.composite
def bareme_lists(draw: st.DrawFn) -> list[Bareme]:
    starts = draw(st.lists(st.dates(D(2010, 1, 1), D(2030, 12, 31)), unique=True, max_size=6))
    values = []
    for i, depuis in enumerate(starts):
        jusqua = None
        if draw(st.booleans()):
            jusqua = depuis + timedelta(days=draw(st.integers(0, 2000)))
        values.append(bareme(depuis, i, jusqua))
    return values


class TestValueAsOfProperties:
    @given(bareme_lists(), st.dates(D(2009, 1, 1), D(2032, 12, 31)))
    def test_holds_and_is_latest(self, values: list[Bareme], day: date) -> None:
        """The value found started on or before the day, has not ended, and no other value started since."""
        found = value_as_of(values, day)
        started = [v for v in values if v.depuis <= day]
        if found is None:
            # Nothing started, or the latest one ended before the day.
            latest = max(started, key=lambda v: v.depuis, default=None)
            assert latest is None or (latest.jusqua is not None and latest.jusqua < day)
        else:
            assert found.depuis <= day
            assert found.jusqua is None or day <= found.jusqua
            assert all(v.depuis <= found.depuis for v in started)

    @given(
        bareme_lists().flatmap(lambda vs: st.tuples(st.just(vs), st.permutations(vs))),
        st.dates(D(2009, 1, 1), D(2032, 12, 31)),
    )
    def test_order_independent(self, pair: tuple[list[Bareme], list[Bareme]], day: date) -> None:
        """The order in which the values are given does not matter."""
        values, shuffled = pair
        assert value_as_of(shuffled, day) is value_as_of(values, day)


class TestInForce:
    START, END = D(2016, 5, 1), D(2021, 4, 30)

    def test_day_before_start(self) -> None:
        """A version is not in force the day before it starts."""
        assert not in_force(self.START, self.END, D(2016, 4, 30))

    def test_start_day(self) -> None:
        """A version is in force on its first day."""
        assert in_force(self.START, self.END, D(2016, 5, 1))

    def test_end_day(self) -> None:
        """A version is in force on its last day."""
        assert in_force(self.START, self.END, D(2021, 4, 30))

    def test_day_after_end(self) -> None:
        """A version is no longer in force the day after its end."""
        assert not in_force(self.START, self.END, D(2021, 5, 1))

    def test_no_start(self) -> None:
        """Without a start, a version is in force on any day up to its end."""
        assert in_force(None, self.END, D(1900, 1, 1))
        assert not in_force(None, self.END, D(2021, 5, 1))

    def test_no_end(self) -> None:
        """Without an end, a version is in force on any day from its start."""
        assert in_force(self.START, None, D(2099, 12, 31))
        assert not in_force(self.START, None, D(2016, 4, 30))

    def test_unbounded(self) -> None:
        """Without start or end, a version is always in force."""
        assert in_force(None, None, D(2020, 1, 1))

    def test_certification(self) -> None:
        """A certification's en_vigueur dates are its bounds."""
        cert = Certification(
            id="mo.cqp-mo",
            intitule="CQP",
            branche="mo",
            certificateur="CPNEF",
            version="2016",
            en_vigueur_depuis=self.START,
            en_vigueur_jusqua=self.END,
        )
        assert not certification_in_force(cert, D(2016, 4, 30))
        assert certification_in_force(cert, D(2016, 5, 1))
        assert certification_in_force(cert, D(2021, 4, 30))
        assert not certification_in_force(cert, D(2021, 5, 1))
