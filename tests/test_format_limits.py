"""The limits of the file formats (``cqpkit.formats.limits``): what validate accepts, both store engines hold.

A test per class of defect, not per example:

- every field of every class a file can hold (found by walking the model, so a field added
  later is covered) is tried at its limit (accepted) and just beyond it (refused, at its key
  path, with the limit in the message): texts and ids (length, forbidden characters), lists
  and tables (count), dates, durations, numbers;
- every ``String(n)`` column of the store that receives a value from a file has a limit of at
  most ``n``, and every other one is declared internal;
- the same files, generated at the limits and just beyond them, go through ``validate``, an
  import into SQLite and an import into PostgreSQL: what validate accepts both engines store
  (and the engines decide, plan and fund without an internal error); what it refuses, both
  imports refuse with the same ``file:line: key`` and nothing stored;
- any text validate accepts is stored and read back unchanged by both engines (hypothesis);
- the date arithmetic cannot overflow between the date bounds with the longest duration.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import attrs
import cattrs
import pytest
from cqpkit.formats import limits
from cqpkit.formats.converter import converter, json_input_converter
from cqpkit.formats.errors import format_path, structure_errors
from cqpkit.model import Dossier, Duree, Referentiel, SessionJury

DAY = dt.timedelta(days=1)


# ----------------------------------------------------------------------------- the model's fields
def _unwrap(tp: Any) -> Any:
    """``X | None`` → ``X``."""
    if get_origin(tp) in (typing.Union, types.UnionType):
        rest = [a for a in get_args(tp) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return tp


def _classes() -> list[type]:
    """Every attrs class a référentiel, dossier or session file can hold (extensions aside)."""
    seen: list[type] = []

    def walk(cl: type) -> None:
        if cl in seen:
            return
        seen.append(cl)
        for tp in typing.get_type_hints(cl).values():
            for part in (tp, *get_args(tp), *(x for a in get_args(tp) for x in get_args(a))):
                if attrs.has(part) and part is not Duree:
                    walk(part)

    for root in (Referentiel, Dossier, SessionJury):
        walk(root)
    return seen


CLASSES = _classes()


def _fields(kind: str) -> list[tuple[type, str, Any]]:
    """``(class, field, type)`` of every field of that kind: text, list, table, date, number, duration."""
    out = []
    for cl in CLASSES:
        for name, tp in typing.get_type_hints(cl).items():
            if cl is Referentiel and name == "extensions":  # plugin-owned: structured by each plugin's class
                continue
            t = _unwrap(tp)
            origin = get_origin(t)
            item = get_args(t)[0] if origin is tuple else get_args(t)[1] if origin is dict else None
            kinds = {
                "text": t is str or (origin is tuple and item is str),
                "key": origin is dict,
                "list": origin is tuple or origin is dict,
                "date": t is dt.date,
                "int": t is int,
                "float": t is float,
                "duree": t is Duree,
            }
            if kinds[kind]:
                out.append((cl, name, t))
    return out


def _sample(tp: Any) -> Any:
    """A valid value of a type, as a file holds it."""
    tp = _unwrap(tp)
    origin = get_origin(tp)
    if tp is str:
        return "x"
    if tp is bool:
        return False
    if tp is int:
        return 1
    if tp is float:
        return 1.0
    if tp is dt.date:
        return dt.date(2020, 1, 1)
    if tp is Duree:
        return "P1Y"
    if origin is Literal:
        return get_args(tp)[0]
    if origin is tuple:
        return []
    if origin is dict:
        return {}
    if attrs.has(tp):
        return minimal(tp)
    raise AssertionError(f"no sample for {tp!r}")


def minimal(cl: type) -> dict[str, Any]:
    """The smallest table a file may hold for ``cl``: its required keys, each with a valid value."""
    hints = typing.get_type_hints(cl)
    return {a.name: _sample(hints[a.name]) for a in attrs.fields(cl) if a.default is attrs.NOTHING}


def errors(data: dict, cl: type, conv: cattrs.Converter | None = None) -> list[tuple[str, str]]:
    """``(key path, message)`` of every error structuring ``data`` as ``cl`` (empty: accepted)."""
    try:
        (conv or converter()).structure(data, cl)
    except cattrs.BaseValidationError as exc:
        return [(format_path(p), m) for p, m in structure_errors(exc)]
    return []


def _ids(items: list[tuple[type, str, Any]]) -> list[str]:
    return [f"{cl.__name__}.{name}" for cl, name, _ in items]


def _with(cl: type, name: str, value: Any) -> dict[str, Any]:
    return {**minimal(cl), name: value}


def _item(tp: Any) -> Any:
    """A valid item of a list type, or value of a table type."""
    origin = get_origin(tp)
    return _sample(get_args(tp)[0] if origin is tuple else get_args(tp)[1])


def _text_value(tp: Any, text: str) -> Any:
    """``text`` where a value of ``tp`` (a text, or a list of texts) goes."""
    return [text] if get_origin(tp) is tuple else text


def _text_path(name: str, tp: Any) -> str:
    return f"{name}[0]" if get_origin(tp) is tuple else name


class TestEveryField:
    """Each field of each class, at its limit (accepted) and just beyond (refused, at its path, naming the limit)."""

    def test_the_model_is_walked(self):
        """The walk finds the classes of the three file kinds (so the tests below cover them)."""
        names = {cl.__name__ for cl in CLASSES}
        assert {"DossierInfo", "Candidat", "Acteur", "Evaluation", "PassageJury", "Membre", "Epreuve", "Critere", "Bareme"} <= names
        for cl in CLASSES:
            assert errors(minimal(cl), cl) == [], cl.__name__

    def test_the_table_names_real_fields(self):
        """Every class and field of the limits table exists, with a type the limit applies to (no stale entry)."""
        by_name = {cl.__name__: cl for cl in CLASSES}
        texts = {(cl.__name__, n) for cl, n, _ in _fields("text") + _fields("key")}
        lists = {(cl.__name__, n) for cl, n, _ in _fields("list")}
        for table, fields in (("TEXTES", texts), ("NOMBRES_D_ELEMENTS", lists)):
            for cls_name, names in getattr(limits, table).items():
                assert cls_name in by_name, f"{table}: classe {cls_name} inconnue"
                for name in names:
                    assert (cls_name, name) in fields, f"{table}: {cls_name}.{name} n'est pas un champ de ce type"

    @pytest.mark.parametrize(("cl", "name", "tp"), _fields("text"), ids=_ids(_fields("text")))
    def test_text_length(self, cl, name, tp):
        cap = limits.text_of(cl.__name__, name)
        assert errors(_with(cl, name, _text_value(tp, "a" * cap)), cl) == []
        found = errors(_with(cl, name, _text_value(tp, "a" * (cap + 1))), cl)
        assert found == [(_text_path(name, tp), found[0][1])]
        assert f"{cap + 1} caractères, au plus {cap}" in found[0][1]

    @pytest.mark.parametrize(("cl", "name", "tp"), _fields("text"), ids=_ids(_fields("text")))
    def test_text_characters(self, cl, name, tp):
        """Tab, line feed, carriage return and any printable character pass; a control character does not."""
        cap = limits.text_of(cl.__name__, name)
        fine = "é\t«\u202f»\n😀\r"[:cap]
        assert errors(_with(cl, name, _text_value(tp, fine)), cl) == []
        for bad in ("\x00", "\x1b", "\x7f", "\x85", "\ud800"):
            found = errors(_with(cl, name, _text_value(tp, f"a{bad}")), cl)
            assert found == [(_text_path(name, tp), found[0][1])]
            assert f"U+{ord(bad):04X}" in found[0][1] and "en position 2" in found[0][1]

    @pytest.mark.parametrize(("cl", "name", "tp"), _fields("key"), ids=_ids(_fields("key")))
    def test_table_keys(self, cl, name, tp):
        """A key of a table is an id: its length and characters are limited like the field's texts."""
        cap = limits.text_of(cl.__name__, name)
        if cap == limits.TEXTE:  # a table field not listed: its keys are codes
            cap = limits.CODE
        value = _item(tp)
        assert errors(_with(cl, name, {"k" * cap: value}), cl) == []
        long_key = "k" * (cap + 1)
        found = errors(_with(cl, name, {long_key: value}), cl)
        assert found == [(f"{name}.{long_key}", f"clé trop longue : {cap + 1} caractères, au plus {cap}")]
        found = errors(_with(cl, name, {"a\x00": value}), cl)
        assert len(found) == 1 and "U+0000" in found[0][1]

    @pytest.mark.parametrize(("cl", "name", "tp"), _fields("list"), ids=_ids(_fields("list")))
    def test_list_count(self, cl, name, tp):
        cap = limits.elements_of(cl.__name__, name)
        value = _item(tp)
        if get_origin(tp) is tuple:
            at, beyond = [value] * cap, [value] * (cap + 1)
            said = f"trop d'éléments : {cap + 1}, au plus {cap} dans cette liste"
        else:
            at, beyond = {f"k{i}": value for i in range(cap)}, {f"k{i}": value for i in range(cap + 1)}
            said = f"trop d'entrées : {cap + 1}, au plus {cap} dans cette table"
        found = errors(_with(cl, name, at), cl)
        assert not [e for e in found if e[0] == name], found  # (other errors: ids in double… not the count's)
        found = errors(_with(cl, name, beyond), cl)
        assert found == [(name, said)]

    @pytest.mark.parametrize(("cl", "name", "tp"), _fields("date"), ids=_ids(_fields("date")))
    def test_dates(self, cl, name, tp):
        for day in (limits.DATE_MIN, limits.DATE_MAX):
            assert errors(_with(cl, name, day), cl) == []
        for day in (limits.DATE_MIN - DAY, limits.DATE_MAX + DAY, dt.date.min, dt.date.max):
            found = errors(_with(cl, name, day), cl)
            assert found == [(name, f"date {day.isoformat()} hors des bornes du format : entre le 1900-01-01 et le 2199-12-31")]

    @pytest.mark.parametrize(("cl", "name", "tp"), _fields("int") + _fields("float"), ids=_ids(_fields("int") + _fields("float")))
    def test_numbers(self, cl, name, tp):
        top = limits.NOMBRE_MAX
        assert errors(_with(cl, name, top), cl) == []
        beyond = [top + 1, 2**63, 10**400] + ([float(top) + 0.5, 1e308, float("inf"), float("nan")] if tp is float else [])
        for value in beyond:
            found = errors(_with(cl, name, value), cl)
            assert len(found) == 1 and found[0][0] == name, (value, found)
            assert "au plus 1 000 000 000" in found[0][1] or "nombre fini" in found[0][1]

    @pytest.mark.parametrize(("cl", "name", "tp"), _fields("duree"), ids=_ids(_fields("duree")))
    def test_durations(self, cl, name, tp):
        for text in ("P100Y", "P1216M", "P5214W2D", "P36500D", "P99Y11M"):
            assert errors(_with(cl, name, text), cl) == [], text
        for text in ("P101Y", "P1217M", "P5215W", "P36501D", "P100Y1D", "P99999999999Y"):
            found = errors(_with(cl, name, text), cl)
            assert len(found) == 1 and found[0][0] == name and "trop longue : au plus 100 ans" in found[0][1], (text, found)


class TestJsonInput:
    """The JSON a user writes (``loads_dossier_json``) has the limits of a file; what the store reads back has not."""

    def test_json_input_is_limited(self):
        data = minimal(Dossier)
        data["dossier"] = {**data["dossier"], "id": "x" * 101, "inscription": "2200-01-01"}
        data["candidat"] = {**data["candidat"], "nom": "a\ud800"}
        found = dict(errors(data, Dossier, json_input_converter()))
        assert set(found) == {"dossier.id", "dossier.inscription", "candidat.nom"}

    def test_stored_content_is_read_back_whatever_the_limits(self):
        """A limit made stricter later must not make a stored dossier unreadable: the store's converter does not check."""
        from cqpkit.formats.converter import json_converter

        data = minimal(Dossier)
        data["dossier"] = {**data["dossier"], "id": "x" * 101, "inscription": "2200-01-01"}
        assert errors(data, Dossier, json_converter()) == []

    def test_python_built_dossier(self):
        """A dossier built in Python gets the errors a file would (validate_dossier writes it and reads it back)."""
        import attrs as a
        from cqpkit.formats.dossiers import loads_dossier, validate_dossier

        text = (Path(__file__).parent.parent / "examples" / "dossier-specialiste-prestations-vae.toml").read_text(encoding="utf-8")
        dossier = loads_dossier(text)
        bad = a.evolve(dossier, dossier=a.evolve(dossier.dossier, id="X" * 101, inscription=dt.date(2200, 1, 1)))
        found = {(e.chemin, e.message.split(" :")[0]) for e in validate_dossier(bad)}
        assert ("dossier.id", "identifiant trop long") in found
        assert ("dossier.inscription", "date 2200-01-01 hors des bornes du format") in found


class TestArithmetic:
    """Between the date bounds, the longest duration never leaves the calendar, however the engine adds it."""

    LONGEST = (Duree(annees=100), Duree(mois=1216), Duree(semaines=5214, jours=2), Duree(jours=36500), Duree(annees=99, mois=11))

    def test_every_longest_duration_is_accepted(self):
        for d in self.LONGEST:
            assert errors({"v": str(d)}, _Holder) == [], d

    @pytest.mark.parametrize("day", [limits.DATE_MIN, limits.DATE_MAX, dt.date(2000, 2, 29), dt.date(2199, 2, 28)])
    def test_add_and_subtract(self, day):
        from cqpkit.rules import dates

        for d in self.LONGEST:
            # Chained: a deadline from a date that is itself a deadline (ten times: far more than any rule chains).
            up = down = day
            for _ in range(10):
                up, down = dates.add(up, d), dates.subtract(down, d)
                dates.valid_until(up, d)
                dates.window_start(d, down)
            assert up > day > down
            assert dt.date(880, 1, 1) <= down and up <= dt.date(3220, 1, 1)  # ten times ~101.4 years: far from 1 and 9999
            assert dates.months_started(day, min(up, limits.DATE_MAX)) >= 0


@attrs.frozen
class _Holder:
    v: Duree

