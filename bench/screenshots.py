"""Screenshots of every page at 1440×900 light, 1440×900 dark and 390×844, for review.

    .venv/bin/python bench/screenshots.py                  # starts its own demo dashboard
    .venv/bin/python bench/screenshots.py --out /tmp/shots --only sessions,replay
    .venv/bin/python bench/screenshots.py --url http://127.0.0.1:8011 \
        --username demo --password oakdash-demo           # a dashboard already running

Without ``--url`` it runs the dashboard under gunicorn on the embedded demo backend (a temporary
SQLite database and static folder, a user holding the demo key: ``tests/support/processes.py``).
Pages are shot whole (full height) in headless Chromium with the browser in Europe/Berlin, so
times show a non-UTC zone. Files: ``<out>/<setting>/<page>.png`` (default ``bench/out/screenshots``,
git-ignored). Console errors and Content-Security-Policy violations seen on a page are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.processes import User, dashboard_process  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
TIMEZONE = "Europe/Berlin"


@dataclass(frozen=True)
class Setting:
    name: str
    width: int
    height: int
    scheme: str  # "light" or "dark"


SETTINGS = (
    Setting("desktop-light", 1440, 900, "light"),
    Setting("desktop-dark", 1440, 900, "dark"),
    Setting("phone", 390, 844, "light"),
)

# Collects CSP violations in the page (checked after every page: htmx swaps included).
CSP_LISTENER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", e =>
    window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline")));
"""


def record_error(message, errors: list[str]) -> None:
    # An error page's own status (404, 400) is logged as a failed load: that is the page, not a bug.
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        errors.append(message.text)


def discover(page, base: str) -> dict[str, str]:
    """Paths of one session, visitor and replay of the demo project (read off the list pages)."""
    page.goto(base + "/sessions/?range=7d&limit=50")
    session = page.locator("[data-session-id] a[href^='/sessions/']").first.get_attribute("href")
    visitor = page.locator("a.visitor-link").first.get_attribute("href")
    page.goto(base + "/replays/?limit=25")
    replay = page.locator("[data-replay-id] a[href^='/replays/']").first.get_attribute("href")
    return {"session": session, "visitor": visitor, "replay": replay}


def pages(found: dict[str, str]) -> list[tuple[str, str]]:
    return [
        ("overview", "/?range=7d"),
        ("overview-24h", "/?range=24h"),
        ("sessions", "/sessions/?range=7d"),
        ("sessions-filtered", "/sessions/?range=30d&limit=200&device=Mobile&sort=-duration"),
        ("session", found["session"]),
        ("visitor", found["visitor"]),
        ("journey", "/journey/?range=7d"),
        ("live", "/live/"),
        ("events", "/events/"),
        ("replays", "/replays/"),
        ("replay", found["replay"]),
        ("settings", "/settings/"),
        ("not-found", "/sessions/no-such-session/"),
        ("bad-request", "/sessions/?range=1y"),
    ]


def shoot(page, base: str, name: str, path: str, target: Path) -> list[str]:
    page.goto(base + path)
    page.wait_for_load_state("networkidle")
    if name == "replay":
        with contextlib.suppress(Exception):
            page.wait_for_selector("[data-state='ready'], #replay-error:not([hidden])")
    elif name.startswith("overview"):
        with contextlib.suppress(Exception):
            page.wait_for_function(
                "() => window.Chart && Chart.getChart(document.querySelector("
                "'[data-overview-chart]'))"
            )
    time.sleep(0.3)  # fonts, chart animation frames
    page.screenshot(path=str(target), full_page=True)
    return page.evaluate("window.__csp || []")


def login(context, base: str, username: str, password: str) -> None:
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.close()


@contextlib.contextmanager
def own_dashboard() -> Iterator[tuple[str, str, str]]:
    from oakdash.demo.projects import ACME_SECRET_KEY

    user = User("shots", ACME_SECRET_KEY)
    with (
        tempfile.TemporaryDirectory(prefix="oakdash-shots-") as tmp,
        dashboard_process(Path(tmp), "demo", [user], threads=8) as dash,
    ):
        yield dash.url, user.username, user.password


def run(base: str, username: str, password: str, out: Path, only: set[str]) -> int:
    from playwright.sync_api import sync_playwright

    problems = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        found: dict[str, str] | None = None
        for setting in SETTINGS:
            folder = out / setting.name
            folder.mkdir(parents=True, exist_ok=True)
            context = browser.new_context(
                viewport={"width": setting.width, "height": setting.height},
                color_scheme=setting.scheme,
                timezone_id=TIMEZONE,
            )
            context.add_init_script(CSP_LISTENER)
            login(context, base, username, password)
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m, errors=errors: record_error(m, errors))
            if found is None:
                found = discover(page, base)
            shots = [(n, p) for n, p in pages(found) if not only or n in only]
            if not only or "login" in only:
                shots.append(("login", "/accounts/login/"))
            for name, path in shots:
                if name == "login":
                    context.clear_cookies()
                errors.clear()
                violations = shoot(page, base, name, path, folder / f"{name}.png")
                if violations or errors:
                    problems += 1
                    print(f"  {setting.name}/{name}: CSP {violations} console {errors}")
            print(f"{setting.name}: {len(shots)} pages -> {folder}")
            context.close()
        browser.close()
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running dashboard (default: start one on the demo)")
    parser.add_argument("--username", default="demo")
    parser.add_argument("--password", default="oakdash-demo")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "screenshots")
    parser.add_argument("--only", default="", help="comma-separated page names")
    args = parser.parse_args()
    only = {name for name in args.only.split(",") if name}
    if args.url:
        problems = run(args.url.rstrip("/"), args.username, args.password, args.out, only)
    else:
        with own_dashboard() as (url, username, password):
            problems = run(url, username, password, args.out, only)
    print(f"screenshots in {args.out}" + (f"; {problems} pages had problems" if problems else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
