"""End-to-end tests of the web pages in a real browser: Playwright driving Debian's Chromium (docs/web.md).

The app runs under uvicorn on loopback in a background thread, on a fresh SQLite store with three users.
Skipped with a reason when Chromium (``apt-get install -y chromium``) or Playwright is missing — mandatory
under ``CI=true``. Each page is screenshotted at 1280×800 and 800×1000 into a temporary folder
(``CQPKIT_SCREENSHOTS`` to keep them) and checked for accessibility in the browser: every field labelled,
every image with alt text, one ``h1`` and headings in order, a ``lang`` on the page.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
CAMPAIGN = Path(__file__).resolve().parents[1] / "examples" / "campaign"
PASSWORD = "mot-de-passe-de-test-1"
SIZES = [(1280, 800), (800, 1000)]


def _requirements() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        return "Playwright ou uvicorn absent (extra [test])"
    if not os.path.exists(CHROMIUM):
        return f"Chromium absent ({CHROMIUM}) : apt-get install -y chromium"
    return None


_missing = _requirements()
if _missing and os.environ.get("CI") == "true":
    raise RuntimeError(f"tests du navigateur obligatoires sous CI=true : {_missing}")
pytestmark = pytest.mark.skipif(_missing is not None, reason=_missing or "")

A11Y = """() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push('page sans attribut lang');
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden' || el.type === 'submit') continue;
    const labelled = (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest('label')
      || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!labelled) problems.push('champ sans étiquette : ' + (el.name || el.outerHTML));
  }
  for (const img of document.querySelectorAll('img')) if (!img.hasAttribute('alt')) problems.push('image sans alt : ' + img.src);
  for (const b of document.querySelectorAll('button')) if (!b.textContent.trim() && !b.getAttribute('aria-label')) problems.push('bouton sans nom');
  const hs = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => +h.tagName[1]);
  if (hs.filter(h => h === 1).length !== 1) problems.push('il faut exactement un h1, trouvé ' + hs.filter(h => h === 1).length);
  if (hs.length && hs[0] !== 1) problems.push('le premier titre n\\'est pas un h1');
  for (let i = 1; i < hs.length; i++) if (hs[i] > hs[i - 1] + 1) problems.push(`titres sautés : h${hs[i - 1]} puis h${hs[i]}`);
  for (const a of document.querySelectorAll('a')) if (!a.textContent.trim() && !a.getAttribute('aria-label')) problems.push('lien sans texte');
  return problems;
}"""


WIDE_TABLES = """() => [...document.querySelectorAll('.table-wrap')]
  .filter(w => w.scrollWidth > w.clientWidth + 1)
  .map(w => (w.querySelector('caption') || w).textContent.trim().slice(0, 60) + ' (' + w.scrollWidth + ' > ' + w.clientWidth + ' px)')"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory):  # type: ignore[no-untyped-def]
    import uvicorn
    from cqpkit.store import users
    from cqpkit.store.store import Store
    from cqpkit.web import create_app

    db = str(tmp_path_factory.mktemp("web") / "cqpkit.db")
    with Store.open(db, create=True, check=False) as store:
        store.init()
        users.add_user(store, "ope", "Olivier Exemple", "operateur", PASSWORD, operateur="test")
        users.add_user(store, "lect", "Lucie Exemple", "lecture", PASSWORD, operateur="test")
        users.add_user(store, "jur", "Jules Exemple", "jury", PASSWORD, membre="L-01", operateur="test")
    port = _free_port()
    config = uvicorn.Config(create_app(db=db, access_log=False), host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    assert srv.started, "uvicorn n'a pas démarré"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def shots():  # type: ignore[no-untyped-def]
    keep = os.environ.get("CQPKIT_SCREENSHOTS")
    folder = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="cqpkit-shots-"))
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def _check(page, shots: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    """The page's accessibility problems (none expected), and its screenshots at both sizes."""
    assert page.evaluate(A11Y) == [], name
    for w, h in SIZES:
        page.set_viewport_size({"width": w, "height": h})
        page.screenshot(path=str(shots / f"{name}-{w}x{h}.png"), full_page=True)
        assert (shots / f"{name}-{w}x{h}.png").stat().st_size > 1000
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} déborde de {overflow} px en largeur à {w}×{h}"
        # a table in a scrolling box (.table-wrap) whose last columns are reached only by scrolling sideways
        wide = page.evaluate(WIDE_TABLES)
        assert wide == [], f"{name} : tableaux plus larges que l'écran à {w}×{h} : {wide}"


def _login(page, server: str, who: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(server + "/")
    assert page.url.endswith("/connexion")
    page.get_by_label("Identifiant").fill(who)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(server + "/")


def _campaign_zip(folder: Path) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for f in sorted(CAMPAIGN.rglob("*.toml")):
            z.write(f, f.relative_to(CAMPAIGN).as_posix())
    out = folder / "campagne.zip"
    out.write_bytes(buf.getvalue())
    return out


def test_operator_imports_the_campaign_and_opens_a_dossier(server, browser, shots, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    page.goto(server + "/connexion")
    _check(page, shots, "connexion")
    _login(page, server, "ope")
    cookie = next(c for c in context.cookies() if c["name"] == "cqpkit_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    page.get_by_role("link", name="Import").click()
    _check(page, shots, "import")
    page.get_by_label("Fichiers (.toml ou .zip)").set_input_files(str(_campaign_zip(tmp_path)))
    page.get_by_role("button", name="Importer").click()
    page.get_by_role("heading", name="Import enregistré").wait_for()
    assert "campagne.zip/dossiers/oemm-2017-0207.toml" in page.content()
    _check(page, shots, "import-fait")

    page.goto(server + "/?date=2020-06-30&jours=180")
    _check(page, shots, "tableau")
    # examples/campaign/README.md: 0207's first jury is due by 04/09/2020
    row = page.locator("tr", has_text="04/09/2020")
    row.get_by_role("link", name="OEMM-2017-0207").click()
    page.get_by_role("heading", name="Dossier OEMM-2017-0207").wait_for()
    assert "Léa Glycine" in page.content()
    _check(page, shots, "dossier")

    page.get_by_role("link", name="Candidats et dossiers").click()
    page.get_by_label("Nom, identifiant de dossier ou de candidat").fill("C-0206")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="OEMM-2014-0206").wait_for()
    _check(page, shots, "dossiers")
    page.goto(server + "/dossiers/OEMM-2014-0206?date=2020-06-30")
    assert "20/09/2020" in page.content()
    _check(page, shots, "dossier-partiel")

    page.get_by_role("link", name="Sessions de jury").click()
    _check(page, shots, "sessions")
    page.get_by_role("link", name="OEMM-JURY-2019-10").click()
    page.get_by_role("heading", name="Session de jury OEMM-JURY-2019-10").wait_for()
    _check(page, shots, "session")
    with page.expect_download() as download:
        page.get_by_role("link", name="Procès-verbal de jury (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")

    page.get_by_role("link", name="Référentiels").click()
    _check(page, shots, "referentiels")
    page.get_by_role("link", name="mutualite.specialiste-prestations").first.click()
    _check(page, shots, "referentiel")
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(server + "/connexion")
    context.close()


def test_lecture_reaches_no_form(server, browser, shots):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    _login(page, server, "lect")
    page.goto(server + "/?date=2020-06-30&jours=180")
    assert page.locator("form[method=post]").count() == 1  # its logout, nothing else
    assert page.locator("form[method=post]").get_attribute("action") == "/deconnexion"
    assert page.get_by_role("link", name="Import").count() == 0
    _check(page, shots, "tableau-lecture")
    page.goto(server + "/import")
    assert page.get_by_role("heading", name="Accès refusé").is_visible()
    assert page.locator("input[type=file]").count() == 0
    _check(page, shots, "refus")
    context.close()


def test_operator_runs_a_jury_session(server, browser, shots):
    """Runs after the import above. The README's jury example: OEMM-JURY-2020-07, first typed with one member per
    collège (the finding appears as it is typed), then fixed, three dossiers presented and decided (one contrary to the
    final evaluation, with its motive), closed, PV and convocations (ZIP) printed."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    _login(page, server, "ope")
    page.get_by_role("link", name="Sessions de jury").click()
    page.get_by_role("link", name="Ouvrir une session").click()
    page.get_by_label("Identifiant de la session").fill("OEMM-JURY-2020-07")
    page.get_by_label("Date").fill("2020-07-06")
    page.get_by_label("Certification(s)").select_option("mutualite.specialiste-prestations")
    page.get_by_label("Session précédente du même jury").select_option("OEMM-JURY-2019-10")
    page.get_by_label("Membre 1 : identifiant").fill("J-01")
    page.get_by_label("Membre 2 : identifiant").fill("J-03")
    page.get_by_label("Membre 2 : collège").select_option("salarie")
    page.get_by_label("Président (identifiant d'un membre)").fill("J-01")
    # no click: the script sends the form as it is typed
    page.locator("#constats").get_by_text("2 membres au total au lieu de 4").wait_for()
    _check(page, shots, "session-ouvrir")
    page.get_by_label("Membre 3 : identifiant").fill("J-02")
    page.get_by_label("Membre 4 : identifiant").fill("J-04")
    page.get_by_label("Membre 4 : collège").select_option("salarie")
    page.get_by_label("Président (identifiant d'un membre)").fill("J-02")
    page.locator("#constats").get_by_text("Aucun constat sur cette composition").wait_for()
    page.get_by_role("button", name="Ouvrir la session").click()
    page.get_by_role("heading", name="Session de jury OEMM-JURY-2020-07").wait_for()
    page.get_by_label("Identifiants des dossiers (séparés par des espaces)").fill("OEMM-2017-0207 OEMM-2014-0206 OEMM-2016-0205")
    page.get_by_role("button", name="Présenter").click()
    form = page.get_by_role("form", name="Décisions pour OEMM-2017-0207")
    for dom in ("D1", "D2", "D3", "D4", "D5"):
        form.get_by_label(dom, exact=True).select_option("acquis")
    with page.expect_navigation():  # recorded before the other browser below, and the reload after it
        form.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("form", name="Décisions pour OEMM-2014-0206").wait_for()
    # Without JavaScript the session page has no copy of the decision form: each card links to the candidate's
    # decision page, which holds it; recording there brings back to the session page.
    bare = browser.new_context(viewport={"width": 800, "height": 1000}, locale="fr-FR", java_script_enabled=False)
    other = bare.new_page()
    _login(other, server, "ope")
    other.goto(server + "/sessions/OEMM-JURY-2020-07")
    assert other.get_by_role("form", name="Décisions pour OEMM-2014-0206").count() == 0
    other.get_by_role("link", name="Enregistrer les décisions pour OEMM-2014-0206").click()
    other.get_by_role("heading", name="Décisions pour OEMM-2014-0206 — Olivier Fougère").wait_for()
    _check(other, shots, "session-decision-sans-js")
    alone = other.get_by_role("form", name="Décisions pour OEMM-2014-0206")
    alone.get_by_label("D4", exact=True).select_option("acquis")
    alone.get_by_role("button", name="Enregistrer").click()
    other.get_by_role("heading", name="Session de jury OEMM-JURY-2020-07").wait_for()
    assert "D4 : acquis" in other.locator("tr", has_text="OEMM-2014-0206").inner_text().replace("\xa0", " ")
    bare.close()
    page.reload()
    # with it, the copy in the card shows the decision recorded elsewhere as chosen
    assert page.get_by_role("form", name="Décisions pour OEMM-2014-0206").get_by_label("D4", exact=True).input_value() == "acquis"
    # 0205 (training route, no evaluation: examples/campaign/README.md): « acquis » is contrary to the final
    # evaluation; the finding and the need for a motive appear as the decision is chosen, before saving
    contrary = page.get_by_role("form", name="Décisions pour OEMM-2016-0205")
    contrary.get_by_label("D1", exact=True).select_option("acquis")
    page.get_by_text("un motif est obligatoire").wait_for()
    _check(page, shots, "session-decision-contraire")
    contrary = page.get_by_role("form", name="Décisions pour OEMM-2016-0205")
    contrary.get_by_label("Motif (obligatoire pour une décision contraire à l'évaluation finale)").fill("Compétence constatée par le jury.")
    contrary.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("form", name="Décisions pour OEMM-2016-0205").wait_for()
    assert page.get_by_role("alert").count() == 0
    _check(page, shots, "session-ouverte")
    page.get_by_role("button", name="Clore la session").click()
    page.get_by_role("heading", name="Session de jury OEMM-JURY-2020-07").wait_for()
    assert page.get_by_role("alert").count() == 0, page.get_by_role("alert").inner_text()
    assert page.get_by_role("button", name="Clore la session").count() == 0
    with page.expect_download() as download:
        page.get_by_role("link", name="Procès-verbal de jury (PDF)").click()
    path = download.value.path()
    assert path is not None and Path(path).read_bytes().startswith(b"%PDF")
    # the convocations of the three candidates, one PDF each in a ZIP, from the same page
    with page.expect_download() as download:
        page.get_by_role("link", name="Convocations de tous les candidats (ZIP, un PDF par candidat)").click()
    assert download.value.suggested_filename == "convocations-OEMM-JURY-2020-07.zip"
    path = download.value.path()
    assert path is not None
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == [f"convocation-{d}.pdf" for d in ("OEMM-2014-0206", "OEMM-2016-0205", "OEMM-2017-0207")]
    _check(page, shots, "session-close")
    context.close()


def test_jury_member_sees_only_their_session(server, browser, shots):
    """Runs after the import above (same server): L-01 sits on I410-JURY-2019-03 only (examples/campaign)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    _login(page, server, "jur")
    page.get_by_role("link", name="Sessions de jury").click()
    assert page.get_by_role("link", name="I410-JURY-2019-03").count() == 1
    assert page.get_by_role("link", name="OEMM-JURY-2019-10").count() == 0
    page.get_by_role("link", name="I410-JURY-2019-03").click()
    _check(page, shots, "session-jury")
    page.goto(server + "/sessions/OEMM-JURY-2019-10")
    assert page.get_by_role("heading", name="Accès refusé").is_visible()
    context.close()
