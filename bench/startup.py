"""How much a cold ``cqpkit list`` costs compared with only reading the référentiel files.

Goal (DESIGN.md, performance): listing the certifications should cost about as much as
reading their files. This script times, in new processes each time and alternating the
two so that machine noise hits both alike:

- ``python -m cqpkit list`` with the installed plugins (``CQPKIT_LOAD_PLUGINS`` unset);
- ``python -c "import tomllib; [tomllib.load(open(p, 'rb')) for p in FILES]"`` on the
  same files (found once, beforehand, with ``cqpkit plugins --json``).

It reports the median of each and their ratio, twice: with the validation cache warm
(filled by a first run in a temporary ``CQPKIT_CACHE_DIR``; what a user sees on every
run after the first) and with ``CQPKIT_NO_CACHE=1`` (every run re-validates every file).
The goal, a ratio of at most 1.5, applies to the warm case. Nothing is asserted:
absolute times depend on the machine, only the ratio is meant to be compared.

Usage: ``python bench/startup.py [--runs 21]`` with the Python of the environment where
cqpkit and its plugins are installed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

GOAL = 1.5

# Switches that would change what is loaded or whether the cache is used.
_CLEARED = (
    "CQPKIT_LOAD_PLUGINS",
    "CQPKIT_DISABLE_PLUGINS",
    "CQPKIT_TRACE_PLUGINS",
    "CQPKIT_REFERENTIELS_PATH",
    "CQPKIT_NO_CACHE",
    "CQPKIT_CACHE_DIR",
    "CQPKIT_DEBUG",
    # Byte code is written (into a temporary PYTHONPYCACHEPREFIX, see main) as in any
    # normal installation; without it cqpkit's own modules would be recompiled each run.
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONPYCACHEPREFIX",
)

CQPKIT_LIST = [sys.executable, "-m", "cqpkit", "list"]


def base_env() -> dict[str, str]:
    """The current environment without cqpkit's switches: every installed plugin loads."""
    return {k: v for k, v in os.environ.items() if k not in _CLEARED}


def referentiel_files(env: dict[str, str]) -> list[str]:
    """The référentiel files the loaded plugins registered, as ``cqpkit plugins --json`` lists them."""
    proc = subprocess.run(
        [sys.executable, "-m", "cqpkit", "plugins", "--json"], capture_output=True, text=True, env=env, check=False
    )
    try:
        plugins = json.loads(proc.stdout)["plugins"]
    except (ValueError, KeyError):
        sys.exit(f"cqpkit plugins --json a échoué (code {proc.returncode}) :\n{proc.stderr}")
    if proc.returncode:
        print(f"attention : cqpkit plugins signale des erreurs :\n{proc.stderr}", file=sys.stderr)
    return [f for p in plugins for f in p["referentiels"]]


def run(cmd: Sequence[str], env: dict[str, str]) -> float:
    """Seconds taken by one new process running ``cmd`` (output discarded)."""
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - start


def measure(label: str, env: dict[str, str], files: list[str], runs: int) -> float:
    """Time ``runs`` alternating pairs (cqpkit list, tomllib only); print the medians and return their ratio."""
    read_only = [sys.executable, "-c", f"import tomllib; [tomllib.load(open(p, 'rb')) for p in {files!r}]"]
    # One untimed run of each: byte-code compiled, caches (ours and the OS's) filled.
    warm = subprocess.run(CQPKIT_LIST, capture_output=True, text=True, env=env, check=False)
    if warm.returncode:
        print(f"attention : cqpkit list sort avec le code {warm.returncode} :\n{warm.stderr}", file=sys.stderr)
    run(read_only, env)
    cache_dir = env.get("CQPKIT_CACHE_DIR")
    if cache_dir and not (os.path.isdir(cache_dir) and os.listdir(cache_dir)):
        print(f"attention : le cache de validation n'a pas été écrit dans {cache_dir}", file=sys.stderr)

    listing: list[float] = []
    reading: list[float] = []
    for i in range(runs):
        # Alternate which one goes first, so neither always follows the other.
        if i % 2:
            reading.append(run(read_only, env))
            listing.append(run(CQPKIT_LIST, env))
        else:
            listing.append(run(CQPKIT_LIST, env))
            reading.append(run(read_only, env))
    m_list, m_read = statistics.median(listing), statistics.median(reading)
    ratio = m_list / m_read
    print(f"{label}")
    print(f"  cqpkit list          : médiane {m_list * 1000:7.1f} ms")
    print(f"  lecture tomllib seule: médiane {m_read * 1000:7.1f} ms")
    print(f"  rapport              : {ratio:.2f}")
    return ratio


def main(argv: Sequence[str] | None = None) -> int:
    """Run both measures and print the ratios against the goal."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="paires de mesures par cas (défaut : 21)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs doit valoir au moins 1")

    with tempfile.TemporaryDirectory(prefix="cqpkit-bench-") as tmp:
        # A private byte-code cache: filled by the untimed first runs, it leaves the source
        # tree untouched and works even where __pycache__ directories are not writable.
        env = {**base_env(), "PYTHONPYCACHEPREFIX": os.path.join(tmp, "pycache")}
        files = referentiel_files(env)
        n = len(files)
        print(f"{n} fichier{'s' if n > 1 else ''} de référentiel ; {args.runs} paires par cas ; {sys.executable}")
        if not files:
            print("attention : aucun référentiel enregistré, on ne mesure que le démarrage", file=sys.stderr)
        print()
        warm = measure(
            "Cache de validation chaud (chaque exécution après la première)",
            {**env, "CQPKIT_CACHE_DIR": os.path.join(tmp, "cache")},
            files,
            args.runs,
        )
        print()
        cold = measure(
            "Sans cache (CQPKIT_NO_CACHE=1 : chaque exécution revalide)",
            {**env, "CQPKIT_NO_CACHE": "1"},
            files,
            args.runs,
        )
    print()
    verdict = "atteint" if warm <= GOAL else "NON atteint"
    print(f"Rapport, cache chaud : {warm:.2f} (objectif ≤ {GOAL} : {verdict})")
    print(f"Rapport, sans cache  : {cold:.2f} (pour information)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
