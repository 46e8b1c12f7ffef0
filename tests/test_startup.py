"""What the start-up savings of ``cqpkit decide``/``check`` rest on, checked (the cache of structured référentiels
has its own file: tests/test_referentiel_cache.py)."""

from __future__ import annotations

import sys

import attrs
import cqpkit.model
from cqpkit.model import invariants


def _model_classes() -> list[type]:
    return [c for c in vars(cqpkit.model).values() if isinstance(c, type) and attrs.has(c)]


def test_each_annotation_resolved_once_is_what_eval_gives():
    """The model's annotations are evaluated once per module and text: each field's resolved type is the one a fresh
    ``eval`` in its module gives, and the invariants built from it are the same kind."""
    classes = _model_classes()
    assert len(classes) > 40
    for cls in classes:
        for a in attrs.fields(cls):
            if isinstance(a.type, str):
                assert invariants._resolve(cls, a.type) == eval(a.type, vars(sys.modules[cls.__module__])), (cls, a.name)
                assert (cls.__module__, a.type) in invariants._RESOLVED
                fresh = invariants.validator_for(cls, a.name, a.type)
                kept = getattr(a.validator, "invariant", None)
                if kept is not None:  # (a field with a validator of its own holds both, combined)
                    assert fresh.invariant == kept, (cls, a.name)


def test_other_modules_are_evaluated_each_time(monkeypatch):
    """A class outside cqpkit.model (its module's names may be bound again) is not memoised."""
    module = type(sys)("cqpkit_test_module_annotations")
    module.Kind = int
    monkeypatch.setitem(sys.modules, module.__name__, module)
    cls = type("C", (), {"__module__": module.__name__})
    assert invariants._resolve(cls, "Kind") is int
    module.Kind = str
    assert invariants._resolve(cls, "Kind") is str
    assert not any(key[0] == module.__name__ for key in invariants._RESOLVED)
