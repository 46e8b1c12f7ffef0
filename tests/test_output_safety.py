"""What the CLI prints is safe to print (issue 15, points 3 and 6, and the error cap of point 5).

One test per class of defect, each over every command (enumerated from the argparse parser, so that
a new command is covered without touching this file):

- **no secret printed**: a property test over generated database addresses (passwords of any printable
  character, ``/ ? # @ : % &`` included, written raw or percent-encoded; known and unknown schemes) runs
  every command taking ``--db`` and looks for the password in stdout, stderr and the JSON;
- **no terminal injection**: every command runs with control characters in every place it may echo
  (dossier and session fields through a base, file names, ids, option values); no raw control
  character (other than the newline) reaches stdout or stderr, no value starts a line of its own, and
  the JSON carries none either;
- **capped errors**: a file with 500 errors prints the first 50 and a count line.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tomllib
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cqpkit.cli import build_parser
from cqpkit.cli.output import escape, error_lines
from cqpkit.exceptions import Erreur, InvalidFileError
from cqpkit.store.address import display_url
from tests.conftest import ROOT, run_cli
from tests.test_store_support import CAMPAIGN, SP, postgres_url

#: What a terminal must never receive raw: C0 (newline aside), DEL, C1, bidi overrides and isolates.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: A value carrying every kind of control, and a newline that would forge an error line.
EVIL = "X\x1b[2J\x1b]0;titre\x07\x9b31m\u202eevil\u2066\r\t\x7f\x08\n erreur : faux"
FORGED = "erreur : faux"
#: What the formats let a file hold (formats/limits.py refuses C0 other than tab, newline and carriage return,
#: DEL and C1): a stored value can still carry a carriage return, a tab, bidi overrides and a forged line.
STORABLE_EVIL = "X\u202eevil\u2066\r\t\n erreur : faux"


def leaves() -> list[tuple[list[str], argparse.ArgumentParser]]:
    """Every command and action of the parser (``list``, ``jury open``…) with its own parser."""

    def walk(p: argparse.ArgumentParser, path: list[str]):
        subs = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            yield path, p
            return
        for name, sp in subs[0].choices.items():
            yield from walk(sp, [*path, name])

    return list(walk(build_parser(), []))


def _positionals(p: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in p._actions if not a.option_strings and not isinstance(a, argparse._SubParsersAction)]


def _value_options(p: argparse.ArgumentParser) -> list[argparse.Action]:
    flags = (argparse._HelpAction, argparse._StoreTrueAction, argparse._StoreFalseAction, argparse._VersionAction, argparse._StoreConstAction)
    return [a for a in p._actions if a.option_strings and not isinstance(a, flags)]


def _takes(p: argparse.ArgumentParser, option: str) -> bool:
    return any(option in a.option_strings for a in p._actions)


#: Values that make a command do its work (not fail on its arguments), by argparse ``dest``.
SANE = {
    "id": ["secu.manager-operationnel"],
    "kind": ["dossier"],
    "name": ["demo"],
    "session": ["OEMM-JURY-2019-10"],
    "dossier": ["OEMM-2017-0201"],
    "decisions": ["D1=acquis"],
    "personne": ["J-01"],
    "candidat": ["C-0101"],
    "date": ["2020-09-01"],
    "certifications": [SP],
    "within": ["90"],
}


def _required(p: argparse.ArgumentParser) -> list[str]:
    out: list[str] = []
    for a in _value_options(p):
        if a.required:
            out += [a.option_strings[-1], *SANE.get(a.dest, ["X"])]
    return out


def _sane_positionals(p: argparse.ArgumentParser, files: list[str]) -> list[str]:
    out: list[str] = []
    for a in _positionals(p):
        out += files if a.nargs in ("+", "*") and a.dest not in SANE else SANE.get(a.dest, ["X"])
    return out


def _evil_positionals(p: argparse.ArgumentParser, evil_file: str) -> list[str]:
    return [evil_file if a.nargs in ("+", "*") else EVIL for a in _positionals(p)]


# -------------------------------------------------------------------------- injection
FREE_TEXT = {"nom", "prenom", "emploi", "employeur", "organisation", "fonction", "lieu", "notes", "motif"}


def _poison(value, key: str = ""):
    """Every free-text value of a TOML document, with :data:`STORABLE_EVIL` appended (what the format accepts)."""
    if isinstance(value, dict):
        return {k: _poison(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v, key) for v in value]
    if isinstance(value, str) and key in FREE_TEXT:
        return value + STORABLE_EVIL
    return value


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory) -> dict[str, str]:
    """The example campaign with control characters in every free text, in a base; files with such names."""
    root = tmp_path_factory.mktemp("poisoned")
    campaign = root / "campaign"
    shutil.copytree(CAMPAIGN, campaign)
    for path in campaign.rglob("*.toml"):
        path.write_text(tomli_w.dumps(_poison(tomllib.loads(path.read_text(encoding="utf-8")))), encoding="utf-8")
    dossier = next((campaign / "dossiers").glob("*.toml"))
    # a file name carrying controls: a valid dossier, and an invalid one whose keys carry them too
    named = root / f"d{EVIL.replace(chr(0), '')}.toml"
    shutil.copy(dossier, named)
    invalid = root / f"i{EVIL}.toml"
    invalid.write_text(dossier.read_text(encoding="utf-8") + f'\n[autre]\n"{json.dumps(EVIL)[1:-1]}" = "{json.dumps(EVIL)[1:-1]}"\n', encoding="utf-8")
    db = str(root / "base.db")
    proc = run_cli("import", str(campaign), "--db", db, "--operateur", EVIL)
    assert proc.returncode == 0, proc.stderr
    assert_safe(proc)
    return {"db": db, "campaign": str(campaign), "dossier": str(dossier), "named": str(named), "invalid": str(invalid), "root": str(root)}


def assert_safe(proc) -> None:
    """No raw control character (the newline aside), no line forged by a value, no traceback."""
    for name, text in (("stdout", proc.stdout), ("stderr", proc.stderr)):
        m = UNSAFE.search(text)
        assert m is None, f"{proc.args}: {name} holds {m.group()!r}: {text[max(0, m.start() - 80) : m.end() + 40]!r}"
        for line in text.split("\n"):
            assert not line.startswith((FORGED, " " + FORGED)), f"{proc.args}: {name} line forged by a value: {line!r}"
    assert "Traceback" not in proc.stderr and "erreur interne" not in proc.stderr, proc.stderr


# `cqpkit serve` runs until it is stopped: its messages (and the access log's escaping) are checked in
# tests/test_web_serve.py and tests/test_web_limits.py, where the server is started and stopped.
LEAVES = [(p, parser) for p, parser in leaves() if p != ["serve"]]


@pytest.mark.parametrize("path,parser", LEAVES, ids=[" ".join(p) for p, _ in LEAVES])
def test_every_command_escapes_what_it_echoes(path, parser, poisoned, tmp_path):
    """Each command, run on poisoned data, with poisoned ids and file names, then each of its options poisoned."""
    db = ["--db", poisoned["db"]] if _takes(parser, "--db") else []
    files = [poisoned["dossier"], poisoned["named"], poisoned["invalid"]]
    runs = [
        # the command doing its work on data carrying controls (the base, the files, their names)
        [*path, *_sane_positionals(parser, files), *_required(parser), *db],
        # ids and file names that carry them (unknown: echoed in the error)
        [*path, *_evil_positionals(parser, str(Path(poisoned["root"]) / f"absent{EVIL}.toml")), *_required(parser), *db],
    ]
    for option in _value_options(parser):
        # each option's value carrying them (--lieu, --membre, --motif, --operateur, --db, --as-of…)
        value = EVIL if option.dest != "db" else f"{poisoned['root']}/base{EVIL}.db"
        head = [*path, *_sane_positionals(parser, files), *_required(parser)]
        runs.append([*head, *(db if option.dest != "db" else []), option.option_strings[-1], value])
    for argv in runs:
        assert_safe(run_cli(*argv, cwd=tmp_path))
    if _takes(parser, "--json"):
        proc = run_cli(*runs[0], "--json", cwd=tmp_path)
        assert UNSAFE.search(proc.stdout) is None, proc.stdout
        if proc.stdout.strip():
            json.loads(proc.stdout)  # escaped as JSON escapes, still JSON


def test_every_command_is_covered():
    """The enumeration finds the commands of the parser, store actions included (a new one is covered by itself)."""
    names = {" ".join(p) for p, _ in LEAVES}
    assert {"list", "check", "import", "jury open", "jury show", "dossier show", "report campaign", "candidate export"} <= names
    assert len(names) >= 25


def test_stored_options_are_shown_escaped(poisoned, tmp_path):
    """--lieu, --membre, --motif, --operateur stored by one command are shown escaped by the others."""
    db = str(tmp_path / "b.db")
    shutil.copy(poisoned["db"], db)
    steps = [
        ["jury", "open", "S-NEW", "--date", "2020-09-01", "--certification", SP, "--lieu", EVIL, "--operateur", EVIL,
         "--membre", f"J-01{EVIL}:employeur:{EVIL}", "--membre", "J-02:employeur:Org", "--membre", "J-03:salarie:Org", "--president", "J-02"],
        ["jury", "add", "S-NEW", "OEMM-2017-0201", "--operateur", EVIL],
        ["jury", "decide", "S-NEW", "OEMM-2017-0201", "D1=acquis", "--motif", EVIL, "--operateur", EVIL],
        ["jury", "show", "S-NEW"],
        ["jury", "list"],
        ["dossier", "show", "OEMM-2017-0201"],
        ["dossier", "history", "OEMM-2017-0201"],
        ["personne", "show", "J-01"],
        ["report", "campaign"],
    ]
    shown = ""
    for argv in steps:
        proc = run_cli(*argv, "--db", db)
        assert_safe(proc)
        shown += proc.stdout + proc.stderr
    assert "\\x1b[2J" in shown and "\\u202e" in shown  # the values are there, visibly


def test_a_value_cannot_forge_a_line(poisoned):
    """``nom = "X\\n erreur : faux"``: the newline is written ``\\n``, the line stays the value's."""
    proc = run_cli("dossier", "show", "I410-2018-0101", "--db", poisoned["db"])
    assert proc.returncode == 0, proc.stderr
    assert_safe(proc)
    assert "\\n erreur : faux" in proc.stdout


# ---------------------------------------------------------------------------- secrets
STORE_LEAVES = [(p, parser) for p, parser in LEAVES if _takes(parser, "--db")]

passwords = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E) | st.sampled_from("/?#@:%& éü"), min_size=8, max_size=24).filter(
    # At least a digit and a sign besides letters: a password made of letters only may be a word of a command's help
    # text (« notifica » in « notification »), found there without any leak.
    lambda s: len(set(s)) >= 4 and any(c.isdigit() for c in s) and any(not c.isalnum() for c in s)
)


def _address(scheme: str, user: str, password: str, encoded: bool, in_query: bool, host: str, base: str) -> str:
    written = quote(password, safe="") if encoded else password
    if in_query:
        sep = "&" if "?" in base else "?"
        return f"{scheme}{user}@{host}/{base}{sep}password={written}"
    return f"{scheme}{user}:{written}@{host}/{base}"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    password=passwords,
    scheme=st.sampled_from(["postgresql://", "postgres://", "postgresql+psycopg://", "mysql://", "postgresq://", "postgresql:/", "redis://"]),
    encoded=st.booleans(),
    in_query=st.booleans(),
    server=st.sampled_from(["refused", "real"]),
)
def test_no_command_prints_a_password(password, scheme, encoded, in_query, server, poisoned, tmp_path_factory):
    """Whatever the address, no store command shows its password: not in stdout, stderr nor JSON."""
    real, _ = postgres_url()
    if server == "real" and real:  # a server that answers (trust): a schema that does not exist, nothing written
        host, base = real.split("@", 1)[1].split("/", 1)[0], "test?options=-csearch_path%3Dcqpkit_absent_schema"
    else:
        host, base = "127.0.0.1:1", "base"
    url = _address(scheme, "operateur", password, encoded, in_query, host, base)
    cwd = tmp_path_factory.mktemp("secret")
    secrets = {password, quote(password, safe=""), unquote(password)}
    for path, parser in STORE_LEAVES:
        args = [*path, *_sane_positionals(parser, [poisoned["dossier"]]), *_required(parser), "--db", url]
        for extra in ([], ["--json"]) if _takes(parser, "--json") else ([],):
            proc = run_cli(*args, *extra, cwd=cwd)
            for secret in secrets:
                assert secret not in proc.stdout and secret not in proc.stderr, (url, proc.args, proc.stdout, proc.stderr)
            assert "Traceback" not in proc.stderr and "erreur interne" not in proc.stderr, proc.stderr
    # CQPKIT_DB too, and a --db that argparse refuses to take (echoed in its usage error)
    for argv, env in ((["db", "verify"], {"CQPKIT_DB": url}), (["list", "--db", url], {})):
        proc = run_cli(*argv, env=env, cwd=cwd)
        assert all(s not in proc.stdout + proc.stderr for s in secrets), (url, proc.stderr)


@given(st.text(min_size=0, max_size=60))
def test_display_url_never_shows_what_follows_the_user_name(text):
    """For any text: what lies between the user's « : » and the last « @ » is gone, and so is a password= value."""
    shown = display_url(f"postgresql://u:{text}@h/b")
    assert shown == "postgresql://u@h/b"
    masked = display_url(f"postgresql://u@h/b?sslmode=require&password={text}")
    assert masked.endswith("password=***")


# ------------------------------------------------------------------------- error cap
def _many_errors(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "beaucoup.toml"
    lines = (ROOT / "examples" / "dossier-manager-operationnel.toml").read_text(encoding="utf-8").split("\n")
    head = lines.index("[candidat]")
    lines[head + 1 : head + 1] = [f"inconnue_{i} = {i}" for i in range(n)]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [["validate"], ["check"], ["decide"], ["import", "--db", "{db}"]])
def test_errors_are_capped(command, tmp_path):
    """500 errors in one file: 50 printed, then « … et 450 autres erreurs »; the JSON keeps them all."""
    path = _many_errors(tmp_path, 500)
    argv = [a.replace("{db}", str(tmp_path / "b.db")) for a in command]
    proc = run_cli(*argv, str(path))
    assert proc.returncode == 1, proc.stderr
    located = [line for line in proc.stderr.split("\n") if line.startswith(f"{path}:")]
    assert len(located) == 50, proc.stderr
    assert "… et 450 autres erreurs" in proc.stderr
    assert f"{path} : 500 erreurs" in proc.stderr  # the count of the file is the real one
    if command[0] != "import":
        data = json.loads(run_cli(*argv, str(path), "--json").stdout)
        found = data["fichiers"][0]["erreurs"] if command == ["validate"] else data["erreurs"]
        assert len(found) == 500


def test_error_cap_is_configurable(tmp_path):
    """CQPKIT_MAX_ERRORS=5: five; 0: all of them."""
    path = _many_errors(tmp_path, 30)
    five = run_cli("validate", str(path), env={"CQPKIT_MAX_ERRORS": "5"})
    assert sum(line.startswith(f"{path}:") for line in five.stderr.split("\n")) == 5
    assert "… et 25 autres erreurs" in five.stderr
    every = run_cli("validate", str(path), env={"CQPKIT_MAX_ERRORS": "0"})
    assert sum(line.startswith(f"{path}:") for line in every.stderr.split("\n")) == 30
    assert "autres erreurs" not in every.stderr


def test_error_lines_cap_and_escape():
    """The function every error path uses: head, capped errors, values on their own line only."""
    exc = InvalidFileError("f.toml", [Erreur("f.toml", i, f"k{i}", f"valeur « a{EVIL} »") for i in range(60)])
    lines = error_lines(exc)
    assert lines[0] == "f.toml : 60 erreurs" and len(lines) == 1 + 50 + 1
    assert lines[-1].startswith("… et 10 autres erreurs")
    # one line per error: its value's newline is inside it, written « \n » by the CLI's streams
    assert all(escape(line).count("\n") == 0 and "\\n erreur : faux" in escape(line) for line in lines[1:-1])
