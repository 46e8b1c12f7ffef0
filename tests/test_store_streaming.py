"""The streaming import (issue 16, point 2) and its feedback (point 4): a large lot read and written in batches
of bounded size, in one transaction, errors in file order whatever the worker processes' timing.

The batch sizes are made tiny here (fixture ``streamed``) so that a few dozen files go through every path a
hundred thousand would: two passes, worker processes, several batches, the last one partial.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from cqpkit.store import schema as t
from cqpkit.store import streaming
from cqpkit.store.importing import ImportTransaction
from cqpkit.store.reading import ImportErrors, collect_paths, read_files
from cqpkit.store.store import Store

from tests.conftest import BUNDLED, run_cli
from tests.test_store_support import CAMPAIGN, counts, db, generated_dossier, registry, snapshot, store, write_generated  # noqa: F401

N = 60  # generated dossiers: with BATCH 16, four batches (the last one partial)


@pytest.fixture
def streamed(monkeypatch):  # type: ignore[no-untyped-def]
    """Tiny batches and chunks, worker processes from 10 files on: every streaming path on a few dozen files."""
    monkeypatch.setattr(streaming, "SMALL", 10)
    monkeypatch.setattr(streaming, "BATCH", 16)
    monkeypatch.setattr(streaming, "CHUNK", 5)
    monkeypatch.setattr(streaming, "PARALLEL_FROM", 10)
    monkeypatch.setattr(streaming, "WORKERS", 2)


def _content(s: Store) -> dict[str, list[tuple]]:
    """What an import stores, without what differs from one run to another (times, keys, ciphertexts)."""
    d, e, p, v, se = t.dossiers.c, t.echeances.c, t.passages.c, t.dossier_versions.c, t.sessions.c
    queries = {
        "dossiers": sa.select(d.id, d.certification, d.candidat_id, d.numero_version, d.empreinte_publique, d.inscription),
        "echeances": sa.select(e.type, e.domaine, e.date, e.depuis, e.dossier_id),
        "passages": sa.select(p.dossier_id, p.session_id, p.date, p.absent, p.decisions),
        "versions": sa.select(v.dossier_id, v.numero, v.certification),
        "sessions": sa.select(se.id, se.numero_version, se.cloturee, se.empreinte),
    }
    with s.read() as conn:
        return {k: sorted(tuple(map(str, r)) for r in conn.execute(q)) for k, q in queries.items()}


class TestSameAsWhole:
    """A streamed lot ends up stored exactly as the same lot read whole."""

    def test_streamed_equals_whole(self, streamed, store, registry, tmp_path, monkeypatch):
        gen = write_generated(tmp_path / "gen", N, "S")
        sizes: list[int] = []
        run_batch = ImportTransaction.run_batch

        def spy(self, existing):  # type: ignore[no-untyped-def]
            sizes.append(len(self.lot.dossiers))
            return run_batch(self, existing)

        monkeypatch.setattr(ImportTransaction, "run_batch", spy)
        report = store.import_files([str(gen), str(CAMPAIGN)], operateur="test")
        # the campaign's sessions come after its dossiers in file order: written first all the same
        assert sizes == [16, 16, 16, 16, 16, 3]  # 60 + 23 dossiers, never more than BATCH at once
        assert report.count("dossier", "nouveau") == N + 23 and report.count("session", "nouvelle") == 5
        assert store.verify().ok
        reference = Store.open(str(tmp_path / "whole.db"), create=True, check=False, registry=registry)
        reference.init()
        monkeypatch.setattr(streaming, "SMALL", 10**6)
        whole = reference.import_files([str(gen), str(CAMPAIGN)], operateur="test")
        assert [(f["fichier"], f["statut"]) for f in report.fichiers] == [(f["fichier"], f["statut"]) for f in whole.fichiers]
        assert report.audit == whole.audit and report.notes == whole.notes
        assert _content(store) == _content(reference)
        assert {k: v for k, v in counts(store).items()} == counts(reference)
        reference.close()

    def test_again_is_unchanged_and_counts_without_lines(self, streamed, store, tmp_path):
        """Re-imported: every file unchanged, nothing logged; ``detail=False`` keeps the counts, not a line per file."""
        gen = write_generated(tmp_path / "gen", N, "S")
        store.import_files([str(gen)], operateur="test")
        before = snapshot(store)
        with streaming.StreamingImport([str(gen)], store.registry) as imp:
            imp.validate()
            report = imp.store(store, "test", detail=False)
        assert report.fichiers == [] and report.total == N
        assert report.count("dossier", "inchangé") == N and report.audit == 0
        assert snapshot(store) == before


def _messages(exc: ImportErrors) -> list[str]:
    return [str(p) for p in exc.problems]


class TestErrors:
    """Every problem of every file, in file order, as the whole-lot reading reports them; nothing written."""

    def _lot(self, root: Path) -> Path:
        gen = write_generated(root, N, "E")
        for i in (3, 22, 41):  # invalid in three different chunks
            (gen / f"e-{i:06d}.toml").write_text(generated_dossier(i, "E").replace('voie = "vae"', 'voie = "vélo"'), encoding="utf-8")
        (gen / "e-000050.toml").write_text("[dossier\n", encoding="utf-8")  # not TOML
        (gen / "z-double.toml").write_text(generated_dossier(7, "E"), encoding="utf-8")  # an id already read
        return gen

    def test_file_errors_in_order_whatever_the_workers(self, streamed, registry, tmp_path, monkeypatch):
        gen = self._lot(tmp_path / "gen")
        with pytest.raises(ImportErrors) as whole:
            read_files(collect_paths([str(gen)]), registry)
        expected = _messages(whole.value)
        assert len(expected) == 5 and "déjà lu dans" in expected[-1]
        for chunk in (1, 3, 7):  # other chunkings, other timings: the same list
            monkeypatch.setattr(streaming, "CHUNK", chunk)
            with streaming.StreamingImport([str(gen)], registry) as imp, pytest.raises(ImportErrors) as got:
                imp.validate()
            assert imp.workers == 2
            assert _messages(got.value) == expected

    def test_candidate_described_two_ways(self, streamed, registry, tmp_path):
        """The cross-file check works from the index (digests), with the whole reading's message and line."""
        gen = write_generated(tmp_path / "gen", N, "E")
        text = generated_dossier(44, "E").replace('id = "C-E-000044"', 'id = "C-E-000004"')
        (gen / "e-000044.toml").write_text(text, encoding="utf-8")  # candidate C-E-000004 with another e-mail
        with pytest.raises(ImportErrors) as whole:
            read_files(collect_paths([str(gen)]), registry)
        with streaming.StreamingImport([str(gen)], registry) as imp, pytest.raises(ImportErrors) as got:
            imp.validate()
        assert _messages(got.value) == _messages(whole.value)
        assert "candidat « C-E-000004 » décrit autrement dans" in _messages(got.value)[0]

    def test_person_described_two_ways(self, streamed, registry, tmp_path):
        """A tutor's facts disagreeing across files, far apart in the lot: the whole reading's messages and lines."""
        from tests.test_store_personnes import dossier_text

        gen = write_generated(tmp_path / "gen", N, "E")
        (gen / "a-tutor.toml").write_text(dossier_text("PA-1", "2017-01-01", "2017-12-31"), encoding="utf-8")
        (gen / "z-tutor.toml").write_text(dossier_text("PZ-1", "2017-01-01", "2017-12-31", forme_le="2016-11-28", fonction="Manager"), encoding="utf-8")
        with pytest.raises(ImportErrors) as whole:
            read_files(collect_paths([str(gen)]), registry)
        with streaming.StreamingImport([str(gen)], registry) as imp, pytest.raises(ImportErrors) as got:
            imp.validate()
        assert _messages(got.value) == _messages(whole.value)
        assert "personne « T-0042 » décrite autrement : forme_le = 28/11/2016 ici, 05/12/2016 dans" in _messages(got.value)[0]

    def test_cli_refuses_and_creates_nothing(self, streamed, tmp_path):
        gen = self._lot(tmp_path / "gen")
        base = tmp_path / "refused.db"
        result = run_cli("import", "--db", str(base), str(gen))
        assert result.returncode == 1  # invalid files (a syntax error is one too)
        assert "import refusé : 5 fichiers en erreur, rien n'a été enregistré" in result.stderr
        assert "Traceback" not in result.stderr and not base.exists()

    def test_conflict_in_the_last_batch_writes_nothing(self, streamed, store, tmp_path):
        """A conflict with the base found in the last batch: the batches written before it are rolled back."""
        store.import_files([str(CAMPAIGN)], operateur="test")
        before = snapshot(store)
        gen = write_generated(tmp_path / "gen", N, "L")
        late = generated_dossier(59, "L").replace('session = "GEN-JURY-01"', 'session = "OEMM-JURY-2019-03"')  # closed
        (gen / "l-000059.toml").write_text(late, encoding="utf-8")
        with pytest.raises(Exception) as caught:
            store.import_files([str(gen)], operateur="test")
        assert "OEMM-JURY-2019-03" in str(caught.value) and "close depuis" in str(caught.value)
        assert snapshot(store) == before


#: A streaming importer that pauses once its first batch is written (not committed): tiny batches, the hook replaced.
_PAUSED = """
import os, runpy, sys, time
from cqpkit.store import streaming

signal_file = sys.argv[1]
streaming.SMALL, streaming.BATCH, streaming.CHUNK, streaming.PARALLEL_FROM, streaming.WORKERS = 10, 16, 5, 10, 2

def pause(done):
    if done >= 32:
        with open(signal_file, "w", encoding="utf-8") as fh:
            fh.write(str(os.getpid()))
        time.sleep(120)

streaming.batch_written = pause
sys.argv = ["cqpkit", *sys.argv[2:]]
runpy.run_module("cqpkit", run_name="__main__", alter_sys=True)
"""


class TestKill:
    def test_sigkill_between_batches_leaves_the_base_as_it_was(self, db, store, tmp_path):
        """Killed (SIGKILL) with two batches written and not committed: the base is exactly as before."""
        store.import_files([str(CAMPAIGN)], operateur="test")
        before = snapshot(store)
        gen = write_generated(tmp_path / "gen", N, "K")
        signal_file = tmp_path / "paused"
        proc = subprocess.Popen(
            [sys.executable, "-c", _PAUSED, str(signal_file), "import", "--db", db, str(gen)],
            env={**os.environ, "CQPKIT_LOAD_PLUGINS": BUNDLED}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 120
        while not signal_file.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "pause jamais atteinte"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL
        if store.target.kind == "postgresql":  # the server notices the lost connection and rolls back
            time.sleep(0.5)
        assert snapshot(store) == before
        assert store.verify().ok
        report = store.import_files([str(gen)], operateur="après")
        assert report.count("dossier", "nouveau") == N and store.verify().ok


class TestOutput:
    """`cqpkit import`: a line per file up to 50 files, the summary alone beyond; --verbose, --quiet, --json."""

    def test_summary_verbose_quiet_json(self, tmp_path, db):
        gen = write_generated(tmp_path / "gen", N, "O")
        out = run_cli("import", "--db", db, str(gen))
        assert out.returncode == 0, out.stderr
        lines = out.stdout.strip().splitlines()
        assert lines[-1].startswith("Import dans ") and f"{N} dossiers ({N} nouveaux" in lines[-1]
        assert not any(" nouveau" in line and line.endswith("nouveau") for line in lines)  # no per-file line
        assert out.stderr == ""  # no bar in a pipe
        again = run_cli("import", "--db", db, "--verbose", str(gen))
        assert sum(line.endswith(" inchangé") for line in again.stdout.splitlines()) == N
        quiet = run_cli("import", "--db", db, "--quiet", str(gen))
        assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
        import json

        data = json.loads(run_cli("import", "--db", db, "--json", str(gen)).stdout)
        assert len(data["fichiers"]) == N and {f["statut"] for f in data["fichiers"]} == {"inchangé"}

    def test_quiet_still_prints_errors(self, tmp_path):
        gen = write_generated(tmp_path / "gen", 3, "Q")
        (gen / "q-000001.toml").write_text("[dossier\n", encoding="utf-8")
        result = run_cli("import", "--db", str(tmp_path / "q.db"), "--quiet", str(gen))
        assert result.returncode == 1 and result.stdout == "" and "q-000001.toml" in result.stderr


class TestProgress:
    """A bar only on a terminal, for long work; rich imported only then."""

    def test_no_bar_off_a_terminal(self):
        from cqpkit.cli.progress import _quiet, progress

        for stream, total, quiet in ((io.StringIO(), 10_000, False), (_Tty(), 10, False), (_Tty(), 10_000, True)):
            with progress(total, quiet=quiet, stream=stream) as bar:
                assert bar is _quiet
            assert stream.getvalue() == ""

    def test_bar_on_a_terminal(self):
        from cqpkit.cli.progress import progress

        stream = _Tty()
        with progress(1000, stream=stream) as bar:
            bar("lecture", 500, 1000)
            bar("lecture", 1000, 1000)
            bar("écriture", 1000, 1000)
        text = stream.getvalue()
        assert "Lecture et validation" in text and "Écriture dans la base" in text and "1000/1000" in text

    def test_list_does_not_import_rich(self):
        code = (
            "import sys, io, contextlib\n"
            "from cqpkit.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['list'])\n"
            "print(sorted(m for m in sys.modules if m.startswith(('rich', 'cqpkit.cli.progress', 'multiprocessing'))))\n"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "[]"


class _Tty(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True
