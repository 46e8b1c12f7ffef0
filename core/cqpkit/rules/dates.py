"""Date arithmetic of the rules: the one module that adds durations, tests deadlines and counts days.

Every function is pure and works on :class:`datetime.date` values and :class:`~cqpkit.model.Duree`
durations. The choices below are the ones a rule relies on; each one is pinned by a test in
``tests/test_dates.py``, on both sides of its boundary.

Adding and subtracting durations
--------------------------------
- :func:`add` adds the years, then the months, then the weeks and days (a week is 7 days).
  Each of the years and months steps that lands on a day its month does not have falls back to
  the last day of that month: 29 Feb + 1 year = 28 Feb, 31 Jan + 1 month = 28 Feb (29 in a
  leap year), 31 Mar + 1 month = 30 Apr. The steps are taken one after the other, so
  2012-02-29 + P1Y1M = 2013-02-28 + 1 month = 2013-03-28 (not 2013-03-29), and
  2021-01-30 + P1M2D = 2021-02-28 + 2 days = 2021-03-02.
- :func:`subtract` undoes :func:`add`: it takes the steps in the reverse order (weeks and days
  first, then months, then years), with the same fall-back to the last day of the month. A
  fall-back loses days, so ``subtract(add(d, x), x)`` is ``d`` or up to 3 days earlier, never later.
- :func:`anniversary` is ``add`` of a number of years: 29 Feb falls on 28 Feb in a common year.

Validity, deadlines and minimum delays
--------------------------------------
- "Valid N years" (:func:`valid_until`): valid from the start day through the day before the
  Nth anniversary, both inclusive: acquired 2014-01-20 for P5Y, valid until 2019-01-19; acquired
  2012-02-29 for P1Y, the anniversary is 2013-02-28, valid until 2013-02-27. A zero duration is
  never valid. :func:`is_valid_on` is false before the start day.
- "At most ``duree`` after" (:func:`within`): ``end <= add(start, duree)``, the day of the
  anniversary included: registration 2013-03-04, first jury within P3Y: 2016-03-04 is within,
  2016-03-05 is not. It does not check that ``end`` comes after ``start``; that is an order
  rule of its own.
- "At least ``duree`` before" (:func:`at_least`): ``end >= add(start, duree)``, the day of the
  anniversary included: a preparation module on 2020-01-10, at least P2M before the jury: a jury
  on 2020-03-10 is fine, on 2020-03-09 it is not. Because of the fall-back to the end of the
  month, a start on 29, 30 or 31 December with P2M all require 28 February (29 in a leap year).
  ``within`` and ``at_least`` are both true only when ``end`` is the anniversary itself.

Periods of experience
---------------------
- A :class:`Periode` has inclusive bounds; ``fin = None`` means it is still going on.
- :func:`merge` merges periods that overlap or touch (one ends the day before the other starts)
  into disjoint periods, sorted, with at least one uncovered day between two of them. An ongoing
  period ends on ``until``; one that starts after ``until`` is dropped. Periods with an end are
  not clipped (the window does that).
- The window of "the last ``window``" as of a day D (:func:`window_start`) runs from the day after
  ``subtract(D, window)`` through D, both inclusive, so that it holds exactly ``window``'s worth
  of days, like a validity: the last P1Y as of 2020-12-31 is 2020-01-01 .. 2020-12-31 (366 days);
  the last P12Y as of 2024-05-15 starts on 2012-05-16. A window of ``None`` has no start.
- :func:`window_of` gives that window as a :class:`Fenetre` (first and last day, both inclusive);
  :func:`days_in` merges the periods (ongoing ones end on the window's last day), clips them to the
  window (days after its last day never count) and counts the distinct days covered;
  :func:`days_within_window` is the two together. A rule that states a window in a message prints
  the :class:`Fenetre` it counted in, so the message and the count cannot disagree.
- A required duration counts as days (:func:`duree_as_days`): 365 per year, 30 per month, 7 per
  week, plus the days; "3 years of experience" is 1 095 days of merged periods (DESIGN), whatever
  the leap years. The 30 days per month is this module's convention, by analogy with the
  365 days per year; no source gives it.

Months started and calendar-year caps
-------------------------------------
- Months "complete or not" (:func:`months_started`) are anniversary months from the start day:
  month k (k = 0, 1, …) starts on ``add(debut, k months)``, always computed from ``debut`` (so
  from 31 Jan the months start on 28 Feb, 31 Mar, 30 Apr, …), and every month that starts on or
  before ``fin`` counts: 2017-01-15 .. 2017-01-15 is 1 month, .. 2017-02-14 is 1, .. 2017-02-15 is 2.
- :func:`months_started_by_year` gives each started month to the calendar year of the day it
  starts (a month from 2016-12-20 to 2017-01-19 belongs to 2016); a year in which no month starts
  does not appear.
- :func:`cap_per_year` caps each calendar year's amount; :func:`cap_per_year_across` shares one
  cap per calendar year among the missions of one person, given in chronological order: earlier
  missions use the cap first, later ones get what is left (possibly 0).
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

from attrs import Attribute, field, frozen

from cqpkit.model import Duree

__all__ = [
    "ONE_DAY",
    "Fenetre",
    "Periode",
    "add",
    "anniversary",
    "at_least",
    "cap_per_year",
    "cap_per_year_across",
    "days_in",
    "days_within_window",
    "duree_as_days",
    "has_duration",
    "is_valid_on",
    "merge",
    "months_started",
    "months_started_by_year",
    "subtract",
    "valid_until",
    "window_of",
    "window_start",
    "within",
    "years_as_days",
]

ONE_DAY = timedelta(days=1)


# ------------------------------------------------------------------ adding durations
def _add_months(d: date, months: int) -> date:
    """``d`` moved by ``months`` (may be negative), falling back to the last day of the month."""
    if not months:
        return d
    year, month0 = divmod(d.year * 12 + d.month - 1 + months, 12)
    month = month0 + 1
    day = d.day
    if day > 28:  # every month has a 28th: only the 29th to the 31st may fall back
        day = min(day, monthrange(year, month)[1])
    return date(year, month, day)


def _days(duree: Duree) -> timedelta:
    return timedelta(days=7 * duree.semaines + duree.jours)


def add(d: date, duree: Duree) -> date:
    """``d`` plus ``duree``: years, then months, then weeks and days; 31 Jan + P1M = 28/29 Feb."""
    d = _add_months(d, 12 * duree.annees)
    d = _add_months(d, duree.mois)
    if duree.semaines or duree.jours:
        d += _days(duree)
    return d


def subtract(d: date, duree: Duree) -> date:
    """``d`` minus ``duree``: weeks and days, then months, then years (the reverse of :func:`add`)."""
    d = d - _days(duree)
    d = _add_months(d, -duree.mois)
    return _add_months(d, -12 * duree.annees)


def anniversary(d: date, years: int) -> date:
    """The ``years``-th anniversary of ``d`` (negative: before it); 29 Feb → 28 Feb in a common year."""
    return _add_months(d, 12 * years)


# ------------------------------------------------------- validity and deadlines
def valid_until(start: date, duree: Duree) -> date:
    """The last day (inclusive) of something "valid ``duree``" from ``start``: the day before the anniversary."""
    return add(start, duree) - ONE_DAY


def is_valid_on(start: date, duree: Duree, day: date) -> bool:
    """Whether something valid ``duree`` from ``start`` is valid on ``day`` (from ``start`` to :func:`valid_until`)."""
    return start <= day <= valid_until(start, duree)


def within(start: date, end: date, duree: Duree) -> bool:
    """Whether ``end`` is at most ``duree`` after ``start``: ``end <= add(start, duree)`` (order not checked)."""
    return end <= add(start, duree)


def at_least(start: date, end: date, duree: Duree) -> bool:
    """Whether ``end`` is at least ``duree`` after ``start``: ``end >= add(start, duree)``."""
    return end >= add(start, duree)


# ------------------------------------------------------------------------- periods
def _fin_not_before_debut(instance: Periode, attribute: Attribute[date | None], value: date | None) -> None:
    if value is not None and value < instance.debut:
        raise ValueError(f"période invalide : la fin ({value}) est antérieure au début ({instance.debut})")


@frozen(kw_only=True)
class Periode:
    """A period of activity, bounds inclusive; ``fin = None`` means it is still going on."""

    debut: date
    fin: date | None = field(default=None, validator=_fin_not_before_debut)


def merge(periods: Iterable[Periode], until: date) -> list[tuple[date, date]]:
    """The periods merged where they overlap or touch, sorted, inclusive bounds; ongoing ones end on ``until``."""
    spans = sorted((p.debut, p.fin if p.fin is not None else until) for p in periods)
    merged: list[tuple[date, date]] = []
    for debut, fin in spans:
        if fin < debut:  # an ongoing period that starts after ``until``
            continue
        if merged and (debut - merged[-1][1]).days <= 1:
            if fin > merged[-1][1]:
                merged[-1] = (merged[-1][0], fin)
        else:
            merged.append((debut, fin))
    return merged


def window_start(window: Duree, as_of: date) -> date:
    """The first day of the window "the last ``window``" as of ``as_of``: the day after ``subtract(as_of, window)``."""
    return subtract(as_of, window) + ONE_DAY


@frozen(kw_only=True)
class Fenetre:
    """The days a count of experience covers, both bounds inclusive: ``debut`` (``None``: no start) to ``fin``."""

    debut: date | None
    fin: date


def window_of(duree: Duree | None, as_of: date) -> Fenetre:
    """The window "the last ``duree``" as of ``as_of``: from :func:`window_start` (``None``: no start) to ``as_of``."""
    return Fenetre(debut=window_start(duree, as_of) if duree is not None else None, fin=as_of)


def days_in(periods: Iterable[Periode], fenetre: Fenetre) -> int:
    """The number of distinct days of ``periods`` (merged, ongoing ones ending on ``fenetre.fin``) inside ``fenetre``."""
    first, last = fenetre.debut, fenetre.fin
    total = 0
    for debut, fin in merge(periods, until=last):
        if first is not None and debut < first:
            debut = first
        fin = min(fin, last)
        if debut <= fin:
            total += (fin - debut).days + 1
    return total


def days_within_window(periods: Iterable[Periode], window: Duree | None, as_of: date) -> int:
    """The number of distinct days of ``periods`` within the last ``window`` as of ``as_of`` (``None``: no start)."""
    return days_in(periods, window_of(window, as_of))


def years_as_days(n: int) -> int:
    """``n`` years of experience in days: 365 a year (3 years = 1 095 days)."""
    return 365 * n


def duree_as_days(duree: Duree) -> int:
    """A required duration in days: 365 per year, 30 per month, 7 per week, plus the days."""
    return years_as_days(duree.annees) + 30 * duree.mois + 7 * duree.semaines + duree.jours


def has_duration(periods: Iterable[Periode], duree: Duree, window: Duree | None, as_of: date) -> bool:
    """Whether ``periods`` cover at least :func:`duree_as_days` of ``duree`` in the last ``window`` as of ``as_of``."""
    return days_within_window(periods, window, as_of) >= duree_as_days(duree)


# ------------------------------------------------------ months started, yearly caps
def _check_order(debut: date, fin: date) -> None:
    if fin < debut:
        raise ValueError(f"période invalide : la fin ({fin}) est antérieure au début ({debut})")


def months_started(debut: date, fin: date) -> int:
    """The number of anniversary months from ``debut`` that start on or before ``fin`` (at least 1)."""
    _check_order(debut, fin)
    # The month that starts in fin's calendar month has started unless its day is after fin's.
    k = (fin.year - debut.year) * 12 + fin.month - debut.month
    if _add_months(debut, k) > fin:
        k -= 1
    return k + 1


def months_started_by_year(debut: date, fin: date) -> dict[int, int]:
    """:func:`months_started` split by the calendar year in which each month starts."""
    by_year: dict[int, int] = {}
    for k in range(months_started(debut, fin)):
        year = _add_months(debut, k).year
        by_year[year] = by_year.get(year, 0) + 1
    return by_year


def _check_cap(cap: float) -> None:
    if cap < 0:
        raise ValueError(f"plafond annuel négatif ({cap})")


def _check_amount(year: int, amount: float) -> None:
    if amount < 0:
        raise ValueError(f"quantité négative pour l'année {year} ({amount})")


def cap_per_year(amounts_by_year: Mapping[int, float], cap: float) -> dict[int, float]:
    """Each calendar year's amount, at most ``cap``."""
    _check_cap(cap)
    capped: dict[int, float] = {}
    for year, amount in amounts_by_year.items():
        _check_amount(year, amount)
        capped[year] = min(amount, cap)
    return capped


def cap_per_year_across(amounts_per_mission: Sequence[Mapping[int, float]], cap: float) -> list[dict[int, float]]:
    """Each mission's amounts (missions in chronological order) under one cap per calendar year, earliest first."""
    _check_cap(cap)
    used: dict[int, float] = {}
    result: list[dict[int, float]] = []
    for amounts in amounts_per_mission:
        capped: dict[int, float] = {}
        for year, amount in amounts.items():
            _check_amount(year, amount)
            # max() keeps a float rounding of ``used`` from turning what is left negative.
            granted = min(amount, max(cap - used.get(year, 0), 0))
            capped[year] = granted
            used[year] = used.get(year, 0) + granted
        result.append(capped)
    return result


def month_starts(debut: date, fin: date, *, complete: bool = False) -> list[date]:
    """The first day of each anniversary month of ``debut .. fin`` (inclusive), in order.

    Months started (the default): every month that starts on or before ``fin``, as
    :func:`months_started` counts them. ``complete=True``: only the months whose last day (the
    day before the next month starts) is on or before ``fin``: 2017-03-06 .. 2017-04-05 is one
    complete month, .. 2017-04-04 none. A period that ends before it starts has no month.
    """
    if fin < debut:
        return []
    starts = [_add_months(debut, k) for k in range(months_started(debut, fin))]
    if complete and starts and _add_months(debut, len(starts)) - ONE_DAY > fin:
        starts.pop()
    return starts
