"""The web application's pages (cqpkit/web/pages/, docs/web.md) through Litestar's in-process client.

On both engines (the store fixtures of tests/test_store_support.py), on the example campaign: login and the
cookie session, CSRF refused, each role's pages, the dashboard, search, the dossier page, the référentiels,
import (all or nothing), the printed documents. Expected values come from examples/campaign/README.md.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)
from __future__ import annotations

import importlib.util
import io
import re
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("litestar", reason="the web pages need the [serve] extra (litestar)")
pytest.importorskip("jinja2", reason="the web pages need the [serve] extra (jinja2)")

from cqpkit.store import users
from cqpkit.web import create_app
from cqpkit.web.pages.security import COOKIE, sign
from litestar.testing import TestClient

from tests.test_store_support import CAMPAIGN, campaign_store, counts, db, registry, store, write_generated  # noqa: F401 (fixtures)

PASSWORD = "mot-de-passe-de-test-1"
SECRET = b"s" * 32
CHEAP = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
JURY_MEMBER, HIS_SESSION = "L-01", "I410-JURY-2019-03"


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch):
    monkeypatch.setattr(users, "PARAMETERS", CHEAP)
    monkeypatch.setattr(users, "_DUMMY", [])


def _db(store) -> str:  # type: ignore[no-untyped-def]
    return store.target.url if store.target.kind == "postgresql" else store.target.path


def _add_users(store) -> None:  # type: ignore[no-untyped-def]
    users.add_user(store, "admin", "Alice Exemple", "admin", PASSWORD, operateur="test")
    users.add_user(store, "ope", "Olivier Exemple", "operateur", PASSWORD, operateur="test")
    users.add_user(store, "lect", "Lucie Exemple", "lecture", PASSWORD, operateur="test")
    users.add_user(store, "jur", "Jules Exemple", "jury", PASSWORD, membre=JURY_MEMBER, operateur="test")


@pytest.fixture
def app(campaign_store, registry):  # type: ignore[no-untyped-def]
    _add_users(campaign_store)
    application = create_app(db=_db(campaign_store), registry=registry, access_log=False, secret=SECRET)
    yield application
    opened = application.state.get("page_store")
    if opened is not None:
        opened.close()


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "a form without its CSRF field"
    return m.group(1)


def login(client: TestClient, who: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    token = _csrf(client.get("/connexion").text)
    return client.post(
        "/connexion",
        data={"csrf": token, "identifiant": who, "mot_de_passe": password, "suite": "/"},
        follow_redirects=False,
    )


def logged(app, who: str) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    client.__enter__()
    r = login(client, who)
    assert r.status_code == 303, r.text
    return client


def _forms(html: str) -> list[str]:
    return re.findall(
        r'<form[^>]*action="([^"]+)"[^>]*method="post"|<form[^>]*method="post"[^>]*action="([^"]+)"', html
    )


def _post_forms(html: str) -> set[str]:
    return {a or b for a, b in _forms(html)}


# ------------------------------------------------------------------------------ comptes
class TestComptes:
    def test_anonymous_is_sent_to_the_login_form(self, app):
        with TestClient(app) as c:
            r = c.get("/dossiers/OEMM-2017-0207", follow_redirects=False)
            assert r.status_code == 303
            assert r.headers["location"] == "/connexion?suite=/dossiers/OEMM-2017-0207"
            page = c.get("/connexion")
            assert page.status_code == 200
            assert '<label for="identifiant">Identifiant</label>' in page.text and 'lang="fr"' in page.text

    def test_login_sets_a_safe_cookie_and_logout_ends_it(self, app):
        with TestClient(app) as c:
            r = login(c, "admin")
            assert r.status_code == 303 and r.headers["location"] == "/"
            cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith(COOKIE + "="))
            low = cookie.lower()
            assert "httponly" in low and "samesite=strict" in low and "max-age=28800" in low and "path=/" in low
            assert "secure" not in low  # served over http here
            home = c.get("/?date=2020-06-30")
            assert home.status_code == 200 and "Alice Exemple" in home.text
            out = c.post("/deconnexion", data={"csrf": _csrf(home.text)}, follow_redirects=False)
            assert out.status_code == 303 and out.headers["location"] == "/connexion"
            assert c.get("/", follow_redirects=False).status_code == 303

    def test_secure_over_https(self, app):
        with TestClient(app, base_url="https://testserver.local") as c:
            r = login(c, "admin")
            cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith(COOKIE + "="))
            assert "secure" in cookie.lower()

    def test_wrong_password_and_disabled_user(self, app, campaign_store):
        with TestClient(app) as c:
            r = login(c, "admin", "pas-le-bon-mot-de-passe")
            assert r.status_code == 401
            assert "Identifiant ou mot de passe incorrect" in r.text
            assert COOKIE not in r.headers.get("set-cookie", "")
            users.disable_user(campaign_store, "ope", operateur="test")
            assert login(c, "ope").status_code == 401

    def test_login_without_csrf_is_refused(self, app):
        with TestClient(app) as c:
            c.get("/connexion")
            r = c.post(
                "/connexion",
                data={"csrf": "faux", "identifiant": "admin", "mot_de_passe": PASSWORD},
                follow_redirects=False,
            )
            assert r.status_code == 403 and "jeton CSRF" in r.text

    def test_tampered_and_expired_cookies_are_refused(self, app):
        with TestClient(app) as c:
            c.cookies.set(COOKIE, sign(b"x" * 32, {"u": "admin", "exp": int(time.time()) + 60, "csrf": "t"}))
            assert c.get("/", follow_redirects=False).status_code == 303
            c.cookies.set(COOKIE, sign(SECRET, {"u": "admin", "exp": int(time.time()) - 1, "csrf": "t"}))
            assert c.get("/", follow_redirects=False).status_code == 303
            c.cookies.set(COOKIE, sign(SECRET, {"u": "admin", "exp": int(time.time()) + 60, "csrf": "t"}))
            assert c.get("/", follow_redirects=False).status_code == 200

    def test_a_disabled_user_loses_the_session_at_once(self, app, campaign_store):
        c = logged(app, "ope")
        try:
            assert c.get("/dossiers").status_code == 200
            users.disable_user(campaign_store, "ope", operateur="test")
            assert c.get("/dossiers", follow_redirects=False).status_code == 303
        finally:
            c.__exit__(None, None, None)

    def test_no_open_redirect(self, app):
        with TestClient(app) as c:
            token = _csrf(c.get("/connexion").text)
            r = c.post(
                "/connexion",
                data={"csrf": token, "identifiant": "admin", "mot_de_passe": PASSWORD, "suite": "//exemple.invalid/"},
                follow_redirects=False,
            )
            assert r.headers["location"] == "/"


# ------------------------------------------------------------------------------- rôles
class TestRoles:
    def test_lecture_reaches_no_form(self, app):
        c = logged(app, "lect")
        try:
            home = c.get("/?date=2020-06-30&jours=180")
            assert home.status_code == 200
            assert _post_forms(home.text) == {"/deconnexion"}  # its own logout, nothing else
            assert 'href="/import"' not in home.text and 'href="/dossiers"' not in home.text
            assert "OEMM-2017-0207" in home.text  # the deadlines report is theirs (rapport.lire)
            assert 'href="/dossiers/OEMM-2017-0207' not in home.text  # but not the dossier
            for url in (
                "/dossiers",
                "/dossiers/OEMM-2017-0207",
                "/import",
                "/dossiers/OEMM-2014-0206/documents/attestation",
            ):
                r = c.get(url)
                assert r.status_code == 403, url
                assert "votre rôle ne permet pas cette action" in r.text
            r = c.post("/import", data={"csrf": _csrf(home.text)})
            assert r.status_code == 403
        finally:
            c.__exit__(None, None, None)

    def test_jury_sees_only_its_session(self, app):
        c = logged(app, "jur")
        try:
            home = c.get("/?date=2019-01-01")
            assert HIS_SESSION in home.text
            assert "OEMM-JURY-2019-03" not in home.text and "OEMM-JURY-2019-10" not in home.text
            assert c.get("/dossiers").status_code == 403
            assert 'href="/import"' not in home.text
        finally:
            c.__exit__(None, None, None)

    def test_operator_sees_every_menu(self, app):
        c = logged(app, "ope")
        try:
            home = c.get("/")
            for link in ('href="/dossiers"', 'href="/import"', 'href="/referentiels"'):
                assert link in home.text
        finally:
            c.__exit__(None, None, None)


# -------------------------------------------------------------------- pages and content
class TestPages:
    def test_dashboard_deadlines_link_to_dossiers(self, app):
        c = logged(app, "ope")
        try:
            page = c.get("/?date=2020-06-30&jours=180").text
            # examples/campaign/README.md: 0207's first jury due by 04/09/2020, 0206's partial award expires 20/09/2020
            row = re.search(r"<tr><td><span class=\"nowrap\">04/09/2020.*?</tr>", page, re.S)
            assert (
                row
                and 'href="/dossiers/OEMM-2017-0207?date=2020-06-30"' in row.group(0)
                and "premier passage" in row.group(0)
            )
            row = re.search(r"<tr><td><span class=\"nowrap\">20/09/2020.*?</tr>", page, re.S)
            assert row and "OEMM-2014-0206" in row.group(0) and "acquis partiel" in row.group(0)
            assert "Léa Glycine" in page
            assert "Dossiers avec des constats bloquants" in page
        finally:
            c.__exit__(None, None, None)

    def test_dashboard_lists_blocking_findings(self, app):
        c = logged(app, "ope")
        try:
            page = c.get("/?date=2020-06-30").text
            section = page.split("Dossiers avec des constats bloquants", 1)[1]
            # examples/campaign/README.md: 0205 registered 01/02/2016, no jury by 01/02/2019 (first-jury deadline missed)
            assert 'href="/dossiers/OEMM-2016-0205?date=2020-06-30"' in section
            assert 'class="bloquant"' in section
        finally:
            c.__exit__(None, None, None)

    def test_dashboard_finds_a_blocking_dossier_however_old(self, campaign_store, registry, tmp_path):
        """Issue 19: the dashboard reads the dossiers in progress from the stored results, by pages of their ids;
        the old limit (the 500 latest registered) is gone: 0205 (2016) is found behind 501 dossiers of 2019."""
        from cqpkit.web.pages.views import BLOCKING_PAGE

        _add_users(campaign_store)
        campaign_store.import_files([str(write_generated(tmp_path / "gen", 501, prefix="ZGEN"))], operateur="test")
        application = create_app(db=_db(campaign_store), registry=registry, access_log=False, secret=SECRET)
        c = logged(application, "ope")
        try:
            page = c.get("/?date=2020-06-30").text
            section = page.split("Dossiers avec des constats bloquants", 1)[1]
            assert 'href="/dossiers/OEMM-2016-0205?date=2020-06-30"' in section and 'class="bloquant"' in section
            # a page of BLOCKING_PAGE dossiers in progress, then the next one from the last id checked
            shown = re.search(r"(\d+) vérifiés sur cette page, par identifiant, de (\S+) à (\S+)\.", section)
            assert shown and int(shown.group(1)) == BLOCKING_PAGE and shown.group(3).startswith("ZGEN-")
            nxt = re.search(r'href="(/\?date=2020-06-30&amp;jours=90&amp;apres=([^"]+))"', section)
            assert nxt and nxt.group(2) == shown.group(3)
            second = c.get(nxt.group(1).replace("&amp;", "&")).text.split("Dossiers avec des constats bloquants", 1)[1]
            assert "OEMM-2016-0205" not in second and "Premiers dossiers" in second
            again = re.search(r"(\d+) vérifiés sur cette page, par identifiant, de (\S+) à (\S+)\.", second)
            assert again and again.group(2) > shown.group(3)  # the page after the last id checked
        finally:
            c.__exit__(None, None, None)
            opened = application.state.get("page_store")
            if opened is not None:
                opened.close()

    def test_search(self, app):
        c = logged(app, "ope")
        try:
            page = c.get("/dossiers", params={"q": "glycine"}).text
            assert 'href="/dossiers/OEMM-2017-0207"' in page and "OEMM-2014-0206" not in page
            page = c.get("/dossiers", params={"q": "C-0206"}).text
            assert "OEMM-2014-0206" in page
            page = c.get("/dossiers", params={"certification": "mutualite.specialiste-prestations"}).text
            assert (
                len(re.findall(r'<tr><td class="nowrap"><a href="/dossiers/', page)) == 8
            )  # README: 8 dossiers of this certification
            page = c.get(
                "/dossiers",
                params={
                    "certification": "mutualite.specialiste-prestations",
                    "statut": "partiel",
                    "date": "2020-06-30",
                },
            ).text
            assert "OEMM-2014-0206" in page and "OEMM-2017-0207" not in page
            assert 'for="q"' in page and 'for="statut"' in page
        finally:
            c.__exit__(None, None, None)

    def test_search_text_through_search_candidats(self, app):
        """A text finds through ``search_candidats`` (README's campaign): a dossier's id that dossier only; a candidate's id or
        name (accents ignored) every dossier of theirs, by candidate then dossier; the status is the stored one at the date."""
        c = logged(app, "ope")
        rows = re.compile(r'<tr><td class="nowrap"><a href="/dossiers/([^"?]+)')
        try:
            assert rows.findall(c.get("/dossiers", params={"q": "oemm-2019-0302"}).text) == ["OEMM-2019-0302"]
            assert rows.findall(c.get("/dossiers", params={"q": "C-0201"}).text) == [
                "OEMM-2017-0201",
                "OEMM-2019-0302",
            ]  # its second CQP
            page = c.get("/dossiers", params={"q": "eglantine"}).text  # « Inès Églantine »
            assert rows.findall(page) == ["OEMM-2016-0205"] and "Inès Églantine" in page
            both = c.get("/dossiers", params={"q": "C-0201", "certification": "mutualite.conseiller-mutualiste"}).text
            assert rows.findall(both) == ["OEMM-2019-0302"]
            # README: 0204 a failure (no domaine awarded), 0206 a partial award valid until 20/09/2020
            failed = c.get("/dossiers", params={"q": "C-02", "statut": "non_acquis", "date": "2020-06-30"}).text
            assert rows.findall(failed) == ["OEMM-2018-0204"]
            partial = rows.findall(
                c.get("/dossiers", params={"q": "C-02", "statut": "partiel", "date": "2020-06-30"}).text
            )
            assert "OEMM-2014-0206" in partial and "OEMM-2018-0204" not in partial
            assert c.get("/dossiers", params={"statut": "echec"}).status_code == 400
        finally:
            c.__exit__(None, None, None)

    def test_dossier_page(self, app):
        c = logged(app, "ope")
        try:
            page = c.get("/dossiers/OEMM-2014-0206?date=2020-06-30").text
            assert "<h1>Dossier OEMM-2014-0206</h1>" in page
            assert "acquis partiels" in page and "restent : D4" in page
            # the certification by its label, as `cqpkit show` prints it, its id after
            assert (
                '<dd>CQP Spécialiste prestations santé-prévoyance <span class="muted">(mutualite.specialiste-prestations)</span>, version 2014'
                in page
            )
            assert re.search(r"<td>D1</td><td>21/09/2015</td><td>OEMM-JURY-2015-09</td><td>20/09/2020</td>", page)
            assert "Chronologie" in page and "Inscription" in page and "Jury OEMM-JURY-2019-10" in page
            assert (
                "<li>20/09/2020 — fin de validité d&#39;un acquis partiel D1, D2, D3, D5</li>" in page
            )  # one line, its domaines joined
            assert "/dossiers/OEMM-2014-0206/documents/attestation?date=2020-06-30" in page
            missed = c.get("/dossiers/OEMM-2016-0205?date=2020-06-30").text
            assert 'class="bloquant"' in missed and "Source :" in missed
            assert c.get("/dossiers/INCONNU-1").status_code == 404
        finally:
            c.__exit__(None, None, None)

    def test_pdf(self, app):
        pytest.importorskip("typst", reason="printing needs the [documents] extra (typst)")
        c = logged(app, "ope")
        try:
            r = c.get("/dossiers/OEMM-2014-0206/documents/attestation?date=2020-06-30")
            assert (
                r.status_code == 200
                and r.headers["content-type"] == "application/pdf"
                and r.content.startswith(b"%PDF")
            )
            assert "attachment" in r.headers["content-disposition"]
            r = c.get("/dossiers/OEMM-2014-0206/documents/certificat?date=2020-06-30")
            assert r.status_code == 409 and "document non imprimable" in r.text
            assert c.get("/dossiers/OEMM-2014-0206/documents/inconnu").status_code == 404
        finally:
            c.__exit__(None, None, None)

    def test_referentiels(self, app):
        c = logged(app, "lect")
        try:
            page = c.get("/referentiels").text
            assert "mutualite.specialiste-prestations" in page and "cqp_mo" in page
            one = c.get("/referentiels/mutualite.specialiste-prestations")
            assert one.status_code == 200 and "D1" in one.text
            assert c.get("/referentiels/branche.inconnue").status_code == 404
        finally:
            c.__exit__(None, None, None)


# ----------------------------------------------------------------------------- import
def _zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


class TestImport:
    def test_errors_per_file_line_key_and_nothing_stored(self, app, campaign_store):
        c = logged(app, "ope")
        try:
            form = c.get("/import").text
            good = (
                (CAMPAIGN / "dossiers" / "oemm-2017-0207.toml")
                .read_text(encoding="utf-8")
                .replace("OEMM-2017-0207", "OEMM-2017-9207")
            )
            bad = good.replace("OEMM-2017-9207", "OEMM-2017-9208").replace("[dossier]", "[dossier]\ninconnue = 1", 1)
            before = counts(campaign_store)
            r = c.post(
                "/import",
                data={"csrf": _csrf(form)},
                files=[("fichiers", ("bon.toml", good.encode())), ("fichiers", ("mauvais.toml", bad.encode()))],
            )
            assert r.status_code == 422, r.text
            assert "rien n&#39;a été enregistré" in r.text or "rien n'a été enregistré" in r.text
            row = re.search(r"<tr><td>mauvais.toml</td><td>(\d+)</td><td>([^<]*)</td>", r.text)
            assert (
                row and row.group(1) == "7" and "inconnue" in row.group(2)
            )  # [dossier] is on line 6, the unknown key after it
            assert "/tmp" not in r.text and "cqpkit-import-" not in r.text
            assert counts(campaign_store) == before
        finally:
            c.__exit__(None, None, None)

    def test_a_zip_is_imported(self, app, campaign_store):
        c = logged(app, "ope")
        try:
            good = (
                (CAMPAIGN / "dossiers" / "oemm-2017-0207.toml")
                .read_text(encoding="utf-8")
                .replace("OEMM-2017-0207", "OEMM-2017-9207")
            )
            r = c.post(
                "/import",
                data={"csrf": _csrf(c.get("/import").text)},
                files={"fichiers": ("lot.zip", _zip({"dossiers/x.toml": good}))},
            )
            assert r.status_code == 200, r.text
            assert "lot.zip/dossiers/x.toml" in r.text and 'href="/dossiers/OEMM-2017-9207"' in r.text
            assert "OEMM-2017-9207" in campaign_store.dossier_ids()
        finally:
            c.__exit__(None, None, None)

    def test_csrf_and_bad_archives_refused(self, app, campaign_store):
        c = logged(app, "ope")
        try:
            before = counts(campaign_store)
            r = c.post("/import", files={"fichiers": ("x.toml", b"[dossier]\n")})
            assert r.status_code == 403 and "jeton CSRF" in r.text
            token = _csrf(c.get("/import").text)
            r = c.post(
                "/import", data={"csrf": token}, files={"fichiers": ("lot.zip", _zip({"../evil.toml": "x = 1"}))}
            )
            assert r.status_code == 400 and "chemin refusé" in r.text
            r = c.post("/import", data={"csrf": token})
            assert r.status_code == 400 and "aucun fichier envoyé" in r.text
            r = c.post("/import", data={"csrf": token}, files={"fichiers": ("notes.txt", b"bonjour")})
            assert r.status_code == 400 and "fichier refusé" in r.text
            assert counts(campaign_store) == before
        finally:
            c.__exit__(None, None, None)


def test_static_files_and_no_cdn(app):
    with TestClient(app) as c:
        css = c.get("/static/cqpkit.css")
        assert css.status_code == 200 and "--accent" in css.text
    templates = Path(__file__).resolve().parents[1] / "core" / "cqpkit" / "web" / "templates"
    for t in templates.glob("*.html"):
        assert "http://" not in t.read_text(encoding="utf-8") and "https://" not in t.read_text(encoding="utf-8"), t


# ------------------------------------------------------------------------ sessions de jury
class TestSessions:
    def test_jury_member_reads_only_its_sessions(self, app):
        c = logged(app, "jur")
        try:
            listing = c.get("/sessions")
            assert listing.status_code == 200
            assert f'href="/sessions/{HIS_SESSION}"' in listing.text and "OEMM-JURY-2019-10" not in listing.text
            page = c.get(f"/sessions/{HIS_SESSION}")
            assert page.status_code == 200 and f"Session de jury {HIS_SESSION}" in page.text
            assert "proces-verbal" not in page.text  # document.lire is not the jury's
            assert c.get("/sessions/OEMM-JURY-2019-10").status_code == 403
            assert c.get(f"/sessions/{HIS_SESSION}/proces-verbal").status_code == 403
        finally:
            c.__exit__(None, None, None)

    def test_sessions_listed_among_many_dossiers(self, app, campaign_store, tmp_path):
        """120 dossiers more whose passages name a session the store does not hold: ``/sessions`` lists exactly the
        campaign's five sessions (README), each with its dossiers; the open form offers the same five as « précédente »."""
        campaign_store.import_files([str(write_generated(tmp_path / "gen", 120))], operateur="test")
        c = logged(app, "ope")
        try:
            page = c.get("/sessions").text
            listed = re.findall(
                r'<a href="/sessions/([^"/]+)"><span class="nowrap">[^<]+</span></a></td><td>[^<]*</td>\s*<td>.*?</td><td>(\d+)</td>',
                page,
                re.S,
            )
            assert [sid for sid, _ in listed] == [
                "OEMM-JURY-2015-09",
                "OEMM-JURY-2019-03",
                "I410-JURY-2019-03",
                "OEMM-JURY-2019-10",
                "I410-JURY-2019-11",
            ]
            counts = dict(listed)
            assert (counts["OEMM-JURY-2015-09"], counts["I410-JURY-2019-03"], counts["OEMM-JURY-2019-10"]) == (
                "1",
                "2",
                "4",
            )
            assert "GEN-JURY-01" not in page and "5 sessions" in page
            form = c.get("/sessions/nouvelle").text
            assert all(f'value="{sid}"' in form for sid, _ in listed) and "GEN-JURY-01" not in form
        finally:
            c.__exit__(None, None, None)

    def test_operator_session_page_and_pv(self, app):
        c = logged(app, "ope")
        try:
            page = c.get("/sessions/OEMM-JURY-2019-10").text
            # examples/campaign/README.md: 0206 presented again in October 2019, D4 refused
            row = re.search(r"<tr><td><a href=\"/dossiers/OEMM-2014-0206\?date=2019-10-14\">.*?</tr>", page, re.S)
            assert row and "D4&nbsp;: non acquis" in row.group(0)
            # several certifications: the candidates grouped under a row with the title, not a column repeating it
            table = page.split("<caption>Décisions en vigueur par domaine ou bloc</caption>", 1)[1].split("</table>", 1)[0]
            assert table.count('<th scope="rowgroup" colspan="5">') == 1 and table.count("CQP Spécialiste") == 1
            assert (
                '<th scope="rowgroup" colspan="5">CQP Spécialiste prestations santé-prévoyance <span class="muted">'
                "(mutualite.specialiste-prestations, version 2014)</span></th>" in table
            )
            assert 'href="/sessions/OEMM-JURY-2019-10/documents/convocation?dossier=OEMM-2014-0206"' in row.group(0)
            assert (
                'CQP Spécialiste prestations santé-prévoyance <span class="muted">(mutualite.specialiste-prestations)</span>'
                in page
            )
            assert re.search(r"<title>Session OEMM-JURY-2019-10 — cqpkit</title>", page)  # no script in the title
            # a closed session: its findings are the session's own, and nothing is said of closing it again
            assert "<dt>État</dt><dd>close</dd>" in page and "rien n'empêche la clôture" not in page
            assert "Aucun constat sur la session (les constats de chaque dossier sont sous son candidat)." in page
            assert 'href="/sessions/OEMM-JURY-2019-10/proces-verbal"' in page
            if importlib.util.find_spec("typst") is not None:
                pdf = c.get("/sessions/OEMM-JURY-2019-10/proces-verbal")
                assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
            assert c.get("/sessions/INCONNUE").status_code == 404
        finally:
            c.__exit__(None, None, None)

    def test_lecture_has_no_sessions(self, app):
        c = logged(app, "lect")
        try:
            assert c.get("/sessions").status_code == 403
            assert 'href="/sessions"' not in c.get("/").text
        finally:
            c.__exit__(None, None, None)


# --------------------------------------------------------------------- the jury's work
# The README's jury example: OEMM-JURY-2020-07, two members per collège, J-02 presiding after J-04 (salarié)
# presided OEMM-JURY-2019-10 (examples/campaign/sessions/oemm-jury-2019-10.toml).
OPEN = {
    "session": "OEMM-JURY-2020-07",
    "date": "2020-07-06",
    "certification": "mutualite.specialiste-prestations",
    "membre_0": "J-01",
    "college_0": "employeur",
    "membre_1": "J-03",
    "college_1": "salarie",
    "president": "J-01",
    "precedente": "OEMM-JURY-2019-10",
}
FULL = {
    **OPEN,
    "membre_2": "J-02",
    "college_2": "employeur",
    "membre_3": "J-04",
    "college_3": "salarie",
    "president": "J-02",
}


class TestJuryWork:
    def test_composition_findings_before_anything_is_stored(self, app, campaign_store):
        c = logged(app, "ope")
        try:
            token = _csrf(c.get("/sessions/nouvelle").text)
            before = counts(campaign_store)
            r = c.post(
                "/sessions/nouvelle",
                data={**OPEN, "csrf": token, "action": "verifier"},
                headers={"X-Cqpkit-Fragment": "1"},
            )
            assert r.status_code == 200
            assert r.text.count("jury_composition") == 3 and "2 membres au total au lieu de 4" in r.text
            r = c.post(
                "/sessions/nouvelle",
                data={**FULL, "csrf": token, "action": "verifier"},
                headers={"X-Cqpkit-Fragment": "1"},
            )
            assert "Aucun constat sur cette composition" in r.text
            page = c.post(
                "/sessions/nouvelle", data={**OPEN, "csrf": token, "action": "verifier"}
            )  # without the script: the whole page
            assert "<h1>Ouvrir une session de jury</h1>" in page.text and "jury_composition" in page.text
            assert counts(campaign_store) == before
        finally:
            c.__exit__(None, None, None)

    def test_open_add_decide_close(self, app, campaign_store):
        c = logged(app, "ope")
        try:
            token = _csrf(c.get("/sessions/nouvelle").text)
            r = c.post("/sessions/nouvelle", data={**OPEN, "csrf": token, "action": "ouvrir"}, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"] == "/sessions/OEMM-JURY-2020-07"
            assert (
                c.post(
                    "/sessions/OEMM-JURY-2020-07/dossiers",
                    data={"csrf": token, "dossiers": "OEMM-2017-0207"},
                    follow_redirects=False,
                ).status_code
                == 303
            )
            decisions = {f"decision_D{i}": "acquis" for i in range(1, 6)}
            r = c.post(
                "/sessions/OEMM-JURY-2020-07/decisions",
                data={"csrf": token, "dossier": "OEMM-2017-0207", **decisions},
                follow_redirects=False,
            )
            assert r.status_code == 303
            refused = c.post("/sessions/OEMM-JURY-2020-07/cloture", data={"csrf": token})
            assert refused.status_code == 409 and "non close" in refused.text and "jury_composition" in refused.text
            assert campaign_store.jury_session("OEMM-JURY-2020-07")["close"] is False
            page = c.get("/sessions/OEMM-JURY-2020-07").text
            assert "D1&nbsp;: acquis" in page and 'action="/sessions/OEMM-JURY-2020-07/cloture"' in page
        finally:
            c.__exit__(None, None, None)

    def test_csrf_and_roles_on_jury_forms(self, app, campaign_store):
        c = logged(app, "ope")
        try:
            assert c.post("/sessions/nouvelle", data={**FULL, "action": "ouvrir"}).status_code == 403
            assert c.post("/sessions/I410-JURY-2019-03/cloture", data={}).status_code == 403
        finally:
            c.__exit__(None, None, None)
        j = logged(app, "jur")
        try:
            token = _csrf(j.get("/").text)
            assert j.get("/sessions/nouvelle").status_code == 403
            assert j.post("/sessions/nouvelle", data={**FULL, "csrf": token, "action": "ouvrir"}).status_code == 403
            assert (
                j.post(
                    "/sessions/OEMM-JURY-2019-10/decisions",
                    data={"csrf": token, "dossier": "OEMM-2014-0206", "decision_D4": "acquis"},
                ).status_code
                == 403
            )
            own = j.get(f"/sessions/{HIS_SESSION}").text
            assert 'action="/sessions/I410-JURY-2019-03/cloture"' not in own and '/dossiers"' not in own
        finally:
            j.__exit__(None, None, None)
        assert "OEMM-JURY-2020-07" not in [s["session"] for s in campaign_store.jury_sessions()]


def test_a_contrary_decision_needs_a_motive(app, campaign_store):
    """examples/campaign/README.md: 0205 is on the training route and has no evaluation at all; an « acquis » without a
    favourable final evaluation is the finding ``decision_contraire`` (rules/decision.py), shown once recorded."""
    c = logged(app, "ope")
    try:
        token = _csrf(c.get("/sessions/nouvelle").text)
        assert (
            c.post(
                "/sessions/nouvelle", data={**FULL, "csrf": token, "action": "ouvrir"}, follow_redirects=False
            ).status_code
            == 303
        )
        r = c.post(
            "/sessions/OEMM-JURY-2020-07/dossiers",
            data={"csrf": token, "dossiers": "OEMM-2016-0205"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        assert "decision_contraire" not in c.get("/sessions/OEMM-JURY-2020-07").text
        one = {"csrf": token, "dossier": "OEMM-2016-0205", "decision_D1": "acquis"}
        live = c.post("/sessions/OEMM-JURY-2020-07/decisions", data=one, headers={"X-Cqpkit-Fragment": "1"})
        assert (
            live.status_code == 200
            and "<code>decision_contraire</code>" in live.text
            and "un motif est obligatoire" in live.text
        )
        refused = c.post("/sessions/OEMM-JURY-2020-07/decisions", data=one)
        assert refused.status_code == 409 and "un motif est obligatoire" in refused.text
        assert "D1&nbsp;: acquis" not in refused.text  # nothing recorded
        r = c.post(
            "/sessions/OEMM-JURY-2020-07/decisions",
            data={**one, "motif": "Compétence constatée par le jury lors de l'entretien."},
            follow_redirects=False,
        )
        assert r.status_code == 303
        after = c.get("/sessions/OEMM-JURY-2020-07").text
        card = after.split("<h3>OEMM-2016-0205", 1)[1].split("</div>", 1)[0]
        assert "<code>decision_contraire</code>" in card
        record = campaign_store.jury_session("OEMM-JURY-2020-07")["candidats"][0]["enregistrements"][-1]
        assert record["motif"] == "Compétence constatée par le jury lors de l'entretien." and record["decisions"] == {
            "D1": "acquis"
        }
    finally:
        c.__exit__(None, None, None)


def test_open_form_errors_in_french(app, campaign_store):
    c = logged(app, "ope")
    try:
        token = _csrf(c.get("/sessions/nouvelle").text)
        r = c.post(
            "/sessions/nouvelle", data={"csrf": token, "session": "X-1", "date": "06/07/2020", "action": "ouvrir"}
        )
        assert r.status_code == 400
        assert (
            "date : attendue au format AAAA-MM-JJ" in r.text and "certification : choisissez-en au moins une" in r.text
        )
        r = c.post(
            "/sessions/nouvelle", data={**FULL, "session": "OEMM-JURY-2019-10", "csrf": token, "action": "ouvrir"}
        )
        assert r.status_code == 409 and "déjà enregistrée" in r.text
        assert len(campaign_store.jury_sessions()) == 5  # examples/campaign/README.md: five sessions
    finally:
        c.__exit__(None, None, None)


def test_presence_and_the_candidates_papers(app, campaign_store):
    """Issue 19: a candidate recorded absent, excusé or présent from the session page (``jury add --absent|--excuse|
    --present``: no decision on one who did not come); the convocations and notifications printed from it (a ZIP, or
    one candidate's PDF; action ``session.documents``: a jury member on its sessions only); certification titles."""
    c = logged(app, "ope")
    try:
        token = _csrf(c.get("/sessions/nouvelle").text)
        assert (
            c.post(
                "/sessions/nouvelle", data={**FULL, "csrf": token, "action": "ouvrir"}, follow_redirects=False
            ).status_code
            == 303
        )
        url = "/sessions/OEMM-JURY-2020-07"
        r = c.post(
            f"{url}/dossiers",
            data={"csrf": token, "dossiers": "OEMM-2016-0205", "presence": "absent"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        r = c.post(
            f"{url}/dossiers",
            data={"csrf": token, "dossiers": "OEMM-2017-0207", "presence": "present"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        page = c.get(url).text
        assert "CQP Spécialiste prestations santé-prévoyance" in page  # the title, not only the id
        row = re.search(r"<tr><td><a href=\"/dossiers/OEMM-2016-0205\?date=2020-07-06\">.*?</tr>", page, re.S)
        assert row and "<td>absent</td>" in row.group(0) and "le candidat n'est pas passé" in row.group(0)
        # the decision form: one <template> per certification, copied by the script into the card of each candidate
        # who came; without the script, the card's link opens the candidate's page with the same form
        assert page.count("<template ") == 1 and 'name="decision_D5"' in page.split("<template ", 1)[1]
        assert 'data-dossier="OEMM-2016-0205"' not in page and 'data-dossier="OEMM-2017-0207"' in page
        assert f'href="{url}/decisions?dossier=OEMM-2017-0207"' in page
        alone = c.get(f"{url}/decisions?dossier=OEMM-2017-0207")
        assert alone.status_code == 200 and 'aria-label="Décisions pour OEMM-2017-0207"' in alone.text
        assert alone.text.count("<select ") == 5 and "<h1>Décisions pour OEMM-2017-0207 — Léa Glycine</h1>" in alone.text
        absent = c.get(f"{url}/decisions?dossier=OEMM-2016-0205").text
        assert "Candidat absent" in absent and 'aria-label="Décisions pour' not in absent
        assert c.get(f"{url}/decisions?dossier=OEMM-2014-0206").status_code == 404  # not presented
        # presence: one form, every candidate with their presence recorded
        assert page.count(f'action="{url}/presence"') == 1
        assert '<option value="OEMM-2016-0205">OEMM-2016-0205 — Inès Églantine (absent)</option>' in page
        # the store refuses a decision on an absent candidate, the page says why
        refused = c.post(
            f"{url}/decisions", data={"csrf": token, "dossier": "OEMM-2016-0205", "decision_D2": "non_acquis"}
        )
        assert refused.status_code == 409 and "enregistré absent" in refused.text
        r = c.post(
            f"{url}/presence",
            data={"csrf": token, "dossier": "OEMM-2016-0205", "presence": "excuse"},
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert [
            (x["dossier"], x["absent"], x["excuse"])
            for x in campaign_store.jury_session("OEMM-JURY-2020-07")["candidats"]
        ] == [("OEMM-2016-0205", False, True), ("OEMM-2017-0207", False, False)]
        # the procès-verbal and the notification say it (documents/jury.py: « présent », « absent », « excusé »)
        from cqpkit.documents.stored import session_papers

        (pv,) = session_papers(campaign_store, "proces-verbal", "OEMM-JURY-2020-07")
        assert [(r["dossier"], r["presence"]) for r in pv.data["candidats"]] == [
            ("OEMM-2016-0205", "excusé"),
            ("OEMM-2017-0207", "présent"),
        ]
        (notice,) = session_papers(campaign_store, "notification", "OEMM-JURY-2020-07", keep=["OEMM-2016-0205"])
        assert notice.data["presence"] == "excusé"
        assert (
            c.post(
                f"{url}/presence", data={"csrf": token, "dossier": "OEMM-2016-0205", "presence": "malade"}
            ).status_code
            == 400
        )
        assert (
            c.post(f"{url}/presence", data={"dossier": "OEMM-2016-0205", "presence": "present"}).status_code == 403
        )  # no CSRF
        # the papers: links on the page, a ZIP of one PDF per candidate, one candidate's PDF
        page = c.get(url).text
        assert f'href="{url}/documents/convocation"' in page and f'href="{url}/documents/notification"' in page
        assert f'href="{url}/documents/convocation?dossier=OEMM-2017-0207"' in page
        assert c.get(f"{url}/documents/attestation").status_code == 404
        if importlib.util.find_spec("typst") is not None:
            z = c.get(f"{url}/documents/convocation")
            assert z.status_code == 200 and z.headers["content-type"] == "application/zip", z.text
            assert 'filename="convocations-OEMM-JURY-2020-07.zip"' in z.headers["content-disposition"]
            with zipfile.ZipFile(io.BytesIO(z.content)) as archive:
                assert sorted(archive.namelist()) == [
                    "convocation-OEMM-2016-0205.pdf",
                    "convocation-OEMM-2017-0207.pdf",
                ]
                assert all(archive.read(n).startswith(b"%PDF") for n in archive.namelist())
            one = c.get(f"{url}/documents/notification?dossier=OEMM-2017-0207")
            assert one.status_code == 200 and one.content.startswith(b"%PDF")
            assert 'filename="notification-OEMM-2017-0207.pdf"' in one.headers["content-disposition"]
            missing = c.get(f"{url}/documents/convocation?dossier=OEMM-2014-0206")
            assert missing.status_code == 404 and "non présenté" in missing.text
    finally:
        c.__exit__(None, None, None)
    j = logged(app, "jur")  # L-01 sits on I410-JURY-2019-03 only
    try:
        assert j.get("/sessions/OEMM-JURY-2020-07/documents/convocation").status_code == 403
        own = j.get(f"/sessions/{HIS_SESSION}").text
        assert f'href="/sessions/{HIS_SESSION}/documents/notification"' in own and "proces-verbal" not in own
        assert 'action="/sessions/I410-JURY-2019-03/presence"' not in own  # session.presenter is not the jury's
    finally:
        j.__exit__(None, None, None)
    lect = logged(app, "lect")
    try:
        assert lect.get(f"/sessions/{HIS_SESSION}/documents/convocation").status_code == 403
    finally:
        lect.__exit__(None, None, None)
