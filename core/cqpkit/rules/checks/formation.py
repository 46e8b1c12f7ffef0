"""The training: :func:`check_heures_formation`, :func:`check_organismes`.

Hours within ``heures_min`` / ``heures_max`` (warning) when the modules followed cover every domaine; an
agreed training body for each module (a warning after ``agrement_jusqua``).

Part of :mod:`cqpkit.rules.checks` (see its docstring for what a finding holds and how ``as_of`` reads).
"""

from __future__ import annotations

from datetime import date

from cqpkit.model import Constat, Dossier, Referentiel
from cqpkit.rules.checks.common import _constat
from cqpkit.rules.events import event_occurrences
from cqpkit.rules.fr import date_fr as _jj
from cqpkit.rules.fr import liste as _liste
from cqpkit.rules.fr import nombre_fr as _nombre
from cqpkit.rules.sources import source_for

__all__ = ["check_heures_formation", "check_organismes"]


def check_heures_formation(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """``heures_formation`` (warning): total training hours outside ``[formation] heures_min`` / ``heures_max``.

    Checked only when the modules followed (started on or before ``as_of``) cover every domaine of
    the référentiel (through each module's ``domaines``): the range is stated "for all the modules"
    of the certification. Both bounds are included (280 and 320 h are within 280–320 h). The total
    is the sum of the ``heures`` of those modules; above ``heures_max`` is reported at once (hours
    not given could only add to it), below ``heures_min`` only when every module gives its hours and
    the training has ended (its last end on or before ``as_of``).
    """
    formation = ref.formation
    if formation is None or (formation.heures_min is None and formation.heures_max is None) or not ref.domaines:
        return []
    suivies = [f for f in dossier.formations if f.debut <= as_of]
    if not suivies:
        return []
    modules = {m.id: m for m in ref.modules}
    couverts = {d for f in suivies if f.module in modules for d in modules[f.module].domaines}
    if any(d.id not in couverts for d in ref.domaines):
        return []
    total = sum(f.heures for f in suivies if f.heures is not None)
    completes = all(f.heures is not None for f in suivies)
    fins = event_occurrences(dossier, "fin_formation")
    terminee = bool(fins) and fins[-1].date <= as_of
    fourchette = " à ".join(_nombre(x) + " h" for x in (formation.heures_min, formation.heures_max) if x is not None)
    if formation.heures_max is not None and total > formation.heures_max:
        sens = f"au-delà du maximum de {_nombre(formation.heures_max)} h"
    elif formation.heures_min is not None and completes and terminee and total < formation.heures_min:
        sens = f"en deçà du minimum de {_nombre(formation.heures_min)} h"
    else:
        return []
    return [
        _constat(
            "heures_formation",
            "avertissement",
            f"Formation de {_nombre(total)} h au total pour un parcours couvrant tous les domaines, {sens} "
            f"(durée prévue : {fourchette}).",
            chemin="formations",
            source=source_for(formation.sources, "heures_min", "heures_max"),
            regle="formation.heures",
            valeurs={
                "heures": _nombre(total),
                "heures_min": _nombre(formation.heures_min) if formation.heures_min is not None else "",
                "heures_max": _nombre(formation.heures_max) if formation.heures_max is not None else "",
                "modules": _liste(f.module for f in suivies),
            },
        )
    ]


def check_organismes(ref: Referentiel, dossier: Dossier, as_of: date) -> list[Constat]:
    """``organisme_non_agree``: a module followed (started on or before ``as_of``) with a body that is not agreed.

    Applies when ``[formation] organisme_agree`` is true. A module's body is agreed when the
    dossier says so (``organisme_agree``: the dossier's own flag wins); when the dossier does not
    say, when it is one of ``organismes_agrees`` and the module started on or before
    ``agrement_jusqua``; when neither tells (no flag and no list), it is unknown and gives nothing.

    The date that matters is the module's start (the event the agreement constrains), never
    ``as_of``: a module started on 30/06/2014 with a listed body stays in order when checked in
    2020. After ``agrement_jusqua`` the list no longer agrees anyone (« l'agrément … a été délivré
    jusqu'à juin 2014 »): a listed body is then no more agreed than an unlisted one. The finding is
    an error, or a warning for a module started after ``agrement_jusqua`` (the branch's agreement
    had ended: no body could be chosen among agreed ones).
    """
    formation = ref.formation
    if formation is None or not formation.organisme_agree:
        return []
    jusqua = formation.agrement_jusqua
    found: list[Constat] = []
    for i, suivie in enumerate(dossier.formations):
        if suivie.debut > as_of:
            continue
        expire = jusqua is not None and suivie.debut > jusqua
        liste = bool(formation.organismes_agrees) and suivie.organisme in formation.organismes_agrees
        agree = suivie.organisme_agree
        if agree is None and formation.organismes_agrees:
            agree = liste and not expire
        if agree is None or agree:
            continue
        organisme = f"« {suivie.organisme} »" if suivie.organisme else "(non nommé)"
        if liste and expire:
            assert jusqua is not None
            message = (
                f"Module {suivie.module} commencé le {_jj(suivie.debut)} avec l'organisme {organisme}, de la liste des "
                f"organismes agréés, mais l'agrément de la branche a pris fin le {_jj(jusqua)} : à cette date, "
                "aucun organisme n'est plus agréé."
            )
        else:
            message = (
                f"Module {suivie.module} commencé le {_jj(suivie.debut)} avec l'organisme {organisme}, qui n'est pas agréé"
            )
            if expire:
                assert jusqua is not None
                message += f" (l'agrément de la branche a pris fin le {_jj(jusqua)})"
            message += "."
        found.append(
            _constat(
                "organisme_non_agree",
                "avertissement" if expire else "erreur",
                message,
                chemin=f"formations[{i}].organisme",
                source=source_for(formation.sources, "agrement_jusqua" if expire else "organisme_agree"),
                regle="formation.organisme_agree",
                valeurs={
                    "module": suivie.module,
                    "debut": _jj(suivie.debut),
                    "organisme": suivie.organisme,
                    "organisme_liste": "oui" if liste else "non",
                    "agrement_jusqua": _jj(jusqua) if jusqua else "",
                },
            )
        )
    return found
