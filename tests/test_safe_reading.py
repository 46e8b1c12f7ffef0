"""Nothing hangs, nothing explodes: every file cqpkit reads goes through the one safe reader.

Two kinds of tests, one per class of defect (issue 15, point 5):

- the source tree (``core/``, ``plugins/``) opens no file for reading outside
  :mod:`cqpkit.formats.tomlfile` (:func:`~cqpkit.formats.tomlfile.read_file`): a new ``open()``,
  ``Path.read_text()``, ``tomllib.load()``… fails :class:`TestOneReader` unless it writes, or is
  on the allow-list with its reason; directory walks never follow links (a loop would be endless);
- every command that reads files given to it (``list`` through ``CQPKIT_REFERENTIELS_PATH``, a
  file or a directory; ``validate``; ``check``; ``test DIR``; ``import DIR``) meets every hazard
  (a named pipe, ``/dev/zero`` behind a link, a file over the size cap, a loop of links) and ends
  at once with exit code 1 or 2, a French message naming the file, and no traceback.

A regression would hang (a FIFO waits for a writer) or fill the memory (``/dev/zero``): the
commands run under an alarm (:func:`deadline`) that turns a hang into a failure, and the cases of
the issue itself run in a real process with a timeout and a memory limit, since there the process
is the point.
"""

from __future__ import annotations

import ast
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cqpkit.exceptions import UnreadableFileError
from cqpkit.formats.tomlfile import DEFAULT_MAX_SIZE, SIZE_VARIABLE, max_size, read_bytes, read_file, read_text
from tests.conftest import ROOT, run_cli
from tests.test_registry import ref_text

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes (os.mkfifo) and SIGALRM are POSIX only")

READER = "core/cqpkit/formats/tomlfile.py"

#: Calls allowed outside the reader, with their reason: (file, call as written) → reason.
ALLOWED = {
    ("core/cqpkit/scaffold.py", "src.read_text"): (
        "`cqpkit new-plugin` copies cqpkit's own plugin template, shipped inside the package: not a user's input"
    ),
    ("core/cqpkit/scaffold.py", "distribution('cqpkit').read_text"): (
        "the PEP 610 record of how cqpkit itself was installed, read through importlib.metadata: not a user's input"
    ),
    # `cqpkit rncp import` streams France Compétences' export (hundreds of MB, beyond the reader's cap): the
    # path is checked to be a regular file before and after it is opened, without blocking, as read_file does.
    ("core/cqpkit/interop/rncp.py", "os.open"): "the open-data export of the registers, streamed (regular file checked, no blocking)",
    ("core/cqpkit/interop/rncp.py", "os.fdopen"): "the descriptor opened just above, once checked to be a regular file",
    ("core/cqpkit/interop/rncp.py", "archive.open"): "a member of the export's ZIP archive, itself opened through _open_regular",
    ("core/cqpkit/interop/credentials.py", "os.open"): (
        "`cqpkit credential keygen` creates the private key file with mode 0600 from the start (O_EXCL): a write, not a read"
    ),
    ("core/cqpkit/interop/credentials.py", "os.fdopen"): "writes the private key into the descriptor os.open just created",
}
#: Receivers whose ``.open(…)`` opens a database, not a file to read.
DATABASE_OPENERS = {"Store", "StoreBase", "cls"}
#: Modules whose ``load(fh)`` reads an open file.
LOADERS = {"tomllib", "tomli", "toml_parser", "json", "pickle", "marshal", "yaml"}
#: Functions that open or read a file descriptor directly.
LOW_LEVEL = {("os", "open"), ("os", "fdopen"), ("os", "read"), ("io", "open"), ("codecs", "open"), ("mmap", "mmap")}


def _sources() -> Iterator[Path]:
    for base in ("core", "plugins"):
        for path in sorted((ROOT / base).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/tests/" not in rel and rel != READER:
                yield path


def _writes(call: ast.Call) -> bool:
    """An ``open()`` whose literal mode writes (``w``, ``a``, ``x``): not a read."""
    mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and any(c in mode.value for c in "wax")


def _reads(call: ast.Call) -> str | None:
    """Why ``call`` reads a file without the reader (``None`` if it does not)."""
    f = call.func
    if isinstance(f, ast.Name) and f.id == "open":
        return None if _writes(call) else "open() pour lire"
    if not isinstance(f, ast.Attribute):
        return None
    owner = f.value.id if isinstance(f.value, ast.Name) else None
    if (owner, f.attr) in LOW_LEVEL:
        return f"{owner}.{f.attr}() ouvre ou lit un descripteur"
    if f.attr in ("read_text", "read_bytes"):
        return f"{f.attr}() lit un fichier entier, sans limite ni contrôle du type"
    if f.attr == "open" and owner not in DATABASE_OPENERS:
        return None if _writes(call) else ".open() pour lire"
    if f.attr == "load" and owner in LOADERS:
        return f"{owner}.load() lit un fichier ouvert"
    return None


def _walks_links(call: ast.Call) -> str | None:
    """A directory walk that follows links (a loop of links would make it endless)."""
    f = call.func
    if not isinstance(f, ast.Attribute):
        return None
    if f.attr == "walk" and any(k.arg == "followlinks" and not (isinstance(k.value, ast.Constant) and k.value.value is False) for k in call.keywords):
        return "os.walk(followlinks=…) suit les liens : une boucle de liens ne finit pas"
    if f.attr == "rglob" or (f.attr == "glob" and call.args and isinstance(call.args[0], ast.Constant) and "**" in str(call.args[0].value)):
        return f"{f.attr}() récursif : préférer os.walk, qui ne suit pas les liens"
    return None


def _findings() -> tuple[list[str], set[tuple[str, str]]]:
    found, used = [], set()
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            why = _reads(node) or _walks_links(node)
            if why is None:
                continue
            key = (rel, ast.unparse(node.func))
            if key in ALLOWED:
                used.add(key)
                continue
            found.append(f"{rel}:{node.lineno}: {ast.unparse(node)[:100]} — {why}")
    return found, used


class TestOneReader:
    """The class test: no module reads a file except through cqpkit.formats.tomlfile.read_file."""

    def test_no_file_is_read_outside_the_reader(self):
        found, _ = _findings()
        assert not found, (
            "un fichier est lu sans passer par cqpkit.formats.tomlfile (read_file / read_bytes / read_text : "
            "fichiers ordinaires seulement, sans blocage, taille plafonnée) :\n" + "\n".join(found)
        )

    def test_the_allow_list_is_current(self):
        """Every allowed call still exists: an allow-list entry cannot outlive its reason."""
        _, used = _findings()
        assert set(ALLOWED) == used

    @pytest.mark.parametrize(
        "source",
        [
            "open(path)",
            "open(path, 'rb')",
            "Path(p).read_text()",
            "p.read_bytes()",
            "p.open()",
            "tomllib.load(fh)",
            "json.load(fh)",
            "os.open(p, os.O_RDONLY)",
            "os.walk(d, followlinks=True)",
            "Path(d).rglob('*.toml')",
        ],
    )
    def test_the_scan_sees_each_way_of_reading(self, source):
        """The scanner itself: each way of reading (or of walking through links) is caught."""
        call = ast.parse(source).body[0].value
        assert _reads(call) or _walks_links(call)

    @pytest.mark.parametrize("source", ["open(p, 'w')", "open(p, mode='a', encoding='utf-8')", "Store.open(db)", "os.walk(d)"])
    def test_the_scan_lets_writes_and_databases_be(self, source):
        call = ast.parse(source).body[0].value
        assert not (_reads(call) or _walks_links(call))


# -- the reader itself -----------------------------------------------------------------------


class TestReader:
    def test_regular_file(self, tmp_path):
        path = tmp_path / "a.toml"
        path.write_text("x = 1\n", encoding="utf-8")
        data, st = read_file(path)
        assert data == b"x = 1\n" and st.st_size == 6
        assert read_text(path) == "x = 1\n"

    def test_fifo_is_refused_without_waiting(self, tmp_path, deadline):
        fifo = tmp_path / "x.toml"
        os.mkfifo(fifo)
        with deadline(), pytest.raises(UnreadableFileError, match=r"x\.toml : c'est un tube nommé \(FIFO\)"):
            read_bytes(fifo)

    def test_device_behind_a_link_is_refused(self, tmp_path, deadline):
        link = tmp_path / "z.toml"
        link.symlink_to(os.devnull if not os.path.exists("/dev/zero") else "/dev/zero")
        with deadline(), pytest.raises(UnreadableFileError, match=r"z\.toml : c'est un périphérique"):
            read_bytes(link)

    def test_socket_is_refused(self, tmp_path):
        import socket

        path = tmp_path / "s.toml"
        with socket.socket(socket.AF_UNIX) as sock:
            try:
                sock.bind(str(path))
            except OSError as exc:  # a path too long for AF_UNIX (macOS temp dirs)
                pytest.skip(f"socket impossible à créer ici : {exc}")
            with pytest.raises(UnreadableFileError, match="c'est une socket"):
                read_bytes(path)

    def test_loop_of_links(self, tmp_path):
        loop = tmp_path / "boucle.toml"
        loop.symlink_to(loop)
        with pytest.raises(UnreadableFileError, match=r"boucle\.toml : lecture impossible.*boucle de liens"):
            read_bytes(loop)

    def test_default_cap_refuses_before_reading(self, tmp_path):
        """A sparse file one byte over the default cap: refused from its size, nothing read."""
        big = tmp_path / "gros.toml"
        with open(big, "wb") as fh:
            fh.truncate(DEFAULT_MAX_SIZE + 1)
        with pytest.raises(UnreadableFileError) as info:
            read_bytes(big)
        message = str(info.value)
        assert "gros.toml : fichier trop volumineux (10 Mo)" in message
        assert "plus de 10 Mo (10\u202f000\u202f000 octets)" in message
        assert f"{SIZE_VARIABLE}=20M" in message
        # exactly at the cap is read
        with open(big, "r+b") as fh:
            fh.truncate(DEFAULT_MAX_SIZE)
        assert len(read_bytes(big)) == DEFAULT_MAX_SIZE

    def test_file_that_says_it_is_empty(self):
        """Files of /proc say they are empty: the cap still holds on what is actually read."""
        proc = Path("/proc/self/maps")
        if not proc.exists():
            pytest.skip("no /proc on this system")
        assert len(read_bytes(proc)) > 100
        with pytest.raises(UnreadableFileError, match=r"fichier trop volumineux \(plus de 50 octets\)"):
            read_bytes(proc, limit=50)

    @pytest.mark.parametrize(
        ("value", "expected"),
        [("2000", 2000), ("500k", 500_000), ("500 ko", 500_000), ("50M", 50_000_000), ("50Mo", 50_000_000), ("2G", 2 * 10**9), (" 3 go ", 3 * 10**9), ("", DEFAULT_MAX_SIZE)],
    )
    def test_size_variable(self, monkeypatch, value, expected):
        monkeypatch.setenv(SIZE_VARIABLE, value)
        assert max_size() == expected

    @pytest.mark.parametrize("value", ["beaucoup", "0", "-5", "10 Mb", "1.5M", "10T"])
    def test_size_variable_not_understood(self, monkeypatch, tmp_path, value):
        """A cap that is not understood is a usage error naming the variable and the file, never another cap."""
        path = tmp_path / "a.toml"
        path.write_text("x = 1\n", encoding="utf-8")
        monkeypatch.setenv(SIZE_VARIABLE, value)
        with pytest.raises(UnreadableFileError, match=rf"a\.toml : non lu : {SIZE_VARIABLE} = « {value} » n'est pas une taille") as info:
            read_text(path)
        assert info.value.exit_code == 2

    def test_size_variable_raises_the_cap(self, monkeypatch, tmp_path):
        path = tmp_path / "a.toml"
        path.write_bytes(b"# " + b"x" * 1500 + b"\n")
        monkeypatch.setenv(SIZE_VARIABLE, "1k")
        with pytest.raises(UnreadableFileError, match=r"trop volumineux \(1,5 ko\).*plus de 1 ko \(1\u202f000 octets\)"):
            read_text(path)
        monkeypatch.setenv(SIZE_VARIABLE, "2k")
        assert read_text(path).startswith("# x")


# -- every command, every hazard ----------------------------------------------------------------


class Hang(BaseException):
    """Raised by the alarm: the code under test blocked (a BaseException, so that no ``except Exception`` hides it)."""


@pytest.fixture
def deadline():
    """``with deadline():`` fails the block if it lasts more than a generous 30 s (a hang, never a slow machine)."""

    @contextmanager
    def guard(seconds: int = 30) -> Iterator[None]:
        def ring(signum: int, frame: object) -> None:
            raise Hang(f"bloqué plus de {seconds} s")

        previous = signal.signal(signal.SIGALRM, ring)
        signal.alarm(seconds)
        try:
            yield
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)

    return guard


VALID_SCENARIO = ROOT / "tests" / "scenarios" / "evaluation-finale-un-seul-evaluateur.toml"  # self-contained
VALID_DOSSIER = ROOT / "examples" / "dossier-manager-operationnel.toml"


def _fifo(path: Path) -> str:
    os.mkfifo(path)
    return "c'est un tube nommé (FIFO)"


def _device(path: Path) -> str:
    path.symlink_to("/dev/zero")
    return "c'est un périphérique"


def _too_large(path: Path) -> str:
    path.write_bytes(b"# " + b"x" * 149_997 + b"\n")  # over the 100k cap the commands run with
    return f"fichier trop volumineux (150 ko) : cqpkit ne lit pas de fichier de plus de 100 ko (100\u202f000 octets) ; pour lire ce fichier, relever la limite avec la variable d'environnement {SIZE_VARIABLE}"


def _link_loop(path: Path) -> str:
    path.symlink_to(path.name)
    return "boucle de liens"


HAZARDS = {"fifo": _fifo, "dev-zero": _device, "trop-gros": _too_large, "boucle": _link_loop}


def _command(name: str, hazard: Path, tmp_path: Path) -> tuple[list[str], dict[str, str], set[int]]:
    """The command line, environment and accepted exit codes of ``name`` meeting ``hazard``."""
    folder = hazard.parent
    if name == "list-fichier":
        return ["list"], {"CQPKIT_REFERENTIELS_PATH": str(hazard)}, {1}
    if name == "list-repertoire":
        (folder / "a-valide.toml").write_text(ref_text("demo.voisin"), encoding="utf-8")
        return ["list"], {"CQPKIT_REFERENTIELS_PATH": str(folder)}, {1}
    if name == "validate":
        return ["validate", str(hazard)], {}, {2}
    if name == "check":
        return ["check", str(hazard)], {}, {2}
    if name == "test":
        shutil.copy(VALID_SCENARIO, folder / "a-valide.toml")
        return ["test", str(folder)], {}, {2}
    if name == "import":
        shutil.copy(VALID_DOSSIER, folder / "a-valide.toml")
        return ["import", "--db", str(tmp_path / "base.db"), str(folder)], {}, {2}
    raise AssertionError(name)


COMMANDS = ["list-fichier", "list-repertoire", "validate", "check", "test", "import"]


@pytest.mark.parametrize("hazard", sorted(HAZARDS))
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_meets_every_hazard(tmp_path, deadline, command, hazard):
    """Each command ends at once on each hazard: exit 1 or 2, a French message naming the file, no traceback."""
    folder = tmp_path / "entrees"
    folder.mkdir()
    path = folder / "x.toml"
    expected = HAZARDS[hazard](path)
    args, env, codes = _command(command, path, tmp_path)
    with deadline():
        result = run_cli(*args, env={SIZE_VARIABLE: "100k", **env})
    assert "Hang" not in result.stderr, f"cqpkit {' '.join(args)} a bloqué sur {hazard}"
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in codes, result.stdout + result.stderr
    assert f"{path} : " in result.stderr + result.stdout
    assert expected in result.stderr + result.stdout
    if command == "import":  # all or nothing: the valid file beside it was not stored either
        assert "rien n'a été enregistré" in result.stderr
    if command == "list-repertoire":  # the valid référentiel beside it is still listed
        assert "demo.voisin" in result.stdout


def test_directory_symlink_loop(tmp_path, deadline):
    """Directories linked into themselves: the walks of ``test``, ``import`` and ``list`` end, the valid files are read."""
    folders = {}
    for name in ("scenarios", "dossiers", "referentiels"):
        folder = folders[name] = tmp_path / name
        folder.mkdir()
        (folder / "boucle").symlink_to(folder, target_is_directory=True)
        (folder / "boucle.toml").symlink_to(folder, target_is_directory=True)
        (folder / "sous").mkdir()
        (folder / "sous" / "retour").symlink_to(tmp_path, target_is_directory=True)
    shutil.copy(VALID_SCENARIO, folders["scenarios"] / "a-valide.toml")
    shutil.copy(VALID_DOSSIER, folders["dossiers"] / "a-valide.toml")
    (folders["referentiels"] / "a-valide.toml").write_text(ref_text("demo.voisin"), encoding="utf-8")
    with deadline():
        tested = run_cli("test", str(folders["scenarios"]))
        imported = run_cli("import", "--db", str(tmp_path / "base.db"), str(folders["dossiers"]))
        listed = run_cli("list", env={"CQPKIT_REFERENTIELS_PATH": str(folders["referentiels"])})
    assert tested.returncode == 0 and "1 scénario réussi, 0 en échec" in tested.stdout, tested.stdout + tested.stderr
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert listed.returncode == 0 and "demo.voisin" in listed.stdout, listed.stdout + listed.stderr


def test_unreadable_directory_in_the_path(monkeypatch, tmp_path):
    """A directory of CQPKIT_REFERENTIELS_PATH that cannot be listed is named, the others still listed.

    (Simulated: the tests may run as root, who can list any directory.)
    """
    folder = tmp_path / "ferme"
    folder.mkdir()
    real = os.listdir

    def listdir(path: object = ".") -> list[str]:
        if os.fspath(path) == str(folder):  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", str(folder))
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "listdir", listdir)
    result = run_cli("list", env={"CQPKIT_REFERENTIELS_PATH": str(folder)})
    assert result.returncode == 1
    assert f"{folder} : répertoire illisible (permission refusée)" in result.stderr
    assert "mutualite.teleconseiller" in result.stdout  # the other référentiels still listed


@pytest.mark.parametrize("target", ["fifo", "/dev/zero"])
def test_the_issue_in_a_real_process(tmp_path, target):
    """The issue's own case, in a real process (the process is the point: a hang or a blown memory must show):
    a FIFO or /dev/zero in CQPKIT_REFERENTIELS_PATH, under a timeout and a 2 Go memory limit."""
    if target == "fifo":
        target = str(tmp_path / "x.toml")
        os.mkfifo(target)
    elif not os.path.exists(target):
        pytest.skip("no /dev/zero on this system")

    def limit_memory() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))

    result = subprocess.run(
        [sys.executable, "-m", "cqpkit", "list"],
        capture_output=True,
        text=True,
        env={**os.environ, "CQPKIT_REFERENTIELS_PATH": target},
        timeout=60,
        preexec_fn=limit_memory,
    )
    assert result.returncode == 1, result.stderr
    assert f"{target} : c'est un" in result.stderr and "pas un fichier ordinaire" in result.stderr
    assert "MemoryError" not in result.stderr and "Traceback" not in result.stderr
