"""No rule is worse than n log n in the size of a dossier (issue 15, point 5).

The class test: every implementation of every dossier hook that the registry would call — the
builtin rule families (one plugin each: ``default_premier_passage``, ``default_regles``,
``default_evaluateurs``, ``default_tutorat``, ``default_vae``, ``default_conditions_passage``,
``default_formation``, ``default_vigueur``, ``default_funding``, ``default_decision``,
``default_orientation``, ``default_jury``) and every installed plugin's own hooks (the Mutualité D1
checks, the CQP MO decision…) — found through the registry, so that a new family or a new plugin is
covered without touching this file; each is run on a large dossier of n and of 8n elements.

The dossiers: for each certification, version and route, the richest valid dossier among the
examples (``examples/``, ``examples/campaign``) and the scenarios (the project's and every plugin's), with every list (acteurs, experiences, formations, activities, evaluations, passages) repeated k
times (acteurs under new ids, dates unchanged so that the dossier stays valid), and the same with
every list reversed (a scan that stops at the first match is quadratic only when the match comes
last, or never: both orders are tried).

How the growth is measured, on a noisy shared machine: by the ratio of CPU times (``process_time``:
the other processes' load does not count) of one call at 8n to one call at n, the best of a few
runs for each (interference only ever adds time; the cyclic garbage collector is paused while
timing). Linear work gives 8, n log n about 8 · log(8n) / log(n), quadratic 64. The bound is twice
the n log n ratio (about 20 at the sizes used, three times below a quadratic one). A ratio over the
bound is measured again, twice, before it fails: a real quadratic rule exceeds it every time. No
absolute time is asserted, except one floor: a call that takes less than 1 ms of CPU time at 8n
(thousands of elements) is too quick to time and could not hold a quadratic loop over them.
``test_the_measure_sees_a_quadratic_rule`` checks the method itself.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

import cqpkit
from cqpkit.exceptions import CqpkitError
from cqpkit.formats.dossiers import load_dossier, load_session, validate_dossier
from tests.conftest import ROOT

#: Size of the small dossier: each list of the example repeated K times (then 8 K for the large one).
K = 48
GROWTH = 8
AS_OF = dt.date(2030, 1, 1)
FIELDS = ("acteurs", "experiences", "formations", "activites", "evaluations", "passages")
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("dossier-*.toml"))
SESSION = ROOT / "examples" / "session-oemm-jury-2014-01.toml"
DOSSIER_HOOKS = ("cqpkit_check_dossier", "cqpkit_decide", "cqpkit_plan_parcours", "cqpkit_funding")


def shifted(item: Any, days: int) -> Any:
    """``item`` with each of its dates ``days`` later."""
    delta = dt.timedelta(days=days)
    changes = {f.name: getattr(item, f.name) + delta for f in attrs.fields(type(item)) if isinstance(getattr(item, f.name), dt.date)}
    return attrs.evolve(item, **changes)


def scaled(dossier: Any, k: int, *, reverse: bool = False) -> Any:
    """``dossier`` with each list repeated ``k`` times, in order or reversed.

    Copy ``j`` is ``j`` days later than the example (acteurs and activities: under new ids), so that
    the dossier stays valid: two passages are never on the same day (a passage that would be is left
    out) and the passages stay in date order (they are never reversed).
    """
    changes = {}
    for name in FIELDS:
        items, days = [], set()
        for copy in range(k):
            for item in getattr(dossier, name):
                if name == "acteurs":
                    if copy:
                        item = attrs.evolve(item, id=f"{item.id}-{copy}", personne=None)
                    items.append(item)
                    continue
                item = shifted(item, copy)
                if name == "activites" and copy:
                    item = attrs.evolve(item, id=f"{item.id}-{copy}")
                if name == "passages":
                    if item.date in days:
                        continue
                    days.add(item.date)
                items.append(item)
        if name == "passages":  # a dossier lists its passages in date order
            items.sort(key=lambda p: p.date)
        elif reverse:
            items.reverse()
        changes[name] = tuple(items)
    return attrs.evolve(dossier, **changes)


def bound(n: int) -> float:
    """Twice the growth of n log n from n to 8n."""
    return 2 * GROWTH * math.log2(GROWTH * n) / math.log2(n)


#: Below this CPU time at 8n, a call is too quick both to time and to hide a quadratic loop over thousands of elements.
TOO_QUICK = 0.001


def cpu(call: Callable[[], object], runs: int) -> float:
    """The best CPU time of ``runs`` calls (the cyclic garbage collector paused: its passes are noise here)."""
    best = math.inf
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(runs):
            start = time.process_time()
            call()
            best = min(best, time.process_time() - start)
    finally:
        if was_enabled:
            gc.enable()
    return best


def growth(small: Callable[[], object], large: Callable[[], object]) -> float:
    """CPU time at 8n over CPU time at n (best of 2 and of 3 calls); 1 for a call too quick to tell (:data:`TOO_QUICK`)."""
    slow = cpu(large, 2)
    if slow < TOO_QUICK:
        return 1.0
    return slow / max(cpu(small, 3), 1e-9)


@pytest.fixture(scope="module")
def registry() -> Any:
    registry = cqpkit.load_registry()
    # The large dossiers go beyond the format's caps on list sizes (on purpose: see
    # test_the_generated_dossiers_are_valid): the engine is called on them as the conformance suite calls it.
    registry.validate_dossiers = False
    return registry


@pytest.fixture(scope="module")
def cases(registry: Any) -> list[tuple[str, Any, Any, Any, int, str]]:
    return _cases(registry)


@pytest.fixture(scope="module")
def hook_calls(registry: Any, cases: list) -> list[tuple[str, Callable[[], object], Callable[[], object], int]]:
    return _hook_calls(registry, cases)


def _sources(registry: Any) -> list[tuple[str, Any]]:
    """The richest valid dossier of each (certification, version, voie) among the examples and the scenarios.

    The examples of ``examples/`` and ``examples/campaign``, and the dossiers of the scenario files of the
    project and of every plugin: a référentiel version or a route that gains a dossier there is measured.
    """
    from cqpkit.testing.scenarios import find_scenarios, load_scenario

    found: list[tuple[str, Any]] = []
    for path in [*EXAMPLES, *sorted((ROOT / "examples" / "campaign" / "dossiers").glob("*.toml"))]:
        found.append((path.stem, load_dossier(path, registry)))
    roots = [ROOT / "tests" / "scenarios", *sorted(ROOT.glob("plugins/*/cqpkit_*/scenarios"))]
    for root in roots:
        for path in find_scenarios(root):
            try:
                found.append((Path(path).stem, load_scenario(path, registry).dossier))
            except CqpkitError:  # a scenario about an invalid file: no dossier to measure
                continue
    best: dict[tuple[str, str, str], tuple[int, str, Any]] = {}
    for name, d in found:
        key = (d.dossier.certification, d.dossier.version, d.dossier.voie)
        size = sum(len(getattr(d, f)) for f in FIELDS)
        if key not in best or size > best[key][0]:
            best[key] = (size, name, d)
    return [(name, d) for _, name, d in (best[k] for k in sorted(best))]


def _cases(registry: Any) -> list[tuple[str, Any, Any, Any, int, str]]:
    """(name, référentiel, small dossier, large dossier, n, supplying plugin) for each source dossier and order."""
    fiches = {(f.id, f.version): f.plugin for f in registry.fiches()}
    cases = []
    for name, base in _sources(registry):
        ref = registry.referentiel_for(base)
        plugin = fiches[(base.dossier.certification, base.dossier.version)]
        n = K * sum(len(getattr(base, f)) for f in FIELDS)
        for reverse in (False, True):
            small, large = scaled(base, K, reverse=reverse), scaled(base, GROWTH * K, reverse=reverse)
            cases.append((f"{name}{' (inversé)' if reverse else ''}", ref, small, large, n, plugin))
    return cases


def _hook_calls(registry: Any, cases: list) -> list[tuple[str, Callable[[], object], Callable[[], object], int]]:
    """Every hook implementation the registry would call for each large dossier, as (name, small call, large call, n)."""
    calls = []
    for case, ref, small, large, n, plugin in cases:
        resultats = {id(d): registry.decide(d, AS_OF) for d in (small, large)}
        for hook in DOSSIER_HOOKS:
            for impl in registry.hook_caller(hook, plugin).get_hookimpls():

                def call(dossier: Any, impl: Any = impl, ref: Any = ref, resultats: dict = resultats) -> object:
                    kwargs = {"referentiel": ref, "dossier": dossier, "date": AS_OF, "resultat": resultats[id(dossier)]}
                    return impl.function(*[kwargs[a] for a in impl.argnames])

                calls.append(
                    (f"{hook} de {impl.plugin_name}, {case}", lambda c=call, d=small: c(d), lambda c=call, d=large: c(d), n)
                )
    return calls


class TestLargeDossiers:
    def test_the_generated_dossiers_are_valid(self, cases):
        """The large dossiers are valid but for the format's caps on list sizes (formats/limits.py).

        The rules are measured beyond the caps on purpose: the caps are one defence, the rules' growth in
        n log n another, and a quadratic loop only shows on lists longer than a file may hold.
        """
        for case, ref, small, large, _, _ in cases:
            for dossier in (small, large):
                errors = [e for e in validate_dossier(dossier, ref) if not e.message.startswith("trop d'éléments")]
                assert errors == [], case

    def test_every_family_and_plugin_is_measured(self, hook_calls):
        """The measure reaches every builtin rule family and the bundled plugins' own hooks."""
        names = " ".join(name for name, *_ in hook_calls)
        for family in (
            "default_premier_passage",
            "default_regles",
            "default_evaluateurs",
            "default_tutorat",
            "default_vae",
            "default_conditions_passage",
            "default_formation",
            "default_vigueur",
            "default_funding",
            "default_decision",
            "default_orientation",
            "de cqp_mo",
            "de mutualite",
        ):
            assert family in names

    def test_no_rule_grows_faster_than_n_log_n(self, hook_calls):
        """Each hook implementation: CPU time at 8n within twice the n log n growth of its time at n."""
        too_slow = []
        for name, small, large, n in hook_calls:
            ratio = growth(small, large)
            for _ in range(2):  # measured again before failing: noise does not repeat, a quadratic loop does
                if ratio <= bound(n):
                    break
                ratio = min(ratio, growth(small, large))
            if ratio > bound(n):
                too_slow.append(f"{name} : ×{ratio:.1f} de n = {n} à {GROWTH} n (borne ×{bound(n):.1f})")
        assert not too_slow, "règles plus que n log n dans la taille du dossier :\n" + "\n".join(too_slow)

    def test_jury_session_checks(self, registry):
        """The session checks grow at most n log n in the dossiers and passages of the session."""
        session = load_session(SESSION, registry)
        ref = registry.referentiel("mutualite.specialiste-prestations")
        base = load_dossier(ROOT / "examples" / "dossier-specialiste-prestations-formation.toml", registry)
        passage = attrs.evolve(base.passages[0], session=session.id, date=session.session.date)
        base = attrs.evolve(base, passages=(passage,))
        impls = registry.hook_caller("cqpkit_check_session", "mutualite").get_hookimpls()
        assert impls

        def dossiers(k: int) -> list[Any]:
            return [attrs.evolve(base, dossier=attrs.evolve(base.dossier, id=f"GRAND-{i:05d}")) for i in range(k)]

        small, large = dossiers(K * 4), dossiers(GROWTH * K * 4)
        for impl in impls:

            def call(ds: list[Any], impl: Any = impl) -> object:
                kwargs = {"referentiel": ref, "session": session, "dossiers": ds, "historique": []}
                return impl.function(*[kwargs[a] for a in impl.argnames])

            ratio = min(growth(lambda: call(small), lambda: call(large)) for _ in range(3))
            assert ratio <= bound(K * 4), f"{impl.plugin_name} : ×{ratio:.1f}"


def test_the_measure_sees_a_quadratic_rule():
    """The method itself: a quadratic function fails the bound, a linear and an n log n one pass."""
    n = 400

    def quadratic(size: int) -> int:
        items = list(range(size))
        return sum(1 for i in items if any(j == i for j in items))

    def n_log_n(size: int) -> list[int]:
        return sorted(range(size, 0, -1), key=lambda x: (x * 7919) % size)

    assert growth(lambda: quadratic(n), lambda: quadratic(GROWTH * n)) > bound(n)
    assert growth(lambda: n_log_n(n * 10), lambda: n_log_n(GROWTH * n * 10)) <= bound(n * 10)
