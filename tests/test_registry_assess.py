"""``Registry.assess`` (issue 16): the decision, the findings and the funding lines of a dossier in one pass are
exactly those of ``decide``, ``check`` (``check_codes`` with ``codes``) and ``funding`` called one by one, for
generated dossiers of every bundled référentiel at random days; a plugin failing fails both alike."""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.strategies_dossiers import dossiers
from tests.test_store_support import registry  # noqa: F401 (fixture)
from tests.test_stored_results import _referentiels

CAMPAIGN_CODES = frozenset({"premier_passage_hors_delai", "bareme_inconnu"})


def _outcome(call: Any) -> Any:
    from cqpkit.plugins.hookcalls import HookFailure

    try:
        return call()
    except HookFailure as exc:
        return ("échec", exc.plugin, exc.hook)


def test_assess_is_the_three_calls(registry):
    refs = _referentiels(registry)
    days = st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2040, 12, 31))

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(data=st.data())
    def prop(data: Any) -> None:
        ref = data.draw(st.sampled_from(refs))
        d = data.draw(dossiers(referentiel=ref))
        day = data.draw(days)

        def one_by_one(codes: Any) -> Any:
            r = registry.decide(d, day)
            found = (
                registry.check(d, day, resultat=r) if codes is None else registry.check_codes(d, codes, day, resultat=r)
            )
            return (day, r, found, registry.funding(d, day, resultat=r))

        for codes in (None, CAMPAIGN_CODES):
            together = _outcome(lambda codes=codes: tuple(registry.assess(d, day, codes=codes)))
            assert together == _outcome(lambda codes=codes: one_by_one(codes)), (codes, day)
            if not isinstance(together[0], str):  # given the decision, the same answers again
                again = registry.assess(d, day, codes=codes, resultat=together[1])
                assert tuple(again) == together

    prop()
