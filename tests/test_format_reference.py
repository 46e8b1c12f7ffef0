"""The format reference, ``referentials/README.md``, against the model it documents.

The README is the contract of référentiel files. These tests keep it honest: every
field of every class reachable from :class:`cqpkit.model.Referentiel` is documented in
the section of its class with the model's required flag and default, every allowed
value (``Literal`` types, :data:`cqpkit.model.EVENEMENTS`) is explained, the complete
example loads, and the error examples still produce the messages the README shows.

README conventions these tests rely on:

- one heading per class, naming the class in backticks (``### `[[epreuves]]` — `Epreuve```);
- in a class section, the key table has five columns (key | type | required? |
  default | meaning), the key in backticks, ``yes``/``no``, and the default written
  ``—`` (required), ``unset`` (``None``), ``""``, ``[]``, ``{}``, ``true``/``false``
  or ``"value"``, all but ``—`` in backticks;
- an HTML comment ``<!-- example: NAME -->`` or ``<!-- invalid-example: NAME -->``
  right before a fenced ``toml`` block names the file it stands for; a ``console`` block
  ``$ cqpkit validate NAME`` shows the real output for those files.
"""

from __future__ import annotations

import re
import typing
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import attrs
import pytest
from cqpkit.exceptions import InvalidFileError
from cqpkit.formats.referentiels import SCHEMA_URL, loads_referentiel
from cqpkit.model import EVENEMENTS, Duree, Referentiel

from tests.conftest import ROOT, run_cli

README = ROOT / "referentials" / "README.md"

# Duree is an attrs class but a scalar in TOML (a "P3Y" string): its fields are not keys.
SCALAR_CLASSES: frozenset[type] = frozenset({Duree})


# ----------------------------------------------------------------------- the model
def _walk_types(tp: Any) -> Iterator[Any]:
    """Yield ``tp`` and every type nested in it (tuple items, dict values, union members)."""
    yield tp
    for arg in typing.get_args(tp):
        if arg is not Ellipsis and typing.get_origin(tp) is not Literal:
            yield from _walk_types(arg)


def classes_used(value: Any) -> set[type]:
    """Every attrs class instantiated in ``value`` (an object of the model), at any depth."""
    used: set[type] = set()

    def visit(v: Any) -> None:
        if attrs.has(type(v)):
            used.add(type(v))
            for a in attrs.fields(type(v)):
                visit(getattr(v, a.name))
        elif isinstance(v, (tuple, list)):
            for x in v:
                visit(x)
        elif isinstance(v, dict):
            for x in v.values():
                visit(x)

    visit(value)
    return used


def model_classes(*roots: type) -> list[type]:
    """Every attrs class reachable from ``roots`` (default ``Referentiel``) whose fields are TOML keys, in discovery order."""
    found: list[type] = []

    def visit(cls: type) -> None:
        if cls in found or cls in SCALAR_CLASSES:
            return
        found.append(cls)
        hints = typing.get_type_hints(cls)
        for a in attrs.fields(cls):
            for tp in _walk_types(hints[a.name]):
                if isinstance(tp, type) and attrs.has(tp):
                    visit(tp)

    for root in roots or (Referentiel,):
        visit(root)
    return found


def literal_values(tp: Any) -> tuple[str, ...]:
    """The allowed values of every ``Literal`` inside a type hint."""
    values: list[str] = []
    for t in _walk_types(tp):
        if typing.get_origin(t) is Literal:
            values.extend(typing.get_args(t))
    return tuple(values)


def default_cell(a: attrs.Attribute) -> str:
    """How the README writes the default of a field in its key table."""
    d = a.default
    if d is attrs.NOTHING:
        return "—"
    if isinstance(d, attrs.Factory):
        d = d.factory()
    if d is None:
        return "`unset`"
    if isinstance(d, bool):
        return f"`{str(d).lower()}`"
    if isinstance(d, str):
        return f'`"{d}"`'
    if d == ():
        return "`[]`"
    if d == {}:
        return "`{}`"
    raise AssertionError(f"no README rendering for the default {d!r} of {a.name}")


# ---------------------------------------------------------------------- the README
def readme() -> str:
    return README.read_text(encoding="utf-8")


_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def headings(text: str) -> list[tuple[int, int, str]]:
    """The Markdown headings outside code blocks, as (line index, level, title)."""
    heads = []
    in_fence = False
    for i, line in enumerate(text.splitlines()):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        elif not in_fence and (m := _HEADING.match(line)):
            heads.append((i, len(m.group(1)), m.group(2)))
    return heads


def sections(text: str) -> dict[str, str]:
    """Map each model class named in backticks in a heading to the text of its section."""
    names = {c.__name__ for c in model_classes()}
    lines = text.splitlines()
    out: dict[str, str] = {}
    heads = headings(text)
    for n, (i, level, title) in enumerate(heads):
        end = next((j for j, lv, _ in heads[n + 1 :] if lv <= level), len(lines))
        for token in re.findall(r"`([^`]+)`", title):
            if token in names:
                out[token] = "\n".join(lines[i:end])
    return out


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


def key_rows(section: str) -> dict[str, list[str]]:
    """The rows of the key table of a section: key → its five cells."""
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        if not line.startswith("|"):
            continue
        # A "|" inside backticks (none today) would break this split; keep key tables plain.
        cells = _cells(line)
        m = re.fullmatch(r"`([a-z_][a-z0-9_]*)`", cells[0])
        if len(cells) == 5 and m:
            rows[m.group(1)] = cells
    return rows


class Block(typing.NamedTuple):
    lang: str
    text: str
    marker: tuple[str, str] | None  # ("example" | "invalid-example", file name)
    line: int


_MARKER = re.compile(r"^<!--\s*(example|invalid-example):\s*(\S+)\s*-->$")


def fenced_blocks(text: str) -> list[Block]:
    """The fenced code blocks of the README, dedented, with the marker comment just before each."""
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)```(\w*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        indent, lang, start = len(m.group(1)), m.group(2), i
        j = i + 1
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        body = "\n".join(line[indent:] for line in lines[i + 1 : j]) + "\n"
        k = start - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        mm = _MARKER.match(lines[k].strip()) if k >= 0 else None
        blocks.append(Block(lang, body, (mm.group(1), mm.group(2)) if mm else None, start + 1))
        i = j + 1
    return blocks


def example_blocks() -> list[Block]:
    """The TOML blocks that are whole référentiels meant to be valid."""
    return [
        b
        for b in fenced_blocks(readme())
        if b.lang == "toml" and "[certification]" in b.text and (b.marker is None or b.marker[0] == "example")
    ]


def marked_files() -> dict[str, str]:
    """File name → TOML text, for every marked example of the README."""
    return {b.marker[1]: b.text for b in fenced_blocks(readme()) if b.lang == "toml" and b.marker}


class ValidateRun(typing.NamedTuple):
    args: list[str]
    output: list[str]
    exit_code: int | None
    line: int


def validate_runs() -> list[ValidateRun]:
    """Every ``$ cqpkit validate …`` shown in a console block, with the output and exit code shown."""
    runs = []
    for b in fenced_blocks(readme()):
        if b.lang != "console":
            continue
        lines = b.text.rstrip("\n").splitlines()
        for n, line in enumerate(lines):
            if not line.startswith("$ cqpkit validate "):
                continue
            output = []
            k = n + 1
            while k < len(lines) and not lines[k].startswith("$ "):
                output.append(lines[k])
                k += 1
            code = None
            if k < len(lines) and lines[k] == "$ echo $?":
                code = int(lines[k + 1])
            runs.append(ValidateRun(line.split()[3:], output, code, b.line))
    return runs


def github_slug(title: str) -> str:
    """The anchor GitHub gives a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = title.strip().lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


# -------------------------------------------------------------------------- tests
class TestKeys:
    def test_every_field_appears_in_backticks(self) -> None:
        """Every field of every class reachable from Referentiel is named as a key somewhere in the README."""
        text = readme()
        missing = sorted(
            {f"{c.__name__}.{a.name}" for c in model_classes() for a in attrs.fields(c) if f"`{a.name}`" not in text}
        )
        assert not missing, f"keys missing from referentials/README.md: {', '.join(missing)}"

    def test_every_class_has_a_section(self) -> None:
        """Each class of the model has a heading naming it in backticks."""
        found = sections(readme())
        missing = [c.__name__ for c in model_classes() if c.__name__ not in found]
        assert not missing, f"classes without a section in referentials/README.md: {', '.join(missing)}"

    @pytest.mark.parametrize("cls", model_classes(), ids=lambda c: c.__name__)
    def test_section_lists_exactly_the_fields(self, cls: type) -> None:
        """The key table of a class lists each of its fields, and no key the class does not have."""
        section = sections(readme()).get(cls.__name__, "")
        documented = set(key_rows(section))
        fields = {a.name for a in attrs.fields(cls)}
        assert not fields - documented, (
            f"{cls.__name__}: keys not in its table: {', '.join(sorted(fields - documented))}"
        )
        assert not documented - fields, (
            f"{cls.__name__}: keys not in the model: {', '.join(sorted(documented - fields))}"
        )

    @pytest.mark.parametrize("cls", model_classes(), ids=lambda c: c.__name__)
    def test_required_and_default_columns_match_the_model(self, cls: type) -> None:
        """The required? and default cells of each key say what the attrs field says."""
        rows = key_rows(sections(readme()).get(cls.__name__, ""))
        wrong = []
        for a in attrs.fields(cls):
            if a.name not in rows:
                continue  # reported by test_section_lists_exactly_the_fields
            _, _, required, default, _ = rows[a.name]
            want_required = "yes" if a.default is attrs.NOTHING else "no"
            if required != want_required:
                wrong.append(f"{a.name}: required? is {required!r}, the model says {want_required!r}")
            if default != default_cell(a):
                wrong.append(f"{a.name}: default is {default!r}, the model says {default_cell(a)!r}")
        assert not wrong, f"{cls.__name__}: " + "; ".join(wrong)

    def test_meaning_cells_are_filled(self) -> None:
        """No key is listed without an explanation."""
        empty = [
            f"{name}.{key}"
            for name, section in sections(readme()).items()
            for key, cells in key_rows(section).items()
            if len(cells[4]) < 10
        ]
        assert not empty, f"keys without a meaning: {', '.join(empty)}"


class TestValues:
    def test_every_literal_value_appears(self) -> None:
        """Every allowed value of every Literal field, and every event, is named in backticks in the README."""
        text = readme()
        values = {v for c in model_classes() for tp in typing.get_type_hints(c).values() for v in literal_values(tp)}
        values |= set(EVENEMENTS) | {"module:<id>", "epreuve:<id>"}
        missing = sorted(v for v in values if f"`{v}`" not in text)
        assert not missing, f"allowed values missing from referentials/README.md: {', '.join(missing)}"

    @pytest.mark.parametrize("cls", model_classes(), ids=lambda c: c.__name__)
    def test_literal_values_are_explained_in_their_section(self, cls: type) -> None:
        """The allowed values of a field are named in the section of its class, not only elsewhere."""
        section = sections(readme()).get(cls.__name__, "")
        hints = typing.get_type_hints(cls)
        missing = [
            f"{a.name} = {v!r}"
            for a in attrs.fields(cls)
            for v in literal_values(hints[a.name])
            if f"`{v}`" not in section
        ]
        assert not missing, f"{cls.__name__}: values not explained in its section: {', '.join(missing)}"

    def test_events_are_explained_in_the_rule_section(self) -> None:
        """Each event of EVENEMENTS, and the module:/epreuve: forms, has a row in the Regle section."""
        section = sections(readme()).get("Regle", "")
        rows = {_cells(line)[0] for line in section.splitlines() if line.startswith("|")}
        wanted = [*EVENEMENTS, "module:<id>", "epreuve:<id>"]
        missing = [e for e in wanted if f"`{e}`" not in rows]
        assert not missing, f"events without a row in the [[regles]] section: {', '.join(missing)}"


class TestExamples:
    def test_there_is_a_complete_example(self) -> None:
        """The README holds at least one whole référentiel in a toml block."""
        assert example_blocks(), "no ```toml block containing [certification] in referentials/README.md"

    @pytest.mark.parametrize("block", example_blocks(), ids=lambda b: f"line-{b.line}")
    def test_example_loads(self, block: Block) -> None:
        """A toml block with [certification] that is not marked invalid loads without error."""
        try:
            loads_referentiel(block.text, f"README.md, bloc ligne {block.line}")
        except InvalidFileError as exc:
            pytest.fail(f"the example at README line {block.line} does not load:\n{exc}")

    def test_complete_example_starts_with_the_schema_line(self) -> None:
        """The complete example shows the #:schema line a référentiel file starts with."""
        first = [b.text.splitlines()[0] for b in example_blocks()]
        assert f"#:schema {SCHEMA_URL}" in first

    def test_complete_example_uses_every_class(self) -> None:
        """Some example instantiates every class of the model, so that every table is shown in context."""
        used: set[type] = set()
        for block in example_blocks():
            used |= classes_used(loads_referentiel(block.text))
        missing = [c.__name__ for c in model_classes() if c not in used]
        assert not missing, f"classes the complete example does not use: {', '.join(missing)}"

    def test_invalid_examples_are_invalid(self) -> None:
        """Each example marked invalid fails to load (else its shown errors would be made up)."""
        invalid = [b for b in fenced_blocks(readme()) if b.marker and b.marker[0] == "invalid-example"]
        for block in invalid:
            with pytest.raises(InvalidFileError):
                loads_referentiel(block.text, block.marker[1])

    @pytest.mark.parametrize("run", validate_runs(), ids=lambda r: " ".join(r.args))
    def test_validate_output_is_the_real_one(self, run: ValidateRun, tmp_path: Path) -> None:
        """`cqpkit validate` on the README's example files prints exactly what the README shows."""
        for name, text in marked_files().items():
            (tmp_path / name).write_text(text, encoding="utf-8")
        result = run_cli("validate", *run.args, cwd=tmp_path)
        # The command writes errors on stderr as it goes and the summary on stdout at the end.
        actual = result.stderr.splitlines() + result.stdout.splitlines()
        assert actual == run.output, (
            f"README line {run.line}: `cqpkit validate {' '.join(run.args)}` now prints:\n" + "\n".join(actual)
        )
        if run.exit_code is not None:
            assert result.returncode == run.exit_code


class TestConventions:
    def test_schema_line_and_regeneration_command(self) -> None:
        """The README gives the exact #:schema line and the command that regenerates the JSON Schema."""
        text = readme()
        assert f"#:schema {SCHEMA_URL}" in text
        assert "cqpkit schema referentiel > referentials/referentiel.schema.json" in text

    def test_exit_codes_are_documented(self) -> None:
        """The three exit codes of `cqpkit validate` each have a row."""
        rows = {_cells(line)[0] for line in readme().splitlines() if line.startswith("|")}
        assert {"`0`", "`1`", "`2`"} <= rows

    def test_internal_links_resolve(self) -> None:
        """Every [text](#anchor) link of the README points at one of its headings."""
        text = readme()
        anchors = {github_slug(title) for _, _, title in headings(text)}
        broken = sorted({a for a in re.findall(r"\]\(#([^)]+)\)", text) if a not in anchors})
        assert not broken, f"links to no heading: {', '.join(broken)}"
