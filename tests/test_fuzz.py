"""Fuzzing: the bundled files, mutated, fed to every reading command (issue 15, point 8).

Seeds are the files the project ships (the example campaign, ``tests/data``, the plugins' référentiels and
scenarios). A mutant is a seed changed at the byte level (a bit flipped, bytes deleted, control bytes or NUL
inserted, a huge number, deep nesting, the file truncated, a table duplicated) or through its structure
(parsed with tomllib, a key dropped, renamed or retyped, a date at 9999-12-31 or 0001-01-01, an empty text,
an array of 10 000 elements, a text of 200 characters, an unknown référentiel version; written back with
tomli_w). Each mutant is written beside its seed in a copy of the tree (so that relative paths — fragments,
sessions, dossiers — still resolve) and fed, in process, to the commands that read its kind of file.

For every command and every input: exit code 0, 1 or 2 — 0 only where the input is still valid (``validate``
says so) —, no « Traceback », no « erreur interne », within a bound on each command's CPU time (not its wall
time: the machine may be loaded) and a bound on the process's peak memory growth. The run is reproducible (``derandomize``) and bounded
(``max_examples`` per family, :data:`EXAMPLES` in all, about 300); ``CQPKIT_FUZZ_SCALE=20`` runs twenty times
more inputs (the local campaign of the note), and ``CQPKIT_FUZZ_REPORT=file.json`` writes the count of inputs
and commands tried per family.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import resource
import shutil
import signal
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, run_cli

SCALE = max(1, int(os.environ.get("CQPKIT_FUZZ_SCALE", "1") or "1"))
#: Inputs per family in the default suite (each family a test below); about 300 in all.
EXAMPLES = {"huge_array": 4, "dossier": 70, "import": 40, "session": 30, "referentiel": 40, "scenario": 45, "jury": 40}
#: Per command, a hard stop on the CPU time it uses (SIGPROF, from ``ITIMER_PROF``, interrupts the command in process):
#: a command spinning fails the test, never CI, whatever the machine's load (a wall-clock bound — hypothesis'
#: ``deadline``, ``alarm`` — failed a valid run on a shared machine at load 16). Generous: it only catches a
#: pathological blow-up.
COMMAND_CPU_SECONDS = 10
#: Per command, the backstop for a command blocked without using CPU (SIGALRM): far above any run under load.
COMMAND_WALL_SECONDS = 300
#: Growth of the process's peak resident memory allowed for one input (kilobytes on Linux).
MEMORY_KB = 512 * 1024

SEEDS: dict[str, list[str]] = {
    "dossier": ["examples/campaign/dossiers/*.toml", "examples/dossier-*.toml", "tests/data/dossiers/**/*.toml"],
    "session": [
        "examples/campaign/sessions/*.toml", "examples/session-*.toml", "tests/data/sessions/**/*.toml",
        "plugins/*/cqpkit_*/scenarios/sessions/*.toml",
    ],
    "referentiel": [
        "plugins/*/cqpkit_*/referentiels/*.toml", "tests/data/broken/*.toml", "tests/data/mutualite-generes-2014/*.toml",
    ],
    "scenario": ["plugins/*/cqpkit_*/scenarios/*.toml", "tests/scenarios/*.toml"],
}
#: What the mirror holds: every seed, and what seeds name by relative path (fragments, sessions, dossiers).
TREES = ["examples", "tests/data", "tests/scenarios", "plugins/cqp_mo/cqpkit_cqp_mo", "plugins/mutualite/cqpkit_mutualite"]


def _seeds(kind: str) -> list[str]:
    found = {str(p.relative_to(ROOT)) for pattern in SEEDS[kind] for p in ROOT.glob(pattern)}
    return sorted(found)


SEED_FILES = {kind: _seeds(kind) for kind in SEEDS}
SEED_BYTES = {rel: (ROOT / rel).read_bytes() for files in SEED_FILES.values() for rel in files}
TRIED: Counter[str] = Counter()


# ------------------------------------------------------------------------------ mutations
def _value_spans(raw: bytes) -> list[tuple[int, int]]:
    """Where the values of ``key = value`` lines are (start, end of line)."""
    return [(m.start(1), m.end(1)) for m in re.finditer(rb"(?m)^[ \t]*[A-Za-z0-9_.\"-]+[ \t]*=[ \t]*(.*)$", raw)]


def _replace_value(draw: Callable[..., Any], raw: bytes, payload: bytes) -> bytes:
    spans = _value_spans(raw)
    if not spans:
        return raw + b"\ncle = " + payload + b"\n"
    start, end = draw(st.sampled_from(spans))
    return raw[:start] + payload + raw[end:]


def flip(draw: Callable[..., Any], raw: bytes) -> bytes:
    i = draw(st.integers(0, max(len(raw) - 1, 0)))
    return raw[:i] + bytes([raw[i] ^ (1 << draw(st.integers(0, 7)))]) + raw[i + 1 :] if raw else b"\x00"


def delete(draw: Callable[..., Any], raw: bytes) -> bytes:
    i = draw(st.integers(0, len(raw)))
    return raw[:i] + raw[i + draw(st.integers(1, 80)) :]


CONTROL = [b"\x00", b"\x01", b"\x1b[31m", b"\x7f", b"\r", b"\xe2\x80\xa8", b"\xff\xfe", b"\xef\xbb\xbf", b"\t\x0b\x0c", b"\xed\xa0\x80"]


def insert_control(draw: Callable[..., Any], raw: bytes) -> bytes:
    i = draw(st.integers(0, len(raw)))
    return raw[:i] + draw(st.sampled_from(CONTROL)) + raw[i:]


HUGE = [b"9" * 400, b"1e999", b"-1e999", b"-9223372036854775809", b"18446744073709551616", b"inf", b"-nan", b"0x" + b"f" * 64, b"1" + b"0" * 30 + b".5"]


def huge_number(draw: Callable[..., Any], raw: bytes) -> bytes:
    return _replace_value(draw, raw, draw(st.sampled_from(HUGE)))


def deep_nesting(draw: Callable[..., Any], raw: bytes) -> bytes:
    depth = draw(st.sampled_from([50, 500, 5000]))
    payload = b"[" * depth + b"]" * depth if draw(st.booleans()) else b"{ a = " * depth + b"1" + b" }" * depth
    return _replace_value(draw, raw, payload)


def truncate(draw: Callable[..., Any], raw: bytes) -> bytes:
    return raw[: draw(st.integers(0, len(raw)))]


def duplicate_table(draw: Callable[..., Any], raw: bytes) -> bytes:
    heads = [m.start() for m in re.finditer(rb"(?m)^\[", raw)]
    if not heads:
        return raw + raw
    start = draw(st.sampled_from(heads))
    later = [h for h in heads if h > start]
    block = raw[start : later[0] if later else len(raw)]
    return raw.rstrip(b"\n") + b"\n\n" + block


BYTE_OPS = [flip, delete, insert_control, huge_number, deep_nesting, truncate, duplicate_table]


def _paths(node: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every key path of a parsed document (tables, arrays and leaves), root excluded."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield (*prefix, key)
        yield from _paths(value, (*prefix, key))


def _parent(data: Any, path: tuple) -> Any:
    for key in path[:-1]:
        data = data[key]
    return data


def _structured(kind: str) -> Callable[[Callable[..., Any], Any], None]:
    """A mutation of the parsed document in place; ``kind`` picks which nodes it can touch."""

    def mutate(draw: Callable[..., Any], data: Any) -> None:
        paths = [p for p in _paths(data) if _fits(kind, p, _parent(data, p)[p[-1]])]
        if not paths:
            data["cle_ajoutee"] = "x" * 200
            return
        path = draw(st.sampled_from(paths))
        parent, key = _parent(data, path), path[-1]
        value = parent[key]
        if kind == "drop":
            del parent[key]
        elif kind == "rename":
            parent[key + draw(st.sampled_from(["_", "s", "X", "é"]))] = parent.pop(key)
        elif kind == "retype":
            parent[key] = draw(st.sampled_from([0, -1, 2**63, "texte", "", [], {}, True, 1.5, dt.date(2020, 1, 1), [1, "a"], {"x": 1}]))
        elif kind == "extreme_date":
            parent[key] = draw(st.sampled_from([dt.date(9999, 12, 31), dt.date(1, 1, 1)]))
        elif kind == "empty_text":
            parent[key] = draw(st.sampled_from(["", " ", "\u00a0"]))
        elif kind == "huge_array":
            parent[key] = [value[0] if value else "x"] * 10_000
        elif kind == "long_text":
            parent[key] = draw(st.sampled_from(["x" * 200, "é" * 200, "a-" * 100]))
        elif kind == "unknown_version":
            parent[key] = draw(st.sampled_from(["1999", "2014 ", "9" * 60, "inconnue.cqp"]))

    mutate.__name__ = kind
    return mutate


def _fits(kind: str, path: tuple, value: Any) -> bool:
    key = path[-1]
    if kind in ("drop", "rename"):
        return isinstance(key, str)
    if kind == "extreme_date":
        return isinstance(value, dt.date)
    if kind in ("empty_text", "long_text"):
        return isinstance(value, str)
    if kind == "huge_array":
        return isinstance(value, list)
    if kind == "unknown_version":
        return key in ("version", "certification", "certifications") or (isinstance(key, int) and path[-2] == "certifications")
    return True


STRUCT_OPS = [_structured(k) for k in ("drop", "rename", "retype", "extreme_date", "empty_text", "long_text", "unknown_version")]
#: Its own family (:func:`test_huge_arrays`): a 10 000-element array is where the array caps and the rules'
#: complexity are at stake, fixed by other branches of issue 15.
HUGE_ARRAY = _structured("huge_array")


class Mutant(tuple):
    """(seed path, mutation name, bytes), shown short when hypothesis reports it (a mutant can weigh megabytes)."""

    def __repr__(self) -> str:
        rel, op, content = self
        return f"Mutant({rel!r}, {op!r}, {len(content)} octets, début {content[:120]!r})"


@st.composite
def mutants(draw: Callable[..., Any], kind: str, ops: tuple[Callable[..., Any], ...] = (*BYTE_OPS, *STRUCT_OPS)) -> tuple[str, str, bytes]:
    """A seed of ``kind`` and one mutation of it: (seed path, mutation name, bytes)."""
    rel = draw(st.sampled_from(SEED_FILES[kind]))
    raw = SEED_BYTES[rel]
    op = draw(st.sampled_from(ops))
    if op in BYTE_OPS:
        return Mutant((rel, op.__name__, op(draw, raw)))
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):  # a seed already broken: mutated as bytes
        return Mutant((rel, "truncate", truncate(draw, raw)))
    op(draw, data)
    return Mutant((rel, op.__name__, tomli_w.dumps(data).encode("utf-8")))


# ------------------------------------------------------------------------------ running
@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the seeds' trees: mutants are written beside their seed there."""
    root = tmp_path_factory.mktemp("fuzz")
    for tree in TREES:
        shutil.copytree(ROOT / tree, root / tree, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    yield root
    report = os.environ.get("CQPKIT_FUZZ_REPORT")
    if report:
        Path(report).write_text(json.dumps(dict(sorted(TRIED.items())), indent=2) + "\n", encoding="utf-8")


def place(mirror: Path, rel: str, content: bytes, name: str = "mutant") -> Path:
    """The mutant written beside its seed in the mirror."""
    seed = mirror / rel
    path = seed.with_name(f"{seed.stem}-{name}.toml")
    path.write_bytes(content)
    return path


class OutOfTime(BaseException):
    """Raised in the command after :data:`COMMAND_CPU_SECONDS` of CPU (SIGPROF) or :data:`COMMAND_WALL_SECONDS` (SIGALRM)."""


def _out_of_time(signum: int, frame: Any) -> None:
    if signum == signal.SIGPROF:
        raise OutOfTime(f"commande interrompue après {COMMAND_CPU_SECONDS} s de CPU")
    raise OutOfTime(f"commande interrompue après {COMMAND_WALL_SECONDS} s sans finir")


def feed(family: str, *args: str, env: dict[str, str] | None = None, valid: bool | None = None) -> int:
    """Run ``cqpkit ARGS`` in process; check exit code, output and memory; return the exit code.

    ``valid`` False: the input is known invalid (``validate`` said so), so exit 0 is a defect.
    """
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    previous = signal.signal(signal.SIGPROF, _out_of_time), signal.signal(signal.SIGALRM, _out_of_time)
    signal.setitimer(signal.ITIMER_PROF, COMMAND_CPU_SECONDS)
    signal.alarm(COMMAND_WALL_SECONDS)
    try:
        result = run_cli(*args, env=env)  # an interrupted command shows the trace of where it was: a failure
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.alarm(0)
        signal.signal(signal.SIGPROF, previous[0])
        signal.signal(signal.SIGALRM, previous[1])
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    TRIED[f"{family}:{args[0]}"] += 1
    shown = f"cqpkit {' '.join(a[:200] for a in args)}\n--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
    assert result.returncode in (0, 1, 2), shown
    for text in (result.stdout, result.stderr):
        assert "Traceback" not in text, shown
        assert "erreur interne" not in text, shown
    if valid is False:
        assert result.returncode != 0, "invalid input accepted\n" + shown
    assert grown < MEMORY_KB, f"peak memory grew by {grown // 1024} MB\n{shown}"
    return result.returncode


def fuzz_settings(family: str, **extra: Any) -> settings:
    return settings(
        max_examples=EXAMPLES[family] * SCALE,
        deadline=None,  # a wall-clock deadline fails under load: the bound is the CPU time of each command (feed)
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
        **extra,
    )


def _dossier_id(content: bytes) -> str | None:
    try:
        value = tomllib.loads(content.decode("utf-8"))["dossier"]["id"]
    except Exception:
        return None
    return value if isinstance(value, str) else None


# ------------------------------------------------------------------------------ families
class TestSeeds:
    """The seeds themselves: every kind has some, and each one reads as its kind says (the fuzzing starts from them)."""

    @pytest.mark.parametrize("kind", sorted(SEEDS))
    def test_each_kind_has_seeds(self, kind):
        assert len(SEED_FILES[kind]) >= 5

    def test_unchanged_seed_gives_what_the_original_gives(self, mirror):
        """A mutant equal to its seed is read as the seed is: the mirror changes nothing."""
        for kind in ("dossier", "scenario", "referentiel", "session"):
            rel = next(r for r in SEED_FILES[kind] if "broken" not in r)
            copy = place(mirror, rel, SEED_BYTES[rel], "copie")
            assert run_cli("validate", str(copy)).returncode == run_cli("validate", str(ROOT / rel)).returncode == 0


ENGINE = ["check", "decide", "funding", "explain", "plan"]


@fuzz_settings("dossier")
@given(mutant=mutants("dossier"), command=st.sampled_from(ENGINE))
def test_dossier_commands(mirror, mutant, command):
    """A mutated dossier: ``validate`` and an engine command (check, decide, funding, explain, plan)."""
    rel, _, content = mutant
    path = place(mirror, rel, content)
    valid = feed("dossier", "validate", str(path)) == 0
    feed("dossier", command, str(path), "--as-of", "2021-01-01", valid=valid or None)
    feed("dossier", command, "--json", str(path), valid=valid or None)


@fuzz_settings("huge_array", phases=[Phase.explicit, Phase.generate])  # no shrinking: each example is big
@given(mutant=mutants("dossier", (HUGE_ARRAY,)), command=st.sampled_from(ENGINE))
def test_huge_arrays(mirror, mutant, command):
    """A dossier with one array grown to 10 000 elements: ``validate`` and an engine command, within the bounds."""
    rel, _, content = mutant
    path = place(mirror, rel, content)
    valid = feed("huge_array", "validate", str(path)) == 0
    feed("huge_array", command, str(path), "--as-of", "2021-01-01", valid=valid or None)


@fuzz_settings("import")
@given(mutant=mutants("dossier"))
def test_import_then_read(mirror, mutant):
    """A mutated dossier imported into a fresh SQLite base; when it is stored, the base is read back."""
    rel, _, content = mutant
    path = place(mirror, rel, content)
    db = path.with_suffix(".db")
    db.unlink(missing_ok=True)
    valid = run_cli("validate", str(path)).returncode == 0
    imported = feed("import", "import", "--db", str(db), str(path), valid=valid or None)
    if imported == 0:
        feed("import", "report", "campaign", "--db", str(db), "--as-of", "2021-01-01")
        did = _dossier_id(content)
        if did is not None:
            feed("import", "dossier", "show", did, "--db", str(db), "--as-of", "2021-01-01")
    db.unlink(missing_ok=True)


#: A dossier each session seed can be checked with (the campaign's, else the example's).
SESSION_DOSSIER = "examples/campaign/dossiers/oemm-2019-0302.toml"


@fuzz_settings("session")
@given(mutant=mutants("session"))
def test_session_commands(mirror, mutant):
    """A mutated jury session: ``validate``, ``check --session`` with a dossier, import into a fresh base."""
    rel, _, content = mutant
    path = place(mirror, rel, content)
    valid = feed("session", "validate", str(path)) == 0
    feed("session", "check", str(ROOT / SESSION_DOSSIER), "--session", str(path))
    db = path.with_suffix(".db")
    db.unlink(missing_ok=True)
    feed("session", "import", "--db", str(db), str(path), valid=valid or None)
    db.unlink(missing_ok=True)


@fuzz_settings("referentiel")
@given(mutant=mutants("referentiel"))
def test_referentiel_commands(mirror, mutant):
    """A mutated référentiel: ``validate``, and loaded as a draft (``CQPKIT_REFERENTIELS_PATH``) by ``list``."""
    rel, _, content = mutant
    path = place(mirror, rel, content)
    valid = feed("referentiel", "validate", str(path)) == 0
    # A draft with a bundled id and version is a duplicate: `list` exits 1 for it, never a traceback.
    feed("referentiel", "list", env={"CQPKIT_REFERENTIELS_PATH": str(path)}, valid=valid or None)


@fuzz_settings("scenario")
@given(mutant=mutants("scenario"))
def test_scenario_commands(mirror, mutant):
    """A mutated scenario: ``validate`` and ``test``."""
    rel, _, content = mutant
    path = place(mirror, rel, content)
    valid = feed("scenario", "validate", str(path)) == 0
    feed("scenario", "test", str(path), valid=valid or None)


# -- jury open with mutated options, on a base holding the campaign ----------------------------------
TEXTS = st.one_of(
    st.sampled_from(["", " ", "OEMM-JURY-2030-01", "x" * 200, "a\x00b", "\x1b[2J", "é" * 101, "../x", "OEMM-JURY-2019-03"]),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30),
)
DATES = st.one_of(
    st.sampled_from(["2030-01-15", "9999-12-31", "0001-01-01", "2020-02-30", "2020-13-01", "", "demain", "2020-1-1", "+12020-01-01"]),
    st.dates().map(dt.date.isoformat),
)
CERTS = st.sampled_from(["mutualite.specialiste-prestations", "secu.manager-operationnel", "", "mutualite.specialiste-prestation", "x" * 300])
MEMBRES = st.lists(
    st.builds(lambda i, c, o: ":".join(x for x in (i, c, o) if x is not None), TEXTS, st.sampled_from(["employeur", "salarie", "", "autre", "employeur:extra"]), st.none() | TEXTS),
    max_size=5,
)


@pytest.fixture(scope="module")
def campaign_base(mirror: Path) -> Path:
    base = mirror / "campagne.db"
    assert run_cli("import", "--db", str(base), str(ROOT / "examples" / "campaign")).returncode == 0
    return base


#: A valid ``jury open`` on the campaign's base; each input changes one or two of its options.
VALID_OPEN: dict[str, Any] = {
    "session": "OEMM-JURY-2030-01",
    "date": "2030-01-15",
    "certs": ["mutualite.specialiste-prestations"],
    "membres": ["J-01:employeur:Mutuelle fictive", "J-02:employeur", "J-03:salarie", "J-04:salarie"],
    "president": "J-01",
    "precedente": "OEMM-JURY-2019-10",
}
MUTATED = {
    "session": TEXTS, "date": DATES, "certs": st.lists(CERTS, max_size=3), "membres": MEMBRES,
    "president": st.none() | TEXTS, "precedente": st.none() | TEXTS,
}


@fuzz_settings("jury")
@given(data=st.data(), which=st.sets(st.sampled_from(sorted(MUTATED)), min_size=0, max_size=2))
def test_jury_open_with_mutated_options(mirror, campaign_base, data, which):
    """`jury open` with one or two options mutated, on a copy of the campaign's base; what it stores is read back."""
    o = {k: data.draw(MUTATED[k], label=k) if k in which else v for k, v in VALID_OPEN.items()}
    db = mirror / "jury.db"
    shutil.copyfile(campaign_base, db)
    args = ["jury", "open", o["session"], "--date", o["date"], "--db", str(db)]
    for c in o["certs"]:
        args += ["--certification", c]
    for m in o["membres"]:
        args += ["--membre", m]
    for key in ("president", "precedente"):
        if o[key] is not None:
            args += [f"--{key}", o[key]]
    opened = feed("jury", *args)
    assert opened != 0 or which or o == VALID_OPEN  # the valid options open the session
    if opened == 0:
        feed("jury", "jury", "show", o["session"], "--db", str(db))
        feed("jury", "jury", "add", o["session"], "OEMM-2019-0302", "--db", str(db))
        feed("jury", "report", "campaign", "--db", str(db), "--as-of", "2030-02-01")
    feed("jury", "dossier", "show", o["session"], "--db", str(db))
