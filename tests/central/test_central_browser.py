"""The web pages as a real browser renders them: Debian's Chromium, headless, driven
through chromedriver's W3C WebDriver HTTP API (plain urllib: no selenium needed).
JavaScript is not used by the pages; the browser logs in by typing in the form."""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from PIL import Image

from .conftest import PASSWORDS, free_port

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1280,1000"]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"    # the W3C WebDriver element key


class Driver:
    def __init__(self, tmp_path) -> None:
        self.port = free_port()
        self.log = open(tmp_path / "chromedriver.log", "w")
        self.proc = subprocess.Popen(["chromedriver", f"--port={self.port}"], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                self._call("GET", "/status")
                break
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": CHROMIUM, "args": ARGS + [f"--user-data-dir={tmp_path / 'profile'}"],
            # A French workshop's browser: the pages follow Accept-Language.
            "prefs": {"intl.accept_languages": "fr-FR,fr"}}}}}
        self.session = self._call("POST", "/session", caps)["sessionId"]

    def _call(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())["value"]

    def s(self, method: str, path: str, body: dict | None = None):
        return self._call(method, f"/session/{self.session}{path}", body)

    def go(self, url: str) -> None:
        self.s("POST", "/url", {"url": url})

    def element(self, css: str) -> str:
        return self.s("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def type(self, css: str, text: str) -> None:
        self.s("POST", f"/element/{self.element(css)}/value", {"text": text})

    def click(self, css: str) -> None:
        self.s("POST", f"/element/{self.element(css)}/click", {})

    def text(self) -> str:
        return self.s("GET", f"/element/{self.element('body')}/text")

    def screenshot(self) -> Image.Image:
        return Image.open(io.BytesIO(base64.b64decode(self.s("GET", "/screenshot"))))

    def url(self) -> str:
        return self.s("GET", "/url")

    def url_after_submit(self, before: str, deadline_s: float = 30.0) -> str:
        """The URL once the form's navigation has begun: WebDriver's click may return
        before a POST-and-redirect has even started, so reading the URL at once can
        still give the login page on a loaded machine."""
        end = time.monotonic() + deadline_s
        url = self.url()
        while url == before and time.monotonic() < end:
            time.sleep(0.1)
            url = self.url()
        return url

    def quit(self) -> None:
        try:
            self.s("DELETE", "")
        finally:
            self.proc.terminate()
            self.proc.wait(10)
            self.log.close()


@pytest.fixture
def browser(tmp_path):
    if shutil.which("chromedriver") is None or not shutil.which(CHROMIUM):
        pytest.skip("chromium and chromium-driver are not installed (scripts/install.sh --dev)")
    driver = Driver(tmp_path)
    yield driver
    driver.quit()


def _non_blank(image: Image.Image) -> bool:
    """More than a background: many colours, and dark pixels (text) on a good share."""
    small = image.convert("RGB").resize((320, 250))
    colours = small.getcolors(maxcolors=1 << 16) or []
    dark = sum(n for n, (r, g, b) in colours if r + g + b < 300)
    return len(colours) > 20 and dark > 200


def test_pages_render_in_chromium(server, station, browser, tmp_path):
    st = station("R")
    ids = st.intake(2)
    st.grade(ids[0], "latitude-e5410-failing-disk")
    st.json("sync", "push")

    browser.go(server.url + "/inventory")
    assert "/login" in browser.url()
    shot = browser.screenshot()
    assert _non_blank(shot) and "Se connecter" in browser.text()
    browser.type("#login", "coord")
    browser.type("#password", PASSWORDS["coord"][1])
    login_url = browser.url()
    browser.click("#submit")
    assert browser.url_after_submit(login_url).endswith("/inventory")
    pages = {
        "/inventory?station=TRI-R": [ids[0], "Latitude E5410", "Inventaire"],
        f"/machines/{ids[0]}": [ids[0], "Historique", "MSK423Y20S3HBC", "Diagnostiqué"],
        "/stations": ["TRI-R", "Postes et état de leur synchronisation", "Approuver le poste"],
        "/matches": ["Rapprochements à décider"],
        "/figures?station=TRI-R": ["Machines par mois", "TRI-R", "XLSX"],
        "/lots": ["Entreprise X", "Lots"],
        f"/m/{ids[0]}": ["Latitude E5410", "Reconditionné par Atelier R"],
    }
    for path, wanted in pages.items():
        browser.go(server.url + path)
        text = browser.text()
        for key in wanted:
            assert key in text, (path, key, text[:400])
        shot = browser.screenshot()
        name = path.strip("/").split("?")[0].replace("/", "_")
        shot.save(tmp_path / f"{name}.png")
        assert shot.size[0] >= 1000 and _non_blank(shot), path
    # The public page says nothing of who gave it.
    assert "Entreprise X" not in text and "MSK423Y20S3HBC" not in text
