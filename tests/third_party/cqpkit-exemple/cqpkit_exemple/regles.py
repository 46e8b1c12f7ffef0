"""The rule of the fictional CQP that the TOML cannot say: bloc D3 comes last.

Article 4 of the (fictional) règlement: « le bloc 3 n'est présenté au jury qu'avec les blocs 1
et 2, ou une fois ceux-ci acquis ». Each passage that decides on D3 must either decide on D1
and D2 too, or come after passages that acquired them; otherwise the finding
``exemple_bloc_d3_premature`` (an erreur: the jury's decision on D3 is irregular).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cqpkit import hookimpl
from cqpkit.model import Constat, Source

SOURCE = Source(document="exemple_referentiel-fictif.md", section="Article 4, Jury")
AVANT_D3 = ("D1", "D2")


@hookimpl
def cqpkit_check_dossier(referentiel: Any, dossier: Any, date: dt.date) -> list[Constat] | None:
    """Findings of article 4 on the dossier's passages dated on or before ``date`` (called for this plugin's référentiel only)."""
    found = []
    acquired: set[str] = set()
    passages = sorted(enumerate(dossier.passages), key=lambda ip: ip[1].date)
    for index, passage in passages:
        if passage.date > date or passage.absent or passage.excuse:
            continue
        if "D3" in passage.decisions:
            missing = [d for d in AVANT_D3 if d not in acquired and d not in passage.decisions]
            if missing:
                found.append(
                    Constat(
                        code="exemple_bloc_d3_premature",
                        niveau="erreur",
                        message=(
                            f"Le bloc D3 est présenté au jury du {passage.date.strftime('%d/%m/%Y')} sans "
                            f"{' ni '.join(missing)}, ni acquis avant ni présentés à la même session."
                        ),
                        chemin=f"passages[{index}].decisions.D3",
                        source=SOURCE,
                        regle="article 4",
                        valeurs={"manquants": ", ".join(missing), "date_passage": passage.date.isoformat()},
                    )
                )
        acquired |= {d for d, decision in passage.decisions.items() if decision == "acquis"}
    return found
