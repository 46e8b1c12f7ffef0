"""The session page's rows (issue 19, docs/web.md « Performance »): each candidate's texts escaped once in Python
(``session_rows``, ``escape_many``), then printed by the template's loops without autoescaping — so every text
that reaches those loops must come out escaped, whatever it holds.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)
from __future__ import annotations

import re

import pytest

pytest.importorskip("litestar", reason="the web pages need the [serve] extra (litestar)")
pytest.importorskip("jinja2", reason="the web pages need the [serve] extra (jinja2)")

from cqpkit.web.pages import views
from cqpkit.web.pages.base import escape_many, findings_list
from cqpkit.web.pages.jury import session_rows
from markupsafe import escape

from tests.test_store_support import campaign_store, db, registry, store  # noqa: F401 (fixtures)
from tests.test_web_pages import FULL, _cheap_argon2, _csrf, app, logged  # noqa: F401 (fixtures)

NASTY = "<script>alert(\"x\")</script> & 'Zoé'"


@pytest.mark.parametrize(
    "texts",
    [[], [""], ["a", "", "b"], [NASTY, "D1", "non acquis", '{"D1": "acquis"}'], ["un\x00nul", "<b>"], ["\x00"]],
)
def test_escape_many_is_escape_each(texts):
    assert escape_many(texts) == [str(escape(t)) for t in texts]


class _Finding:
    def __init__(self, message: str) -> None:
        self.niveau, self.code, self.message = "erreur", "code_<x>", message


def test_every_text_of_a_row_is_escaped():
    """A dossier id, a name, a domaine, a decision, a message holding markup: none comes out as markup."""
    data = {
        "candidats": [
            {
                "dossier": "D<1>",
                "candidat": "C-1",
                "absent": False,
                "excuse": False,
                "corrections": 2,
                "decisions": {"D<1>": 'ac"quis', "D2": "non_acquis"},
            },
            {"dossier": "D&2", "candidat": "C-2", "absent": True, "excuse": False, "corrections": 0, "decisions": {}},
        ]
    }
    rows = session_rows(data, {"C-1": NASTY}, {"D<1>": [_Finding(NASTY), _Finding("b > a")]}, {"D<1>": 'f"1'})
    first, second = rows["D<1>"], rows["D&2"]
    assert (first.n, first.did, first.q, first.name, first.presence) == (
        1,
        "D&lt;1&gt;",
        "D%3C1%3E",
        str(escape(NASTY)),
        "présent",
    )
    assert first.decisions == [("", "D&lt;1&gt;", "ac&#34;quis"), (", ", "D2", "non acquis")]
    assert first.decided == str(escape('{"D<1>": "ac\\"quis", "D2": "non_acquis"}')) and first.form == "f&#34;1"
    assert first.found == findings_list([_Finding(NASTY), _Finding("b > a")])
    assert str(escape(NASTY)) in first.found and "b &gt; a" in first.found and "code_&lt;x&gt;" in first.found
    assert (second.n, second.did, second.name, second.presence, second.passed, second.found) == (
        2,
        "D&amp;2",
        "C-2",
        "absent",
        False,
        None,
    )
    for row in rows.values():
        for value in row:
            assert "<script" not in str(value)


def test_the_session_page_escapes_a_name_with_markup(app, monkeypatch):
    """Through the page of an open session (the README's jury example, two candidates, one decided): the name shows
    in the table, the presence form and each card, escaped each time; nothing else is printed as markup."""
    real = views._names
    monkeypatch.setattr(views, "_names", lambda store, ids: {k: NASTY for k in real(store, ids)})
    c = logged(app, "admin")
    try:
        token = _csrf(c.get("/sessions/nouvelle").text)
        url = "/sessions/OEMM-JURY-2020-07"
        assert (
            c.post(
                "/sessions/nouvelle", data={**FULL, "csrf": token, "action": "ouvrir"}, follow_redirects=False
            ).status_code
            == 303
        )
        for dossier in ("OEMM-2016-0205", "OEMM-2017-0207"):
            r = c.post(
                f"{url}/dossiers",
                data={"csrf": token, "dossiers": dossier, "presence": "present"},
                follow_redirects=False,
            )
            assert r.status_code == 303, r.text
        r = c.post(
            f"{url}/decisions",
            data={"csrf": token, "dossier": "OEMM-2017-0207", "decision_D1": "acquis", "motif": "Décision du test"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        page = c.get(url).text
    finally:
        c.__exit__(None, None, None)
    assert "<script" not in page.split("</header>", 1)[1].replace('<script src="/static/cqpkit.js" defer></script>', "")
    shown = re.escape(str(escape(NASTY)))
    assert len(re.findall(rf"<td>{shown}</td>", page)) == 2  # the table
    assert len(re.findall(rf"<option value=\"OEMM-[0-9-]+\">OEMM-[0-9-]+ — {shown} \(présent\)</option>", page)) == 2
    assert len(re.findall(rf"<h3>OEMM-[0-9-]+ — {shown}</h3>", page)) == 2  # the cards
    assert re.search(r'<span class="nowrap">D1&nbsp;: acquis</span>', page)  # the decision recorded, in the table
    assert 'data-decisions="{&#34;D1&#34;: &#34;acquis&#34;}"' in page  # and for the script, escaped in its attribute
