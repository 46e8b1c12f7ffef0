"""The streaming import's cross-file index on disk (issue 16, point 2: memory flat in the number of files).

The paths, the dossier ids, the candidates' digests and the people's facts of a streamed lot live in a
temporary SQLite file (``cqpkit.store.importindex``), unlinked as soon as it is opened: these tests check
that it lists the files exactly as ``collect_paths`` does, that the checks going through it say what the
whole-lot reading says wherever the two files fall (same chunk or not), and that no index file is left in
the temporary directory after a success, an invalid lot, a Ctrl-C or a SIGKILL — the Ctrl-C stopping the
import, its workers with it, nothing stored.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from cqpkit.store import streaming
from cqpkit.store.importindex import ImportIndex
from cqpkit.store.reading import ImportErrors, collect_paths, read_files

from tests.conftest import BUNDLED
from tests.test_store_support import CAMPAIGN, db, generated_dossier, registry, snapshot, store, write_generated  # noqa: F401

N = 60


@pytest.fixture
def streamed(monkeypatch):  # type: ignore[no-untyped-def]
    """Tiny chunks and batches, two worker processes: every streaming path on a few dozen files (as test_store_streaming)."""
    monkeypatch.setattr(streaming, "SMALL", 10)
    monkeypatch.setattr(streaming, "BATCH", 16)
    monkeypatch.setattr(streaming, "CHUNK", 5)
    monkeypatch.setattr(streaming, "PARALLEL_FROM", 10)
    monkeypatch.setattr(streaming, "WORKERS", 2)


def _index_fds(pid: int | str = "self") -> list[str]:
    """The index files a process holds open (``/proc``): their names, « (deleted) » once unlinked."""
    out = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:  # closed meanwhile
            continue
        if "cqpkit-import-index-" in target:
            out.append(target)
    return out


def _left(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("cqpkit-import-index-"))


class TestPaths:
    def test_same_files_same_order_as_collect_paths(self, tmp_path):
        """Nested and hidden directories, hidden files, Excel lock files, a table, links to a file and to a directory,
        a file named twice and one named inside a directory given too: the index lists what collect_paths lists."""
        root = tmp_path / "lot"
        for rel in (
            "b.toml",
            "a.toml",
            "A.TOML",
            "sous/z.toml",
            "sous/deux/m.toml",
            "sous/x.csv",
            "t.xlsx",
            "~$t.xlsx",
            ".cache.toml",
            ".cache/y.toml",
            "notes.txt",
            "é/ü.toml",
            "Z/0.toml",
        ):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text("", encoding="utf-8")
        (root / "lien.toml").symlink_to(root / "sous" / "z.toml")  # the same file as sous/z.toml, reached first
        (root / "lien-rep").symlink_to(root / "sous", target_is_directory=True)  # not followed (os.walk)
        alone = tmp_path / "seul.toml"
        alone.write_text("", encoding="utf-8")
        given = [str(alone), str(root), str(root / "a.toml"), str(tmp_path / "absent.toml"), str(root / "sous")]
        expected = collect_paths(given)
        with ImportIndex() as index:
            paths = index.collect(given)
            assert list(paths) == expected
            assert (
                len(paths) == len(expected)
                and [paths[i] for i in range(len(paths))] == expected
                and paths[-1] == expected[-1]
            )
            assert [p for c in paths.chunks(4) for p in c] == expected
            assert paths.tables()
        assert (
            str(root / "lien.toml") in expected and str(root / "sous" / "z.toml") not in expected
        )  # the check checks something
        with ImportIndex() as index:
            assert not index.collect([str(root / "sous" / "deux")]).tables()


class TestChecks:
    """The checks through the index say what the whole reading says, the two files in one chunk or far apart."""

    @pytest.mark.parametrize("chunk", [1, 4, 100])
    def test_duplicates_candidates_people(self, streamed, registry, tmp_path, monkeypatch, chunk):
        from tests.test_store_personnes import dossier_text

        monkeypatch.setattr(streaming, "CHUNK", chunk)
        gen = write_generated(tmp_path / "gen", N, "I")
        (gen / "i-000031-bis.toml").write_text(
            generated_dossier(31, "I"), encoding="utf-8"
        )  # right after its first copy
        with pytest.raises(ImportErrors) as whole:
            read_files(collect_paths([str(gen)]), registry)
        with streaming.StreamingImport([str(gen)], registry) as imp, pytest.raises(ImportErrors) as got:
            imp.validate()
        assert [str(p) for p in got.value.problems] == [str(p) for p in whole.value.problems]
        assert "dossier « I-000031 » déjà lu dans" in str(got.value.problems[0])

        (gen / "i-000031-bis.toml").unlink()
        text = generated_dossier(33, "I").replace('id = "C-I-000033"', 'id = "C-I-000032"')
        (gen / "i-000033.toml").write_text(text, encoding="utf-8")  # the next file's candidate, described otherwise
        (gen / "i-000010-t.toml").write_text(dossier_text("PA-1", "2017-01-01", "2017-12-31"), encoding="utf-8")
        tutor = dossier_text("PB-1", "2017-01-01", "2017-12-31", forme_le="2016-11-28", fonction="Manager")
        (gen / "i-000011-t.toml").write_text(tutor, encoding="utf-8")
        with pytest.raises(ImportErrors) as whole:
            read_files(collect_paths([str(gen)]), registry)
        with streaming.StreamingImport([str(gen)], registry) as imp, pytest.raises(ImportErrors) as got:
            imp.validate()
        messages = [str(p) for p in got.value.problems]
        assert messages == [str(p) for p in whole.value.problems]
        assert len(messages) == 2 and "candidat « C-I-000032 » décrit autrement dans" in messages[0]
        assert (
            "décrite autrement : forme_le = 28/11/2016 ici, 05/12/2016 dans" in messages[1]
            and "i-000010-t.toml:" in messages[1]
        )


class TestResultsAfterTheCommit:
    def test_dossiers_naming_a_person_get_their_results_as_in_a_whole_import(
        self, streamed, store, registry, tmp_path, monkeypatch
    ):
        """The results computed after the commit (dossiers naming a person, whose results depend on the others: their ids
        kept in the index, not in memory) are those a whole-lot import stores, none left stale."""
        from cqpkit.store import schema as t
        from cqpkit.store.refresh import stale_counts
        from cqpkit.store.store import Store

        from tests.test_store_personnes import dossier_text

        gen = write_generated(tmp_path / "gen", N, "R")
        for i in range(8):  # one tutor, eight missions spread over the batches (file names sort among the others)
            text = dossier_text(f"R-T{i}", f"201{7 + i % 2}-0{1 + i % 5}-01", "2019-12-31")
            (gen / f"r-0000{i}5-t.toml").write_text(text, encoding="utf-8")

        def stored(s: Store) -> list[tuple]:
            r, p = t.resultats.c, t.resultat_periodes.c
            with s.read() as conn:
                assert sum(stale_counts(conn, s).values()) == 0
                rows = conn.execute(sa.select(r.dossier_id, r.numero_version, r.empreinte)).all()
                periods = conn.execute(sa.select(p.dossier_id, p.debut, p.fin, p.statut, p.hors_delai)).all()
            return sorted(map(tuple, rows)) + sorted(map(tuple, periods))

        store.import_files([str(gen)], operateur="test")
        got = stored(store)
        reference = Store.open(str(tmp_path / "whole.db"), create=True, check=False, registry=registry)
        reference.init()
        monkeypatch.setattr(streaming, "SMALL", 10**6)
        reference.import_files([str(gen)], operateur="test")
        assert got == stored(reference)
        assert sum(1 for row in got if str(row[0]).startswith("R-T")) >= 8  # the tutors' dossiers have results
        reference.close()


class TestIndexFile:
    """The index file is never left in the temporary directory: unlinked when opened, closed at the end."""

    @pytest.fixture
    def tmpdir_(self, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
        directory = tmp_path / "tmp"
        directory.mkdir()
        monkeypatch.setattr(tempfile, "tempdir", str(directory))
        return directory

    def _watch(self, monkeypatch, seen: list) -> None:  # type: ignore[no-untyped-def]
        def look(done: int) -> None:
            if not seen:
                seen.append((_index_fds(), done))

        monkeypatch.setattr(streaming, "chunk_read", look)

    def test_after_success(self, streamed, store, tmpdir_, tmp_path, monkeypatch):
        seen: list = []
        self._watch(monkeypatch, seen)
        gen = write_generated(tmp_path / "gen", N, "F")
        assert store.import_files([str(gen)], operateur="test").count("dossier", "nouveau") == N
        ((fds, _),) = seen
        assert (
            len(fds) == 1 and fds[0].startswith(str(tmpdir_)) and fds[0].endswith("(deleted)")
        )  # in use, already unlinked
        assert _index_fds() == [] and _left(tmpdir_) == []

    def test_after_an_invalid_lot(self, streamed, store, tmpdir_, tmp_path, monkeypatch):
        seen: list = []
        self._watch(monkeypatch, seen)
        gen = write_generated(tmp_path / "gen", N, "G")
        (gen / "g-000040.toml").write_text("[dossier\n", encoding="utf-8")
        before = snapshot(store)
        with pytest.raises(ImportErrors):
            store.import_files([str(gen)], operateur="test")
        assert len(seen[0][0]) == 1 and seen[0][0][0].endswith("(deleted)")
        assert _index_fds() == [] and _left(tmpdir_) == [] and snapshot(store) == before


#: A streaming importer that pauses in its reading pass, two chunks read: tiny chunks, the hook replaced.
_PAUSED_READING = """
import os, runpy, sys, time
from cqpkit.store import streaming

signal_file = sys.argv[1]
streaming.SMALL, streaming.BATCH, streaming.CHUNK, streaming.PARALLEL_FROM, streaming.WORKERS = 10, 16, 5, 10, 2

def pause(done):
    if done >= 10 and not os.path.exists(signal_file):
        with open(signal_file, "w", encoding="utf-8") as fh:
            fh.write(str(os.getpid()))
        time.sleep(120)

streaming.chunk_read = pause
sys.argv = ["cqpkit", *sys.argv[2:]]
runpy.run_module("cqpkit", run_name="__main__", alter_sys=True)
"""


class TestInterrupted:
    def _paused(self, tmp_path: Path, db: str) -> tuple[subprocess.Popen, Path]:
        gen = write_generated(tmp_path / "gen", N, "H")
        tmp = tmp_path / "tmp"
        tmp.mkdir()
        signal_file = tmp_path / "paused"
        proc = subprocess.Popen(
            [sys.executable, "-c", _PAUSED_READING, str(signal_file), "import", "--db", db, str(gen)],
            env={**os.environ, "CQPKIT_LOAD_PLUGINS": BUNDLED, "TMPDIR": str(tmp)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own group, as a terminal's job
            # SIGINT as at a terminal: a process started in the background by a shell without job control (a CI
            # script's `cmd &`) inherits it ignored, and Python then leaves it ignored (such a job gets no Ctrl-C)
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        deadline = time.monotonic() + 120
        while not signal_file.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "pause jamais atteinte"
            time.sleep(0.05)
        fds = _index_fds(proc.pid)
        assert len(fds) == 1 and fds[0].startswith(str(tmp)) and fds[0].endswith("(deleted)")
        return proc, tmp

    def _group_ends(self, pgid: int) -> bool:
        """Whether every process of the group ends (the workers too), within a generous guard against a hang."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return True
            time.sleep(0.05)
        return False

    def test_ctrl_c_in_the_reading_pass_stops_everything(self, db, store, tmp_path):
        """A Ctrl-C at the terminal (SIGINT to the whole group: the importer and its workers) while the files are read:
        « interrompu », exit 130, no traceback, no worker left, no index file left, the base as before."""
        store.import_files([str(CAMPAIGN)], operateur="test")
        before = snapshot(store)
        proc, tmp = self._paused(tmp_path, db)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        text = err.decode("utf-8", "replace")
        assert proc.returncode == 130, text
        assert "interrompu" in text
        assert (
            "Traceback" not in text and "KeyboardInterrupt" not in text
        )  # no worker dying of the SIGINT (they ignore it)
        assert self._group_ends(proc.pid)
        assert _left(tmp) == []
        assert snapshot(store) == before

    def test_sigkill_in_the_reading_pass_leaves_no_index_file(self, db, store, tmp_path):
        store.import_files([str(CAMPAIGN)], operateur="test")
        before = snapshot(store)
        proc, tmp = self._paused(tmp_path, db)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL
        assert self._group_ends(proc.pid)  # the workers die with their parent (PR_SET_PDEATHSIG)
        assert _left(tmp) == []
        assert snapshot(store) == before
