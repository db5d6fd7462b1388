"""The demo page in a real browser: Debian's Chromium driven by Selenium (nothing downloaded).

Skipped when Chromium or chromedriver is missing, except under CI=true, where .ci/run installs
them and a missing browser is a failure. Saves the screenshot the README shows.
"""

import base64
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "demo.png"
PACE = 1.2  # Telegram's one message per second per chat, which the local Bot API enforces
WAIT = 20.0

selenium = pytest.importorskip("selenium")
from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402


def _browser_missing() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    return None


@pytest.fixture
def demo_address(tmp_path: Path) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", "--port", "0"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert found, line
        yield found.group(0)
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    missing = _browser_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,900",
        "--lang=ru",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads)})
    # An explicit driver path: selenium-manager never runs, so nothing is downloaded.
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(
    driver: WebDriver, css: str, text: str | None = None, seconds: float = WAIT
) -> WebElement:
    """The last element matching ``css`` (containing ``text``), once it is there."""

    def found(_driver: WebDriver) -> WebElement | bool:
        elements = driver.find_elements(By.CSS_SELECTOR, css)
        if text is not None:
            elements = [e for e in elements if text in e.text]
        return elements[-1] if elements else False

    waiting: WebDriverWait[WebDriver] = WebDriverWait(
        driver, seconds, ignored_exceptions=[StaleElementReferenceException]
    )
    element = waiting.until(found)
    assert isinstance(element, WebElement)
    return element


def click(driver: WebDriver, css: str, text: str | None = None, *, pace: bool = True) -> None:
    """Click the last element matching; the page re-renders as it polls, so find it afresh."""
    if pace:
        time.sleep(PACE)
    for _attempt in range(20):
        try:
            wait_for(driver, css, text).click()
        except StaleElementReferenceException:
            time.sleep(0.1)
        else:
            return
    pytest.fail(f"{css} {text!r} kept going stale")


def persona(driver: WebDriver, key: str) -> None:
    click(driver, f'#persona-list li[data-persona="{key}"]', pace=False)
    wait_for(driver, f'#persona-list li.active[data-persona="{key}"]')


def write(driver: WebDriver, text: str) -> None:
    time.sleep(PACE)
    box = driver.find_element(By.ID, "text")
    box.send_keys(text)
    driver.find_element(By.ID, "send").click()


def test_the_demo_page_in_chromium(demo_address: str, browser: WebDriver, tmp_path: Path) -> None:
    driver = browser
    driver.get(demo_address)
    wait_for(driver, "#persona-list li", "Министерство — администратор")

    # Personas are one click apart, each with its own history.
    persona(driver, "staff")
    wait_for(driver, "#messages .msg", "Добро пожаловать")
    persona(driver, "admin")

    # The admin invites the coordinator of «МБОУ СОШ № 3».
    write(driver, "/invite")
    click(driver, '.keyboard button[data-data^="iv1:m:"]')
    click(driver, ".keyboard button", "altai-gia-2024")
    for _page in range(20):
        time.sleep(PACE)
        labels = [b.text for b in driver.find_elements(By.CSS_SELECTOR, ".keyboard button")]
        if "МБОУ СОШ № 3" in labels:
            click(driver, '.keyboard button[data-text="МБОУ СОШ № 3"]')
            break
        click(driver, ".keyboard button", "▶️")

    # The invitation opens as another persona.
    click(driver, "#messages a.deep-link")
    click(driver, '#deeplink-personas button[data-persona="coordinator"]', pace=False)
    wait_for(driver, '#persona-list li.active[data-persona="coordinator"]')
    wait_for(driver, "#messages .msg", "Теперь вы отчитываетесь за «МБОУ СОШ № 3»")

    # Her assignments, one opened, «✅ Выполнено» tapped: the toast shows, the card is edited.
    write(driver, "/my")
    click(driver, '.keyboard button[data-data^="a1:"]')
    click(driver, ".keyboard button", "✅ Выполнено")
    toast = wait_for(driver, "#toast:not([hidden])")
    assert toast.text == "Отмечено как выполненное."
    wait_for(driver, "#messages .meta", "изменено")

    # The clock moves: her reminder digest arrives in seconds.
    click(driver, 'button.quick[data-moment="2024-04-01T09:00"]', pace=False)
    wait_for(driver, "#clock", "01.04.2024")
    wait_for(driver, "#messages .msg", "🔔 Напоминание")
    assert "Вызовы Bot API" in driver.find_element(By.ID, "log").text
    wait_for(driver, "#calls li", "sendMessage")

    # Staff download the report.
    persona(driver, "staff")
    write(driver, "/report")
    # The report builds a workbook and a chart: on a loaded CI machine that takes a while.
    name = wait_for(driver, "#messages a.download", ".xlsx", seconds=90).text
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    persona(driver, "coordinator")
    time.sleep(1)
    driver.execute_script("document.querySelectorAll('aside').forEach((a) => a.scrollTop = 0)")
    driver.save_screenshot(str(SCREENSHOT))
    persona(driver, "staff")
    click(driver, "#messages a.download", ".xlsx", pace=False)
    saved = tmp_path / "downloads" / name
    deadline = time.monotonic() + WAIT
    while not saved.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert saved.read_bytes().startswith(b"PK"), "the XLSX report did not download"
    assert shutil.disk_usage(SCREENSHOT.parent).free > 0 and SCREENSHOT.stat().st_size > 10_000


IMAGES = SCREENSHOT.parent
SHOW_STEPS = """
(() => {
  const wraps = [...document.querySelectorAll('#messages .wrap')];
  const last = wraps.findLastIndex((w) => w.textContent.includes(arguments[0]));
  if (last < 0) return null;
  const first = Math.max(0, last - arguments[1]);
  wraps[last].scrollIntoView({block: 'end'});
  const top = wraps[first].getBoundingClientRect(), bottom = wraps[last].getBoundingClientRect();
  const chat = document.getElementById('messages').getBoundingClientRect();
  return {x: chat.left, y: Math.max(chat.top, top.top - 8), width: chat.width,
          height: Math.min(chat.bottom, bottom.bottom + 8) - Math.max(chat.top, top.top - 8)};
})()
""".strip()


def snap(driver: WebDriver, text: str, name: str, before: int = 1) -> Path:
    """Save the chat from ``before`` messages above the last one containing ``text`` down to it,
    as the page draws it (the Chrome DevTools screenshot of that rectangle)."""
    wait_for(driver, "#messages .wrap", text)
    time.sleep(1)
    rect = driver.execute_script("return " + SHOW_STEPS, text, before)
    assert rect, text
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "clip": {**rect, "scale": 1}}
    )
    path = IMAGES / name
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


@pytest.mark.skipif(
    os.environ.get("DEMO_SCREENSHOTS") != "1", reason="DEMO_SCREENSHOTS=1 redraws the README's"
)
def test_readme_screenshots(demo_address: str, browser: WebDriver) -> None:
    """The digest, /my and /overdue as Рязанов М.А. and ministry staff see them on 11 March."""
    driver = browser
    # A tall page, so a long reply fits whole: a headless window is only as tall as its screen.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1400, "height": 2400, "deviceScaleFactor": 1, "mobile": False},
    )
    driver.get(demo_address)
    wait_for(driver, "#persona-list li", "Рязанов М.А.")

    persona(driver, "official")
    click(driver, 'button.quick[data-moment="2024-03-11T09:00"]', pace=False)
    wait_for(driver, "#clock", "11.03.2024")
    digest = snap(driver, "🔔 Напомина", "digest.png", before=0)

    write(driver, "/my")
    my = snap(driver, "Ваши задания", "my.png")

    persona(driver, "staff")
    write(driver, "/overdue")
    overdue = snap(driver, "⏰ Просрочено", "overdue.png")
    for path in (digest, my, overdue):
        assert path.stat().st_size > 10_000, path
