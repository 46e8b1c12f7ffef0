"""The French values every front end prints (core/cqpkit/render/text.py, on core/cqpkit/rules/fr.py).

One date form (JJ/MM/AAAA), one plural rule (from 2 on), one amount form (« 2 730,00 € », « 60 points »),
whatever the value comes from: a date, an ISO text read back from the store, a timestamp.
"""

from __future__ import annotations

import datetime as dt

import pytest
from cqpkit.render import text
from cqpkit.rules import fr


class TestDates:
    """JJ/MM/AAAA from a date, an ISO date, a stored timestamp; « — » when there is none."""

    @pytest.mark.parametrize(
        "value",
        [dt.date(2020, 7, 6), "2020-07-06", "2020-07-06T09:30:00+00:00"],
    )
    def test_one_form(self, value):
        """The same day reads the same from each source."""
        assert text.date_txt(value) == "06/07/2020"

    @pytest.mark.parametrize("value", [None, ""])
    def test_missing(self, value):
        """No date is a dash, not an error."""
        assert text.date_txt(value) == "—"

    def test_timestamp_in_utc(self):
        """A recording time is shown in UTC, with its day in JJ/MM/AAAA (a time after 22:00 in Paris is the next UTC day)."""
        assert text.horodatage_txt("2020-07-06T23:30:00+02:00") == "06/07/2020 à 21:30:00 UTC"
        assert text.horodatage_txt("2020-07-06T23:30:00-02:00") == "07/07/2020 à 01:30:00 UTC"
        assert text.horodatage_txt(None) == "—"


class TestPlural:
    """French agreement: 0 and 1 (and 1,5) take the singular, 2 and more the plural."""

    @pytest.mark.parametrize(("n", "word"), [(0, "jour"), (1, "jour"), (1.5, "jour"), (2, "jours"), (-3, "jours")])
    def test_accord(self, n, word):
        """The boundary is 2, on both sides."""
        assert fr.accord(n, "jour") == word

    def test_count_with_thousands(self):
        """The count keeps the French thousands separator; an irregular plural is given."""
        assert text.pluriel(1095, "jour") == "1 095 jours"
        assert text.pluriel(1, "nouveau", "nouveaux") == "1 nouveau"
        assert text.pluriel(2, "nouveau", "nouveaux") == "2 nouveaux"


class TestAmounts:
    """Euros with two decimals, rounded half up; points without decimals unless they have a fraction."""

    def test_euros(self):
        """« 2 730,00 € » and a half cent rounded up, not to even."""
        assert text.montant_fr(2730, "euro") == "2 730,00 €"
        assert text.montant_fr(0.125, "euro") == "0,13 €"

    @pytest.mark.parametrize(("x", "out"), [(1, "1 point"), (1.5, "1,5 point"), (2, "2 points"), (1200, "1 200 points")])
    def test_points(self, x, out):
        """Points agree from 2 on, and take the thousands separator."""
        assert text.montant_fr(x, "point") == out

    def test_funding_text_is_the_same_helper(self):
        """The funding engine's lines and the front ends print an amount the same way."""
        from cqpkit.rules import funding_text

        assert funding_text.montant_txt is fr.montant_fr
        assert funding_text.periode_txt(dt.date(2017, 1, 1), None) == "depuis le 01/01/2017"
