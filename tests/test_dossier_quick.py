"""The loader's quick walk (`formats/dossier_quick.py`) says « clean » exactly when the detailed cross-checks find nothing.

`dossier_from_document` skips the detailed cross-checks (`check_dossier_data`) of a dossier that the structuring's
fast path built and that `dossier_is_clean` passes; so `dossier_is_clean` must never pass a dossier the detailed
checks find something in. Compared here on every dossier the project ships and on generated ones, each also
changed one value at a time into what the cross-checks are about (another id of the file, an unknown id, an earlier
or later date, a key dropped, two rows swapped), against the référentiel of the dossier and without one.
"""

from __future__ import annotations

import copy
import datetime as dt
import random

import pytest
from cqpkit import load_registry
from cqpkit.exceptions import CqpkitError

from tests.test_speed import _leaves, _seeds, _spot


def _strings(node: object) -> list[str]:
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in [k, *_strings(v)]]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def _mutants(data: dict, rng: random.Random, n: int) -> list[dict]:
    """``n`` copies of ``data``, each with one change of the kind the cross-checks are about."""
    spots = _leaves(data)
    words = sorted(set(_strings(data))) + ["INCONNU", "D9", "x y", "oui", "non", "certification", "acquis"]
    out = []
    for _ in range(n):
        mutant, parent, key = _spot(data, spots, rng)
        value = parent[key]
        how = rng.random()
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            parent[key] = value + dt.timedelta(days=rng.choice([-4000, -400, -30, -1, 0, 1, 30, 400, 4000]))
        elif isinstance(value, str) and how < 0.8:
            parent[key] = rng.choice(words)
        elif isinstance(parent, dict) and how < 0.9 and isinstance(key, str):
            new_key = rng.choice(words)
            parent[new_key] = parent.pop(key)  # a key renamed (a critère, a domaine decided, a prérequis…)
        elif isinstance(parent, dict):
            del parent[key]
        elif isinstance(parent, list) and len(parent) > 1:
            i = rng.randrange(len(parent))
            parent[key], parent[i] = parent[i], parent[key]  # two rows or ids swapped
        out.append(mutant)
    return out


def _with_persons() -> list[tuple[str, dict, type]]:
    """Generated dossiers whose acteurs name their persons and the tutor his other missions (no shipped file does)."""
    from cqpkit.model import Dossier

    out = []
    for name, data, _ in _seeds():
        if name.startswith("généré") and len(data.get("acteurs", [])) > 1 and len(out) < 6:
            data = copy.deepcopy(data)
            for i, acteur in enumerate(data["acteurs"]):
                acteur["personne"] = f"P-{i}"
                acteur["autres_missions"] = [{"debut": dt.date(2010, 1, 4), "fin": dt.date(2011, 1, 4)}]
            out.append((f"{name} (personnes)", data, Dossier))
            twice = copy.deepcopy(data)
            twice["acteurs"][1]["personne"] = "P-0"
            out.append((f"{name} (une personne, deux acteurs)", twice, Dossier))
            backwards = copy.deepcopy(data)
            backwards["acteurs"][0]["autres_missions"][0]["fin"] = dt.date(2009, 1, 4)
            out.append((f"{name} (mission à rebours)", backwards, Dossier))
    return out


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def _referentiel(registry, data):
    info = data.get("dossier")
    try:
        return registry.referentiel(info["certification"], version=info["version"])
    except (CqpkitError, KeyError, TypeError):
        return None


def test_quick_walk_agrees_with_the_detailed_checks(registry):
    from cqpkit.formats.converter import converter
    from cqpkit.formats.dossier_checks import check_dossier_data
    from cqpkit.formats.dossier_quick import dossier_is_clean
    from cqpkit.formats.fastpath import fast_structurer
    from cqpkit.model import Dossier

    fast = fast_structurer(converter(), Dossier)
    rng = random.Random(20261207)
    clean = dirty = 0
    for name, data, cls in [*_seeds(), *_with_persons()]:
        if cls is not Dossier:
            continue
        ref = _referentiel(registry, data)
        for mutant in [data, *_mutants(data, rng, 40)]:
            obj = fast(mutant)
            if obj is None:
                continue  # the detailed path: the detailed checks run
            for against in (ref, None):
                found = check_dossier_data(mutant, against)
                said = dossier_is_clean(obj, against)
                assert said == (not found), (name, found, mutant)
                clean += said
                dirty += not said
    assert clean > 200 and dirty > 200, (clean, dirty)  # both sides exercised


def test_a_clean_looking_file_still_gets_its_finding(tmp_path, registry):
    """Through the loader: a dossier whose only problem is a cross-check (a passage before registration) is refused
    with the detailed message, its line and key."""
    from cqpkit.exceptions import InvalidFileError
    from cqpkit.formats.dossiers import loads_dossier

    text = (
        '[dossier]\nid = "D-1"\ncertification = "mutualite.specialiste-prestations"\nversion = "2014"\n'
        'voie = "vae"\nmention = "prevoyance"\ninscription = 2015-08-21\n\n[candidat]\nid = "C-1"\n\n'
        '[[passages]]\nsession = "J-1"\ndate = 2015-08-20\ndecisions = { D1 = "acquis" }\n'
    )
    with pytest.raises(InvalidFileError) as exc:
        loads_dossier(text, "d.toml", registry)
    (erreur,) = exc.value.erreurs
    assert (erreur.ligne, erreur.chemin) == (14, "passages[0].date")
    assert "antérieure à l'inscription" in erreur.message
    loads_dossier(text.replace("2015-08-20", "2015-08-22"), "d.toml", registry)  # and valid once moved
