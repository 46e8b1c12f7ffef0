"""Which dated value holds on a given day ("as of"), and whether a certification version is in force.

Choices, pinned by ``tests/test_asof.py`` on both sides of each change date:

- A dated value (:class:`~cqpkit.model.Bareme`) holds from its ``depuis`` (inclusive) through the
  day before the next value's ``depuis``; when it has a ``jusqua``, it holds at most through that
  day (inclusive). A ``jusqua`` on or after the next ``depuis`` (an overlap, which the référentiel
  checks report) is cut by the next value: the later value wins.
- Before the first ``depuis``, and in a gap between a ``jusqua`` and the next ``depuis``, or after
  the ``jusqua`` of the last value, no value holds: :func:`value_as_of` returns ``None``.
- The values may come in any order; two values starting on the same day are ambiguous and raise
  :class:`ValueError`.
- The "as of" day an engine is asked about is a :class:`datetime.date`, nothing else
  (:func:`as_of_day`): not a text, and not a :class:`datetime.datetime` (a subclass of
  ``date`` that cannot be compared with one), each refused with a French
  :class:`~cqpkit.exceptions.InvalidArgumentError` before any rule runs.
- A certification version is in force (:func:`in_force`) from its start through its end, both
  inclusive, like ``jusqua``; a missing start means "since always" as far as the sources tell, a
  missing end means "still in force".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from cqpkit.exceptions import InvalidArgumentError
from cqpkit.model import Bareme, Certification
from cqpkit.rules.dates import ONE_DAY

__all__ = ["as_of_day", "certification_in_force", "holding_periods", "in_force", "value_as_of"]


def as_of_day(value: object, argument: str = "as_of") -> date:
    """``value`` if it is a :class:`datetime.date` (not a ``datetime``); else :class:`InvalidArgumentError` saying what to pass."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        found = f"une date et heure ({value.isoformat(sep=' ')}) ; passez-en le jour : {argument}.date()"
    elif isinstance(value, str):
        found = f"un texte (« {value} ») ; pour un texte AAAA-MM-JJ : datetime.date.fromisoformat(« {value} »)"
    else:
        found = f"{type(value).__name__} ({value!r})"
    raise InvalidArgumentError(f"{argument} : une date (datetime.date) est attendue, pas {found}")


def holding_periods(valeurs: Sequence[Bareme]) -> list[tuple[Bareme, date, date | None]]:
    """Each value with the first and last day (inclusive; ``None``: open) it holds, in date order.

    A value that an overlapping ``jusqua`` would let run on is cut the day before the next
    ``depuis``. Raises :class:`ValueError` when two values start on the same day.
    """
    ordered = sorted(valeurs, key=lambda v: v.depuis)
    periods: list[tuple[Bareme, date, date | None]] = []
    for i, value in enumerate(ordered):
        last = value.jusqua
        if i + 1 < len(ordered):
            following = ordered[i + 1].depuis
            if following == value.depuis:
                raise ValueError(f"deux valeurs datées commencent le même jour ({value.depuis})")
            day_before = following - ONE_DAY
            last = day_before if last is None else min(last, day_before)
        periods.append((value, value.depuis, last))
    return periods


def value_as_of(valeurs: Sequence[Bareme], day: date) -> Bareme | None:
    """The value that holds on ``day``, or ``None`` before the first one, in a gap or after the last ``jusqua``."""
    for value, first, last in reversed(holding_periods(valeurs)):
        if first <= day:
            return value if last is None or day <= last else None
    return None


def in_force(certification_start: date | None, certification_end: date | None, day: date) -> bool:
    """Whether ``day`` falls between a version's start and end, both inclusive (``None``: unbounded)."""
    if certification_start is not None and day < certification_start:
        return False
    return certification_end is None or day <= certification_end


def certification_in_force(certification: Certification, day: date) -> bool:
    """:func:`in_force` with a certification's ``en_vigueur_depuis`` and ``en_vigueur_jusqua``."""
    return in_force(certification.en_vigueur_depuis, certification.en_vigueur_jusqua, day)
