"""Date arithmetic of the rules (``cqpkit.rules.dates``): every boundary tested on both sides."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqpkit.model import Duree
from cqpkit.rules.dates import (
    Fenetre,
    Periode,
    add,
    anniversary,
    at_least,
    cap_per_year,
    cap_per_year_across,
    days_in,
    days_within_window,
    duree_as_days,
    has_duration,
    is_valid_on,
    merge,
    months_started,
    months_started_by_year,
    subtract,
    valid_until,
    window_of,
    window_start,
    within,
    years_as_days,
)

D = date
P = Duree.parse


def per(debut: date, fin: date | None = None) -> Periode:
    return Periode(debut=debut, fin=fin)


# ------------------------------------------------------------------ strategies
dates = st.dates(min_value=D(1990, 1, 1), max_value=D(2040, 12, 31))
durees = st.builds(
    Duree,
    annees=st.integers(0, 20),
    mois=st.integers(0, 30),
    semaines=st.integers(0, 10),
    jours=st.integers(0, 60),
)
# Small ranges so that the brute-force oracles (sets of days) stay cheap.
near = st.dates(min_value=D(2019, 1, 1), max_value=D(2022, 12, 31))


@st.composite
def periodes(draw: st.DrawFn) -> Periode:
    debut = draw(near)
    if draw(st.booleans()):
        return per(debut)
    return per(debut, debut + timedelta(days=draw(st.integers(0, 400))))


periode_lists = st.lists(periodes(), max_size=6)
small_windows = st.builds(Duree, annees=st.integers(0, 3), mois=st.integers(0, 14), jours=st.integers(0, 40))


def days_of(debut: date, fin: date) -> set[date]:
    return {debut + timedelta(days=i) for i in range((fin - debut).days + 1)}


# ------------------------------------------------------------------ add, subtract
class TestAdd:
    def test_plain_years(self) -> None:
        """Adding years keeps the day and month."""
        assert add(D(2014, 1, 20), P("P5Y")) == D(2019, 1, 20)

    def test_29_february_plus_one_year(self) -> None:
        """29 Feb plus one year falls back to 28 Feb."""
        assert add(D(2012, 2, 29), P("P1Y")) == D(2013, 2, 28)

    def test_29_february_plus_four_years(self) -> None:
        """29 Feb plus four years lands on 29 Feb again."""
        assert add(D(2012, 2, 29), P("P4Y")) == D(2016, 2, 29)

    def test_28_february_into_leap_year(self) -> None:
        """28 Feb plus one year stays on 28 Feb even in a leap year."""
        assert add(D(2011, 2, 28), P("P1Y")) == D(2012, 2, 28)

    def test_31_january_plus_one_month_common_year(self) -> None:
        """31 Jan plus one month falls back to 28 Feb in a common year."""
        assert add(D(2021, 1, 31), P("P1M")) == D(2021, 2, 28)

    def test_31_january_plus_one_month_leap_year(self) -> None:
        """31 Jan plus one month falls back to 29 Feb in a leap year."""
        assert add(D(2020, 1, 31), P("P1M")) == D(2020, 2, 29)

    def test_31_march_plus_one_month(self) -> None:
        """31 Mar plus one month falls back to 30 Apr."""
        assert add(D(2021, 3, 31), P("P1M")) == D(2021, 4, 30)

    def test_months_beyond_a_year(self) -> None:
        """Fourteen months from 31 Jan 2020 is 31 Mar 2021 (no fall-back needed)."""
        assert add(D(2020, 1, 31), P("P14M")) == D(2021, 3, 31)

    def test_months_across_year_end(self) -> None:
        """Three months from 30 Nov 2020 is 28 Feb 2021."""
        assert add(D(2020, 11, 30), P("P3M")) == D(2021, 2, 28)

    def test_years_before_months(self) -> None:
        """Years are added before months, so 29 Feb + P1Y1M is 28 Mar, not 29 Mar."""
        # 2012-02-29 + 1 year = 2013-02-28, then + 1 month = 2013-03-28 (13 months at once would give 03-29).
        assert add(D(2012, 2, 29), P("P1Y1M")) == D(2013, 3, 28)

    def test_days_after_months(self) -> None:
        """Days are added after the months' fall-back: 30 Jan + P1M2D is 2 Mar."""
        # 2021-01-30 + 1 month = 2021-02-28, + 2 days = 2021-03-02 (days first would give 03-01).
        assert add(D(2021, 1, 30), P("P1M2D")) == D(2021, 3, 2)

    def test_weeks_across_leap_day(self) -> None:
        """A week from 26 Feb 2020 crosses 29 Feb and ends on 4 Mar."""
        assert add(D(2020, 2, 26), P("P1W")) == D(2020, 3, 4)

    def test_weeks_common_year(self) -> None:
        """A week from 26 Feb 2021 ends on 5 Mar."""
        assert add(D(2021, 2, 26), P("P1W")) == D(2021, 3, 5)

    def test_one_day_across_year_end(self) -> None:
        """One day after 31 Dec is 1 Jan of the next year."""
        assert add(D(2020, 12, 31), P("P1D")) == D(2021, 1, 1)

    def test_zero_duration(self) -> None:
        """Adding a zero duration changes nothing."""
        assert add(D(2020, 2, 29), Duree()) == D(2020, 2, 29)

    @given(dates, durees)
    def test_never_earlier(self, d: date, x: Duree) -> None:
        """Adding a non-negative duration never moves a date backwards."""
        assert add(d, x) >= d

    @given(dates, dates, durees)
    def test_monotonic(self, d1: date, d2: date, x: Duree) -> None:
        """A later date plus the same duration is never earlier (the fall-back may make them equal)."""
        lo, hi = sorted((d1, d2))
        assert add(lo, x) <= add(hi, x)


class TestSubtract:
    def test_leap_day_to_common_year(self) -> None:
        """29 Feb minus one year falls back to 28 Feb."""
        assert subtract(D(2016, 2, 29), P("P1Y")) == D(2015, 2, 28)

    def test_28_february_from_common_year(self) -> None:
        """28 Feb minus one year is 28 Feb, even when the year before is a leap year."""
        assert subtract(D(2013, 2, 28), P("P1Y")) == D(2012, 2, 28)

    def test_31_march_minus_one_month(self) -> None:
        """31 Mar minus one month falls back to 28 Feb."""
        assert subtract(D(2021, 3, 31), P("P1M")) == D(2021, 2, 28)

    def test_months_before_years(self) -> None:
        """Months are subtracted before years: 29 Mar 2013 − P1Y1M is 28 Feb 2012."""
        # 2013-03-29 − 1 month = 2013-02-28, − 1 year = 2012-02-28 (years first would give 2012-02-29).
        assert subtract(D(2013, 3, 29), P("P1Y1M")) == D(2012, 2, 28)

    def test_days_before_months(self) -> None:
        """Days are subtracted before months: 2 Mar 2021 − P1M2D is 28 Jan."""
        # 2021-03-02 − 2 days = 2021-02-28, − 1 month = 2021-01-28 (months first would give 01-31).
        assert subtract(D(2021, 3, 2), P("P1M2D")) == D(2021, 1, 28)

    def test_one_day_across_year_start(self) -> None:
        """One day before 1 Jan is 31 Dec of the year before."""
        assert subtract(D(2021, 1, 1), P("P1D")) == D(2020, 12, 31)

    @given(dates, durees)
    def test_undoes_add_within_three_days(self, d: date, x: Duree) -> None:
        """Adding then subtracting a duration gives the date back, or at most 3 days earlier."""
        back = subtract(add(d, x), x)
        assert d - timedelta(days=3) <= back <= d

    @given(dates, durees)
    def test_add_undoes_subtract_within_three_days(self, d: date, x: Duree) -> None:
        """Subtracting then adding a duration gives the date back, or at most 3 days earlier."""
        back = add(subtract(d, x), x)
        assert d - timedelta(days=3) <= back <= d

    @given(dates, st.integers(0, 2000))
    def test_days_only_is_exact(self, d: date, n: int) -> None:
        """With days only there is no fall-back, so subtract exactly undoes add."""
        assert subtract(add(d, Duree(jours=n)), Duree(jours=n)) == d


class TestAnniversary:
    def test_plain(self) -> None:
        """The fifth anniversary keeps day and month."""
        assert anniversary(D(2014, 1, 20), 5) == D(2019, 1, 20)

    def test_leap_day_in_common_year(self) -> None:
        """The first anniversary of 29 Feb is 28 Feb."""
        assert anniversary(D(2012, 2, 29), 1) == D(2013, 2, 28)

    def test_leap_day_in_leap_year(self) -> None:
        """The fourth anniversary of 29 Feb is 29 Feb."""
        assert anniversary(D(2012, 2, 29), 4) == D(2016, 2, 29)

    def test_negative(self) -> None:
        """A negative number of years goes back, with the same fall-back."""
        assert anniversary(D(2012, 2, 29), -1) == D(2011, 2, 28)

    def test_zero(self) -> None:
        """The zeroth anniversary is the date itself."""
        assert anniversary(D(2012, 2, 29), 0) == D(2012, 2, 29)

    @given(dates, st.integers(0, 50))
    def test_same_as_add_years(self, d: date, n: int) -> None:
        """An anniversary is adding that many years."""
        assert anniversary(d, n) == add(d, Duree(annees=n))


# ------------------------------------------------------- validity and deadlines
class TestValidUntil:
    def test_five_years(self) -> None:
        """Acquired 2014-01-20 for 5 years: valid until 2019-01-19 inclusive."""
        assert valid_until(D(2014, 1, 20), P("P5Y")) == D(2019, 1, 19)

    def test_leap_day_one_year(self) -> None:
        """Acquired on 29 Feb 2012 for a year: the anniversary is 28 Feb 2013, valid until 27 Feb."""
        assert valid_until(D(2012, 2, 29), P("P1Y")) == D(2013, 2, 27)

    def test_leap_day_four_years(self) -> None:
        """Acquired on 29 Feb 2012 for 4 years: valid until 28 Feb 2016."""
        assert valid_until(D(2012, 2, 29), P("P4Y")) == D(2016, 2, 28)

    def test_28_february_same_as_leap_day(self) -> None:
        """Acquired on 28 Feb 2012 for a year: also valid until 27 Feb 2013 (same anniversary as 29 Feb)."""
        assert valid_until(D(2012, 2, 28), P("P1Y")) == D(2013, 2, 27)

    def test_1_march_after_leap_day(self) -> None:
        """Acquired on 1 Mar 2012 for a year: valid until 28 Feb 2013."""
        assert valid_until(D(2012, 3, 1), P("P1Y")) == D(2013, 2, 28)

    def test_month_end(self) -> None:
        """Valid one month from 31 Jan 2021: the anniversary falls back to 28 Feb, valid until 27 Feb."""
        assert valid_until(D(2021, 1, 31), P("P1M")) == D(2021, 2, 27)

    def test_day_before_start(self) -> None:
        """Not yet valid the day before it was acquired."""
        assert not is_valid_on(D(2014, 1, 20), P("P5Y"), D(2014, 1, 19))

    def test_start_day(self) -> None:
        """Valid on the day it was acquired."""
        assert is_valid_on(D(2014, 1, 20), P("P5Y"), D(2014, 1, 20))

    def test_last_day(self) -> None:
        """Valid on the day before the anniversary."""
        assert is_valid_on(D(2014, 1, 20), P("P5Y"), D(2019, 1, 19))

    def test_anniversary(self) -> None:
        """No longer valid on the anniversary."""
        assert not is_valid_on(D(2014, 1, 20), P("P5Y"), D(2019, 1, 20))

    def test_leap_day_last_day(self) -> None:
        """Acquired 29 Feb 2012 for a year: still valid on 27 Feb 2013."""
        assert is_valid_on(D(2012, 2, 29), P("P1Y"), D(2013, 2, 27))

    def test_leap_day_anniversary(self) -> None:
        """Acquired 29 Feb 2012 for a year: no longer valid on 28 Feb 2013."""
        assert not is_valid_on(D(2012, 2, 29), P("P1Y"), D(2013, 2, 28))

    def test_zero_duration_never_valid(self) -> None:
        """Something valid for no time is not valid even on its start day."""
        assert not is_valid_on(D(2020, 1, 1), Duree(), D(2020, 1, 1))

    @given(dates, durees.filter(lambda x: x != Duree()))
    def test_bounds(self, start: date, x: Duree) -> None:
        """Valid on the start day and on valid_until, not on the day after."""
        last = valid_until(start, x)
        assert last == add(start, x) - timedelta(days=1)
        assert is_valid_on(start, x, start)
        assert is_valid_on(start, x, last)
        assert not is_valid_on(start, x, last + timedelta(days=1))


class TestWithin:
    def test_day_before_anniversary(self) -> None:
        """Registered 2013-03-04, a first jury on 2016-03-03 is within three years."""
        assert within(D(2013, 3, 4), D(2016, 3, 3), P("P3Y"))

    def test_anniversary(self) -> None:
        """Registered 2013-03-04, a first jury on 2016-03-04 is still within three years."""
        assert within(D(2013, 3, 4), D(2016, 3, 4), P("P3Y"))

    def test_day_after_anniversary(self) -> None:
        """Registered 2013-03-04, a first jury on 2016-03-05 is too late."""
        assert not within(D(2013, 3, 4), D(2016, 3, 5), P("P3Y"))

    def test_month_end_last_day(self) -> None:
        """Within a month of 31 Jan 2020 runs through 29 Feb 2020."""
        assert within(D(2020, 1, 31), D(2020, 2, 29), P("P1M"))

    def test_month_end_day_after(self) -> None:
        """1 Mar 2020 is more than a month after 31 Jan 2020."""
        assert not within(D(2020, 1, 31), D(2020, 3, 1), P("P1M"))

    def test_leap_day_last_day(self) -> None:
        """Within a year of 29 Feb 2012 runs through 28 Feb 2013."""
        assert within(D(2012, 2, 29), D(2013, 2, 28), P("P1Y"))

    def test_leap_day_day_after(self) -> None:
        """1 Mar 2013 is more than a year after 29 Feb 2012."""
        assert not within(D(2012, 2, 29), D(2013, 3, 1), P("P1Y"))

    def test_order_not_checked(self) -> None:
        """An end before the start is "within": the order is another rule's business."""
        assert within(D(2013, 3, 4), D(2013, 3, 3), P("P3Y"))


class TestAtLeast:
    def test_day_before(self) -> None:
        """Module on 2020-01-10, a jury on 2020-03-09 is less than two months later."""
        assert not at_least(D(2020, 1, 10), D(2020, 3, 9), P("P2M"))

    def test_anniversary(self) -> None:
        """Module on 2020-01-10, a jury on 2020-03-10 is at least two months later."""
        assert at_least(D(2020, 1, 10), D(2020, 3, 10), P("P2M"))

    def test_day_after(self) -> None:
        """Module on 2020-01-10, a jury on 2020-03-11 is at least two months later."""
        assert at_least(D(2020, 1, 10), D(2020, 3, 11), P("P2M"))

    def test_month_end_day_before(self) -> None:
        """Module on 31 Dec 2020: 27 Feb 2021 is less than two months later."""
        assert not at_least(D(2020, 12, 31), D(2021, 2, 27), P("P2M"))

    def test_month_end_anniversary(self) -> None:
        """Module on 31 Dec 2020: the two months fall back to 28 Feb 2021, which is enough."""
        assert at_least(D(2020, 12, 31), D(2021, 2, 28), P("P2M"))

    @pytest.mark.parametrize("day", [29, 30, 31])
    def test_late_december_all_require_28_february(self, day: int) -> None:
        """Starting on 29, 30 or 31 Dec 2020, two months are reached on 28 Feb 2021 (fall-back)."""
        start = D(2020, 12, day)
        assert not at_least(start, D(2021, 2, 27), P("P2M"))
        assert at_least(start, D(2021, 2, 28), P("P2M"))

    def test_leap_day_day_before(self) -> None:
        """A year after 29 Feb 2012 is not reached on 27 Feb 2013."""
        assert not at_least(D(2012, 2, 29), D(2013, 2, 27), P("P1Y"))

    def test_leap_day_anniversary(self) -> None:
        """A year after 29 Feb 2012 is reached on 28 Feb 2013."""
        assert at_least(D(2012, 2, 29), D(2013, 2, 28), P("P1Y"))

    @given(dates, dates, durees)
    def test_complements_within(self, start: date, end: date, x: Duree) -> None:
        """Every end is within or at least the duration, and both only on the anniversary itself."""
        assert within(start, end, x) or at_least(start, end, x)
        assert (within(start, end, x) and at_least(start, end, x)) == (end == add(start, x))


# ------------------------------------------------------------------------- periods
class TestPeriode:
    def test_end_before_start(self) -> None:
        """A period that ends before it starts is refused with a sentence."""
        with pytest.raises(ValueError, match=r"la fin \(2020-01-31\) est antérieure au début \(2020-02-01\)"):
            per(D(2020, 2, 1), D(2020, 1, 31))

    def test_one_day(self) -> None:
        """A period may start and end on the same day."""
        assert per(D(2020, 2, 1), D(2020, 2, 1)).fin == D(2020, 2, 1)

    def test_ongoing_by_default(self) -> None:
        """Without an end, a period is ongoing."""
        assert per(D(2020, 2, 1)).fin is None

    def test_keyword_only(self) -> None:
        """Bounds are given by name."""
        with pytest.raises(TypeError):
            Periode(D(2020, 1, 1), D(2020, 1, 2))  # type: ignore[misc]

    def test_frozen(self) -> None:
        """A period cannot be changed."""
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            per(D(2020, 1, 1)).fin = D(2020, 2, 1)  # type: ignore[misc]


class TestMerge:
    def test_overlapping(self) -> None:
        """Overlapping periods become one."""
        ps = [per(D(2020, 1, 1), D(2020, 3, 31)), per(D(2020, 3, 1), D(2020, 6, 30))]
        assert merge(ps, until=D(2024, 1, 1)) == [(D(2020, 1, 1), D(2020, 6, 30))]

    def test_adjacent(self) -> None:
        """A period starting the day after another ends is merged with it."""
        ps = [per(D(2020, 1, 1), D(2020, 1, 31)), per(D(2020, 2, 1), D(2020, 2, 29))]
        assert merge(ps, until=D(2024, 1, 1)) == [(D(2020, 1, 1), D(2020, 2, 29))]

    def test_one_day_gap(self) -> None:
        """One uncovered day keeps two periods apart."""
        ps = [per(D(2020, 1, 1), D(2020, 1, 30)), per(D(2020, 2, 1), D(2020, 2, 29))]
        assert merge(ps, until=D(2024, 1, 1)) == [(D(2020, 1, 1), D(2020, 1, 30)), (D(2020, 2, 1), D(2020, 2, 29))]

    def test_leap_day_gap(self) -> None:
        """Ending on 28 Feb 2020 and starting on 1 Mar leaves 29 Feb uncovered."""
        ps = [per(D(2020, 1, 1), D(2020, 2, 28)), per(D(2020, 3, 1), D(2020, 3, 31))]
        assert merge(ps, until=D(2024, 1, 1)) == [(D(2020, 1, 1), D(2020, 2, 28)), (D(2020, 3, 1), D(2020, 3, 31))]

    def test_leap_day_adjacent(self) -> None:
        """Ending on 29 Feb 2020 and starting on 1 Mar touch."""
        ps = [per(D(2020, 1, 1), D(2020, 2, 29)), per(D(2020, 3, 1), D(2020, 3, 31))]
        assert merge(ps, until=D(2024, 1, 1)) == [(D(2020, 1, 1), D(2020, 3, 31))]

    def test_common_year_february_adjacent(self) -> None:
        """Ending on 28 Feb 2021 and starting on 1 Mar touch."""
        ps = [per(D(2021, 1, 1), D(2021, 2, 28)), per(D(2021, 3, 1), D(2021, 3, 31))]
        assert merge(ps, until=D(2024, 1, 1)) == [(D(2021, 1, 1), D(2021, 3, 31))]

    def test_contained(self) -> None:
        """A period inside another adds nothing."""
        ps = [per(D(2020, 1, 1), D(2020, 12, 31)), per(D(2020, 3, 1), D(2020, 3, 31))]
        assert merge(ps, until=D(2024, 1, 1)) == [(D(2020, 1, 1), D(2020, 12, 31))]

    def test_sorted(self) -> None:
        """Periods given in any order come out sorted."""
        ps = [per(D(2021, 1, 1), D(2021, 1, 31)), per(D(2019, 1, 1), D(2019, 1, 31))]
        assert merge(ps, until=D(2024, 1, 1)) == [(D(2019, 1, 1), D(2019, 1, 31)), (D(2021, 1, 1), D(2021, 1, 31))]

    def test_ongoing_ends_on_until(self) -> None:
        """An ongoing period ends on the until day."""
        assert merge([per(D(2020, 1, 1))], until=D(2020, 6, 30)) == [(D(2020, 1, 1), D(2020, 6, 30))]

    def test_ongoing_starting_on_until(self) -> None:
        """An ongoing period that starts on the until day covers that day."""
        assert merge([per(D(2020, 6, 30))], until=D(2020, 6, 30)) == [(D(2020, 6, 30), D(2020, 6, 30))]

    def test_ongoing_starting_after_until(self) -> None:
        """An ongoing period that starts after the until day is dropped."""
        assert merge([per(D(2020, 7, 1))], until=D(2020, 6, 30)) == []

    def test_ongoing_absorbs_finished(self) -> None:
        """A finished period overlapping an ongoing one is merged into it."""
        ps = [per(D(2020, 3, 1)), per(D(2020, 1, 1), D(2020, 3, 15))]
        assert merge(ps, until=D(2020, 6, 30)) == [(D(2020, 1, 1), D(2020, 6, 30))]

    def test_finished_not_clipped(self) -> None:
        """A period with an end after the until day keeps its end (clipping is the window's job)."""
        assert merge([per(D(2020, 1, 1), D(2021, 12, 31))], until=D(2020, 6, 30)) == [(D(2020, 1, 1), D(2021, 12, 31))]

    def test_empty(self) -> None:
        """No periods merge into none."""
        assert merge([], until=D(2020, 6, 30)) == []

    @given(periode_lists, near)
    def test_idempotent(self, ps: list[Periode], until: date) -> None:
        """Merging merged periods changes nothing."""
        once = merge(ps, until)
        assert merge([per(a, b) for a, b in once], until) == once

    @given(periode_lists.flatmap(lambda ps: st.tuples(st.just(ps), st.permutations(ps))), near)
    def test_order_independent(self, pair: tuple[list[Periode], list[Periode]], until: date) -> None:
        """The order of the periods does not matter."""
        ps, shuffled = pair
        assert merge(shuffled, until) == merge(ps, until)

    @given(periode_lists, near)
    def test_disjoint_sorted_not_touching(self, ps: list[Periode], until: date) -> None:
        """Merged periods are sorted, non-empty, and separated by at least one uncovered day."""
        out = merge(ps, until)
        assert all(a <= b for a, b in out)
        assert all((nxt[0] - prev[1]).days >= 2 for prev, nxt in pairwise(out))

    @given(periode_lists, near)
    def test_same_days(self, ps: list[Periode], until: date) -> None:
        """Merged periods cover exactly the days the periods cover (ongoing ones through until)."""
        expected: set[date] = set()
        for p in ps:
            fin = p.fin if p.fin is not None else until
            if p.debut <= fin:
                expected |= days_of(p.debut, fin)
        covered: set[date] = set()
        for a, b in merge(ps, until):
            covered |= days_of(a, b)
        assert covered == expected


class TestWindowStart:
    def test_one_year_at_year_end(self) -> None:
        """The last year as of 31 Dec 2020 starts on 1 Jan 2020."""
        assert window_start(P("P1Y"), D(2020, 12, 31)) == D(2020, 1, 1)

    def test_twelve_years(self) -> None:
        """The last 12 years as of 2024-05-15 start on 2012-05-16."""
        assert window_start(P("P12Y"), D(2024, 5, 15)) == D(2012, 5, 16)

    def test_as_of_leap_day(self) -> None:
        """The last year as of 29 Feb 2020 starts on 1 Mar 2019 (28 Feb 2019 is excluded)."""
        assert window_start(P("P1Y"), D(2020, 2, 29)) == D(2019, 3, 1)

    def test_leap_day_included(self) -> None:
        """The last year as of 28 Feb 2021 starts on 29 Feb 2020 and so holds 366 days."""
        assert window_start(P("P1Y"), D(2021, 2, 28)) == D(2020, 2, 29)

    def test_after_leap_day(self) -> None:
        """The last year as of 1 Mar 2021 starts on 2 Mar 2020."""
        assert window_start(P("P1Y"), D(2021, 3, 1)) == D(2020, 3, 2)


class TestDaysWithinWindow:
    def test_inside(self) -> None:
        """A period wholly inside the window counts all its days, both bounds included."""
        assert days_within_window([per(D(2020, 1, 1), D(2020, 1, 31))], P("P1Y"), D(2020, 12, 31)) == 31

    def test_full_window(self) -> None:
        """A period covering the last 3 years as of 31 Dec 2020 counts 365 + 365 + 366 days."""
        assert days_within_window([per(D(2010, 1, 1))], P("P3Y"), D(2020, 12, 31)) == 1096

    def test_ends_day_before_window(self) -> None:
        """Window P1Y as of 2020-06-30 starts on 2019-07-01: a period ending 2019-06-30 counts nothing."""
        assert days_within_window([per(D(2019, 6, 1), D(2019, 6, 30))], P("P1Y"), D(2020, 6, 30)) == 0

    def test_window_of_gives_both_bounds(self) -> None:
        """The last 12 years as of 06/01/2014 (guide 3.3) run from 07/01/2002 to 06/01/2014; no window: no start."""
        assert window_of(P("P12Y"), D(2014, 1, 6)) == Fenetre(debut=D(2002, 1, 7), fin=D(2014, 1, 6))
        assert window_of(None, D(2014, 1, 6)) == Fenetre(debut=None, fin=D(2014, 1, 6))

    @pytest.mark.parametrize(("jour", "n"), [(D(2002, 1, 6), 0), (D(2002, 1, 7), 1), (D(2014, 1, 6), 1), (D(2014, 1, 7), 0)])
    def test_days_in_counts_exactly_the_bounds(self, jour: date, n: int) -> None:
        """A one-day period counts when it is on a bound of the Fenetre, not the day outside it."""
        assert days_in([per(jour, jour)], window_of(P("P12Y"), D(2014, 1, 6))) == n

    def test_ends_on_window_start(self) -> None:
        """A period ending on the window's first day counts that one day."""
        assert days_within_window([per(D(2019, 6, 1), D(2019, 7, 1))], P("P1Y"), D(2020, 6, 30)) == 1

    def test_straddles_window_start(self) -> None:
        """A period straddling the window start counts only its days from the window start."""
        # 2019-07-01 .. 2019-07-10 = 10 days.
        assert days_within_window([per(D(2019, 6, 1), D(2019, 7, 10))], P("P1Y"), D(2020, 6, 30)) == 10

    def test_clipped_at_as_of(self) -> None:
        """Days after the as-of day do not count."""
        assert days_within_window([per(D(2020, 6, 1), D(2020, 12, 31))], P("P1Y"), D(2020, 6, 30)) == 30

    def test_ongoing(self) -> None:
        """An ongoing period counts through the as-of day."""
        assert days_within_window([per(D(2020, 6, 1))], P("P1Y"), D(2020, 6, 30)) == 30

    def test_ongoing_starting_on_as_of(self) -> None:
        """An ongoing period starting on the as-of day counts one day."""
        assert days_within_window([per(D(2020, 6, 30))], P("P1Y"), D(2020, 6, 30)) == 1

    def test_ongoing_starting_after_as_of(self) -> None:
        """An ongoing period starting after the as-of day counts nothing."""
        assert days_within_window([per(D(2020, 7, 1))], P("P1Y"), D(2020, 6, 30)) == 0

    def test_overlap_counted_once(self) -> None:
        """Days covered by two periods count once."""
        ps = [per(D(2020, 1, 1), D(2020, 1, 31)), per(D(2020, 1, 15), D(2020, 2, 15))]
        # Merged: 2020-01-01 .. 2020-02-15 = 31 + 15 days.
        assert days_within_window(ps, P("P1Y"), D(2020, 12, 31)) == 46

    def test_adjacent(self) -> None:
        """Adjacent periods count every day of both."""
        ps = [per(D(2020, 1, 1), D(2020, 1, 31)), per(D(2020, 2, 1), D(2020, 2, 29))]
        assert days_within_window(ps, P("P1Y"), D(2020, 12, 31)) == 31 + 29

    def test_no_window(self) -> None:
        """Without a window every day up to the as-of day counts."""
        ps = [per(D(2000, 1, 1), D(2000, 12, 31)), per(D(2020, 12, 1))]
        assert days_within_window(ps, None, D(2020, 12, 31)) == 366 + 31

    def test_no_periods(self) -> None:
        """No periods, no days."""
        assert days_within_window([], P("P1Y"), D(2020, 12, 31)) == 0

    @given(periode_lists, small_windows, near)
    def test_at_most_window_days(self, ps: list[Periode], window: Duree, as_of: date) -> None:
        """No more days are counted than the window holds."""
        assert days_within_window(ps, window, as_of) <= (as_of - subtract(as_of, window)).days

    @given(periode_lists, small_windows, near)
    def test_matches_day_sets(self, ps: list[Periode], window: Duree, as_of: date) -> None:
        """The count is the number of distinct period days from the window start through the as-of day."""
        window_days = days_of(window_start(window, as_of), as_of) if window_start(window, as_of) <= as_of else set()
        covered: set[date] = set()
        for p in ps:
            fin = p.fin if p.fin is not None else as_of
            if p.debut <= fin:
                covered |= days_of(p.debut, fin)
        assert days_within_window(ps, window, as_of) == len(covered & window_days)


class TestDurationInDays:
    def test_three_years(self) -> None:
        """Three years are 1 095 days."""
        assert years_as_days(3) == 1095

    def test_zero_years(self) -> None:
        """Zero years are no days."""
        assert years_as_days(0) == 0

    def test_every_unit(self) -> None:
        """P1Y2M3W4D is 365 + 2 × 30 + 3 × 7 + 4 = 450 days."""
        assert duree_as_days(P("P1Y2M3W4D")) == 450

    def test_years_match(self) -> None:
        """A duration in years counts like years_as_days."""
        assert duree_as_days(P("P3Y")) == years_as_days(3)


class TestHasDuration:
    def test_exactly_three_years(self) -> None:
        """1 095 days of experience are three years."""
        # 2015-01-01 .. 2017-12-30: 365 (2015) + 366 (2016) + 364 (2017 up to 30 Dec) = 1 095 days.
        assert has_duration([per(D(2015, 1, 1), D(2017, 12, 30))], P("P3Y"), P("P10Y"), D(2020, 1, 1))

    def test_one_day_short_of_three_years(self) -> None:
        """1 094 days of experience are not three years, even over three calendar years minus two days."""
        assert not has_duration([per(D(2015, 1, 1), D(2017, 12, 29))], P("P3Y"), P("P10Y"), D(2020, 1, 1))

    def test_split_experience(self) -> None:
        """Experience in two separate periods adds up."""
        # 2012-01-01 .. 2012-12-31 = 366 days; 2018-01-01 .. 2019-12-29 = 365 + 363 = 728; total 1 094.
        ps = [per(D(2012, 1, 1), D(2012, 12, 31)), per(D(2018, 1, 1), D(2019, 12, 29))]
        assert not has_duration(ps, P("P3Y"), P("P10Y"), D(2020, 1, 1))
        # One day more in the second period: 1 095.
        ps = [per(D(2012, 1, 1), D(2012, 12, 31)), per(D(2018, 1, 1), D(2019, 12, 30))]
        assert has_duration(ps, P("P3Y"), P("P10Y"), D(2020, 1, 1))

    def test_window_moves_with_as_of(self) -> None:
        """A period straddling the window start loses a day when the as-of day moves one day later."""
        ps = [per(D(2015, 1, 1), D(2016, 12, 30))]
        # As of 2020-12-31 the last P5Y start on 2016-01-01: 2016-01-01 .. 2016-12-30 = 365 days.
        assert has_duration(ps, P("P1Y"), P("P5Y"), D(2020, 12, 31))
        # As of 2021-01-01 they start on 2016-01-02: 364 days.
        assert not has_duration(ps, P("P1Y"), P("P5Y"), D(2021, 1, 1))

    def test_months_are_thirty_days_common_year(self) -> None:
        """February and March 2021 (59 days) are not two months of experience (60 days)."""
        assert not has_duration([per(D(2021, 2, 1), D(2021, 3, 31))], P("P2M"), P("P1Y"), D(2021, 12, 31))

    def test_months_are_thirty_days_leap_year(self) -> None:
        """February and March 2020 (60 days) are two months of experience."""
        assert has_duration([per(D(2020, 2, 1), D(2020, 3, 31))], P("P2M"), P("P1Y"), D(2020, 12, 31))

    def test_ongoing_reaches_the_duration(self) -> None:
        """An ongoing period reaches one year (365 days) on its 365th day."""
        # 2021-01-01 .. 2021-12-30 = 364 days; .. 2021-12-31 = 365.
        assert not has_duration([per(D(2021, 1, 1))], P("P1Y"), P("P3Y"), D(2021, 12, 30))
        assert has_duration([per(D(2021, 1, 1))], P("P1Y"), P("P3Y"), D(2021, 12, 31))

    def test_no_window(self) -> None:
        """Without a window, old experience counts."""
        assert has_duration([per(D(1990, 1, 1), D(1992, 12, 31))], P("P3Y"), None, D(2020, 1, 1))
        assert not has_duration([per(D(1990, 1, 1), D(1992, 12, 31))], P("P3Y"), P("P12Y"), D(2020, 1, 1))


# ------------------------------------------------------ months started, yearly caps
class TestMonthsStarted:
    @pytest.mark.parametrize(
        ("fin", "expected"),
        [
            (D(2017, 1, 15), 1),
            (D(2017, 2, 14), 1),
            (D(2017, 2, 15), 2),
            (D(2017, 2, 16), 2),
            (D(2017, 3, 14), 2),
            (D(2017, 3, 15), 3),
        ],
    )
    def test_from_mid_month(self, fin: date, expected: int) -> None:
        """From 2017-01-15, a new month starts on the 15th of each month."""
        assert months_started(D(2017, 1, 15), fin) == expected

    @pytest.mark.parametrize(
        ("fin", "expected"),
        [
            (D(2017, 2, 27), 1),
            (D(2017, 2, 28), 2),
            (D(2017, 3, 30), 2),
            (D(2017, 3, 31), 3),
            (D(2017, 4, 29), 3),
            (D(2017, 4, 30), 4),
        ],
    )
    def test_from_month_end(self, fin: date, expected: int) -> None:
        """From 31 Jan 2017, months start on 28 Feb, 31 Mar and 30 Apr (from the start day, not chained)."""
        assert months_started(D(2017, 1, 31), fin) == expected

    def test_leap_february_day_before(self) -> None:
        """From 31 Jan 2020, the second month has not started on 28 Feb."""
        assert months_started(D(2020, 1, 31), D(2020, 2, 28)) == 1

    def test_leap_february_day(self) -> None:
        """From 31 Jan 2020, the second month starts on 29 Feb."""
        assert months_started(D(2020, 1, 31), D(2020, 2, 29)) == 2

    def test_from_leap_day_day_before_anniversary(self) -> None:
        """From 29 Feb 2020, the 13th month starts on 28 Feb 2021, so 27 Feb is still in the 12th."""
        assert months_started(D(2020, 2, 29), D(2021, 2, 27)) == 12

    def test_from_leap_day_anniversary(self) -> None:
        """From 29 Feb 2020, 28 Feb 2021 starts the 13th month."""
        assert months_started(D(2020, 2, 29), D(2021, 2, 28)) == 13

    def test_across_year_end(self) -> None:
        """From 2016-11-20, the fourth month starts on 2017-02-20."""
        assert months_started(D(2016, 11, 20), D(2017, 2, 19)) == 3
        assert months_started(D(2016, 11, 20), D(2017, 2, 20)) == 4

    def test_end_before_start(self) -> None:
        """A mission that ends before it starts is refused."""
        with pytest.raises(ValueError, match="antérieure au début"):
            months_started(D(2017, 1, 15), D(2017, 1, 14))

    @given(dates, st.integers(0, 3000))
    def test_at_least_one(self, debut: date, n: int) -> None:
        """Every mission has started at least one month."""
        assert months_started(debut, debut + timedelta(days=n)) >= 1

    @given(dates, st.integers(0, 3000), st.integers(0, 60))
    def test_monotonic_in_fin(self, debut: date, n: int, more: int) -> None:
        """A later end never gives fewer months."""
        fin = debut + timedelta(days=n)
        assert months_started(debut, fin + timedelta(days=more)) >= months_started(debut, fin)

    @given(dates, st.integers(1, 150))
    def test_k_months_boundary(self, debut: date, k: int) -> None:
        """The day before month k+1 starts is k months; the day it starts is k+1."""
        start_next = add(debut, Duree(mois=k))
        assert months_started(debut, start_next - timedelta(days=1)) == k
        assert months_started(debut, start_next) == k + 1


class TestMonthsStartedByYear:
    def test_split(self) -> None:
        """Months starting on 2016-11-20, 12-20, 2017-01-20 and 02-20: two in each year."""
        assert months_started_by_year(D(2016, 11, 20), D(2017, 2, 20)) == {2016: 2, 2017: 2}

    def test_month_running_into_next_year(self) -> None:
        """A month starting on 2016-12-20 belongs to 2016 even though it runs into January."""
        assert months_started_by_year(D(2016, 11, 20), D(2017, 1, 19)) == {2016: 2}

    def test_next_month_starts_in_new_year(self) -> None:
        """From 2016-11-20, the month starting on 2017-01-20 belongs to 2017."""
        assert months_started_by_year(D(2016, 11, 20), D(2017, 1, 20)) == {2016: 2, 2017: 1}

    def test_from_31_december(self) -> None:
        """From 31 Dec 2016, the second month starts on 31 Jan 2017."""
        assert months_started_by_year(D(2016, 12, 31), D(2017, 1, 30)) == {2016: 1}
        assert months_started_by_year(D(2016, 12, 31), D(2017, 1, 31)) == {2016: 1, 2017: 1}

    def test_three_years(self) -> None:
        """From 2015-06-01 to 2017-05-31: 7 months start in 2015, 12 in 2016, 5 in 2017."""
        assert months_started_by_year(D(2015, 6, 1), D(2017, 5, 31)) == {2015: 7, 2016: 12, 2017: 5}

    @given(dates, st.integers(0, 3000))
    def test_sums_to_months_started(self, debut: date, n: int) -> None:
        """The months per year add up to the months started, in years from the start's to the end's."""
        fin = debut + timedelta(days=n)
        by_year = months_started_by_year(debut, fin)
        assert sum(by_year.values()) == months_started(debut, fin)
        assert all(debut.year <= y <= fin.year and 1 <= m <= 12 for y, m in by_year.items())


class TestCapPerYear:
    def test_below_at_and_above(self) -> None:
        """Amounts below or at the cap are kept; above it they are cut to the cap."""
        assert cap_per_year({2016: 11, 2017: 12, 2018: 13}, 12) == {2016: 11, 2017: 12, 2018: 12}

    def test_empty(self) -> None:
        """No years, nothing to cap."""
        assert cap_per_year({}, 12) == {}

    def test_negative_cap(self) -> None:
        """A negative cap is refused."""
        with pytest.raises(ValueError, match="plafond annuel négatif"):
            cap_per_year({2016: 1}, -1)

    def test_negative_amount(self) -> None:
        """A negative amount is refused."""
        with pytest.raises(ValueError, match="quantité négative pour l'année 2016"):
            cap_per_year({2016: -1}, 12)


class TestCapPerYearAcross:
    def test_earlier_missions_first(self) -> None:
        """A later mission only gets what the earlier ones left of each year's cap."""
        first = {2016: 5, 2017: 3}
        second = {2017: 10, 2018: 4}
        third = {2017: 2}
        # 2017: 3 used by the first, 12 − 3 = 9 left for the second, 0 for the third.
        assert cap_per_year_across([first, second, third], 12) == [{2016: 5, 2017: 3}, {2017: 9, 2018: 4}, {2017: 0}]

    def test_order_matters(self) -> None:
        """The same missions in the other order share the cap the other way."""
        first = {2017: 10, 2018: 4}
        second = {2016: 5, 2017: 3}
        assert cap_per_year_across([first, second], 12) == [{2017: 10, 2018: 4}, {2016: 5, 2017: 2}]

    def test_exactly_the_cap(self) -> None:
        """Two missions that together reach the cap exactly are kept."""
        assert cap_per_year_across([{2017: 6}, {2017: 6}], 12) == [{2017: 6}, {2017: 6}]

    def test_one_over_the_cap(self) -> None:
        """One unit over the cap is taken from the later mission."""
        assert cap_per_year_across([{2017: 6}, {2017: 7}], 12) == [{2017: 6}, {2017: 6}]

    def test_first_mission_alone_over_cap(self) -> None:
        """A single mission over the cap is capped like cap_per_year."""
        assert cap_per_year_across([{2017: 14}], 12) == [cap_per_year({2017: 14}, 12)]

    def test_float_rounding_never_negative(self) -> None:
        """Float rounding of the used part never leaves a negative amount."""
        # Cap 0.9: the first mission uses 0.3; what is left is 0.9 − 0.3 = 0.6000000000000001 in floats, all of
        # which the second mission gets; 0.3 + 0.6000000000000001 = 0.9000000000000001 > 0.9, so without a floor
        # the third mission would get −1.1e-16.
        out = cap_per_year_across([{2017: 0.3}, {2017: 1.0}, {2017: 1.0}], 0.9)
        assert out[2] == {2017: 0}

    def test_no_missions(self) -> None:
        """No missions, no amounts."""
        assert cap_per_year_across([], 12) == []

    def test_negative_cap(self) -> None:
        """A negative cap is refused."""
        with pytest.raises(ValueError, match="plafond annuel négatif"):
            cap_per_year_across([{2016: 1}], -1)

    @given(
        st.lists(st.dictionaries(st.integers(2015, 2020), st.integers(0, 20), max_size=4), max_size=5),
        st.integers(0, 24),
    )
    def test_bounds(self, missions: list[dict[int, int]], cap: int) -> None:
        """Each year's total stays within the cap, no amount grows, and totals within the cap are untouched."""
        out = cap_per_year_across(missions, cap)
        assert [m.keys() for m in out] == [m.keys() for m in missions]
        years = {y for m in missions for y in m}
        for y in years:
            total_in = sum(m.get(y, 0) for m in missions)
            total_out = sum(m.get(y, 0) for m in out)
            assert total_out == min(total_in, cap)
        assert all(0 <= o[y] <= m[y] for m, o in zip(missions, out, strict=True) for y in m)
