"""The cache of structured référentiels (:mod:`cqpkit.plugins.cache`): it saves the start-up of ``decide``/``check``
and never changes a result.

A référentiel served from the cache is equal (attrs equality) to a fresh load of its file; a file edited after the
registry validated it is loaded as it is now; a stale key (another content, another validator), a corrupt or
truncated pickle, a pickle that would build anything but the model's classes: never used, the file is loaded as
before; a référentiel holding a plugin's ``[extensions]`` objects is never pickled.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import attrs
import cqpkit
import pytest
from cqpkit.exceptions import InvalidFileError
from cqpkit.formats.referentiels import load_referentiel
from cqpkit.plugins import cache as cache_module
from cqpkit.plugins.cache import ValidationCache

from tests.test_registry import FilesPlugin, ref_text, write


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CQPKIT_LOAD_PLUGINS", "")
    monkeypatch.setenv("CQPKIT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _pickle_of(path: Path) -> Path:
    return Path(ValidationCache()._structured_file(os.path.abspath(path)))


def _registry(path: Path) -> cqpkit.Registry:  # type: ignore[name-defined]
    return cqpkit.load_registry(plugins=[("p", FilesPlugin(path))])


def _no_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any load of a référentiel file from here on fails the test: what is served comes from the cache."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("référentiel chargé depuis son fichier")

    import cqpkit.formats.referentiels as referentiels

    monkeypatch.setattr(referentiels, "load_referentiel", refuse)
    monkeypatch.setattr(referentiels, "loads_referentiel", refuse)


def test_served_from_the_cache_equal_to_a_fresh_load(tmp_path, cache_dir, monkeypatch):
    path = write(tmp_path, "a.toml", ref_text())
    first = _registry(path).referentiel("demo.essai", "1")  # validated, summarised and pickled
    assert _pickle_of(path).is_file()
    _no_load(monkeypatch)
    served = _registry(path).referentiel("demo.essai", "1")
    assert served == first
    monkeypatch.undo()
    assert served == load_referentiel(path)
    assert type(served.certification.en_vigueur_depuis) is type(first.certification.en_vigueur_depuis)


def test_a_miss_in_load_fills_the_cache(tmp_path, cache_dir):
    """A summary cached by an earlier run but no pickle (deleted, or an older cqpkit): the load writes it."""
    path = write(tmp_path, "a.toml", ref_text())
    _registry(path)
    _pickle_of(path).unlink()
    registry = _registry(path)
    assert not _pickle_of(path).exists()
    assert registry.referentiel("demo.essai", "1") == load_referentiel(path)
    assert _pickle_of(path).is_file()


def test_every_installed_referentiel(tmp_path, monkeypatch):
    """The bundled plugins' référentiels, served from the cache: each equal to a fresh load of its file; one that
    holds a plugin's [extensions] objects is not pickled."""
    monkeypatch.setenv("CQPKIT_CACHE_DIR", str(tmp_path / "cache"))
    cqpkit.load_registry()
    registry = cqpkit.load_registry()
    fiches = registry.fiches()
    assert fiches
    for fiche in fiches:
        ref = registry.referentiel(fiche.id, fiche.version)
        fresh = load_referentiel(fiche.fichier, registry._plugins.extensions)
        assert ref == fresh, fiche.fichier
        assert _pickle_of(Path(fiche.fichier)).is_file() is not bool(fresh.extensions), fiche.fichier


def test_file_edited_after_validation(tmp_path, cache_dir):
    """The registry validated the file (summary from the cache); the file changes before the référentiel is loaded:
    the load sees the new content, valid or not, never the pickle of the old one."""
    path = write(tmp_path, "a.toml", ref_text())
    _registry(path)
    registry = _registry(path)
    path.write_text(ref_text().replace('intitule = "Domaine 1"', 'intitule = "Domaine modifié"'), encoding="utf-8")
    assert registry.referentiel("demo.essai", "1").domaines[0].intitule == "Domaine modifié"
    assert registry.referentiel("demo.essai", "1") == load_referentiel(path)

    _registry(path)
    registry = _registry(path)  # its summary from the cache: the référentiel is loaded on first use
    path.write_text(ref_text() + '\n[[domaines]]\nid = "D1"\nintitule = "Doublon"\n', encoding="utf-8")
    with pytest.raises(InvalidFileError, match="en double"):
        registry.referentiel("demo.essai", "1")


def _tampered(path: Path) -> None:
    """Rewrite the pickle of ``path`` with another title, under its own (valid) key."""
    target = _pickle_of(path)
    data = target.read_bytes()
    header, _, body = data.partition(b"\n")
    ref = pickle.loads(body)
    other = attrs.evolve(ref, certification=attrs.evolve(ref.certification, intitule="Titre du cache"))
    target.write_bytes(header + b"\n" + pickle.dumps(other))


def test_the_pickle_is_what_is_served(tmp_path, cache_dir):
    """Proof that the pickle is read (a tampered title comes back), and that another key is never served."""
    path = write(tmp_path, "a.toml", ref_text())
    _registry(path)
    _tampered(path)
    assert _registry(path).referentiel("demo.essai", "1").certification.intitule == "Titre du cache"
    assert cqpkit.load_registry(plugins=[("p", FilesPlugin(path))], cache=False).referentiel(
        "demo.essai", "1"
    ).certification.intitule == "CQP d'essai"


def test_another_validator_is_stale(tmp_path, cache_dir, monkeypatch):
    path = write(tmp_path, "a.toml", ref_text())
    _registry(path)
    _tampered(path)
    monkeypatch.setattr(cache_module, "_fingerprint", lambda: "un autre validateur")
    assert _registry(path).referentiel("demo.essai", "1").certification.intitule == "CQP d'essai"


def test_same_size_and_time_other_content_is_stale(tmp_path, cache_dir):
    """Only the content changes (same size, same time stamp): the CRC in the key tells."""
    path = write(tmp_path, "a.toml", ref_text())
    registry = _registry(path)
    registry.referentiel("demo.essai", "1")
    _tampered(path)
    stat = path.stat()
    path.write_text(ref_text().replace('"Domaine 1"', '"Domaine X"'), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    ref = _registry(path).referentiel("demo.essai", "1")
    assert ref.certification.intitule == "CQP d'essai" and ref.domaines[0].intitule == "Domaine X"


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: data.partition(b"\n")[0] + b"\n" + b"\x80\x05 pas un pickle",
        lambda data: b"n'importe quoi\n" + data,
        lambda data: data.partition(b"\n")[0] + b"\n" + pickle.dumps({"certification": "x"}),  # not a Referentiel
    ],
    ids=["vide", "tronque", "corrompu", "entete", "autre-objet"],
)
def test_corrupt_pickle_ignored(tmp_path, cache_dir, damage):
    path = write(tmp_path, "a.toml", ref_text())
    _registry(path)
    target = _pickle_of(path)
    target.write_bytes(damage(target.read_bytes()))
    registry = _registry(path)
    assert registry.referentiel("demo.essai", "1") == load_referentiel(path)
    assert registry.failures == []


_CALLED: list[str] = []


def _side_effect() -> object:
    _CALLED.append("appelé")
    return None


class _Evil:
    def __reduce__(self) -> tuple:
        return (_side_effect, ())


def test_pickle_building_anything_else_is_refused(tmp_path, cache_dir):
    """The unpickler builds only the model's référentiel classes and dates: a function named by the pickle is never
    called (the file is loaded instead)."""
    path = write(tmp_path, "a.toml", ref_text())
    ref = _registry(path).referentiel("demo.essai", "1")
    target = _pickle_of(path)
    header = target.read_bytes().partition(b"\n")[0]
    evil = attrs.evolve(ref, extensions={"x": _Evil()})
    target.write_bytes(header + b"\n" + pickle.dumps(evil))
    _CALLED.clear()
    assert _registry(path).referentiel("demo.essai", "1") == ref
    assert _CALLED == []


def test_directory_in_the_way_and_unwritable_cache(tmp_path, cache_dir):
    """A directory where the pickle goes: nothing is cached, nothing fails."""
    path = write(tmp_path, "a.toml", ref_text())
    target = _pickle_of(path)
    target.mkdir(parents=True)
    assert _registry(path).referentiel("demo.essai", "1") == load_referentiel(path)
    assert _registry(path).referentiel("demo.essai", "1") == load_referentiel(path)
    assert target.is_dir()


def test_no_cache_no_pickle(tmp_path, cache_dir, monkeypatch):
    monkeypatch.setenv("CQPKIT_NO_CACHE", "1")
    path = write(tmp_path, "a.toml", ref_text())
    assert _registry(path).referentiel("demo.essai", "1") == load_referentiel(path)
    assert not cache_dir.exists()


def test_a_pickle_another_user_could_write_is_not_served(tmp_path, cache_dir):
    """A pickle writable by the group or others (a shared cache directory) is never served: the file is loaded."""
    path = write(tmp_path, "a.toml", ref_text())
    _registry(path)
    target = _pickle_of(path)
    for mode, served in ((0o644, True), (0o600, True), (0o664, False), (0o646, False), (0o666, False)):
        _tampered(path)
        target.chmod(mode)
        title = _registry(path).referentiel("demo.essai", "1").certification.intitule
        assert title == ("Titre du cache" if served else "CQP d'essai"), oct(mode)
        if not served:  # loaded from the file, and the pickle written again from it, writable by its owner only
            assert target.stat().st_mode & 0o777 == 0o644
            assert _registry(path).referentiel("demo.essai", "1").certification.intitule == "CQP d'essai"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="changing a file's owner needs root")
def test_a_pickle_owned_by_another_user_is_not_served(tmp_path, cache_dir):
    path = write(tmp_path, "a.toml", ref_text())
    _registry(path)
    _tampered(path)
    target = _pickle_of(path)
    os.chown(target, 65534, 65534)  # nobody
    assert _registry(path).referentiel("demo.essai", "1").certification.intitule == "CQP d'essai"


def test_written_owner_only_whatever_the_umask(tmp_path, cache_dir):
    path = write(tmp_path, "a.toml", ref_text())
    old = os.umask(0o000)
    try:
        _registry(path)
    finally:
        os.umask(old)
    assert _pickle_of(path).stat().st_mode & 0o777 == 0o644
