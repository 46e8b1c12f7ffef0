"""Batch decide: time per dossier at several sizes, and the ratio to only parsing the same dossiers.

Generates N fictional dossiers of the bundled CQP Spécialiste prestations (both routes, one to
three jury passages, partial awards, final evaluations with criteria), as TOML text in memory,
then in one process:

1. parses them (``loads_dossier`` with the registry: TOML, structuring, cross-checks against
   the référentiel) — the baseline;
2. parses them again and decides each one (``registry.decide`` through the hooks) — what
   ``cqpkit decide`` does on N files.

It prints, per size, the time per dossier of each and the ratio (parse + decide) / parse.
Goal (issue "Core engine"): the time per dossier stays flat as N grows, and the ratio is at
most 3. Figures are measured in one run; compare ratios, not absolute times.

    .venv/bin/python bench/decide_batch.py                 # 1 000, 10 000, 100 000
    .venv/bin/python bench/decide_batch.py --sizes 1000 5000
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import time

import cqpkit
from cqpkit.formats.dossiers import loads_dossier

DOMAINES = ["D1", "D2", "D3", "D4", "D5"]


def dossier_text(i: int, rng: random.Random) -> str:
    """One fictional dossier (ids only; no personal data)."""
    inscription = dt.date(2012, 1, 2) + dt.timedelta(days=rng.randrange(0, 2000))
    vae = rng.random() < 0.3
    lines = [
        "[dossier]",
        f'id = "BENCH-{i:07d}"',
        'certification = "mutualite.specialiste-prestations"',
        'version = "2014"',
        f'voie = "{"vae" if vae else "formation"}"',
        f'mention = "{rng.choice(["sante", "prevoyance"])}"',
        f"inscription = {inscription.isoformat()}",
    ]
    if vae:
        lines.append('documents = ["cv", "descriptif-postes", "preuves", "dossier-vae"]')
    lines += ["", "[candidat]", f'id = "C-{i:07d}"', ""]
    lines += ['[[acteurs]]', 'id = "N1"', 'role = "n_plus_1"', "", '[[acteurs]]', 'id = "T1"', 'role = "tuteur"', ""]
    day = inscription + dt.timedelta(days=rng.randrange(200, 400))
    if not vae:
        for d in DOMAINES:
            lines += [
                "[[evaluations]]",
                f'epreuve = "finale-entreprise-{d}"',
                f"date = {day.isoformat()}",
                'evaluateurs = ["N1", "T1"]',
                f'criteres = {{ {d}-F1 = "oui", {d}-F2 = "{rng.choice(["oui", "non"])}" }}',
                f'verdict = "{rng.choice(["maitrise", "maitrise", "pas_totalement_maitrise"])}"',
                "",
            ]
    remaining = list(DOMAINES)
    for _ in range(rng.randint(1, 3)):
        day += dt.timedelta(days=rng.randrange(30, 900))
        decisions = {d: ("acquis" if rng.random() < 0.7 else "non_acquis") for d in remaining}
        lines += [
            "[[passages]]",
            f'session = "J-{day.isoformat()}"',
            f"date = {day.isoformat()}",
            "decisions = { " + ", ".join(f'{d} = "{v}"' for d, v in decisions.items()) + " }",
            "",
        ]
        remaining = [d for d, v in decisions.items() if v != "acquis"] or list(DOMAINES)
    return "\n".join(lines)


def measure(registry: object, texts: list[str]) -> tuple[float, float]:
    gc.collect()
    start = time.perf_counter()
    for n, text in enumerate(texts):
        loads_dossier(text, f"bench-{n}.toml", registry)
    parse = time.perf_counter() - start
    gc.collect()
    as_of = dt.date(2022, 1, 1)
    start = time.perf_counter()
    for n, text in enumerate(texts):
        registry.decide(loads_dossier(text, f"bench-{n}.toml", registry), as_of)  # type: ignore[attr-defined]
    both = time.perf_counter() - start
    return parse, both


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    args = parser.parse_args()
    registry = cqpkit.load_registry()
    rng = random.Random(20261201)
    biggest = max(args.sizes)
    texts = [dossier_text(i, rng) for i in range(biggest)]
    # Sanity: every generated dossier is valid (an invalid one would raise here).
    for text in texts[:50]:
        loads_dossier(text, "bench.toml", registry)
    registry.decide(loads_dossier(texts[0], "bench.toml", registry), dt.date(2022, 1, 1))  # warm up
    print(f"{'dossiers':>9}  {'analyse seule':>15}  {'analyse + décision':>20}  {'décision seule':>15}  ratio")
    for size in args.sizes:
        parse, both = measure(registry, texts[:size])
        print(
            f"{size:>9}  {parse / size * 1e6:>12.0f} µs  {both / size * 1e6:>17.0f} µs  "
            f"{(both - parse) / size * 1e6:>12.0f} µs  {both / parse:5.2f}"
        )
    print("objectif : temps par dossier stable d'une taille à l'autre ; ratio (analyse + décision) / analyse ≤ 3")


if __name__ == "__main__":
    main()
